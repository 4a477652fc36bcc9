// Brings the index in line with the corpus folder. Only new and changed passages are embedded: a file whose
// size and mtime are unchanged is not even read, and a passage whose text was embedded before (by the same
// model) reuses its vector. A model or chunker change rebuilds everything. The index being served is never
// modified: the update works on its own copy read from disk and commits a new generation at the end.
import { buildArticle, CHUNKER_VERSION } from '../ingest/article.js';
import { listCorpus, readSource, type Skipped } from '../ingest/read.js';
import type { Article } from '../ingest/types.js';
import type { Embedder } from '../embed/model.js';
import { acquireIndexLock } from './lock.js';
import { buildKeywordIndex } from './keyword.js';
import { wordCount } from '../text/normalize.js';
import {
  emptyStore,
  liveCount,
  loadStore,
  newHnsw,
  saveStore,
  sha256,
  StoreError,
  titlesOf,
  vectorOf,
  type ArticleRecord,
  type Store,
  type StoredPassage,
} from './store.js';

export interface IndexProgress {
  phase: 'scan' | 'embed' | 'save';
  done: number;
  total: number;
}

export interface IndexSummary {
  files: number;
  passages: number;
  embedded: number;
  reused: number;
  removed: number;
  added: string[];
  updated: string[];
  deleted: string[];
  skipped: Skipped[];
  warnings: { file: string; message: string }[];
  /** Why everything was rebuilt, when it was. */
  rebuilt: string | null;
  changed: boolean;
  seconds: number;
}

export interface IndexOptions {
  corpusDir: string;
  embeddingsDir: string;
  maxFileBytes: number;
  embedder: Embedder;
  onProgress?: (p: IndexProgress) => void;
  onLockWait?: () => void;
  lockWaitMs?: number;
}

/** Fewer words than this after cleaning is a page without an article (a menu, a stub). */
export const MIN_ARTICLE_WORDS = 8;

/** Passage length budget: the model's limit less room for special tokens and a prefix. */
export function passageTokenBudget(embedder: Embedder): number {
  return Math.min(embedder.preset.maxTokens, 512) - 24;
}

function removeArticle(store: Store, rec: ArticleRecord): number {
  store.keyword.dropArticle(rec.docId);
  for (const label of rec.labels) {
    const p = store.passages[label];
    if (p) {
      store.keyword.remove(p);
      store.hnsw.markDelete(label);
      store.passages[label] = null;
      store.manifest.hnsw.deleted++;
    }
  }
  delete store.manifest.articles[rec.file];
  return rec.labels.length;
}

/** Re-packs the graph without deleted slots once they are a quarter of it (they still cost memory). */
function compactIfNeeded(store: Store): Store {
  const { deleted } = store.manifest.hnsw;
  if (deleted < 64 || deleted < store.passages.length / 4) return store;
  const live = store.passages.filter((p): p is StoredPassage => p !== null);
  const hnsw = newHnsw(store.manifest.dims, live.length + 16);
  const relabel = new Map<number, number>();
  const passages = live.map((p, i) => {
    hnsw.addPoint(Array.from(vectorOf(store, p.label)), i);
    relabel.set(p.label, i);
    return { ...p, label: i };
  });
  for (const rec of Object.values(store.manifest.articles)) rec.labels = rec.labels.map((l) => relabel.get(l)!).filter((l) => l !== undefined);
  const keyword = buildKeywordIndex(passages, titlesOf(store));
  return { manifest: { ...store.manifest, hnsw: { ...store.manifest.hnsw, deleted: 0 } }, passages, hnsw, keyword };
}

export async function updateIndex(opts: IndexOptions): Promise<{ store: Store; summary: IndexSummary }> {
  const t0 = performance.now();
  const release = await acquireIndexLock(opts.embeddingsDir, { waitMs: opts.lockWaitMs, onWait: opts.onLockWait });
  try {
    return await update(opts, t0);
  } finally {
    await release().catch(() => {});
  }
}

