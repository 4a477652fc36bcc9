// What predicts that a passage answers a question, as numbers: each leg's score and rank, how much of the
// question (weighted by rarity) the passage, its best sentence, its article and its title hold, whether the
// question's rarest words and proper names are there, how close together the matched words sit, whether
// the kind of answer asked for (a date, a person, a sum) is in the passage and in its best sentence, and
// the passage's length and place in its article. The reranker and the abstention model weigh them.
import { lowerWords } from '../text/normalize.js';
import { analyze, countTerms, termsBySentence } from '../text/terms.js';
import { tagsHold, textHolds, type AnswerType } from './answer-type.js';
import type { Fused } from './fuse.js';
import type { Rarity } from './keyword.js';

export const FEATURES = [
  'bm25',
  'cosine',
  'cosineRel',
  'fused',
  'coverage',
  'withPrevious',
  'context',
  'rare',
  'rareArticle',
  'names',
  'namesArticle',
  'bestSentence',
  'proximity',
  'typeInPassage',
  'typeInSentence',
  'typedSentence',
  'title',
  'length',
  'kwRank',
  'denseRank',
  'lead',
  'echo',
  'sentence',
  'sentenceRel',
  'sentenceRank',
  'lexicalSentence',
  'typedMeaning',
  'articleMeaning',
  'residual',
  'residualSentence',
  'stated',
  'detail',
  'detailRel',
  'typedDetail',
] as const;
export type FeatureName = (typeof FEATURES)[number];

export interface QuestionInfo {
  /** Distinct analysed terms. */
  terms: string[];
  rarity: Rarity;
  /** Each proper name of the question, as analysed terms ("Leon Panetta" → [leon, panetta]). */
  names: string[][];
  type: AnswerType | null;
  /** Lower-cased words of the question, to tell a new name in a passage from one the question gave. */
  words: ReadonlySet<string>;
  /**
   * Terms that name the kind of answer rather than the subject ("which journal…", "in what year…"): the
   * sentence that answers says "the Fraivest Review" or "in 1865", not "journal" or "year".
   */
  typeWords?: readonly string[];
  /**
   * Words that narrow the noun after them to one instance ("first year", "next study", "former mayor"), with
   * that noun's term: a sentence states the answer only if it narrows it the same way.
   */
  qualified?: readonly (readonly [string, string])[];
}

export interface CandidateContext {
  /** Question terms each candidate's article holds. */
  articleTerms: ReadonlyMap<number, ReadonlySet<string>>;
  titles: ReadonlyMap<number, string>;
  /** The terms of the passage just before each candidate in its article (who "she" is, what "it" was). */
  previous: ReadonlyMap<number, readonly string[]>;
  /** Which question terms each sentence of a passage holds, where already known (by passage id). */
  sentenceTerms?: ReadonlyMap<number, readonly ReadonlySet<string>[]>;
  /** The cosine of the question with each sentence of a passage (by passage id), where stored. */
  sentenceCosines?: ReadonlyMap<number, readonly number[]>;
  /** The same for the question without its names (search/names.ts withoutNames). */
  detailCosines?: ReadonlyMap<number, readonly number[]>;
}

function share(terms: readonly string[], has: (t: string) => boolean, idf: (t: string) => number): number {
  let all = 0;
  let hit = 0;
  for (const t of terms) {
    const w = idf(t);
    all += w;
    if (has(t)) hit += w;
  }
  return all > 0 ? hit / all : 0;
}

/** The smallest stretch of a passage's terms holding every distinct question term it holds: matched / span. */
function proximity(terms: readonly string[], wanted: ReadonlySet<string>): number {
  const present = new Set(terms.filter((t) => wanted.has(t)));
  if (present.size <= 1) return present.size;
  const count = new Map<string, number>();
  let have = 0;
  let best = Infinity;
  let lo = 0;
  for (let hi = 0; hi < terms.length; hi++) {
    const t = terms[hi];
    if (!present.has(t)) continue;
    count.set(t, (count.get(t) ?? 0) + 1);
    if (count.get(t) === 1) have++;
    while (have === present.size) {
      best = Math.min(best, hi - lo + 1);
      const u = terms[lo++];
      if (present.has(u)) {
        count.set(u, count.get(u)! - 1);
        if (count.get(u) === 0) have--;
      }
    }
  }
  return present.size / best;
}

