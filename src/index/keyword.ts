// BM25 over passages, with MiniSearch doing the indexing and scoring. Document frequencies and each
// article's terms are kept beside it, because abstention needs to know how rare each question word is,
// matched or not. The index is updated in place (add/discard) and saved with the HNSW generation, since
// rebuilding it at start-up was the largest cost of starting on a large index (docs/benchmarks.md).
import MiniSearch, { type AsPlainObject } from 'minisearch';
import { analyze, countTerms } from '../text/terms.js';
import type { StoredPassage } from './store.js';

export interface KeywordHit {
  label: number;
  /** Plain BM25 (MiniSearch's extra factor for the number of matched terms is taken out). */
  score: number;
  terms: string[];
}

export interface KeywordIndex {
  /** `textOf` gives a passage's search text; on large indexes it lets common terms be scored cheaply. */
  search(terms: string[], limit: number, textOf?: (label: number) => string | undefined): KeywordHit[];
  /** BM25 idf of a term; a term no passage contains gets the highest idf an index this size can give. */
  idf(term: string): number;
  /** Terms of each article (title and text): a passage is read in the context of its article. */
  articleTerms(docId: string): ReadonlySet<string>;
  readonly docCount: number;
  add(passage: StoredPassage): void;
  remove(passage: StoredPassage): void;
  setTitle(docId: string, title: string): void;
  dropArticle(docId: string): void;
  toJSON(): unknown;
}

/** BM25 parameters, chosen with `npm run eval:squad` (docs/benchmarks.md). */
export const BM25 = { k: 1.2, b: 0.75 };

/**
 * On a large index, a query term found in many passages makes MiniSearch score every one of them (tens of
 * milliseconds at 100,000 passages). There, candidates come from the query's rarer terms, and every
 * candidate is then scored on all the terms with the same BM25 formula. A passage holding none of the rare
 * terms could only rank on common ones, which carry little weight.
 */
export const LARGE_INDEX = { docs: 20_000, commonShare: 0.02, candidates: 200 };

interface Saved {
  tokens: number;
  lengths: [number, number][];
  minisearch: AsPlainObject;
  df: [string, number][];
  articles: [string, string[]][];
  titles: [string, string[]][];
}

/** The terms add() has just computed, handed to MiniSearch so a passage is analysed once, not twice. */
interface Analysed {
  text: string;
  terms: string[];
}

function options(params: typeof BM25, last: Analysed = { text: '', terms: [] }) {
  return {
    fields: ['text'],
    tokenize: (text: string) => (text === last.text ? last.terms : analyze(text)),
    processTerm: (t: string) => t,
    // Queries arrive already analysed (see search()), so query-time tokenising only splits them.
    searchOptions: { combineWith: 'OR' as const, prefix: false, fuzzy: false, bm25: { k: params.k, b: params.b, d: 0 }, tokenize: (q: string) => q.split(' ') },
    autoVacuum: { minDirtCount: 1000, minDirtFactor: 0.2, batchSize: 1000, batchWait: 10 },
  };
}

