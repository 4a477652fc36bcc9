// BM25 over passages, with MiniSearch doing the indexing and scoring. Document frequencies are kept
// beside it because abstention needs to know how rare each question word is, matched or not.
import MiniSearch from 'minisearch';
import type { Store } from '../index/store.js';
import { analyze } from './terms.js';

export interface KeywordHit {
  label: number;
  /** Plain BM25 (MiniSearch's extra factor for the number of matched terms is taken out). */
  score: number;
  terms: string[];
}

export interface KeywordIndex {
  search(terms: string[], limit: number): KeywordHit[];
  /** BM25 idf of a term; a term no passage contains gets the highest idf an index this size can give. */
  idf(term: string): number;
  /** Terms of each article (title and text): a passage is read in the context of its article. */
  articleTerms(docId: string): ReadonlySet<string>;
  docCount: number;
}

/** BM25 parameters, chosen with `npm run eval:squad` (docs/benchmarks.md). */
export const BM25 = { k: 1.2, b: 0.75 };

export function buildKeywordIndex(store: Store, params = BM25): KeywordIndex {
  const ms = new MiniSearch<{ id: number; text: string }>({
    fields: ['text'],
    tokenize: (text) => analyze(text),
    processTerm: (t) => t,
    // Queries arrive already analysed (see search()), so query-time tokenising only splits them.
    searchOptions: { combineWith: 'OR', prefix: false, fuzzy: false, bm25: { k: params.k, b: params.b, d: 0 }, tokenize: (q) => q.split(' ') },
  });
  const df = new Map<string, number>();
  const docs: { id: number; text: string }[] = [];
  const byArticle = new Map<string, Set<string>>();
  for (const a of Object.values(store.manifest.articles)) byArticle.set(a.docId, new Set(analyze(a.title)));
  for (const p of store.passages) {
    if (!p) continue;
    docs.push({ id: p.label, text: p.searchText });
    const terms = new Set(analyze(p.searchText));
    for (const t of terms) df.set(t, (df.get(t) ?? 0) + 1);
    const art = byArticle.get(p.docId) ?? new Set<string>();
    for (const t of terms) art.add(t);
    byArticle.set(p.docId, art);
  }
  const none = new Set<string>();
  ms.addAll(docs);
  const n = docs.length;
  const idf = (term: string) => Math.log(1 + (n - (df.get(term) ?? 0) + 0.5) / ((df.get(term) ?? 0) + 0.5));
  return {
    docCount: n,
    idf,
    articleTerms: (docId) => byArticle.get(docId) ?? none,
    search(terms, limit) {
      if (!terms.length || n === 0) return [];
      const results = ms.search([...new Set(terms)].join(' '));
      return results
        .map((r) => ({ label: r.id as number, score: r.score / Math.max(1, r.queryTerms.length), terms: r.queryTerms }))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
    },
  };
}
