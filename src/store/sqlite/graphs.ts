// The embedded store's vector cache: one HNSW graph per library (hnsw.ts), derived from the vectors in the
// database. At the first read the saved graphs are loaded (on a worker thread) and the change log replayed
// from the change each includes; a missing, damaged or stale one is rebuilt from the stored vectors, never
// re-embedded. Afterwards every refresh replays the changes other processes (and this one) committed.
import type Database from 'better-sqlite3';
import { addPoint, dropGraph, loadGraph, newGraph, removePoint, advanceSaved, savedSeqOf, saveGraph, searchGraph, type Graph } from './hnsw.js';
import type { Catalog } from './catalog.js';
import { bytesToVector, type IndexSettings, type Neighbour } from '../types.js';

const SAVE_AFTER_CHANGES = 1000;
const SAVE_ON_CLOSE_AFTER_CHANGES = 50;
const SAVE_INTERVAL_MS = 60_000;

export const OP = { remove: 0, add: 1, reset: 2, dropLibrary: 3 } as const;

export interface GraphOptions {
  onStatus?: (message: string) => void;
  onProgress?: (p: { phase: 'vectors'; done: number; total: number }) => void;
  /** Called when a refresh finds new commits (before it applies them): what was read before may be gone. */
  onChange?: () => void;
}

export interface VectorCache {
  graphs: ReadonlyMap<number, Graph>;
  /** Brings the graphs in step with every commit; cheap when nothing changed. Runs one at a time. */
  refresh(): Promise<void>;
  /** Whether the graphs have been loaded at all. */
  loaded(): boolean;
  nearest(libraryIds: readonly number[], vector: Float32Array, k: number): Promise<Neighbour[]>;
  /** The oldest change a saved graph includes: the change log must reach back to it. */
  oldestSaved(head: number): number;
  /** Saves the graphs that are a few changes ahead of their saved copies (at close). */
  saveBehind(): void;
}

