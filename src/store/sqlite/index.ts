// The embedded store: one SQLite database (better-sqlite3, WAL) under EMBEDDINGS_DIR holds everything
// of record; the HNSW graphs beside it are caches (./hnsw.ts). Two connections: the writer commits each
// change set in one IMMEDIATE transaction, and the reader sees only committed states, so questions asked
// while an update is being written are answered from the state before it. Other processes' commits are
// picked up by refresh(), through the changes table.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { acquireLock } from './lock.js';
import { keywordQuery } from './keyword.js';
import { termSet, type TermSet } from './term-set.js';
import { migrate, reclaimFreePages } from './schema.js';
import { addPoint, dropGraph, loadGraph, newGraph, removePoint, saveGraph, searchGraph, type Graph } from './hnsw.js';
import { importLegacy } from './legacy.js';
import { FEED_COLUMNS, feedChanges, toEntry, toFeed, type EntryRow, type FeedRow } from '../feed-rows.js';
import { decodeSpans, encodeSpans, sentenceSpans } from '../../text/sentences.js';
import {
  bytesToVector,
  sentenceCosines,
  sentencesToBytes,
  StoreError,
  vectorToBytes,
  type VectorRecord,
  type ArticleRecord,
  type ChangeSet,
  type CheckReport,
  type CommitResult,
  type EntityTags,
  type IndexSettings,
  type KeywordCandidate,
  type LibraryInfo,
  type LibraryKey,
  type NewArticle,
  type Neighbour,
  type Scope,
  type Store,
  type StoredPassage,
  type TermStats,
  type WriterLockOptions,
} from '../types.js';

export const DB_FILE = 'verbatim.db';
const GRAPHS_DIR = 'hnsw';
const SAVE_AFTER_CHANGES = 1000;
const SAVE_ON_CLOSE_AFTER_CHANGES = 50;
const SAVE_INTERVAL_MS = 60_000;
/** Keep this many changes in the log beyond what every saved graph includes. */
const CHANGE_LOG_KEEP = 50_000;

export interface SqliteOptions {
  dir: string;
  /** One line a person reads: a rebuild, an import. */
  onStatus?: (message: string) => void;
  onProgress?: (p: { phase: 'vectors'; done: number; total: number }) => void;
  /** Scopes of at least this many passages run their keyword query on a side thread (tests lower it). */
  keywordThreadFrom?: number;
}

/**
 * From this many passages in scope the keyword query (store/sqlite/keyword.ts) runs on its own connection
 * on a side thread, beside the vector search. Below it the query takes well under a millisecond and a
 * thread would only add its round trip.
 */
export const KEYWORD_THREAD_FROM = 20_000;

const OP = { remove: 0, add: 1, reset: 2, dropLibrary: 3 } as const;

interface ArticleRow {
  id: number;
  library: string;
  file: string;
  format: string;
  hash: string;
  size: number;
  mtime_ms: number;
  title: string;
  title_is_fallback: number;
  outlet: string | null;
  byline: string | null;
  date: string | null;
  url: string | null;
  warnings: string;
  passages: number;
  added_at: string;
}

interface PassageRow {
  id: number;
  article_id: number;
  library: string;
  file: string;
  paragraph: number;
  part: number;
  char_start: number;
  char_end: number;
  text: string;
  search_text: string;
  hash: string;
  terms: string;
  tags: string;
  sentences: string | null;
}

const PASSAGE_COLUMNS = `p.id, p.article_id, l.key AS library, a.file, p.paragraph, p.part, p.char_start, p.char_end, p.text,
  p.search_text, p.hash, p.terms, p.tags, p.sentences`;
/** What a passage record needs beside its own row: its article's file and its library's key. */
const PASSAGE_JOINS = 'JOIN articles a ON a.id = p.article_id JOIN libraries l ON l.id = p.library_id';
/** Passages with their vector, read along with a question's keyword query (keyword.ts). */
const PASSAGES_WITH_VECTORS = `SELECT ${PASSAGE_COLUMNS}, v.vector FROM json_each(@ids) j CROSS JOIN passages p ON p.id = j.value
  ${PASSAGE_JOINS} LEFT JOIN vectors v ON v.model = @model AND v.hash = p.hash`;

const ARTICLE_COLUMNS = `a.id, l.key AS library, a.file, a.format, a.hash, a.size, a.mtime_ms, a.title, a.title_is_fallback,
  a.outlet, a.byline, a.date, a.url, a.warnings, a.passages, a.added_at`;

function toArticle(r: ArticleRow): ArticleRecord {
  return {
    id: r.id,
    library: r.library,
    file: r.file,
    format: r.format as ArticleRecord['format'],
    hash: r.hash,
    size: r.size,
    mtimeMs: r.mtime_ms,
    title: r.title,
    titleIsFallback: !!r.title_is_fallback,
    source: r.outlet,
    byline: r.byline,
    date: r.date,
    url: r.url,
    warnings: JSON.parse(r.warnings) as string[],
    passages: r.passages,
    addedAt: r.added_at,
  };
}

