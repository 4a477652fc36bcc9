// The embedded store: one SQLite database (better-sqlite3, WAL) under EMBEDDINGS_DIR holds everything
// of record; the HNSW graphs beside it are caches (./hnsw.ts). Two connections: the writer commits each
// change set in one IMMEDIATE transaction, and the reader sees only committed states, so questions asked
// while an update is being written are answered from the state before it. Other processes' commits are
// picked up by refresh(), through the changes table.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BoundedCache } from './bounded-cache.js';
import { catalog } from './catalog.js';
import { checkSqlite } from './check.js';
import { feedStore } from './feeds.js';
import { vectorCache } from './graphs.js';
import { keywordQuery } from './keyword.js';
import { acquireLock } from './lock.js';
import { importLegacy } from './legacy.js';
import { ARTICLE_COLUMNS, ftsToken, PASSAGE_COLUMNS, PASSAGE_JOINS, PASSAGES_WITH_VECTORS, toArticle, toPassage, type ArticleRow, type PassageRow } from './rows.js';
import { migrate, reclaimFreePages } from './schema.js';
import { termSet, type TermSet } from './term-set.js';
import { writer } from './writes.js';
import {
  bytesToVector,
  storedCosine,
  sentenceCosines,
  StoreError,
  type CheckReport,
  type KeywordCandidate,
  type LibraryInfo,
  type Store,
  type StoredPassage,
  type TermStats,
  type WriterLockOptions,
} from '../types.js';

export const DB_FILE = 'verbatim.db';
const GRAPHS_DIR = 'hnsw';

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

// Questions read a few scattered rows (vectors, postings lengths): memory-mapped pages and a larger cache
// turn each from a system call into a memory read (3-5x faster at 100,000 passages; docs/benchmarks.md).
// 512 MB maps the whole store up to about 150,000 passages; at a million, mapping 1 GB gained nothing in
// latency (7.7-8.2 / 12-12.8 ms p50 / p95 either way) and cost 370 MB of resident memory (3.02 → 2.65 GB).
const CACHE_PRAGMAS = ['mmap_size = 536870912', 'cache_size = -65536'];
/** A side thread's read-only connection. */
const READER_PRAGMAS = ['busy_timeout = 10000', ...CACHE_PRAGMAS, 'query_only = ON'];

function pragmas(db: Database.Database): void {
  for (const p of ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 10000', 'foreign_keys = ON', ...CACHE_PRAGMAS]) db.pragma(p);
}

export async function openSqliteStore(opts: SqliteOptions): Promise<Store> {
  const { dir } = opts;
  fs.mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, DB_FILE);
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

  const cat = catalog(r, w);
  const { scopeIds } = cat;
  // Rows read along with a question's keyword query may be gone after a change: see readAlong below.
  const graphs = vectorCache(r, path.join(dir, GRAPHS_DIR), cat, {
    onStatus: opts.onStatus,
    onProgress: opts.onProgress,
    onChange: () => {
      readAlong = new Map();
      readAlongAt++;
    },
  });
  const write = writer(w, cat, graphs.oldestSaved);

  // ——— reads ———
  const q = {
    libraries: r.prepare('SELECT key, name, created_at, left_at, passages, articles, bytes FROM libraries ORDER BY id'),
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

  let closed = false;
  const store: Store = {
    driver: 'sqlite',
    location: dbPath,
    async settings() {
      return cat.settings(r);
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
      const model = cat.settings(r)?.modelId ?? null;
      const answer = await keyword.run({ asked, words, docs, tokens, limit, count, libraries: ids, ahead: threaded ? ahead : 0, model }, threaded);
      if (at === readAlongAt) readAlong = new Map(answer.ahead.map((row) => [row.id, row]));
      return answer.candidates;
    },
    async nearest(scope, vector, k) {
      return graphs.nearest(scopeIds(scope), vector, k);
    },
    async similarity(ids, vector) {
      // From the database (memory-mapped): faster than copying points out of the graph.
      const settings = cat.settings(r);
      const out = new Map<number, number>();
      if (!settings || !ids.length) return out;
      const { found, rest } = fromReadAlong(ids, (row) => row.vector);
      const rows: { id: number; vector: Uint8Array }[] = found.map(([id, vector]) => ({ id, vector }));
      if (rest.length) rows.push(...(q.vectorsOf.all({ model: settings.modelId, ids: JSON.stringify(rest) }) as { id: number; vector: Buffer }[]));
      for (const row of rows) out.set(row.id, storedCosine(row.vector, vector));
      return out;
    },
    async sentenceSimilarity(ids, vectors) {
      const settings = cat.settings(r);
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
      write.cacheVectors(modelId, vectors);
    },
    ...feedStore(w, cat, write),
    lockWriter(o: WriterLockOptions = {}) {
      return acquireLock(dir, o);
    },
    async commit(changes) {
      const result = write.commit(changes);
      if (graphs.loaded()) await graphs.refresh(); // this process's own graphs follow its own commits at once
      return result;
    },
    refresh: graphs.refresh,
    async check(): Promise<CheckReport> {
      return checkSqlite({ w, r, graphs: graphs.graphs, refresh: graphs.refresh, readSettings: () => cat.settings(r), libraryIds: () => (cat.reload(), cat.ids()) });
    },
    async close() {
      if (closed) return;
      closed = true;
      graphs.saveBehind();
      await keyword.close();
      r.close();
      w.close();
    },
  };
  return store;
}
