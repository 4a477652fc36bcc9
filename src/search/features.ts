// What predicts that a passage answers a question, as numbers: each leg's score and rank, how much of the
// question (weighted by rarity) the passage, its best sentence, its article and its title hold, whether the
// question's rarest words and proper names are there, how close together the matched words sit, whether
// the kind of answer asked for (a date, a person, a sum) is in the passage and in its best sentence, and
// the passage's length and place in its article. The reranker and the abstention model weigh them.
import { countTerms, termsBySentence } from '../text/terms.js';
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
}

export interface CandidateContext {
  /** Question terms each candidate's article holds. */
  articleTerms: ReadonlyMap<number, ReadonlySet<string>>;
  titles: ReadonlyMap<number, string>;
  /** The terms of the passage just before each candidate in its article (who "she" is, what "it" was). */
  previous: ReadonlyMap<number, readonly string[]>;
  /** Which question terms each sentence of a passage holds, where already known (by passage id). */
  sentenceTerms?: ReadonlyMap<number, readonly ReadonlySet<string>[]>;
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
  return candidates.map((c) => {
    const p = c.passage;
    const inPassage = new Set(p.terms.filter((t) => wanted.has(t)));
    const article = ctx.articleTerms.get(p.articleId) ?? new Set<string>();
    const inArticle = (t: string) => inPassage.has(t) || article.has(t);
    let best = { start: 0, end: p.text.length, coverage: 0 };
    let typed = 0; // the best coverage among sentences that hold the kind of answer asked for
    const bySentence = ctx.sentenceTerms?.get(p.id) ?? termsBySentence(p.text, p.sentences, q.terms);
    for (const [i, s] of p.sentences.entries()) {
      const sentence = p.text.slice(s.start, s.end);
      const sTerms = bySentence[i];
      const cov = share(q.terms, (t) => sTerms.has(t), idf);
      if (cov > best.coverage) best = { ...s, coverage: cov };
      if (q.type && cov > typed && textHolds(sentence, q.type, q.words)) typed = cov;
    }
    const nameShare = (has: (t: string) => boolean) => (q.names.length ? q.names.filter((n) => n.length && n.every(has)).length / q.names.length : 0);
    const titleTerms = new Set(countTerms(ctx.titles.get(p.articleId) ?? '', q.terms).keys());
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
    };
    return { values: FEATURES.map((f) => values[f]), best: { start: best.start, end: best.end } };
  });
}
