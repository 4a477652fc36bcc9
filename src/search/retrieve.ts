// Candidates from both legs: the nearest passages to the question vector and the BM25 matches of its
// words, all within the asker's scope. Every candidate gets both scores (exact cosine from its stored
// vector, BM25 0 when no word matches), so fusion compares like with like.
//
// And the rest of the articles the question names ("small-to-big" at the candidate stage): the passage
// that answers "who headed the research team at the University of Voushstead?" often says "the study, led
// by …" and names no university, while the passage naming the university says nothing of who led it; a
// reader of the article sees both. So the articles whose passages hold a telling word of the question (one
// few passages hold, a name) bring their other passages along as candidates, and the reranker weighs each
// with what its article holds (search/features.ts). Measured (npm run eval:peers): reworded questions on
// invented articles, first quote 184 → 192 and shown 207 → 218 of 240 (seeds 2002 and 3003: +3/+8 and
// +2/+2); reworded news questions 26 → 27 and 32 → 33 of 40; the rest unchanged. About 2 ms more a
// question at a million passages (p50 9.4 → 11.1 ms, p95 15 → 18.5 ms).
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

/** A word tells articles apart when at most this share of the scope's passages hold it. */
export const TELLING_SHARE = 0.05;
/** Articles named by the question whose other passages join the candidates, by their best keyword rank. */
export const NAMED_ARTICLES = 2;
/** How far from its passage that matched an article's other passages are taken, either way. */
export const ARTICLE_REACH = 10;

export interface Retrieved {
  candidates: Candidate[];
  /** The question's vector. */
  vector: Float32Array;
  rarity: Rarity;
  /** Which question terms each candidate's article holds (title and text). */
  articleTerms: Map<number, Set<string>>;
  /** Which question terms each sentence holds, for the passages looked at while the keyword query ran. */
  sentenceTerms: Map<number, Set<string>[]>;
  /** The candidates brought by their article (see above): reranked wherever fusion placed them. */
  siblings: Set<number>;
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
  const siblings = await namedArticles(store, hits, passages, vector, rarity, unique);
  for (const [id, s] of siblings) {
    passages.set(id, s.passage);
    cosine.set(id, s.cosine);
    ids.push(id);
  }
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
  return { candidates, vector, rarity, articleTerms, sentenceTerms, siblings: new Set(siblings.keys()) };
}

/**
 * The other passages of the first articles whose keyword matches hold a telling word of the question, with
 * their cosines. An article's passages are stored one id after another.
 */
async function namedArticles(store: Store, hits: readonly { id: number; terms: string[] }[], passages: ReadonlyMap<number, StoredPassage>, vector: Float32Array, rarity: Rarity, terms: readonly string[]): Promise<Map<number, { passage: StoredPassage; cosine: number }>> {
  const { df, docs } = rarity.stats;
  const telling = new Set(terms.filter((t) => (df.get(t) ?? 0) > 0 && (df.get(t) ?? 0) <= TELLING_SHARE * docs));
  const named = new Map<number, number>(); // article → the passage that matched
  for (const h of hits) {
    if (named.size >= NAMED_ARTICLES) break;
    const p = passages.get(h.id);
    if (p && !named.has(p.articleId) && h.terms.some((t) => telling.has(t))) named.set(p.articleId, h.id);
  }
  const wanted = [...named.values()].flatMap((at) => Array.from({ length: 2 * ARTICLE_REACH + 1 }, (_, i) => at - ARTICLE_REACH + i)).filter((id) => id > 0 && !passages.has(id));
  const out = new Map<number, { passage: StoredPassage; cosine: number }>();
  if (!wanted.length) return out;
  const found = [...(await store.passages(wanted)).values()].filter((p) => named.has(p.articleId));
  const cosines = await store.similarity(found.map((p) => p.id), vector);
  for (const p of found) out.set(p.id, { passage: p, cosine: cosines.get(p.id) ?? 0 });
  return out;
}
