// The search entry point: question and scope in, ranked passages and the evidence for answering out.
import type { Embedder } from '../embed/model.js';
import type { Scope, Store } from '../store/types.js';
import { fuse, FUSION, type Fused } from './fuse.js';
import { evidenceOf, isAnswerable, RANK_DEFAULTS, selectPassages, type Evidence } from './rank.js';
import { retrieve } from './retrieve.js';
import { analyze } from '../text/terms.js';
import { expectedType } from './answer-type.js';
import type { Rarity } from './keyword.js';

export interface SearchResult {
  terms: string[];
  answered: boolean;
  evidence: Evidence;
  /** The passages worth quoting, best first, whether or not the answer is given. */
  selected: Fused[];
  /** Everything fused, best first. */
  ranking: Fused[];
  rarity: Rarity;
}

/** Overrides for evaluation and tuning; the product uses the defaults. */
export interface SearchOptions {
  denseWeight?: number;
  fusion?: typeof FUSION;
  rank?: typeof RANK_DEFAULTS;
  depth?: number;
}

export const SEARCH_DEPTH = 50;

export async function search(store: Store, embedder: Embedder, scope: Scope, question: string, k: number, opts: SearchOptions = {}): Promise<SearchResult> {
  const terms = analyze(question);
  const query = { terms, vector: await embedder.embedQuery(question), type: expectedType(question) };
  const { candidates, rarity, articleTerms } = await retrieve(store, scope, query, opts.depth ?? SEARCH_DEPTH);
  const ranking = fuse(candidates, opts.denseWeight ?? embedder.preset.denseWeight, opts.fusion ?? FUSION);
  const top = ranking[0];
  const evidence = evidenceOf(top, top ? (articleTerms.get(top.passage.articleId) ?? new Set()) : new Set(), terms, rarity, opts.rank);
  return { terms, answered: isAnswerable(evidence, opts.rank), evidence, selected: selectPassages(ranking, k, opts.rank), ranking, rarity };
}
