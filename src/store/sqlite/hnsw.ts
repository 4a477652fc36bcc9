// The vector index of the embedded store: one HNSW graph (hnswlib, cosine) per library, a cache derived
// from the vectors in the database. Each graph is saved beside the database with the last change it
// includes; at start it is loaded and the newer changes replayed, and when it is missing or damaged it is
// rebuilt from the stored vectors (nothing is re-embedded). Labels are passage ids.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import writeFileAtomic from 'write-file-atomic';
import type { Neighbour } from '../types.js';

const { HierarchicalNSW } = hnswlib;
export type Hnsw = InstanceType<typeof HierarchicalNSW>;

/**
 * Links per point. At 16, a million points left 1% of the true 10 nearest unreachable: raising the search
 * ef to 1,000 found none of them. At 24 (measured on the benchmark's synthetic points, docs/benchmarks.md)
 * recall@10 is 0.999 at a million even at ef 100, and 0.9955 at 10,000 at ef 200. It costs a build about
 * 1.3× as long and 64 bytes a point. A graph saved with another M keeps it until it is rebuilt.
 */
export const HNSW_M = 24;
export const HNSW_EF_CONSTRUCTION = 100;
/**
 * With M 24, 200 keeps recall@10 ≥ 0.995 from 10,000 to 1,000,000 synthetic points and answers the same
 * on SQuAD among 100,000 passages as 300 or 400, at about 1 ms less a question than 400 at 100,000.
 */
export const HNSW_EF_SEARCH = 200;

export interface Graph {
  libraryId: number;
  hnsw: Hnsw;
  dims: number;
  live: number;
  /** Deleted slots not yet reused (hnswlib reuses them for new points). */
  deleted: number;
  /** The last change (changes.seq) this graph includes. */
  seq: number;
  /** The change the saved snapshot includes (0: none saved). */
  savedSeq: number;
  /** Points added or removed since the saved snapshot (other libraries' changes move `seq`, not this). */
  edits: number;
}

interface Pointer {
  file: string;
  seq: number;
  modelId: string;
  dims: number;
  live: number;
  deleted: number;
  bytes: number;
  sha1: string;
}

export function newGraph(libraryId: number, dims: number, capacity = 1024, seq = 0): Graph {
  const hnsw = new HierarchicalNSW('cosine', dims);
  hnsw.initIndex(Math.max(capacity, 16), HNSW_M, HNSW_EF_CONSTRUCTION, 100, true);
  hnsw.setEf(HNSW_EF_SEARCH);
  return { libraryId, hnsw, dims, live: 0, deleted: 0, seq, savedSeq: 0, edits: 0 };
}

export function addPoint(g: Graph, id: number, vector: Float32Array): void {
  if (g.deleted === 0 && g.live + 1 > g.hnsw.getMaxElements()) g.hnsw.resizeIndex(Math.ceil(Math.max(1024, g.hnsw.getMaxElements() * 1.5)));
  g.hnsw.addPoint(Array.from(vector), id, g.deleted > 0);
  if (g.deleted > 0) g.deleted--;
  g.live++;
  g.edits++;
}

export function removePoint(g: Graph, id: number): void {
  try {
    g.hnsw.markDelete(id);
  } catch {
    return; // not in this graph (it was never added, or already removed)
  }
  g.live--;
  g.deleted++;
  g.edits++;
}

export function searchGraph(g: Graph, vector: Float32Array, k: number): Neighbour[] {
  const n = Math.min(k, g.live);
  if (n <= 0) return [];
  const res = g.hnsw.searchKnn(Array.from(vector), n);
  return res.neighbors.map((id, i) => ({ id, cosine: 1 - res.distances[i] }));
}

const pointerPath = (dir: string, libraryId: number) => path.join(dir, `lib-${libraryId}.json`);

/**
 * A checksum of the file: all of it when small, else 64 evenly spread 1 MB samples (reading all of a
 * graph of a million passages would add seconds to every start). `verbatim doctor` still compares every
 * point of the graph with the database.
 */
