// The search entry point: question and scope in, ranked passages and the decision to answer out.
// Candidates come from both legs and are fused; the best of them are re-ranked by what predicts that a
// passage answers the question (search/features.ts, weights learned in scripts/train-ranker.ts); the
// abstention model then decides whether the best passage answers at all.
import type { Embedder } from '../embed/model.js';
import type { ArticleRecord, Scope, Store } from '../store/types.js';
import { ABSTAIN_FEATURES, abstainFeatures, followFeatures } from './abstain.js';
import { expectedType, qualifiedTerms, typeWords } from './answer-type.js';
import { featuresOf, type QuestionInfo } from './features.js';
import { fuse, FUSION, type Fused } from './fuse.js';
import type { Rarity } from './keyword.js';
import { models, probability, score, sigmoid, type AbstainModel, type Models } from './model.js';
import { evidenceOf, isAnswerable, RANK_DEFAULTS, selectPassages, type Evidence } from './rank.js';
import { questionNames, withoutNames } from './names.js';
import { retrieve, TELLING_SHARE } from './retrieve.js';
import { questionTime, timeLabel, withoutNow, type TimeAsk } from './time.js';
import { orderInTime, passageTime, relevantOf } from './when.js';
import { contextOf, NO_CONTEXT, REACH, type Context } from './window.js';
import { mentionedDates, overlaps, spanOf, type DaySpan } from '../text/dates.js';
import { lowerWords } from '../text/normalize.js';
import { analyze } from '../text/terms.js';

export interface SearchResult {
  terms: string[];
  answered: boolean;
  /**
   * Not answered, but the closest passage is worth showing as such: the evidence is mixed, or the question
   * asks about a time no article speaks of (`note` says which).
   */
  tentative: boolean;
  /** Why the answer is tentative or missing, in words for the reader. */
  note: string | null;
  /** What the question asks about in time, as understood (null: nothing). */
  time: TimeAsk | null;
  evidence: Evidence;
  /** The abstention model's probability that the best passage answers the question (null without it). */
  confidence: number | null;
  /** The passages worth quoting, best first, whether or not the answer is given. */
  selected: Fused[];
  /** How many of `selected` to show at first: the best, and each after it that bears on the question too. */
  shown: number;
  /** The passages beside the first of `selected` in its article, shown with it (window.ts). */
  context: Context;
  /** The cosine of the question with each sentence of the re-ranked passages, by passage id. */
  sentenceCosines: ReadonlyMap<number, readonly number[]>;
  /** Everything, best first: the re-ranked top, then the rest as fused. */
  ranking: Fused[];
  rarity: Rarity;
  /** The articles of the re-ranked candidates, by id, as read for their titles (the answer cites them). */
  articles: ReadonlyMap<number, ArticleRecord>;
  /** Which of the question's terms each candidate's article holds, by article id. */
  articleTerms: ReadonlyMap<number, ReadonlySet<string>>;
  /** What the models saw (for training and evaluation). */
  features: { question: QuestionInfo; candidates: number[][]; abstain: number[] };
}

/** Overrides for evaluation and tuning; the product uses the defaults. */
export interface SearchOptions {
  denseWeight?: number;
  fusion?: typeof FUSION;
  rank?: typeof RANK_DEFAULTS;
  depth?: number;
  /** Other models (an ablation, a fold of cross-validation); `null` parts fall back to the hand rules. */
  models?: Models;
  /** How many of the fused candidates the re-ranker reorders (default RERANK_DEPTH). */
  rerankDepth?: number;
  /** Only articles dated within these days (`ask --since/--until`); articles with no known year are left out. */
  within?: DaySpan;
  /** The question's time, when the caller has read it already (null: ignore time); default from the question. */
  time?: TimeAsk | null;
}

/** Candidates from each leg when the articles are narrowed to a period: many of the nearest fall outside. */
const WITHIN_DEPTH = 120;

/** Whether an article's date (with a year) falls within a period. */
export function datedWithin(date: string | null, within: DaySpan): boolean {
  const span = spanOf(date); // null without a year
  return !!span && overlaps(span, within);
}

/**
 * Below the abstention threshold but at least this probable, the closest passage is shown as a tentative
 * reply ("This may not answer your question") rather than refused: out of fold, refusing only below 0.2
 * refuses 2.1% of SQuAD's answerable questions and none of the news, paraphrased, dev or invented ones
 * (docs/benchmarks.md, "Abstention, the trade-off"), where refusing below the threshold hid 7–14%.
 */