export function vectorCache(r: Database.Database, graphsDir: string, cat: Catalog, opts: GraphOptions = {}): VectorCache {
  const q = {
    head: r.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM changes'),
    oldest: r.prepare('SELECT MIN(seq) AS seq FROM changes'),
    changesSince: r.prepare('SELECT seq, library_id, passage_id, op FROM changes WHERE seq > ? ORDER BY seq'),
    libraryVectors: r.prepare(`SELECT p.id, v.vector FROM passages p CROSS JOIN vectors v ON v.model = @model AND v.hash = p.hash WHERE p.library_id = @library`),
    libraryPassageCount: r.prepare('SELECT COUNT(*) AS n FROM passages WHERE library_id = ?'),
    vectorsOf: r.prepare(`SELECT p.id, v.vector FROM json_each(@ids) j CROSS JOIN passages p ON p.id = j.value
      CROSS JOIN vectors v ON v.model = @model AND v.hash = p.hash`),
  };
  const graphs = new Map<number, Graph>();
  const savedAt = new Map<number, number>();
  let graphsModel: string | null = null;
  let applied = -1; // the change every graph includes; -1: not loaded yet

  function buildGraph(libraryId: number, settings: IndexSettings, seq: number, why: string): Graph {
    const total = (q.libraryPassageCount.get(libraryId) as { n: number }).n;
    const g = newGraph(libraryId, settings.dims, total + 64, seq);
    if (total > 0) {
      const key = [...cat.ids()].find(([, id]) => id === libraryId)?.[0] ?? `#${libraryId}`;
      // A small index built a moment ago has no saved copy yet: that is not news.
      if (why !== 'no saved copy' || total >= 10_000) opts.onStatus?.(`Rebuilding the vector index of library "${key}" from ${total} stored vectors (${why}); nothing is re-embedded.`);
      let done = 0;
      for (const row of q.libraryVectors.iterate({ model: settings.modelId, library: libraryId }) as Iterable<{ id: number; vector: Buffer }>) {
        addPoint(g, row.id, bytesToVector(row.vector));
        if (++done % 2000 === 0) opts.onProgress?.({ phase: 'vectors', done, total });
      }
      opts.onProgress?.({ phase: 'vectors', done: total, total });
    }
    return g;
  }

  /**
   * Saves a graph once it is this many changes ahead of its saved copy: replaying them at the next start
   * costs about a millisecond each, saving costs a write of the whole graph.
   */
  function saveIfBehind(g: Graph, atLeast = SAVE_AFTER_CHANGES, minIntervalMs = SAVE_INTERVAL_MS): void {
    if (!graphsModel) return;
    const behind = g.seq - g.savedSeq;
    if (behind <= 0) return;
    if (g.savedSeq > 0 && g.edits === 0) {
      try {
        advanceSaved(graphsDir, g);
      } catch (err) {
        opts.onStatus?.(`Could not save the vector index cache: ${(err as Error).message}`);
      }
      return;
    }
    // What the next start replays is this graph's own edits; other libraries' changes cost it nothing but
    // keep the change log from being pruned, which bounds how long a few edits may wait.
    if (g.edits < atLeast && behind < 50 * atLeast) return;
    // A burst of commits (an archive import) would otherwise rewrite a large graph over and over.
    if (Date.now() - (savedAt.get(g.libraryId) ?? 0) < minIntervalMs) return;
    savedAt.set(g.libraryId, Date.now());
    try {
      saveGraph(graphsDir, g, graphsModel);
    } catch (err) {
      opts.onStatus?.(`Could not save the vector index cache: ${(err as Error).message}`);
    }
  }

  /** Every library's saved graph, or why it cannot be used; read before the snapshot that checks them. */
  async function savedGraphs(settings: IndexSettings): Promise<Map<number, Graph | string>> {
    cat.reload();
    const out = new Map<number, Graph | string>();
    for (const id of cat.ids().values()) out.set(id, await loadGraph(graphsDir, id, settings.modelId, settings.dims));
    return out;
  }

  /**
   * Takes the saved graphs that the change log can bring up to date (rebuilding the others as of its head),
   * in one read snapshot; returns the oldest change they all include, from which replay() continues.
   */
  const loadGraphs = r.transaction((settings: IndexSettings, saved: Map<number, Graph | string>) => {
    graphs.clear();
    graphsModel = settings.modelId;
    const head = (q.head.get() as { seq: number }).seq;
    const oldest = (q.oldest.get() as { seq: number | null }).seq ?? head + 1;
    cat.reload();
    for (const id of cat.ids().values()) {
      const loaded = saved.get(id) ?? 'not saved yet'; // a library created since they were read
      if (typeof loaded !== 'string' && loaded.seq <= head && loaded.seq >= oldest - 1) {
        graphs.set(id, loaded);
        continue;
      }
      const why = typeof loaded === 'string' ? (loaded === 'not saved yet' ? 'no saved copy' : `the saved copy cannot be used: ${loaded}`) : 'the saved copy is older than the change log';
      graphs.set(id, buildGraph(id, settings, head, why));
    }
    return Math.min(head, ...[...graphs.values()].map((g) => g.seq));
  });

  /** Applies the changes committed since the graphs were last brought up to date, in one read snapshot. */
  const replay = r.transaction((settings: IndexSettings) => {
    const from = Math.min(...[...graphs.values()].map((g) => g.seq), applied);
    const oldest = (q.oldest.get() as { seq: number | null }).seq;
    if (oldest !== null && oldest > from + 1) return false; // the log was pruned past us: reload
    const rows = q.changesSince.all(from) as { seq: number; library_id: number; passage_id: number; op: number }[];
    const addIds = rows.filter((c) => c.op === OP.add).map((c) => c.passage_id);
    const vectors = new Map<number, Float32Array>();
    for (let i = 0; i < addIds.length; i += 5000) {
      for (const row of q.vectorsOf.all({ model: settings.modelId, ids: JSON.stringify(addIds.slice(i, i + 5000)) }) as { id: number; vector: Buffer }[]) {
        vectors.set(row.id, bytesToVector(row.vector));
      }
    }
    for (const c of rows) {
      if (c.op === OP.reset) {
        for (const id of [...graphs.keys()]) graphs.set(id, newGraph(id, settings.dims, 1024, c.seq));
        continue;
      }
      if (c.op === OP.dropLibrary) {
        graphs.delete(c.library_id);
        dropGraph(graphsDir, c.library_id);
        continue;
      }
      let g = graphs.get(c.library_id);
      if (!g) graphs.set(c.library_id, (g = newGraph(c.library_id, settings.dims, 1024, c.seq - 1)));
      if (c.seq <= g.seq) continue;
      if (c.op === OP.add) {
        const v = vectors.get(c.passage_id);
        if (v) addPoint(g, c.passage_id, v); // no vector: the passage was removed again since
      } else {
        removePoint(g, c.passage_id);
      }
      g.seq = c.seq;
    }
    const head = rows.length ? rows[rows.length - 1].seq : from;
    for (const g of graphs.values()) g.seq = Math.max(g.seq, head);
    return head;
  });

  // Loading the graphs awaits a worker thread; refreshes run one after another so that two questions
  // arriving together never load them twice or replay over each other.
  let refreshing: Promise<void> = Promise.resolve();
  function refresh(): Promise<void> {
    const run = refreshing.then(refreshNow);
    refreshing = run.catch(() => {});
    return run;
  }

  async function refreshNow(): Promise<void> {
    const head = (q.head.get() as { seq: number }).seq;
    if (applied >= 0 && head === applied) return;
    opts.onChange?.();
    cat.reload();
    const settings = cat.settings(r);
    if (!settings) {
      graphs.clear();
      applied = head;
      return;
    }
    if (applied < 0 || graphsModel !== settings.modelId) applied = loadGraphs(settings, await savedGraphs(settings));
    let done = replay(settings);
    if (done === false) {
      applied = loadGraphs(settings, await savedGraphs(settings)); // the log was pruned past a graph: start from saved copies again
      done = replay(settings);
    }
    applied = done === false ? (q.head.get() as { seq: number }).seq : done;
    for (const g of graphs.values()) saveIfBehind(g, g.savedSeq === 0 && g.live > 0 ? 1 : SAVE_AFTER_CHANGES, g.savedSeq === 0 ? 0 : SAVE_INTERVAL_MS);
  }

  return {
    graphs,
    refresh,
    loaded: () => applied >= 0,
    async nearest(libraryIds, vector, k) {
      if (applied < 0) await refresh();
      const all: Neighbour[] = [];
      for (const id of libraryIds) {
        const g = graphs.get(id);
        if (g) all.push(...searchGraph(g, vector, k));
      }
      return all.sort((a, b) => b.cosine - a.cosine).slice(0, k);
    },
    oldestSaved(head) {
      let oldest = head;
      if (applied < 0) {
        // Not loaded here (an indexer): the saved copies on disk are what other processes start from.
        for (const id of cat.ids().values()) oldest = Math.min(oldest, savedSeqOf(graphsDir, id) ?? head);
        return oldest;
      }
      for (const g of graphs.values()) oldest = Math.min(oldest, g.savedSeq);
      return oldest;
    },
    saveBehind() {
      for (const g of graphs.values()) saveIfBehind(g, SAVE_ON_CLOSE_AFTER_CHANGES, 0);
    },
  };
}
