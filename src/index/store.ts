// The on-disk index: an HNSW graph (hnswlib-node, cosine) and the records it points to, stored as one
// "generation" folder under EMBEDDINGS_DIR. A new generation is written completely beside the current
// one and then named in CURRENT by an atomic rename, so a crash at any moment leaves either the old or
// the new index, never a mixture. Checksums in the manifest catch files that were truncated or edited.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import writeFileAtomic from 'write-file-atomic';
import type { ArticleMeta, Format, Passage } from '../ingest/types.js';
import { emptyKeywordIndex, loadKeywordIndex, type KeywordIndex } from './keyword.js';

const { HierarchicalNSW } = hnswlib;
export type Hnsw = InstanceType<typeof HierarchicalNSW>;

export const STORE_VERSION = 2;
export const HNSW_M = 16;
export const HNSW_EF_CONSTRUCTION = 200;
export const HNSW_EF_SEARCH = 200;

export interface StoredPassage extends Passage {
  label: number;
  /** sha256 of the text: the cache key that lets unchanged passages skip embedding. */
  hash: string;
}

export interface ArticleRecord extends ArticleMeta {
  docId: string;
  file: string;
  format: Format;
  /** sha256 of the file's bytes, with size and mtime to skip re-reading unchanged files. */
  hash: string;
  size: number;
  mtimeMs: number;
  labels: number[];
  warnings: string[];
}

export interface Manifest {
  version: number;
  modelId: string;
  dims: number;
  chunkerVersion: string;
  maxTokens: number;
  createdAt: string;
  updatedAt: string;
  hnsw: { m: number; efConstruction: number; capacity: number; deleted: number };
  articles: Record<string, ArticleRecord>;
  checksums: Record<string, string>;
}

export interface Store {
  manifest: Manifest;
  /** Indexed by HNSW label; null where a passage was deleted. */
  passages: (StoredPassage | null)[];
  hnsw: Hnsw;
  /** BM25 over the live passages, kept in step with them and saved alongside. */
  keyword: KeywordIndex;
}

export class StoreError extends Error {}

const CURRENT = 'CURRENT';
const FILES = { manifest: 'manifest.json', passages: 'passages.json', hnsw: 'index.hnsw', keywords: 'keywords.json' };