function create(
  ms: MiniSearch<{ id: number; text: string }>,
  df: Map<string, number>,
  byArticle: Map<string, Set<string>>,
  titles: Map<string, Set<string>>,
  params: typeof BM25,
  tokens: { total: number },
  lengths: Map<number, number>,
  last: Analysed,
): KeywordIndex {
  const none = new Set<string>();
  const idf = (term: string) => {
    const n = ms.documentCount;
    const d = df.get(term) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  const articleSet = (docId: string) => {
    let set = byArticle.get(docId);
    if (!set) byArticle.set(docId, (set = new Set(titles.get(docId) ?? [])));
    return set;
  };
  return {
    get docCount() {
      return ms.documentCount;
    },
    idf,
    articleTerms: (docId) => byArticle.get(docId) ?? none,
    search(terms, limit, textOf) {
      if (!terms.length || ms.documentCount === 0) return [];
      const unique = [...new Set(terms)];
      const n = ms.documentCount;
      if (n >= LARGE_INDEX.docs && textOf) {
        const byDf = [...unique].sort((a, b) => (df.get(a) ?? 0) - (df.get(b) ?? 0));
        let rare = byDf.filter((t) => (df.get(t) ?? 0) <= n * LARGE_INDEX.commonShare);
        if (rare.length === 0) rare = byDf.slice(0, 1);
        if (rare.length < unique.length) {
          const avg = tokens.total / n;
          const hits: KeywordHit[] = [];
          for (const r of ms.search(rare.join(' ')).slice(0, LARGE_INDEX.candidates)) {
            const label = r.id as number;
            const text = textOf(label);
            if (text === undefined) continue;
            const tf = countTerms(text, unique);
            const length = lengths.get(label) ?? avg;
            let score = 0;
            const matched: string[] = [];
            for (const t of unique) {
              const f = tf.get(t);
              if (!f) continue;
              matched.push(t);
              score += idf(t) * ((f * (params.k + 1)) / (f + params.k * (1 - params.b + (params.b * length) / avg)));
            }
            hits.push({ label: r.id as number, score, terms: matched });
          }
          return hits.sort((a, b) => b.score - a.score).slice(0, limit);
        }
      }
      return ms
        .search(unique.join(' '))
        .map((r) => ({ label: r.id as number, score: r.score / Math.max(1, r.queryTerms.length), terms: r.queryTerms }))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
    },
    add(p) {
      const terms = analyze(p.searchText);
      last.text = p.searchText;
      last.terms = terms;
      const distinct = new Set(terms).size; // MiniSearch's field length counts distinct terms
      tokens.total += distinct;
      lengths.set(p.label, distinct);
      ms.add({ id: p.label, text: p.searchText });
      const set = articleSet(p.docId);
      for (const t of new Set(terms)) {
        df.set(t, (df.get(t) ?? 0) + 1);
        set.add(t);
      }
    },
    remove(p) {
      if (!ms.has(p.label)) return;
      ms.discard(p.label);
      const terms = analyze(p.searchText);
      tokens.total -= new Set(terms).size;
      lengths.delete(p.label);
      for (const t of new Set(terms)) {
        const n = (df.get(t) ?? 1) - 1;
        if (n > 0) df.set(t, n);
        else df.delete(t);
      }
    },
    setTitle(docId, title) {
      const terms = analyze(title);
      titles.set(docId, new Set(terms));
      const set = articleSet(docId);
      for (const t of terms) set.add(t);
    },
    dropArticle(docId) {
      byArticle.delete(docId);
      titles.delete(docId);
    },
    toJSON(): Saved {
      return {
        tokens: tokens.total,
        lengths: [...lengths.entries()],
        minisearch: ms.toJSON(),
        df: [...df.entries()],
        articles: [...byArticle.entries()].map(([k, v]) => [k, [...v]]),
        titles: [...titles.entries()].map(([k, v]) => [k, [...v]]),
      };
    },
  };
}

export function emptyKeywordIndex(params = BM25): KeywordIndex {
  const last = { text: '', terms: [] };
  return create(new MiniSearch(options(params, last)), new Map(), new Map(), new Map(), params, { total: 0 }, new Map(), last);
}

/** Builds the keyword index of every live passage of a store (and its article titles). */
export function buildKeywordIndex(passages: readonly (StoredPassage | null)[], titles: Record<string, string>, params = BM25): KeywordIndex {
  const k = emptyKeywordIndex(params);
  for (const [docId, title] of Object.entries(titles)) k.setTitle(docId, title);
  for (const p of passages) if (p) k.add(p);
  return k;
}

export function loadKeywordIndex(json: string, params = BM25): KeywordIndex {
  const saved = JSON.parse(json) as Saved;
  const last = { text: '', terms: [] };
  const ms = MiniSearch.loadJS<{ id: number; text: string }>(saved.minisearch, options(params, last));
  return create(
    ms,
    new Map(saved.df),
    new Map(saved.articles.map(([k, v]) => [k, new Set(v)])),
    new Map(saved.titles.map(([k, v]) => [k, new Set(v)])),
    params,
    { total: saved.tokens },
    new Map(saved.lengths),
    last,
  );
}