export const TENTATIVE_FROM = 0.15;
/**
 * The first quote "clearly answers" from this probability (or when the answer is stated in the question's
 * words); below it, the quotes after it are shown unless they are padding (CLOSE_CALL_FOLLOW).
 */
export const CLEAR_ANSWER = 0.9;
/** The follow-up model's bar for a quote after the first when the first is not clearly the answer. */
export const CLOSE_CALL_FOLLOW = 0.3;

/** How many fused candidates the reranker reorders. */
export const RERANK_DEPTH = 30;
/**
 * Candidates from each leg. As deep as the reranker: 50 measured the same on every evaluation (SQuAD,
 * news pages, dev questions) and on SQuAD among 100,000 passages (top-1 0.759 at 50, 0.765 at 30), and
 * cost reading and scoring a third more passages per question.
 */
export const SEARCH_DEPTH = RERANK_DEPTH;

function questionInfo(question: string, rarity: Rarity): QuestionInfo {
  const terms = [...new Set(analyze(question))];
  return {
    terms,
    rarity,
    names: questionNames(question).map((n) => [...new Set(analyze(n))]).filter((n) => n.length),
    type: expectedType(question),
    typeWords: typeWords(question),
    qualified: qualifiedTerms(question),
    words: new Set(lowerWords(question).map((w) => w.replace(/['’]s$/, ''))),
  };
}

export async function search(store: Store, embedder: Embedder, scope: Scope, question: string, k: number, opts: SearchOptions = {}): Promise<SearchResult> {
  const time = opts.time === undefined ? questionTime(question) : opts.time;
  // "The most recent dialogue": what "most recent" asks is answered by the dates (below), not by passages
  // that happen to say "recent".
  const lexical = time?.kind === 'latest' ? withoutNow(question) : question;
  const terms = analyze(lexical);
  // onnxruntime runs the model on this thread: the question is embedded after the keyword query is on its
  // way to the side thread, which starts on it meanwhile.
  const query = { terms, embed: () => embedder.embedQuery(question), type: expectedType(question) };
  const retrieved = await retrieve(store, scope, query, opts.depth ?? (opts.within ? WITHIN_DEPTH : SEARCH_DEPTH));
  const { vector, rarity, articleTerms, sentenceTerms } = retrieved;
  let { candidates } = retrieved;
  if (opts.within) {
    const within = opts.within;
    const dated = await store.articlesById([...new Set(candidates.map((c) => c.passage.articleId))]);
    candidates = candidates.filter((c) => datedWithin(dated.get(c.passage.articleId)?.date ?? null, within));
  }
  let ranking = fuse(candidates, opts.denseWeight ?? embedder.preset.denseWeight, opts.fusion ?? FUSION);
  const m = opts.models ?? models(embedder.modelId);
  const depth = opts.rerankDepth ?? RERANK_DEPTH;
  // The passages an article named by the question brought (retrieve.ts) are judged wherever fusion put them.
  const beyond = ranking.slice(depth);
  const head = [...ranking.slice(0, depth), ...beyond.filter((f) => retrieved.siblings.has(f.id))];
  ranking = [...head, ...beyond.filter((f) => !retrieved.siblings.has(f.id))];
  // The question without its names ("How much debt does Vostrel Holdings carry?" → "How much debt does
  // carry?"): which sentence speaks of what is asked, whoever it is about. Invented or rare names weigh
  // heavily in a sentence vector, so that the sentence naming the subject looks near whatever is asked.
  const detail = withoutNames(question);
  const detailVector = detail ? await embedder.embedQuery(detail) : null;
  const ids = head.map((f) => f.id);
  const [articles, before, [sentenceCosines, detailCosines]] = await Promise.all([
    store.articlesById([...new Set(head.map((f) => f.passage.articleId))]),
    // An article's passages are stored in order, one id after another: the one before has the id before.
    store.passageTerms(head.map((f) => f.id - 1)),
    store.sentenceSimilarity(ids, detailVector ? [vector, detailVector] : [vector]),
  ]);
  const q = questionInfo(lexical, rarity);
  const titles = new Map([...articles.values()].map((a) => [a.id, a.title]));
  const previous = new Map(head.flatMap((f) => {
    const p = before.get(f.id - 1);
    return p && p.articleId === f.passage.articleId ? [[f.id, p.terms] as const] : [];
  }));
  const feats = featuresOf(head, q, { articleTerms, titles, previous, sentenceTerms, sentenceCosines, detailCosines: detailCosines ?? sentenceCosines }).map((f) => f.values);
  let scores = head.map((f) => f.score);
  if (m.ranker && head.length) {
    const ranker = m.ranker;
    const order = head.map((f, i) => ({ f, x: feats[i], s: score(ranker, feats[i]) })).sort((a, b) => b.s - a.s || a.f.id - b.f.id);
    ranking = [...order.map((o) => ({ ...o.f, score: sigmoid(o.s) })), ...ranking.slice(head.length)];
    feats.splice(0, feats.length, ...order.map((o) => o.x));
    scores = order.map((o) => o.s);
  }
  const top = ranking[0];
  const evidence = evidenceOf(top, top ? (articleTerms.get(top.passage.articleId) ?? new Set()) : new Set(), terms, rarity, opts.rank);
  const abstain = abstainFeatures(q, feats, scores);
  let answered: boolean;
  let confidence: number | null = null;
  // An answer stated in the question's own words (its names, its words, the kind of thing it asks for, in
  // one sentence of one of the best passages) is never withheld, whatever the model makes of the rest.
  const stated = abstain[ABSTAIN_FEATURES.indexOf('stated')] > 0;
  if (m.abstain && top) {
    confidence = probability(m.abstain, abstain);
    answered = (stated || confidence >= m.abstain.threshold) && evidence.terms > 0;
  } else {
    answered = isAnswerable(evidence, opts.rank);
  }
  let tentative = !answered && confidence !== null && confidence >= TENTATIVE_FROM && evidence.terms > 0;
  let note: string | null = null;
  const clear = stated || (confidence !== null && confidence >= CLEAR_ANSWER);
  // A passage whose article does not hold a telling name the question gives (the University of Voushstead)
  // is not about what is asked, however near its words: the passages of articles that hold them come
  // first, each group in the reranker's order. After the decision to answer, which this does not move.
  // Measured on reworded questions about invented articles, three seeds: first quote +7 to +12 of 240,
  // shown +7 to +10, 5–7% fewer characters; news, reworded news, SQuAD and plain questions unchanged.
  const named = namesIn(q, articleTerms);
  // Puts the ranking in `order` (each of its indexes once), and the re-ranked head's scores and features.
  const reorder = (order: readonly number[]) => {
    const headOrder = order.filter((i) => i < scores.length);
    const [r0, s0, f0] = [ranking, scores, feats.slice()];
    ranking = order.map((i) => r0[i]);
    scores = headOrder.map((i) => s0[i]);
    feats.splice(0, feats.length, ...headOrder.map((i) => f0[i]));
  };
  if (scores.length) {
    const idx = [...ranking.keys()];
    const inHead = idx.slice(0, scores.length);
    reorder([...inHead.filter((i) => named(ranking[i])), ...inHead.filter((i) => !named(ranking[i])), ...idx.slice(scores.length)]);
  }
  // Time decides among the passages that answer about as well as the best; whether the question can be
  // answered at all was decided above, on the ranking by meaning.
  if (time && scores.length) {
    const headNow = ranking.slice(0, scores.length);
    let times = headNow.map((f) => passageTime(f, articles.get(f.passage.articleId)));
    if (time.kind === 'latest' || time.kind === 'earliest') {
      const undated = [...new Set(relevantOf(headNow, undefined, named).filter((i) => !times[i].article).map((i) => headNow[i]))];
      const mentions = await articleMentions(store, undated, articles);
      times = headNow.map((f, i) => (times[i].article ? times[i] : passageTime(f, articles.get(f.passage.articleId), mentions.get(f.passage.articleId))));
    }
    const r = orderInTime(ranking, times, time, named);
    const moved = ranking[r.order[0]].passage.articleId !== ranking[0].passage.articleId;
    if (moved && (time.kind === 'latest' || time.kind === 'earliest')) leadByDetail(r.order, ranking, detailCosines ?? sentenceCosines);
    reorder(r.order);
    if (!r.covered && (answered || tentative)) {
      answered = false;
      tentative = true;
      note = `No article here speaks of ${timeLabel(time)}; the closest passage:`;
    }
  }
  // Chosen with room to spare: the passages the first one's context shows are not quoted again after it.
  // A first passage that clearly answers (in the question's own words, or with the model sure) needs no
  // context: the same answers are shown with a third fewer characters on the news pages.
  const pool = selectPassages(ranking, k + 2 * REACH, opts.rank);
  const context = pool[0] && !clear ? await contextOf(store, embedder.modelId, vector, pool[0].passage) : NO_CONTEXT;
  const inContext = new Set([...context.before, ...context.after].map((p) => p.id));
  const selected = pool.filter((f, i) => i === 0 || !inContext.has(f.id)).slice(0, k);
  const position = new Map(ranking.slice(0, scores.length).map((f, i) => [f.id, i]));
  return {
    terms,
    answered,
    tentative,
    note,
    time,
    evidence,
    confidence,
    selected,
    shown: m.follow ? worthShowing(m.follow, selected, position, scores, feats, clear ? m.follow.threshold : CLOSE_CALL_FOLLOW) : selected.length,
    context,
    ranking,
    rarity,
    articles,
    articleTerms,
    sentenceCosines,
    features: { question: q, candidates: feats, abstain },
  };
}

/**
 * When time chose another article than meaning did, its passages that lead `order` are put in the order of
 * how near their nearest sentence is to what is asked (the question without its names): the article was
 * chosen for naming the 12th dialogue, and among its passages the one that says what was agreed answers,
 * not the one that names the dialogue again.
 */
function leadByDetail(order: number[], ranking: readonly Fused[], detail: ReadonlyMap<number, readonly number[]>): void {
  const article = ranking[order[0]].passage.articleId;
  let n = 0;
  while (n < order.length && ranking[order[n]].passage.articleId === article) n++;
  const near = (i: number) => Math.max(-1, ...(detail.get(ranking[i].id) ?? []));
  const lead = order.slice(0, n).sort((a, b) => near(b) - near(a) || a - b);
  order.splice(0, n, ...lead);
}

/**
 * Whether a passage's article names what the question names: the rarest word of each telling name, which
 * tells the Plivstead Rowing Club from every other rowing club. Names most articles share ("Vietnam",
 * which some spell "Viet Nam") tell nothing and are not required.
 */
export function namesIn(q: QuestionInfo, articleTerms: ReadonlyMap<number, ReadonlySet<string>>): (f: Fused) => boolean {
  const { df, docs } = q.rarity.stats;
  const rarest = q.names
    .map((name) => name.reduce((a, b) => (q.rarity.idf(b) > q.rarity.idf(a) ? b : a)))
    .filter((t) => (df.get(t) ?? 0) <= TELLING_SHARE * docs);
  return (f) => {
    const held = articleTerms.get(f.passage.articleId);
    return rarest.every((t) => held?.has(t));
  };
}

/**
 * The dates each article of `passages` mentions anywhere (read from its other passages): where an article's
 * page printed no year, they place it in time. An article's passages have consecutive ids.
 */
export async function articleMentions(store: Store, passages: readonly Fused[], articles: ReadonlyMap<number, ArticleRecord>): Promise<Map<number, DaySpan[]>> {
  const ids = new Set<number>();
  for (const f of passages) {
    const n = articles.get(f.passage.articleId)?.passages ?? 0;
    for (let id = f.id - n + 1; id < f.id + n; id++) ids.add(id);
  }
  const out = new Map<number, DaySpan[]>();
  if (!ids.size) return out;
  for (const p of (await store.passages([...ids])).values()) {
    const a = articles.get(p.articleId);
    if (!a || !passages.some((f) => f.passage.articleId === p.articleId)) continue;
    out.set(p.articleId, [...(out.get(p.articleId) ?? []), ...mentionedDates(p.text, a.date)]);
  }
  return out;
}

/**
 * How many of the selected passages to show: the first always, then each that the follow-up model judges
 * to bear on the question too (an answer in it, or the answer's article speaking of the question's subject;
 * scripts/train-ranker.ts), stopping at the first that does not.
 */
function worthShowing(model: AbstainModel, selected: readonly Fused[], position: ReadonlyMap<number, number>, scores: readonly number[], feats: readonly (readonly number[])[], bar: number): number {
  let n = Math.min(1, selected.length);
  for (; n < selected.length; n++) {
    const i = position.get(selected[n].id);
    if (i === undefined) break; // beyond the re-ranked head: not judged, not shown at first
    if (probability(model, followFeatures(feats, scores, i)) < bar) break;
  }
  return n;
}
