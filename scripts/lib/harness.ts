// Shared by `npm run eval`, `npm run eval:squad` and `npm run bench`: build an index from articles in a
// temporary folder, and rank a question three ways (BM25 alone, vectors alone, the product's fusion).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openEmbedder } from '../../src/engine.js';
import type { Embedder } from '../../src/embed/model.js';
import { CHUNKER_VERSION } from '../../src/ingest/article.js';
import type { Article } from '../../src/ingest/types.js';
import { emptyStore, sha256, type Store } from '../../src/index/store.js';
import { passageTokenBudget } from '../../src/index/update.js';
import { denseNeighbours } from '../../src/search/retrieve.js';
import { openSearchIndex, search, type SearchIndex, type SearchOptions } from '../../src/search/search.js';
import { analyze } from '../../src/text/terms.js';
import { fold } from '../../src/text/normalize.js';

export async function evalEmbedder(): Promise<Embedder> {
  return openEmbedder(loadConfig(), (m) => process.stderr.write(m + '\n'));
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An index built straight from articles (no files): SQuAD paragraphs are already clean passages. */
export async function storeFromArticles(articles: Article[], embedder: Embedder): Promise<Store> {
  const store = emptyStore(embedder.modelId, embedder.dims, CHUNKER_VERSION, passageTokenBudget(embedder));
  const passages = articles.flatMap((a) => a.passages);
  store.hnsw.resizeIndex(passages.length + 16);
  const vectors = await embedder.embedPassages(passages.map((p) => p.searchText));
  for (const a of articles) {
    const labels: number[] = [];
    for (const p of a.passages) {
      const label = store.passages.length;
      store.hnsw.addPoint(Array.from(vectors[passages.indexOf(p)]), label);
      const stored = { ...p, label, hash: sha256(p.searchText) };
      store.passages.push(stored);
      store.keyword.add(stored);
      labels.push(label);
    }
    store.keyword.setTitle(a.docId, a.title);
    const { passages: _p, ...meta } = a;
    store.manifest.articles[a.file] = { ...meta, hash: '', size: 0, mtimeMs: 0, labels };
  }
  return store;
}

export interface Rankings {
  bm25: number[];
  dense: number[];
  fused: number[];
  /** Reciprocal rank fusion (k=60, equal weights): measured for comparison, not used by the product. */
  rrf: number[];
  answered: boolean;
  coverage: number;
  cosine: number;
}

export async function rankThreeWays(index: SearchIndex, embedder: Embedder, question: string, k = 10, opts: SearchOptions = {}): Promise<Rankings> {
  const r = await search(index, embedder, question, k, opts);
  const bm25 = index.keyword.search(analyze(question), k).map((h) => h.label);
  const dense = denseNeighbours(index.store, await embedder.embedQuery(question), k).map((h) => h.label);
  const fused = r.selected.map((f) => f.label); // as quoted: duplicates collapsed, per-article cap
  const rrfScore = new Map<number, number>();
  const deep = 50;
  const legs = [index.keyword.search(analyze(question), deep).map((h) => h.label), denseNeighbours(index.store, await embedder.embedQuery(question), deep).map((h) => h.label)];
  for (const leg of legs) leg.forEach((l, i) => rrfScore.set(l, (rrfScore.get(l) ?? 0) + 1 / (60 + i + 1)));
  const rrf = [...rrfScore.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([l]) => l);
  return { bm25, dense, fused, rrf, answered: r.answered, coverage: r.evidence.coverage, cosine: r.evidence.cosine };
}

const norm = (s: string) => fold(s).replace(/\s+/g, ' ');

export function containsAnswer(text: string, answers: string[]): boolean {
  const t = norm(text);
  return answers.some((a) => t.includes(norm(a)));
}

export interface Scores {
  top1: number;
  top3: number;
  mrr: number;
}

/** Averages over questions; `hit(label)` says whether a ranked passage counts as the answer. */
export function score(rankings: number[][], hits: ((label: number) => boolean)[]): Scores {
  let top1 = 0;
  let top3 = 0;
  let mrr = 0;
  rankings.forEach((ranking, i) => {
    const r = ranking.findIndex((l) => hits[i](l));
    if (r === 0) top1++;
    if (r >= 0 && r < 3) top3++;
    if (r >= 0) mrr += 1 / (r + 1);
  });
  const n = rankings.length || 1;
  const round = (x: number) => Math.round((x / n) * 1000) / 1000;
  return { top1: round(top1), top3: round(top3), mrr: round(mrr) };
}

export { openSearchIndex };
