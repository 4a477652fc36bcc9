// BM25 over the passages in scope. The store finds the passages that hold the question's words (FTS5 or
// PostgreSQL full-text search) and keeps the term statistics of each library; the score itself is computed
// here, the same way for every store, from statistics over exactly the libraries the asker may see, so a
// small server's articles rank as they would alone and stores of both kinds give the same answers.
import type { KeywordCandidate, Scope, Store, TermStats } from '../store/types.js';

export interface KeywordHit {
  id: number;
  score: number;
  /** Question terms the passage contains. */
  terms: string[];
}

/** BM25 parameters, chosen with `npm run eval:squad` (docs/benchmarks.md). */
export const BM25 = { k: 1.2, b: 0.75 };

/**
 * On a large scope, a question word found in many passages would make the engine score every one of them.
 * There, candidates come from the question's rarest words (as many as fit a budget of postings), and each
 * candidate is then scored on all of them: a passage holding none of the rare words could only rank on
 * common ones, which carry little weight (and the vector leg still brings its own candidates).
 * "Large" starts at 5,000 passages: at 10,000 this answers SQuAD among them exactly as scoring up to 1,000
 * candidates did (top-1 0.816, top-3 0.937) in less time (p50 16.9 → 12–15 ms), and below 5,000 a budget
 * of 2,000 postings would leave out little anyway.
 */
export const LARGE_SCOPE = { docs: 5_000, postings: 2_000, candidates: 200 };
/** On a small scope every passage holding a question word is scored, up to this many. */
export const SMALL_SCOPE_CANDIDATES = 1_000;

export interface Rarity {
  stats: TermStats;
  idf(term: string): number;
}

export function rarity(stats: TermStats): Rarity {
  const n = stats.docs;
  return {
    stats,
    // Lucene's BM25 idf: never negative; a word no passage holds gets the highest idf this scope can give.
    idf: (term) => Math.log(1 + (n - (stats.df.get(term) ?? 0) + 0.5) / ((stats.df.get(term) ?? 0) + 0.5)),
  };
}

/**
 * BM25 of keyword candidates on all the question's terms. A question scores up to a few hundred of them:
 * each term's idf is worked out once, not once per candidate.
 */
export function bm25Scorer(query: readonly string[], r: Rarity, params = BM25): (c: KeywordCandidate) => KeywordHit {
  const avg = r.stats.docs > 0 ? r.stats.tokens / r.stats.docs : 1;
  const idf = new Map([...new Set(query)].map((t) => [t, r.idf(t)]));
  return (c) => {
    const tf = new Map<string, number>();
    for (const t of c.terms) if (idf.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    let score = 0;
    const norm = params.k * (1 - params.b + (params.b * c.length) / avg);
    for (const [t, f] of tf) score += idf.get(t)! * ((f * (params.k + 1)) / (f + norm));
    return { id: c.id, score, terms: [...tf.keys()] };
  };
}

/** What to ask the engine for a question: the scope's term statistics, and which of its words to look up. */
export interface KeywordPlan {
  rarity: Rarity;
  /** The question's distinct terms: each candidate is scored on all of them. */
  unique: string[];
  /** Those some passage in scope holds: the only ones a candidate can be found to hold. */
  present: string[];
  /** The terms whose postings make the candidates (empty: nothing can match). */
  asked: string[];
  cap: number;
}

export async function planKeywordSearch(store: Store, scope: Scope, terms: readonly string[]): Promise<KeywordPlan> {
  const unique = [...new Set(terms)];
  const r = rarity(await store.termStats(scope, unique));
  const n = r.stats.docs;
  const present = unique.filter((t) => (r.stats.df.get(t) ?? 0) > 0);
  if (n === 0 || present.length === 0) return { rarity: r, unique, present, asked: [], cap: 0 };
  if (n < LARGE_SCOPE.docs) return { rarity: r, unique, present, asked: present, cap: SMALL_SCOPE_CANDIDATES };
  // The rarest words first, as many as keep the engine's work (postings to score) within budget.
  const byDf = [...present].sort((a, b) => r.stats.df.get(a)! - r.stats.df.get(b)!);
  const asked: string[] = [];
  let postings = 0;
  for (const t of byDf) {
    postings += r.stats.df.get(t)!;
    if (asked.length > 0 && postings > LARGE_SCOPE.postings) break;
    asked.push(t);
  }
  return { rarity: r, unique, present, asked, cap: LARGE_SCOPE.candidates };
}

/**
 * The best `limit` passages for a plan by BM25. The store is asked before this function first waits, so a
 * vector search started right after it runs while the store's keyword query does (on another thread, where
 * the store has one).
 */
export async function keywordHits(store: Store, scope: Scope, plan: KeywordPlan, limit: number, params = BM25): Promise<KeywordHit[]> {
  if (!plan.asked.length) return [];
  // The best `limit` are read next (their passages and vectors, unless the vector leg found them too).
  const candidates = await store.keywordCandidates(scope, plan.asked, Math.max(plan.cap, limit), plan.present, limit);
  const hits = candidates.map(bm25Scorer(plan.unique, plan.rarity, params)).sort((a, b) => b.score - a.score || a.id - b.id);
  return hits.slice(0, limit);
}

export async function keywordSearch(store: Store, scope: Scope, terms: readonly string[], limit: number, params = BM25): Promise<{ hits: KeywordHit[]; rarity: Rarity }> {
  const plan = await planKeywordSearch(store, scope, terms);
  return { hits: await keywordHits(store, scope, plan, limit, params), rarity: plan.rarity };
}