function sha1File(file: string): string {
  const h = crypto.createHash('sha1');
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const CHUNK = 1 << 20;
    const buf = Buffer.allocUnsafe(8 << 20);
    if (size <= 128 * CHUNK) {
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    } else {
      for (let i = 0; i < 64; i++) {
        const at = Math.floor(((size - CHUNK) * i) / 63);
        const n = fs.readSync(fd, buf, 0, CHUNK, at);
        h.update(buf.subarray(0, n));
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** A library's pointer file, or null if there is none or it cannot be read. */
function readPointer(dir: string, libraryId: number): Pointer | null {
  try {
    return JSON.parse(fs.readFileSync(pointerPath(dir, libraryId), 'utf8')) as Pointer;
  } catch {
    return null;
  }
}

/** The last change a library's saved graph includes, by its pointer file (null: none saved). */
export function savedSeqOf(dir: string, libraryId: number): number | null {
  return readPointer(dir, libraryId)?.seq ?? null;
}

/** The saved graph of a library, or why it cannot be used (missing, other model, damaged). */
/** Reads on a worker thread: at a million passages this is seconds, which the model's loading can overlap. */
export async function loadGraph(dir: string, libraryId: number, modelId: string, dims: number): Promise<Graph | string> {
  let pointer: Pointer;
  try {
    pointer = JSON.parse(fs.readFileSync(pointerPath(dir, libraryId), 'utf8')) as Pointer;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not saved yet' : 'its pointer file is unreadable';
  }
  if (pointer.modelId !== modelId || pointer.dims !== dims) return `it was built for ${pointer.modelId}`;
  const file = path.join(dir, path.basename(pointer.file));
  try {
    if (fs.statSync(file).size !== pointer.bytes || sha1File(file) !== pointer.sha1) return 'its file does not match its checksum (truncated or damaged)';
  } catch {
    return 'its file is missing';
  }
  const hnsw = new HierarchicalNSW('cosine', dims);
  try {
    await hnsw.readIndex(file, true);
  } catch (err) {
    return `its file could not be read (${(err as Error).message})`;
  }
  hnsw.setEf(HNSW_EF_SEARCH);
  return { libraryId, hnsw, dims, live: pointer.live, deleted: pointer.deleted, seq: pointer.seq, savedSeq: pointer.seq, edits: 0 };
}

/**
 * Saves a graph as a new file named by its change number, then switches the pointer to it atomically; a
 * reader never sees a half-written graph. Older files are removed but for the one the pointer named until
 * now (another process may be reading it at this moment).
 */
export function saveGraph(dir: string, g: Graph, modelId: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const before = readPointer(dir, g.libraryId);
  const previous = before ? path.basename(before.file) : null;
  const name = `lib-${g.libraryId}-${String(g.seq).padStart(12, '0')}.hnsw`;
  const file = path.join(dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  g.hnsw.writeIndexSync(tmp);
  const fd = fs.openSync(tmp, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  const pointer: Pointer = { file: name, seq: g.seq, modelId, dims: g.dims, live: g.live, deleted: g.deleted, bytes: fs.statSync(file).size, sha1: sha1File(file) };
  writeFileAtomic.sync(pointerPath(dir, g.libraryId), JSON.stringify(pointer), { fsync: true });
  g.savedSeq = g.seq;
  g.edits = 0;
  removeOldGraphFiles(dir, g.libraryId, [name, previous]);
}

/**
 * A graph that no change has touched since it was saved (the commits were to other libraries) is the saved
 * file as it stands: only the pointer's change number moves on, so that the change log can be pruned, instead
 * of writing the whole graph again (1.7 GB at a million passages). Left alone if another process has saved
 * a newer copy meanwhile.
 */
export function advanceSaved(dir: string, g: Graph): void {
  const pointer = readPointer(dir, g.libraryId);
  if (!pointer || pointer.seq !== g.savedSeq || g.seq <= pointer.seq) return;
  writeFileAtomic.sync(pointerPath(dir, g.libraryId), JSON.stringify({ ...pointer, seq: g.seq }), { fsync: true });
  g.savedSeq = g.seq;
}

function removeOldGraphFiles(dir: string, libraryId: number, keep: (string | null)[]): void {
  const prefix = `lib-${libraryId}-`;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(prefix) || keep.includes(name)) continue;
    // A temporary file of a save in progress in another process is left alone unless it is old.
    const file = path.join(dir, name);
    try {
      if (!name.endsWith('.tmp') || Date.now() - fs.statSync(file).mtimeMs > 600_000) fs.rmSync(file, { force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

/** Forgets a deleted library's saved graph. */
export function dropGraph(dir: string, libraryId: number): void {
  if (!fs.existsSync(dir)) return;
  fs.rmSync(pointerPath(dir, libraryId), { force: true });
  removeOldGraphFiles(dir, libraryId, []);
}
