// Candidates from both legs: the nearest passages to the question vector and the BM25 matches of its
// words, all within the asker's scope. Every candidate gets both scores (exact cosine from its stored
// vector, BM25 0 when no word matches), so fusion compares like with like.
import type { Scope, Store, StoredPassage } from '../store/types.js';
import { hasType, type AnswerType } from './answer-type.js';
import { keywordHits, planKeywordSearch, type Rarity } from './keyword.js';
import { termsBySentence } from '../text/terms.js';

export interface Candidate {
  id: number;
  passage: StoredPassage;
  bm25: number;
  cosine: number;
  /** Question terms (analysed) that the passage contains. */
  terms: string[];
  /** idf-weighted share of the question's terms found in the passage's article (title and text). */
  context: number;
  /** The passage holds the kind of thing the question asks for (a date for "when…?"). */
  typed: boolean;
  /** Rank in each leg (0 = first), null when that leg did not find it. */
  kwRank: number | null;
  denseRank: number | null;
}

export interface Query {
  terms: string[];
  /** The question's vector, asked for once the keyword query is sent (the keyword leg needs none). */
  embed: () => Promise<Float32Array>;
  type: AnswerType | null;
}

export interface Retrieved {
  candidates: Candidate[];
  /** The question's vector. */
  vector: Float32Array;
  rarity: Rarity;
  /** Which question terms each candidate's article holds (title and text). */
  articleTerms: Map<number, Set<string>>;
  /** Which question terms each sentence holds, for the passages looked at while the keyword query ran. */
  sentenceTerms: Map<number, Set<string>[]>;
}

export async function retrieve(store: Store, scope: Scope, query: Query, depth: number): Promise<Retrieved> {
  const plan = await planKeywordSearch(store, scope, query.terms);
  // The keyword query first: where the store runs it on another thread (or server), the vector search and
  // reading the nearest passages happen while it runs.
  const pending = keywordHits(store, scope, plan, depth);
  pending.catch(() => {}); // awaited below; a failure before then must not go unhandled
  const vector = await query.embed();
  const near = await store.nearest(scope, vector, depth);
  const nearPassages = await store.passages(near.map((n) => n.id));
  const unique = [...new Set(query.terms)];
  // Still while the keyword query runs: what the nearest passages' articles and sentences hold (the
  // reranker reads both for most of them).
  const nearArticles = await store.articleTerms([...new Set([...nearPassages.values()].map((p) => p.articleId))], unique);
  const sentenceTerms = new Map([...nearPassages.values()].map((p) => [p.id, termsBySentence(p.text, p.sentences, unique)]));
  const hits = await pending;
  const { rarity } = plan;
  const bm25 = new Map(hits.map((h) => [h.id, h]));
  const cosine = new Map(near.map((n) => [n.id, n.cosine]));
  const kwRank = new Map(hits.map((h, i) => [h.id, i]));
  const denseRank = new Map(near.map((n, i) => [n.id, i]));
  const ids = [...new Set([...bm25.keys(), ...cosine.keys()])];
  const missing = ids.filter((id) => !cosine.has(id));
  const [exact, keywordPassages] = await Promise.all([store.similarity(missing, vector), store.passages(missing)]);
  for (const [id, c] of exact) cosine.set(id, c);
  const passages = new Map([...nearPassages, ...keywordPassages]);
  const otherArticles = [...new Set([...keywordPassages.values()].map((p) => p.articleId))].filter((id) => !nearArticles.has(id));
  const articleTerms = otherArticles.length ? new Map([...nearArticles, ...(await store.articleTerms(otherArticles, unique))]) : nearArticles;
  const totalIdf = unique.reduce((s, t) => s + rarity.idf(t), 0);
  const candidates: Candidate[] = [];
  for (const id of ids) {
    const passage = passages.get(id);
    if (!passage) continue; // removed since the search began
    const article = articleTerms.get(passage.articleId) ?? new Set<string>();
    candidates.push({
      id,
      passage,
      bm25: bm25.get(id)?.score ?? 0,
      cosine: cosine.get(id) ?? 0,
      terms: bm25.get(id)?.terms ?? [],
      context: totalIdf > 0 ? unique.reduce((s, t) => s + (article.has(t) ? rarity.idf(t) : 0), 0) / totalIdf : 0,
      typed: query.type !== null && hasType(passage.text, query.type),
      kwRank: kwRank.get(id) ?? null,
      denseRank: denseRank.get(id) ?? null,
    });
  }
  return { candidates, vector, rarity, articleTerms, sentenceTerms };
}
