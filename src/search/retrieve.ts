// Candidates from both legs: the HNSW neighbours of the question vector and the BM25 matches of its
// words. Every candidate gets both scores (exact cosine from its stored vector, BM25 0 when no word
// matches), so fusion compares like with like.
import { liveCount, vectorOf, type Store } from '../index/store.js';
import type { KeywordIndex } from '../index/keyword.js';
import { hasType, type AnswerType } from './answer-type.js';

export interface Candidate {
  label: number;
  bm25: number;
  cosine: number;
  /** Question terms (analysed) that the passage contains. */
  terms: string[];
  /** idf-weighted share of the question's terms found in the passage's article (title and text). */
  context: number;
  /** The passage holds the kind of thing the question asks for (a date for "when…?"). */
  typed: boolean;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function denseNeighbours(store: Store, qvec: Float32Array, k: number): { label: number; cosine: number }[] {
  const n = Math.min(k, liveCount(store));
  if (n <= 0) return [];
  const res = store.hnsw.searchKnn(Array.from(qvec), n);
  return res.neighbors.map((label, i) => ({ label, cosine: 1 - res.distances[i] }));
}

export interface Query {
  terms: string[];
  vector: Float32Array;
  type: AnswerType | null;
}

export function retrieve(store: Store, keyword: KeywordIndex, query: Query, depth: number): Candidate[] {
  const { terms, vector: qvec } = query;
  const byLabel = new Map<number, Candidate>();
  for (const hit of keyword.search(terms, depth, (label) => store.passages[label]?.searchText)) byLabel.set(hit.label, { label: hit.label, bm25: hit.score, cosine: NaN, terms: hit.terms, context: 0, typed: false });
  for (const { label, cosine } of denseNeighbours(store, qvec, depth)) {
    const c = byLabel.get(label);
    if (c) c.cosine = cosine;
    else byLabel.set(label, { label, bm25: 0, cosine, terms: [], context: 0, typed: false });
  }
  const unique = [...new Set(terms)];
  const totalIdf = unique.reduce((s, t) => s + keyword.idf(t), 0);
  for (const c of byLabel.values()) {
    if (Number.isNaN(c.cosine)) c.cosine = dot(qvec, vectorOf(store, c.label));
    const p = store.passages[c.label]!;
    const article = keyword.articleTerms(p.docId);
    c.context = totalIdf > 0 ? unique.reduce((s, t) => s + (article.has(t) ? keyword.idf(t) : 0), 0) / totalIdf : 0;
    c.typed = query.type !== null && hasType(p.text, query.type);
  }
  return [...byLabel.values()];
}