async function update(opts: IndexOptions, t0: number): Promise<{ store: Store; summary: IndexSummary }> {
  const { embedder } = opts;
  const maxTokens = passageTokenBudget(embedder);
  const summary: IndexSummary = {
    files: 0, passages: 0, embedded: 0, reused: 0, removed: 0, added: [], updated: [], deleted: [],
    skipped: [], warnings: [], rebuilt: null, changed: false, seconds: 0,
  };

  let old: Store | null = null;
  try {
    old = loadStore(opts.embeddingsDir);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    summary.rebuilt = `the previous index could not be used (${err.message})`;
  }
  if (!old && !summary.rebuilt) summary.rebuilt = 'no index yet';
  if (old && old.manifest.modelId !== embedder.modelId) summary.rebuilt = `the model changed (${old.manifest.modelId} → ${embedder.modelId})`;
  else if (old && (old.manifest.chunkerVersion !== CHUNKER_VERSION || old.manifest.maxTokens !== maxTokens)) summary.rebuilt = 'the passage splitter changed';
  else if (old && old.manifest.dims !== embedder.dims) summary.rebuilt = 'the model dimensions changed';

  // Vectors that can be reused, by content hash; only from an index built by this same model.
  const cache = new Map<string, number>();
  if (old && old.manifest.modelId === embedder.modelId && old.manifest.dims === embedder.dims) {
    for (const p of old.passages) if (p) cache.set(p.hash, p.label);
  }
  let store: Store = old && !summary.rebuilt ? old : emptyStore(embedder.modelId, embedder.dims, CHUNKER_VERSION, maxTokens);
  const known = store.manifest.articles;

  const { files, skipped } = await listCorpus(opts.corpusDir);
  summary.skipped.push(...skipped);
  const present = new Set(files.map((f) => f.file));
  const fresh: { article: Article; hash: string; size: number; mtimeMs: number }[] = [];
  let scanned = 0;
  for (const f of files) {
    opts.onProgress?.({ phase: 'scan', done: scanned++, total: files.length });
    const rec = known[f.file];
    if (rec && rec.size === f.size && rec.mtimeMs === f.mtimeMs) continue;
    const outcome = await readSource(opts.corpusDir, f.file, opts.maxFileBytes);
    if (!outcome.ok) {
      summary.skipped.push({ file: outcome.file, reason: outcome.reason + (rec ? ' (the previously indexed version is kept)' : '') });
      continue;
    }
    const hash = sha256(outcome.bytes);
    if (rec && rec.hash === hash) {
      rec.mtimeMs = f.mtimeMs; // touched, not changed
      summary.changed = true;
      continue;
    }
    const article = buildArticle(outcome.source, maxTokens);
    for (const w of article.warnings) summary.warnings.push({ file: f.file, message: w });
    if (article.passages.reduce((n, p) => n + wordCount(p.text), 0) < MIN_ARTICLE_WORDS) {
      summary.skipped.push({ file: f.file, reason: 'no article text left after cleaning' });
      if (rec) summary.removed += removeArticle(store, rec);
      continue;
    }
    (rec ? summary.updated : summary.added).push(f.file);
    fresh.push({ article, hash, size: f.size, mtimeMs: f.mtimeMs });
  }
  // Vectors to reuse are read before anything is deleted: a renamed or edited file finds its unchanged
  // paragraphs among the passages about to be removed.
  const hashes = new Map(fresh.map(({ article }) => [article, article.passages.map((p) => sha256(p.searchText))]));
  const vectors = new Map<string, Float32Array>();
  for (const hs of hashes.values()) {
    for (const hash of hs) {
      const label = cache.get(hash);
      if (label !== undefined && !vectors.has(hash)) vectors.set(hash, vectorOf(old!, label));
    }
  }

  const kept = new Set(summary.skipped.map((s) => s.file));
  for (const rec of Object.values(known)) {
    if (!present.has(rec.file) && !kept.has(rec.file)) {
      summary.deleted.push(rec.file);
      summary.removed += removeArticle(store, rec);
    }
  }
  for (const { article } of fresh) {
    const rec = known[article.file];
    if (rec) summary.removed += removeArticle(store, rec);
  }

  // Embed what has not been embedded before (each distinct text once).
  const texts = new Map<string, string>();
  let passages = 0;
  for (const [article, hs] of hashes) {
    passages += hs.length;
    article.passages.forEach((p, i) => {
      if (!vectors.has(hs[i])) texts.set(hs[i], p.searchText);
    });
  }
  if (texts.size) {
    const entries = [...texts.entries()];
    opts.onProgress?.({ phase: 'embed', done: 0, total: entries.length });
    const out = await embedder.embedPassages(entries.map(([, t]) => t), (done) =>
      opts.onProgress?.({ phase: 'embed', done, total: entries.length }),
    );
    entries.forEach(([hash], i) => vectors.set(hash, out[i]));
  }
  summary.embedded = texts.size;
  summary.reused = passages - texts.size;

  const needed = store.passages.length + passages;
  if (needed > store.hnsw.getMaxElements()) store.hnsw.resizeIndex(Math.max(needed, store.hnsw.getMaxElements() * 2));
  for (const { article, hash, size, mtimeMs } of fresh) {
    const labels: number[] = [];
    store.keyword.setTitle(article.docId, article.title);
    const hs = hashes.get(article)!;
    article.passages.forEach((p, i) => {
      const h = hs[i];
      const vec = vectors.get(h)!;
      const label = store.passages.length;
      store.hnsw.addPoint(Array.from(vec), label);
      const stored = { ...p, label, hash: h };
      store.passages.push(stored);
      store.keyword.add(stored);
      labels.push(label);
    });
    const { passages: _p, ...meta } = article;
    known[article.file] = { ...meta, hash, size, mtimeMs, labels };
  }
  store = compactIfNeeded(store);

  summary.changed ||= fresh.length > 0 || summary.removed > 0 || summary.rebuilt !== null;
  if (summary.changed) {
    opts.onProgress?.({ phase: 'save', done: 0, total: 1 });
    saveStore(opts.embeddingsDir, store);
  }
  summary.files = Object.keys(store.manifest.articles).length;
  summary.passages = liveCount(store);
  summary.seconds = (performance.now() - t0) / 1000;
  return { store, summary };
}