/** Whether `modifier` comes just before (at most one word before) a word with the term `term` in `sentence`. */
function qualifies(sentence: string, modifier: string, term: string): boolean {
  const words = lowerWords(sentence);
  for (let i = 0; i < words.length; i++) {
    if (words[i] !== modifier) continue;
    if (words.slice(i + 1, i + 3).some((w) => analyze(w)[0] === term)) return true;
  }
  return false;
}

/** Words of a sentence that the question does not have: whether it says anything beyond the question. */
function extraWords(sentence: string, questionWords: ReadonlySet<string>): number {
  let n = 0;
  for (const w of lowerWords(sentence)) if (w.length > 2 && !questionWords.has(w.replace(/['’]s$/, ''))) n++;
  return n;
}

export interface Features {
  values: number[];
  /** The sentence of the passage that holds the most of the question (offsets in the passage text). */
  best: { start: number; end: number };
}

/** Feature vectors of candidates (best first as fused), in FEATURES order. */
export function featuresOf(candidates: readonly Fused[], q: QuestionInfo, ctx: CandidateContext): Features[] {
  const idf = q.rarity.idf;
  const wanted = new Set(q.terms);
  const rarest = [...q.terms].sort((a, b) => idf(b) - idf(a)).slice(0, 2);
  const maxBm25 = Math.max(1e-9, ...candidates.map((c) => c.bm25));
  const maxCos = Math.max(1e-9, ...candidates.map((c) => c.cosine));
  const maxScore = Math.max(1e-9, ...candidates.map((c) => c.score));
  // By meaning, sentence by sentence: the answer usually sits in one sentence, which a whole passage's
  // vector dilutes. A passage stored without sentence vectors counts as one sentence.
  const cosines = candidates.map((c) => {
    const s = ctx.sentenceCosines?.get(c.id);
    return s && s.length === c.passage.sentences.length && s.length ? s : [c.cosine];
  });
  const bestMeaning = cosines.map((s) => Math.max(...s));
  const detail = candidates.map((c, i) => Math.max(...(ctx.detailCosines?.get(c.id) ?? cosines[i])));
  const maxDetail = Math.max(1e-9, ...detail);
  const maxMeaning = Math.max(1e-9, ...bestMeaning);
  const meaningRank = new Map([...bestMeaning.keys()].sort((a, b) => bestMeaning[b] - bestMeaning[a]).map((i, r) => [i, r]));
  // How near the question the article as a whole is: its nearest passage among the candidates.
  const articleCos = new Map<number, number>();
  for (const c of candidates) articleCos.set(c.passage.articleId, Math.max(articleCos.get(c.passage.articleId) ?? -1, c.cosine));
  return candidates.map((c, ci) => {
    const p = c.passage;
    const inPassage = new Set(p.terms.filter((t) => wanted.has(t)));
    const article = ctx.articleTerms.get(p.articleId) ?? new Set<string>();
    const inArticle = (t: string) => inPassage.has(t) || article.has(t);
    let best = { start: 0, end: p.text.length, coverage: 0, index: 0 };
    let typed = 0; // the best coverage among sentences that hold the kind of answer asked for
    let typedMeaning = 0; // the nearest meaning among sentences that hold the kind of answer asked for
    let typedDetail = 0; // the same for the question without its names
    const cos = cosines[ci];
    const det = ctx.detailCosines?.get(c.id);
    const meaningOf = (i: number) => (cos.length === p.sentences.length ? cos[i] : cos[0]);
    const detailOf = (i: number) => (det && det.length === p.sentences.length ? det[i] : meaningOf(i));
    const bySentence = ctx.sentenceTerms?.get(p.id) ?? termsBySentence(p.text, p.sentences, q.terms);
    const titleTerms = new Set(countTerms(ctx.titles.get(p.articleId) ?? '', q.terms).keys());
    // What the question says about its subject once the article is about that subject: the terms that are
    // not its names ("who closed the Skilcald Festival?" → "closed"), and those also not in the title.
    const names = new Set(q.names.flat());
    const focus = q.terms.filter((t) => !names.has(t) && !q.typeWords?.includes(t));
    const residualTerms = focus.filter((t) => !titleTerms.has(t));
    // With every word of the question in the title, what is left to find is the whole question's focus.
    const toFind = residualTerms.length ? residualTerms : focus;
    let residualSentence = 0;
    let stated = 0;
    const anchored = [...names].every(inArticle);
    for (const [i, s] of p.sentences.entries()) {
      const sentence = p.text.slice(s.start, s.end);
      const sTerms = bySentence[i];
      const cov = share(q.terms, (t) => sTerms.has(t), idf);
      if (cov > best.coverage) best = { ...s, coverage: cov, index: i };
      const holdsType = q.type !== null && textHolds(sentence, q.type, q.words);
      if (holdsType) {
        typed = Math.max(typed, cov);
        typedMeaning = Math.max(typedMeaning, meaningOf(i));
        typedDetail = Math.max(typedDetail, detailOf(i));
      }
      // With the sentence before it, for "it" and "the festival" that refer back.
      const near = (t: string) => sTerms.has(t) || (i > 0 && bySentence[i - 1].has(t));
      residualSentence = Math.max(residualSentence, share(toFind, near, idf));
      // The answer stated in the question's own words: every word of the question that is not its subject
      // in this sentence, the subject in the article, and something of the kind asked for beside them.
      const sameQualifiers = () => !q.qualified?.length || q.qualified.every(([m, t]) => qualifies(sentence, m, t));
      if (anchored && (focus.length ? focus.every(near) : [...names].every((t) => sTerms.has(t))) && sameQualifiers()) {
        if (q.type ? holdsType : extraWords(sentence, q.words) >= 3) stated = 1;
      }
    }
    const nameShare = (has: (t: string) => boolean) => (q.names.length ? q.names.filter((n) => n.length && n.every(has)).length / q.names.length : 0);
    const distinct = new Set(p.terms);
    const values: Record<FeatureName, number> = {
      bm25: c.bm25 / maxBm25,
      cosine: c.cosine,
      cosineRel: Math.max(0, c.cosine) / maxCos,
      fused: c.score / maxScore,
      coverage: share(q.terms, (t) => inPassage.has(t), idf),
      withPrevious: share(q.terms, (t) => inPassage.has(t) || (ctx.previous.get(c.id)?.includes(t) ?? false), idf),
      context: share(q.terms, inArticle, idf),
      rare: rarest.length ? rarest.filter((t) => inPassage.has(t)).length / rarest.length : 0,
      rareArticle: rarest.length ? rarest.filter(inArticle).length / rarest.length : 0,
      names: nameShare((t) => inPassage.has(t)),
      namesArticle: nameShare(inArticle),
      bestSentence: best.coverage,
      proximity: proximity(p.terms, wanted),
      typeInPassage: q.type ? (tagsHold(p.tags, q.type) ? 1 : 0) : 0,
      typeInSentence: q.type ? (textHolds(p.text.slice(best.start, best.end), q.type, q.words) ? 1 : 0) : 0,
      typedSentence: typed,
      title: share(q.terms, (t) => titleTerms.has(t), idf),
      length: Math.log1p(p.terms.length) / Math.log(500),
      kwRank: c.kwRank === null ? 0 : 1 / (1 + c.kwRank),
      denseRank: c.denseRank === null ? 0 : 1 / (1 + c.denseRank),
      lead: 1 / Math.max(1, p.paragraph),
      echo: distinct.size ? inPassage.size / distinct.size : 0,
      sentence: bestMeaning[ci],
      sentenceRel: Math.max(0, bestMeaning[ci]) / maxMeaning,
      sentenceRank: 1 / (1 + meaningRank.get(ci)!),
      lexicalSentence: meaningOf(best.index),
      typedMeaning: q.type ? typedMeaning : bestMeaning[ci],
      articleMeaning: articleCos.get(p.articleId)!,
      residual: share(toFind, (t) => inPassage.has(t), idf),
      residualSentence,
      stated,
      detail: detail[ci],
      detailRel: Math.max(0, detail[ci]) / maxDetail,
      typedDetail: q.type ? typedDetail : detail[ci],
    };
    return { values: FEATURES.map((f) => values[f]), best: { start: best.start, end: best.end } };
  });
}