function toPassage(r: PassageRow): StoredPassage {
  return {
    id: r.id,
    articleId: r.article_id,
    library: r.library,
    docId: r.file,
    file: r.file,
    paragraph: r.paragraph,
    part: r.part,
    start: r.char_start,
    end: r.char_end,
    text: r.text,
    searchText: r.search_text,
    hash: r.hash,
    terms: r.terms ? r.terms.split(' ') : [],
    tags: JSON.parse(r.tags) as EntityTags,
    sentences: decodeSpans(r.sentences) ?? sentenceSpans(r.text),
  };
}

// Questions read a few scattered rows (vectors, postings lengths): memory-mapped pages and a larger cache
// turn each from a system call into a memory read (3-5x faster at 100,000 passages; docs/benchmarks.md).
const CACHE_PRAGMAS = ['mmap_size = 1073741824', 'cache_size = -65536'];
/** A side thread's read-only connection. */
const READER_PRAGMAS = ['busy_timeout = 10000', ...CACHE_PRAGMAS, 'query_only = ON'];

function pragmas(db: Database.Database): void {
  for (const p of ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 10000', 'foreign_keys = ON', ...CACHE_PRAGMAS]) db.pragma(p);
}

/** A term as the keyword index holds it: prefixed with its library. */
const ftsToken = (libraryId: number, term: string) => `l${libraryId}_${term}`;

/** A least-recently-used cache bounded by a total weight (here: terms held). */
class BoundedCache<K, V> {
  private map = new Map<K, V>();
  private total = 0;
  constructor(private max: number, private weigh: (v: V) => number) {}
  has(k: K): boolean {
    return this.map.has(k);
  }
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.set(k, v);
    this.total += this.weigh(v);
    for (const [old, ov] of this.map) {
      if (this.total <= this.max) break;
      this.map.delete(old);
      this.total -= this.weigh(ov);
    }
  }
}