export function sha256(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function newHnsw(dims: number, capacity: number, efConstruction = HNSW_EF_CONSTRUCTION): Hnsw {
  const h = new HierarchicalNSW('cosine', dims);
  h.initIndex(Math.max(capacity, 16), HNSW_M, efConstruction, 100);
  h.setEf(HNSW_EF_SEARCH);
  return h;
}

export function emptyStore(modelId: string, dims: number, chunkerVersion: string, maxTokens: number): Store {
  const now = new Date().toISOString();
  return {
    manifest: {
      version: STORE_VERSION,
      modelId,
      dims,
      chunkerVersion,
      maxTokens,
      createdAt: now,
      updatedAt: now,
      hnsw: { m: HNSW_M, efConstruction: HNSW_EF_CONSTRUCTION, capacity: 16, deleted: 0 },
      articles: {},
      checksums: {},
    },
    passages: [],
    hnsw: newHnsw(dims, 16),
    keyword: emptyKeywordIndex(),
  };
}

export function titlesOf(store: Pick<Store, 'manifest'>): Record<string, string> {
  return Object.fromEntries(Object.values(store.manifest.articles).map((a) => [a.docId, a.title]));
}

export function liveCount(store: Store): number {
  return store.passages.length - store.manifest.hnsw.deleted;
}

function currentGeneration(dir: string): string | null {
  try {
    const name = fs.readFileSync(path.join(dir, CURRENT), 'utf8').trim();
    return /^gen-\d+$/.test(name) ? name : null;
  } catch {
    return null;
  }
}

/** True when EMBEDDINGS_DIR holds an index (whether or not it turns out to be readable). */
export function storeExists(dir: string): boolean {
  return currentGeneration(dir) !== null;
}

/**
 * Loads the current generation. Returns null when there is no index yet; throws StoreError (with a
 * message a person can act on) when files are missing, truncated or do not match the manifest.
 */
export function loadStore(dir: string): Store | null {
  const gen = currentGeneration(dir);
  if (!gen) return null;
  const genDir = path.join(dir, gen);
  const read = (name: string): Buffer => {
    try {
      return fs.readFileSync(path.join(genDir, name));
    } catch {
      throw new StoreError(`the index file ${path.join(gen, name)} is missing`);
    }
  };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(read(FILES.manifest).toString('utf8')) as Manifest;
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(`the index manifest ${path.join(gen, FILES.manifest)} is unreadable (truncated or edited)`);
  }
  if (manifest.version !== STORE_VERSION || !manifest.checksums || !manifest.articles) {
    throw new StoreError(`the index in ${gen} was written by another version of Verbatim`);
  }
  const passagesBytes = read(FILES.passages);
  const hnswBytes = read(FILES.hnsw);
  const keywordBytes = read(FILES.keywords);
  for (const [name, bytes] of [[FILES.passages, passagesBytes], [FILES.hnsw, hnswBytes], [FILES.keywords, keywordBytes]] as const) {
    if (sha256(bytes) !== manifest.checksums[name]) {
      throw new StoreError(`the index file ${path.join(gen, name)} does not match its manifest (truncated or corrupted)`);
    }
  }
  let passages: (StoredPassage | null)[];
  try {
    passages = JSON.parse(passagesBytes.toString('utf8')) as (StoredPassage | null)[];
  } catch {
    throw new StoreError(`the passages file ${path.join(gen, FILES.passages)} is unreadable`);
  }
  const hnsw = new HierarchicalNSW('cosine', manifest.dims);
  hnsw.readIndexSync(path.join(genDir, FILES.hnsw));
  hnsw.setEf(HNSW_EF_SEARCH);
  if (hnsw.getCurrentCount() !== passages.length) {
    throw new StoreError(`the index in ${gen} holds ${hnsw.getCurrentCount()} vectors but ${passages.length} passages`);
  }
  let keyword: KeywordIndex;
  try {
    keyword = loadKeywordIndex(keywordBytes.toString('utf8'));
  } catch {
    throw new StoreError(`the keyword index ${path.join(gen, FILES.keywords)} is unreadable`);
  }
  return { manifest, passages, hnsw, keyword };
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `store` as a new generation and makes it current; older generations are removed after. */
export function saveStore(dir: string, store: Store): string {
  fs.mkdirSync(dir, { recursive: true });
  const existing = fs.readdirSync(dir).filter((n) => /^gen-\d+$/.test(n));
  const next = Math.max(0, ...existing.map((n) => parseInt(n.slice(4), 10))) + 1;
  const gen = `gen-${String(next).padStart(6, '0')}`;
  const tmpDir = path.join(dir, `.${gen}.tmp`);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  fs.mkdirSync(tmpDir);

  const hnswPath = path.join(tmpDir, FILES.hnsw);
  store.hnsw.writeIndexSync(hnswPath);
  const passagesJson = JSON.stringify(store.passages);
  fs.writeFileSync(path.join(tmpDir, FILES.passages), passagesJson);
  const keywordJson = JSON.stringify(store.keyword);
  fs.writeFileSync(path.join(tmpDir, FILES.keywords), keywordJson);
  store.manifest.updatedAt = new Date().toISOString();
  store.manifest.hnsw.capacity = store.hnsw.getMaxElements();
  store.manifest.checksums = {
    [FILES.passages]: sha256(passagesJson),
    [FILES.hnsw]: sha256(fs.readFileSync(hnswPath)),
    [FILES.keywords]: sha256(keywordJson),
  };
  fs.writeFileSync(path.join(tmpDir, FILES.manifest), JSON.stringify(store.manifest));
  for (const f of Object.values(FILES)) fsyncFile(path.join(tmpDir, f));
  fs.renameSync(tmpDir, path.join(dir, gen));
  writeFileAtomic.sync(path.join(dir, CURRENT), `${gen}\n`, { fsync: true });
  removeStaleGenerations(dir, gen);
  return gen;
}

/** Removes every generation but `keep`, and temp folders left by a crash. */
function removeStaleGenerations(dir: string, keep: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (name === keep) continue;
    if (/^gen-\d+$/.test(name) || /^\.gen-\d+\.tmp$/.test(name)) {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

export function vectorOf(store: Store, label: number): Float32Array {
  return Float32Array.from(store.hnsw.getPoint(label));
}
