// The search entry point: question and scope in, ranked passages and the decision to answer out.
// Candidates come from both legs and are fused; the best of them are re-ranked by what predicts that a
// passage answers the question (search/features.ts, weights learned in scripts/train-ranker.ts); the
// abstention model then decides whether the best passage answers at all.
import type { Embedder } from '../embed/model.js';
import type { ArticleRecord, Scope, Store } from '../store/types.js';
import { abstainFeatures } from './abstain.js';
import { expectedType } from './answer-type.js';
import { featuresOf, type QuestionInfo } from './features.js';
import { fuse, FUSION, type Fused } from './fuse.js';
import type { Rarity } from './keyword.js';
import { linear, models, sigmoid, type Models } from './model.js';
import { evidenceOf, isAnswerable, RANK_DEFAULTS, selectPassages, type Evidence } from './rank.js';
import { questionNames } from './names.js';
import { retrieve } from './retrieve.js';
import { analyze } from '../text/terms.js';

export interface SearchResult {
  terms: string[];
  answered: boolean;
  evidence: Evidence;
  /** The abstention model's probability that the best passage answers the question (null without it). */
  confidence: number | null;
  /** The passages worth quoting, best first, whether or not the answer is given. */
  selected: Fused[];
  /** Everything, best first: the re-ranked top, then the rest as fused. */
  ranking: Fused[];
  rarity: Rarity;
  /** The articles of the re-ranked candidates, by id, as read for their titles (the answer cites them). */
  articles: ReadonlyMap<number, ArticleRecord>;
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
}

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
    words: new Set(question.toLowerCase().match(/[\p{L}\p{N}'’-]+/gu)?.map((w) => w.replace(/['’]s$/, '')) ?? []),
  };
}

export async function search(store: Store, embedder: Embedder, scope: Scope, question: string, k: number, opts: SearchOptions = {}): Promise<SearchResult> {
  const terms = analyze(question);
  // onnxruntime runs the model on this thread: the question is embedded after the keyword query is on its
  // way to the side thread, which starts on it meanwhile.
  const query = { terms, embed: () => embedder.embedQuery(question), type: expectedType(question) };
  const { candidates, rarity, articleTerms, sentenceTerms } = await retrieve(store, scope, query, opts.depth ?? SEARCH_DEPTH);
  let ranking = fuse(candidates, opts.denseWeight ?? embedder.preset.denseWeight, opts.fusion ?? FUSION);
  const m = opts.models ?? models();
  const head = ranking.slice(0, RERANK_DEPTH);
  const [articles, before] = await Promise.all([
    store.articlesById([...new Set(head.map((f) => f.passage.articleId))]),
    // An article's passages are stored in order, one id after another: the one before has the id before.
    store.passageTerms(head.map((f) => f.id - 1)),
  ]);
  const q = questionInfo(question, rarity);
  const titles = new Map([...articles.values()].map((a) => [a.id, a.title]));
  const previous = new Map(head.flatMap((f) => {
    const p = before.get(f.id - 1);
    return p && p.articleId === f.passage.articleId ? [[f.id, p.terms] as const] : [];
  }));
  const feats = featuresOf(head, q, { articleTerms, titles, previous, sentenceTerms }).map((f) => f.values);
  let scores = head.map((f) => f.score);
  if (m.ranker && head.length) {
    const ranker = m.ranker;
    const order = head.map((f, i) => ({ f, x: feats[i], s: linear(ranker, feats[i]) })).sort((a, b) => b.s - a.s || a.f.id - b.f.id);
    ranking = [...order.map((o) => ({ ...o.f, score: sigmoid(o.s) })), ...ranking.slice(RERANK_DEPTH)];
    feats.splice(0, feats.length, ...order.map((o) => o.x));
    scores = order.map((o) => o.s);
  }
  const top = ranking[0];
  const evidence = evidenceOf(top, top ? (articleTerms.get(top.passage.articleId) ?? new Set()) : new Set(), terms, rarity, opts.rank);
  const abstain = abstainFeatures(q, feats, scores);
  let answered: boolean;
  let confidence: number | null = null;
  if (m.abstain && top) {
    confidence = sigmoid(linear(m.abstain, abstain));
    answered = confidence >= m.abstain.threshold && evidence.terms > 0;
  } else {
    answered = isAnswerable(evidence, opts.rank);
  }
  return {
    terms,
    answered,
    evidence,
    confidence,
    selected: selectPassages(ranking, k, opts.rank),
    ranking,
    rarity,
    articles,
    features: { question: q, candidates: feats, abstain },
  };
}