export async function openSqliteStore(opts: SqliteOptions): Promise<Store> {
  const { dir } = opts;
  fs.mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, DB_FILE);
  const graphsDir = path.join(dir, GRAPHS_DIR);
  let w: Database.Database;
  let schema: { from: number; to: number };
  try {
    w = new Database(dbPath);
    pragmas(w);
    schema = migrate(w);
  } catch (err) {
    throw new StoreError(
      `the database ${dbPath} cannot be opened: ${(err as Error).message}. Restore it from a backup, or move it aside and run \`verbatim index\` ` +
        'to rebuild the shared library from the corpus folder (articles added from Discord would have to be added again)',
    );
  }
  const r = new Database(dbPath);
  pragmas(r);
  r.pragma('query_only = ON');

  if (schema.from > 0 && schema.from < schema.to) {
    const reclaimed = reclaimFreePages(w);
    const mb = (n: number) => `${Math.round(n / (1 << 20))} MB`;
    opts.onStatus?.(
      `Upgraded the database from schema ${schema.from} to ${schema.to}` +
        (!reclaimed ? '.' : 'freed' in reclaimed ? `; ${mb(reclaimed.freed)} the old layout used is returned to the disk.` : `; the space the old layout used is kept for later writes (${reclaimed.error}).`),
    );
  }
  const legacy = importLegacy(dir, w);
  if (legacy) opts.onStatus?.(legacy);

  // ——— reads ———
  const q = {
    meta: r.prepare('SELECT key, value FROM meta'),
    libraryIds: r.prepare('SELECT id, key FROM libraries'),
    libraries: r.prepare(`SELECT l.key, l.name, l.created_at, l.left_at, l.passages,
        (SELECT COUNT(*) FROM articles a WHERE a.library_id = l.id) AS articles,
        (SELECT COALESCE(SUM(a.size), 0) FROM articles a WHERE a.library_id = l.id) AS bytes
      FROM libraries l ORDER BY l.id`),
    articles: r.prepare(`SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN libraries l ON l.id = a.library_id
      WHERE a.library_id IN (SELECT value FROM json_each(?)) ORDER BY a.file, l.key`),
    article: r.prepare(`SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN libraries l ON l.id = a.library_id WHERE l.key = ? AND a.file = ?`),
    articlesById: r.prepare(`SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN libraries l ON l.id = a.library_id WHERE a.id IN (SELECT value FROM json_each(?))`),
    articleTerms: r.prepare('SELECT a.id, a.terms FROM json_each(?) i CROSS JOIN articles a ON a.id = i.value'),
    passages: r.prepare(`SELECT ${PASSAGE_COLUMNS} FROM passages p ${PASSAGE_JOINS} WHERE p.id IN (SELECT value FROM json_each(?))`),
    passageTerms: r.prepare('SELECT id, article_id, terms FROM passages WHERE id IN (SELECT value FROM json_each(?))'),
    source: r.prepare('SELECT source FROM articles WHERE id = ?'),
    scopeSize: r.prepare('SELECT COALESCE(SUM(passages), 0) AS docs, COALESCE(SUM(tokens), 0) AS tokens FROM libraries WHERE id IN (SELECT value FROM json_each(?))'),
    df: r.prepare(`SELECT term, SUM(df) AS df FROM term_df
      WHERE library_id IN (SELECT value FROM json_each(?)) AND term IN (SELECT value FROM json_each(?)) GROUP BY term`),
    // CROSS JOIN fixes the loop order: look up the few ids asked for, never scan every vector.
    vectorsOf: r.prepare(`SELECT p.id, v.vector FROM json_each(@ids) j CROSS JOIN passages p ON p.id = j.value
      CROSS JOIN vectors v ON v.model = @model AND v.hash = p.hash`),
    sentencesOf: r.prepare(`SELECT p.id, v.sentences FROM json_each(@ids) j CROSS JOIN passages p ON p.id = j.value
      CROSS JOIN vectors v ON v.model = @model AND v.hash = p.hash`),
    // Only complete ones: a vector without its sentence vectors (stored by an older Verbatim) is embedded again.
    cached: r.prepare('SELECT hash, vector FROM vectors WHERE model = ? AND hash IN (SELECT value FROM json_each(?)) AND sentences IS NOT NULL'),
    head: r.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM changes'),
    oldest: r.prepare('SELECT MIN(seq) AS seq FROM changes'),
    changesSince: r.prepare('SELECT seq, library_id, passage_id, op FROM changes WHERE seq > ? ORDER BY seq'),
    libraryVectors: r.prepare(`SELECT p.id, v.vector FROM passages p CROSS JOIN vectors v ON v.model = @model AND v.hash = p.hash WHERE p.library_id = @library`),
    libraryPassageCount: r.prepare('SELECT COUNT(*) AS n FROM passages WHERE library_id = ?'),
  };

  const totalPassages = (r.prepare('SELECT COALESCE(SUM(passages), 0) AS n FROM libraries').get() as { n: number }).n;
  const keywordThreadFrom = opts.keywordThreadFrom ?? KEYWORD_THREAD_FROM;
  // Started now where a scope may be large: the thread first reads every passage's length.
  const keyword = keywordQuery<PassageRow>(r, dbPath, READER_PRAGMAS, totalPassages >= keywordThreadFrom, PASSAGES_WITH_VECTORS);
  // The rows the last question's keyword query read along (keyword.ts), kept until the next keyword query
  // or change: rows are never edited, only removed, and a change seen by refresh() drops them all.
  let readAlong = new Map<number, PassageRow & { vector: Uint8Array | null }>();
  let readAlongAt = 0; // counts keyword queries and changes: rows read before the newest of them are dropped
  /** What `ids` the read-along rows answer (through `pick`), and the ids left to read now. */
  const fromReadAlong = <T>(ids: readonly number[], pick: (row: PassageRow & { vector: Uint8Array | null }) => T | null) => {
    const found: [number, T][] = [];
    const rest: number[] = [];
    for (const id of ids) {
      const row = readAlong.get(id);
      const value = row ? pick(row) : null;
      if (value !== null) found.push([id, value]);
      else rest.push(id);
    }
    return { found, rest };
  };

  // Each article's terms (term-set.ts), by id: an id is never reused (AUTOINCREMENT), so an entry never
  // goes stale.
  const termCache = new BoundedCache<number, TermSet>(64 << 20, (set) => set.size);

  // Changes with every commit of any connection (this process's writer included): what was read from the
  // reader since then still holds.
  const dataVersionOf = r.prepare('PRAGMA data_version').pluck(); // prepared once: pragma() prepares at every call
  const dataVersion = () => dataVersionOf.get() as number;

  let libraryIdByKey = new Map<string, number>();
  let libraryIdsAt = -1;
  const loadLibraryIds = () => {
    libraryIdsAt = dataVersion();
    libraryIdByKey = new Map((q.libraryIds.all() as { id: number; key: string }[]).map((x) => [x.key, x.id]));
  };
  loadLibraryIds();
  const scopeIds = (scope: Scope): number[] => {
    // Most servers never add articles of their own: their library does not exist, and is looked for again
    // only after a commit.
    if (scope.some((k) => !libraryIdByKey.has(k)) && dataVersion() !== libraryIdsAt) loadLibraryIds();
    return scope.map((k) => libraryIdByKey.get(k)).filter((id): id is number => id !== undefined);
  };

  const writerMeta = w.prepare('SELECT key, value FROM meta');
  let settingsRead: { at: number; settings: IndexSettings | null } | null = null;
  const readSettings = (db: Database.Database = w): IndexSettings | null => {
    const at = db === r ? dataVersion() : -1;
    if (settingsRead && at >= 0 && settingsRead.at === at) return settingsRead.settings;
    const m = new Map(((db === r ? q.meta : writerMeta).all() as { key: string; value: string }[]).map((x) => [x.key, x.value]));
    const settings = m.has('model_id')
      ? { modelId: m.get('model_id')!, dims: Number(m.get('dims')), chunkerVersion: m.get('chunker_version')!, maxTokens: Number(m.get('max_tokens')) }
      : null;
    if (at >= 0) settingsRead = { at, settings };
    return settings;
  };

  // ——— the vector cache ———
  const graphs = new Map<number, Graph>();
  const savedAt = new Map<number, number>();
  let graphsModel: string | null = null;
  let applied = -1; // the change every graph includes; -1: not loaded yet

  function buildGraph(libraryId: number, settings: IndexSettings, seq: number, why: string): Graph {
    const total = (q.libraryPassageCount.get(libraryId) as { n: number }).n;
    const g = newGraph(libraryId, settings.dims, total + 64, seq);
    if (total > 0) {
      const key = [...libraryIdByKey].find(([, id]) => id === libraryId)?.[0] ?? `#${libraryId}`;
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
    if (behind <= 0 || behind < atLeast) return;
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
    loadLibraryIds();
    const out = new Map<number, Graph | string>();
    for (const id of libraryIdByKey.values()) out.set(id, await loadGraph(graphsDir, id, settings.modelId, settings.dims));
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
    loadLibraryIds();
    for (const id of libraryIdByKey.values()) {
      const loaded = saved.get(id) ?? 'not saved yet'; // a library created since they were read
      if (typeof loaded !== 'string' && loaded.seq <= head && loaded.seq >= oldest - 1) {
        graphs.set(id, loaded);
        continue;
      }
      const why = typeof loaded === 'string' ? (loaded === 'not saved yet' ? 'no saved copy' : `the saved copy cannot be used: ${loaded}`) : 'the saved copy is older than the change log';
      const g = buildGraph(id, settings, head, why);
      graphs.set(id, g);
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
    readAlong = new Map(); // rows read before a change: one of them may be gone
    readAlongAt++;
    loadLibraryIds();
    const settings = readSettings(r);
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

  // ——— writes ———
  const wq = {
    setMeta: w.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    libraryId: w.prepare('SELECT id FROM libraries WHERE key = ?'),
    addLibrary: w.prepare('INSERT INTO libraries (key, name, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET name = COALESCE(excluded.name, libraries.name)'),
    leftLibrary: w.prepare('UPDATE libraries SET left_at = ? WHERE key = ?'),
    insertArticle: w.prepare(`INSERT INTO articles (library_id, file, format, hash, size, mtime_ms, title, title_is_fallback, outlet, byline,
        date, url, warnings, title_terms, terms, passages, added_at, source)
      VALUES (@library_id, @file, @format, @hash, @size, @mtime_ms, @title, @title_is_fallback, @outlet, @byline, @date, @url, @warnings,
        @title_terms, @terms, @passages, @added_at, @source)`),
    insertPassage: w.prepare(`INSERT INTO passages (article_id, library_id, paragraph, part, char_start, char_end, text, search_text, hash, terms, length, tags, sentences)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertFts: w.prepare('INSERT INTO passages_fts (rowid, terms) VALUES (?, ?)'),
    deleteFts: w.prepare('DELETE FROM passages_fts WHERE rowid = ?'),
    addDf: w.prepare('INSERT INTO term_df (library_id, term, df) VALUES (?, ?, ?) ON CONFLICT (library_id, term) DO UPDATE SET df = df + excluded.df'),
    subDf: w.prepare('UPDATE term_df SET df = df - ? WHERE library_id = ? AND term = ?'),
    dropDf: w.prepare('DELETE FROM term_df WHERE library_id = ? AND term = ? AND df <= 0'),
    libStats: w.prepare('UPDATE libraries SET passages = passages + ?, tokens = tokens + ? WHERE id = ?'),
    change: w.prepare('INSERT INTO changes (library_id, passage_id, op) VALUES (?, ?, ?)'),
    articlePassages: w.prepare('SELECT id, library_id, terms, length, hash FROM passages WHERE article_id = ?'),
    deletePassages: w.prepare('DELETE FROM passages WHERE article_id = ?'),
    deleteArticle: w.prepare('DELETE FROM articles WHERE id = ?'),
    touch: w.prepare('UPDATE articles SET mtime_ms = ? WHERE id = ?'),
    missingVectors: w.prepare('SELECT COUNT(*) AS n FROM passages p WHERE p.article_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.hash = p.hash)'),
    gcVector: w.prepare('DELETE FROM vectors WHERE model = ? AND hash = ? AND NOT EXISTS (SELECT 1 FROM passages WHERE hash = ?)'),
    // A vector stored before sentence vectors existed (NULL) is completed; any other stays as it is.
    cacheVector: w.prepare(`INSERT INTO vectors (model, hash, vector, sentences) VALUES (?, ?, ?, ?)
      ON CONFLICT (model, hash) DO UPDATE SET vector = excluded.vector, sentences = excluded.sentences WHERE vectors.sentences IS NULL`),
    libraryArticles: w.prepare('SELECT a.id FROM articles a JOIN libraries l ON l.id = a.library_id WHERE l.key = ?'),
    deleteLibrary: w.prepare('DELETE FROM libraries WHERE key = ?'),
    changeCount: w.prepare('SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS head FROM changes'),
    pruneChanges: w.prepare('DELETE FROM changes WHERE seq <= ?'),
  };

  const libraryIdFor = (key: LibraryKey, create: boolean): number => {
    const row = wq.libraryId.get(key) as { id: number } | undefined;
    if (row) return row.id;
    if (!create) throw new StoreError(`there is no library "${key}"`);
    wq.addLibrary.run(key, null, new Date().toISOString());
    return (wq.libraryId.get(key) as { id: number }).id;
  };

  function removeArticleTx(articleId: number, removedHashes: Set<string>): number {
    const rows = wq.articlePassages.all(articleId) as { id: number; library_id: number; terms: string; length: number; hash: string }[];
    const df = new Map<string, number>();
    let tokens = 0;
    for (const p of rows) {
      wq.deleteFts.run(p.id);
      wq.change.run(p.library_id, p.id, OP.remove);
      for (const t of new Set(p.terms ? p.terms.split(' ') : [])) df.set(t, (df.get(t) ?? 0) + 1);
      tokens += p.length;
      removedHashes.add(p.hash);
    }
    if (rows.length) {
      const lib = rows[0].library_id;
      for (const [t, n] of df) {
        wq.subDf.run(n, lib, t);
        wq.dropDf.run(lib, t);
      }
      wq.libStats.run(-rows.length, -tokens, lib);
    }
    wq.deletePassages.run(articleId);
    wq.deleteArticle.run(articleId);
    return rows.length;
  }

  function addArticleTx(a: NewArticle, modelId: string): number {
    const libraryId = libraryIdFor(a.library, true);
    const articleTerms = new Set(a.titleTerms);
    for (const p of a.passages) for (const t of p.terms) articleTerms.add(t);
    const info = wq.insertArticle.run({
      library_id: libraryId,
      file: a.file,
      format: a.format,
      hash: a.hash,
      size: a.size,
      mtime_ms: a.mtimeMs,
      title: a.title,
      title_is_fallback: a.titleIsFallback ? 1 : 0,
      outlet: a.source,
      byline: a.byline,
      date: a.date,
      url: a.url,
      warnings: JSON.stringify(a.warnings),
      title_terms: a.titleTerms.join(' '),
      terms: [...articleTerms].join(' '),
      passages: a.passages.length,
      added_at: new Date().toISOString(),
      source: a.upload ?? null,
    });
    const articleId = Number(info.lastInsertRowid);
    const df = new Map<string, number>();
    let tokens = 0;
    for (const p of a.passages) {
      const terms = p.terms.join(' ');
      const pid = Number(
        wq.insertPassage.run(articleId, libraryId, p.paragraph, p.part, p.start, p.end, p.text, p.searchText, p.hash, terms, p.terms.length, JSON.stringify(p.tags), encodeSpans(p.sentences)).lastInsertRowid,
      );
      wq.insertFts.run(pid, p.terms.map((t) => ftsToken(libraryId, t)).join(' '));
      wq.change.run(libraryId, pid, OP.add);
      for (const t of new Set(p.terms)) df.set(t, (df.get(t) ?? 0) + 1);
      tokens += p.terms.length;
    }
    for (const [t, n] of df) wq.addDf.run(libraryId, t, n);
    wq.libStats.run(a.passages.length, tokens, libraryId);
    if ((wq.missingVectors.get(articleId, modelId) as { n: number }).n > 0) {
      throw new StoreError(`the vectors of ${a.file} were not stored before it was committed`);
    }
    return articleId;
  }

  const commitTx = w.transaction((changes: ChangeSet): CommitResult => {
    const result: CommitResult = { added: [], removedPassages: 0 };
    const removedHashes = new Set<string>();
    if (changes.settings) {
      const s = changes.settings;
      wq.setMeta.run('model_id', s.modelId);
      wq.setMeta.run('dims', String(s.dims));
      wq.setMeta.run('chunker_version', s.chunkerVersion);
      wq.setMeta.run('max_tokens', String(s.maxTokens));
    }
    const settings = readSettings(w);
    if (changes.reset) {
      w.exec(`DELETE FROM passages; DELETE FROM articles; DELETE FROM term_df; UPDATE libraries SET passages = 0, tokens = 0;
        INSERT INTO passages_fts (passages_fts) VALUES ('delete-all');`);
      wq.change.run(0, 0, OP.reset);
      if (settings) w.prepare('DELETE FROM vectors WHERE model <> ?').run(settings.modelId);
    }
    const now = new Date().toISOString();
    for (const l of changes.libraries ?? []) wq.addLibrary.run(l.key, l.name ?? null, now);
    for (const id of changes.removeArticles ?? []) result.removedPassages += removeArticleTx(id, removedHashes);
    if (changes.addArticles?.length && !settings) throw new StoreError('articles cannot be added before the index settings (model) are set');
    for (const a of changes.addArticles ?? []) {
      const id = addArticleTx(a, settings!.modelId);
      result.added.push({ file: a.file, library: a.library, id, passages: a.passages.length });
    }
    for (const t of changes.touchArticles ?? []) wq.touch.run(t.mtimeMs, t.id);
    for (const l of changes.leftLibraries ?? []) wq.leftLibrary.run(l.at, l.key);
    for (const key of changes.deleteLibraries ?? []) {
      const row = wq.libraryId.get(key) as { id: number } | undefined;
      if (!row) continue;
      for (const { id } of wq.libraryArticles.all(key) as { id: number }[]) result.removedPassages += removeArticleTx(id, removedHashes);
      w.prepare('DELETE FROM term_df WHERE library_id = ?').run(row.id);
      w.prepare('DELETE FROM feed_entries WHERE feed_id IN (SELECT id FROM feeds WHERE library_id = ?)').run(row.id);
      w.prepare('DELETE FROM feeds WHERE library_id = ?').run(row.id);
      wq.change.run(row.id, 0, OP.dropLibrary);
      wq.deleteLibrary.run(key);
    }
    if (settings) for (const h of removedHashes) wq.gcVector.run(settings.modelId, h, h);
    pruneChangeLog();
    return result;
  });

  /** The change log only needs to reach back to the oldest saved graph; keep a margin for slow readers. */
  function pruneChangeLog(): void {
    const { n, head } = wq.changeCount.get() as { n: number; head: number };
    if (n < 4 * CHANGE_LOG_KEEP) return;
    let oldestSaved = head;
    for (const g of graphs.values()) oldestSaved = Math.min(oldestSaved, g.savedSeq);
    wq.pruneChanges.run(Math.min(oldestSaved, head - CHANGE_LOG_KEEP));
  }

  const cacheTx = w.transaction((modelId: string, vectors: ReadonlyMap<string, VectorRecord>) => {
    for (const [hash, v] of vectors) wq.cacheVector.run(modelId, hash, vectorToBytes(v.vector), sentencesToBytes(v.sentences));
  });

  // ——— feeds (small transactions of their own: state, not articles) ———
  const fq = {
    allFeeds: w.prepare(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id ORDER BY f.id`),
    feedsIn: w.prepare(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id WHERE f.library_id IN (SELECT value FROM json_each(?)) ORDER BY f.id`),
    feed: w.prepare(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id WHERE f.id = ?`),
    addFeed: w.prepare('INSERT INTO feeds (library_id, url, site, title, channel_id, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    entries: w.prepare('SELECT * FROM feed_entries WHERE feed_id = ?'),
    entriesByKey: w.prepare('SELECT * FROM feed_entries WHERE feed_id = ? AND key IN (SELECT value FROM json_each(?))'),
    saveEntry: w.prepare(`INSERT INTO feed_entries (feed_id, key, url, fingerprint, status, file, reason, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (feed_id, key) DO UPDATE SET url = excluded.url, fingerprint = excluded.fingerprint, status = excluded.status, file = excluded.file,
        reason = excluded.reason, seen_at = excluded.seen_at`),
    indexedSince: w.prepare(`SELECT COUNT(*) AS n FROM feed_entries e JOIN feeds f ON f.id = e.feed_id JOIN libraries l ON l.id = f.library_id
      WHERE l.key = ? AND e.status = 'indexed' AND e.seen_at >= ?`),
  };

  let closed = false;
  const store: Store = {
    driver: 'sqlite',
    location: dbPath,
    async settings() {
      return readSettings(r);
    },
    async libraries(): Promise<LibraryInfo[]> {
      return (q.libraries.all() as { key: string; name: string | null; created_at: string; left_at: string | null; passages: number; articles: number; bytes: number }[]).map((l) => ({
        key: l.key,
        name: l.name,
        createdAt: l.created_at,
        leftAt: l.left_at,
        articles: l.articles,
        passages: l.passages,
        bytes: l.bytes,
      }));
    },
    async articles(scope) {
      return (q.articles.all(JSON.stringify(scopeIds(scope))) as ArticleRow[]).map(toArticle);
    },
    async article(library, file) {
      const row = q.article.get(library, file) as ArticleRow | undefined;
      return row ? toArticle(row) : null;
    },
    async articlesById(ids) {
      return new Map((q.articlesById.all(JSON.stringify(ids)) as ArticleRow[]).map((row) => [row.id, toArticle(row)]));
    },
    async articleTerms(ids, terms) {
      const missing = ids.filter((id) => !termCache.has(id));
      if (missing.length) for (const row of q.articleTerms.all(JSON.stringify(missing)) as { id: number; terms: string }[]) termCache.set(row.id, termSet(row.terms));
      const out = new Map<number, Set<string>>();
      for (const id of ids) {
        const all = termCache.get(id);
        out.set(id, new Set(all ? terms.filter((t) => all.has(t)) : []));
      }
      return out;
    },
    async passages(ids) {
      const { found, rest } = fromReadAlong(ids, toPassage);
      const out = new Map<number, StoredPassage>(found);
      if (rest.length) for (const row of q.passages.all(JSON.stringify(rest)) as PassageRow[]) out.set(row.id, toPassage(row));
      return out;
    },
    async passageTerms(ids) {
      const rows = q.passageTerms.all(JSON.stringify(ids)) as { id: number; article_id: number; terms: string }[];
      return new Map(rows.map((r) => [r.id, { articleId: r.article_id, terms: r.terms ? r.terms.split(' ') : [] }]));
    },
    async source(articleId) {
      const row = q.source.get(articleId) as { source: Buffer | null } | undefined;
      return row?.source ?? null;
    },
    async termStats(scope, terms): Promise<TermStats> {
      const ids = JSON.stringify(scopeIds(scope));
      const size = q.scopeSize.get(ids) as { docs: number; tokens: number };
      const df = new Map((q.df.all(ids, JSON.stringify([...new Set(terms)])) as { term: string; df: number }[]).map((x) => [x.term, x.df]));
      return { docs: size.docs, tokens: size.tokens, df };
    },
    async keywordCandidates(scope, terms, limit, count, ahead = 0): Promise<KeywordCandidate[]> {
      readAlong = new Map();
      const at = ++readAlongAt;
      const ids = scopeIds(scope);
      if (!ids.length || !terms.length) return [];
      const { docs, tokens } = q.scopeSize.get(JSON.stringify(ids)) as { docs: number; tokens: number };
      const words = [...new Set(terms)];
      const asked = words.map((t) => ids.map((id) => ftsToken(id, t)));
      // Only a side thread reads ahead: on this thread it would be the same reads, just sooner.
      const threaded = docs >= keywordThreadFrom;
      const model = readSettings(r)?.modelId ?? null;
      const answer = await keyword.run({ asked, words, docs, tokens, limit, count, libraries: ids, ahead: threaded ? ahead : 0, model }, threaded);
      if (at === readAlongAt) readAlong = new Map(answer.ahead.map((row) => [row.id, row]));
      return answer.candidates;
    },
    async nearest(scope, vector, k): Promise<Neighbour[]> {
      if (applied < 0) await refresh();
      const all: Neighbour[] = [];
      for (const id of scopeIds(scope)) {
        const g = graphs.get(id);
        if (g) all.push(...searchGraph(g, vector, k));
      }
      return all.sort((a, b) => b.cosine - a.cosine).slice(0, k);
    },
    async similarity(ids, vector) {
      // From the database (memory-mapped): faster than copying points out of the graph.
      const settings = readSettings(r);
      const out = new Map<number, number>();
      if (!settings || !ids.length) return out;
      const { found, rest } = fromReadAlong(ids, (row) => row.vector);
      const rows: { id: number; vector: Uint8Array }[] = found.map(([id, vector]) => ({ id, vector }));
      if (rest.length) rows.push(...(q.vectorsOf.all({ model: settings.modelId, ids: JSON.stringify(rest) }) as { id: number; vector: Buffer }[]));
      for (const row of rows) {
        const b = row.vector;
        const v = b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) : bytesToVector(b);
        let dot = 0;
        for (let i = 0; i < v.length; i++) dot += v[i] * vector[i];
        out.set(row.id, dot);
      }
      return out;
    },
    async sentenceSimilarity(ids, vectors) {
      const settings = readSettings(r);
      const out = vectors.map(() => new Map<number, number[]>());
      if (!settings || !ids.length) return out;
      for (const row of q.sentencesOf.all({ model: settings.modelId, ids: JSON.stringify(ids) }) as { id: number; sentences: Buffer | null }[]) {
        if (row.sentences) vectors.forEach((v, i) => out[i].set(row.id, sentenceCosines(row.sentences!, v)));
      }
      return out;
    },
    async cachedVectors(modelId, hashes) {
      const out = new Map<string, Float32Array>();
      const unique = [...new Set(hashes)];
      for (let i = 0; i < unique.length; i += 5000) {
        for (const row of q.cached.all(modelId, JSON.stringify(unique.slice(i, i + 5000))) as { hash: string; vector: Buffer }[]) {
          out.set(row.hash, bytesToVector(row.vector));
        }
      }
      return out;
    },
    async cacheVectors(modelId, vectors) {
      cacheTx.immediate(modelId, vectors);
    },
    async feeds(scope) {
      const rows = (scope ? fq.feedsIn.all(JSON.stringify(scopeIds(scope))) : fq.allFeeds.all()) as FeedRow[];
      return rows.map(toFeed);
    },
    async addFeed(feed) {
      const id = w.transaction(() => {
        const libraryId = libraryIdFor(feed.library, true);
        return Number(fq.addFeed.run(libraryId, feed.url, feed.site, feed.title, feed.channelId, new Date().toISOString(), feed.nextAt).lastInsertRowid);
      }).immediate();
      loadLibraryIds();
      return toFeed(fq.feed.get(id) as FeedRow);
    },
    async updateFeed(id, state) {
      const { columns, values } = feedChanges(state);
      if (!columns.length) return;
      w.prepare(`UPDATE feeds SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
    },
    async removeFeed(id) {
      w.transaction(() => {
        w.prepare('DELETE FROM feed_entries WHERE feed_id = ?').run(id);
        w.prepare('DELETE FROM feeds WHERE id = ?').run(id);
      }).immediate();
    },
    async feedEntries(feedId, keys) {
      const rows = (keys ? fq.entriesByKey.all(feedId, JSON.stringify(keys)) : fq.entries.all(feedId)) as EntryRow[];
      return new Map(rows.map((r) => [r.key, toEntry(r)]));
    },
    async saveFeedEntries(feedId, entries) {
      w.transaction(() => {
        for (const e of entries) fq.saveEntry.run(feedId, e.key, e.url, e.fingerprint, e.status, e.file, e.reason, e.seenAt);
      }).immediate();
    },
    async feedArticlesSince(library, since) {
      return (fq.indexedSince.get(library, since) as { n: number }).n;
    },
    lockWriter(o: WriterLockOptions = {}) {
      return acquireLock(dir, o);
    },
    async commit(changes) {
      const result = commitTx.immediate(changes);
      if (applied >= 0) await refresh(); // this process's own graphs follow its own commits at once
      return result;
    },
    refresh,
    async check(): Promise<CheckReport> {
      return checkSqlite({ w, r, graphs, refresh, readSettings: () => readSettings(r), libraryIds: () => (loadLibraryIds(), libraryIdByKey) });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const g of graphs.values()) saveIfBehind(g, SAVE_ON_CLOSE_AFTER_CHANGES, 0);
      await keyword.close();
      r.close();
      w.close();
    },
  };
  return store;
}

interface CheckContext {
  w: Database.Database;
  r: Database.Database;
  graphs: Map<number, Graph>;
  refresh(): Promise<void>;
  readSettings(): IndexSettings | null;
  libraryIds(): Map<string, number>;
}

async function checkSqlite(c: CheckContext): Promise<CheckReport> {
  const lines: string[] = [];
  let ok = true;
  const fact = (good: boolean, line: string) => {
    ok &&= good;
    lines.push(`${good ? 'ok  ' : 'FAIL'} ${line}`);
  };
  const quick = c.r.pragma('quick_check', { simple: true }) as string;
  fact(quick === 'ok', `database structure (quick_check: ${quick})`);
  try {
    c.w.prepare("INSERT INTO passages_fts (passages_fts, rank) VALUES ('integrity-check', 0)").run();
    fact(true, 'keyword index structure');
  } catch (err) {
    fact(false, `keyword index structure: ${(err as Error).message}`);
  }
  const settings = c.readSettings();
  fact(settings !== null || (c.r.prepare('SELECT COUNT(*) AS n FROM passages').get() as { n: number }).n === 0, `index settings: ${settings ? `${settings.modelId}, ${settings.dims} dimensions, chunker ${settings.chunkerVersion}` : 'none yet'}`);
  const passages = (c.r.prepare('SELECT COUNT(*) AS n FROM passages').get() as { n: number }).n;
  const fts = (c.r.prepare('SELECT COUNT(*) AS n FROM passages_fts').get() as { n: number }).n;
  fact(fts === passages, `keyword index rows ${fts} = passages ${passages}`);
  const perArticle = (c.r.prepare('SELECT COALESCE(SUM(passages), 0) AS n FROM articles').get() as { n: number }).n;
  fact(perArticle === passages, `articles' passage counts add up to ${perArticle}`);
  const perLibrary = (c.r.prepare('SELECT COALESCE(SUM(passages), 0) AS n FROM libraries').get() as { n: number }).n;
  fact(perLibrary === passages, `libraries' passage counts add up to ${perLibrary}`);
  if (settings) {
    const missing = (c.r.prepare('SELECT COUNT(*) AS n FROM passages p WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.hash = p.hash)').get(settings.modelId) as { n: number }).n;
    fact(missing === 0, `every passage has a stored vector (${missing} missing)`);
    const dfDrift = c.r
      .prepare(`SELECT COUNT(*) AS n FROM (SELECT p.library_id, j.value AS term, COUNT(DISTINCT p.id) AS df FROM passages p, json_each('["' || replace(p.terms, ' ', '","') || '"]') j
        WHERE p.terms <> '' GROUP BY p.library_id, j.value) x LEFT JOIN term_df t ON t.library_id = x.library_id AND t.term = x.term WHERE t.df IS NOT x.df`)
      .get() as { n: number };
    fact(dfDrift.n === 0, `term statistics match the passages (${dfDrift.n} terms differ)`);
    await c.refresh();
    for (const [key, id] of c.libraryIds()) {
      const ids = (c.r.prepare('SELECT id FROM passages WHERE library_id = ?').all(id) as { id: number }[]).map((x) => x.id);
      const g = c.graphs.get(id);
      if (!g) {
        fact(ids.length === 0, `library "${key}": vector index present`);
        continue;
      }
      let absent = 0;
      for (const pid of ids) {
        try {
          g.hnsw.getPoint(pid);
        } catch {
          absent++;
        }
      }
      fact(g.live === ids.length && absent === 0, `library "${key}": vector index holds ${g.live} of ${ids.length} passages (${absent} missing)`);
    }
  }
  return { ok, lines };
}
