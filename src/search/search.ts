// The search entry point: question in, ranked passages and the evidence for answering out.
import type { Embedder } from '../embed/model.js';
import type { Store } from '../index/store.js';
import { buildKeywordIndex, type KeywordIndex } from './keyword.js';
import { fuse, type Fused } from './fuse.js';
import { evidenceOf, isAnswerable, selectPassages, type Evidence } from './rank.js';
import { retrieve } from './retrieve.js';
import { analyze } from './terms.js';
import { expectedType } from './answer-type.js';

export interface SearchIndex {
  store: Store;
  keyword: KeywordIndex;
}

export interface SearchResult {
  terms: string[];
  answered: boolean;
  evidence: Evidence;
  /** The passages to quote, best first (empty when not answered). */
  passages: Fused[];
  /** Everything fused, best first, for `more sources` and for evaluation. */
  ranking: Fused[];
}

export function openSearchIndex(store: Store): SearchIndex {
  return { store, keyword: buildKeywordIndex(store) };
}

export const SEARCH_DEPTH = 50;

export async function search(index: SearchIndex, embedder: Embedder, question: string, k: number): Promise<SearchResult> {
  const terms = analyze(question);
  const query = { terms, vector: await embedder.embedQuery(question), type: expectedType(question) };
  const ranking = fuse(retrieve(index.store, index.keyword, query, SEARCH_DEPTH), embedder.preset.denseWeight);
  const top = ranking[0];
  const evidence = evidenceOf(top, top ? index.store.passages[top.label]!.docId : '', terms, index.keyword);
  const answered = isAnswerable(evidence);
  return { terms, answered, evidence, passages: answered ? selectPassages(ranking, index.store, k) : [], ranking };
}
