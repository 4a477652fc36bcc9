// The embedded store's schema, as numbered migrations applied in order at open (each in its own
// transaction, recorded in meta.schema_version). Never edit a migration that has shipped: add the next one.
import type Database from 'better-sqlite3';
import { encodeSpans, sentenceSpans } from '../../text/sentences.js';
import { bytesToVector, isInt8Vector, vectorToBytes } from '../types.js';

/**
 * Every row of `select` (a table's `id` and the columns wanted, no WHERE), in id order and batches of
 * 5,000, so that a migration rewriting rows never holds a million of them in memory.
 */
function eachRow<T extends { id: number }>(db: Database.Database, select: string, fn: (row: T) => void): void {
  const batch = db.prepare(`${select} WHERE id > ? ORDER BY id LIMIT 5000`);
  for (let last = 0; ; ) {
    const rows = batch.all(last) as T[];
    if (!rows.length) break;
    for (const r of rows) fn(r);
    last = rows[rows.length - 1].id;
  }
}

/** SQL, or a function where rows must be computed (run in the same transaction). */
const MIGRATIONS: (string | ((db: Database.Database) => void))[] = [
  // 1: the store of record.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE libraries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    name TEXT,
    created_at TEXT NOT NULL,
    left_at TEXT,
    passages INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    library_id INTEGER NOT NULL REFERENCES libraries(id),
    file TEXT NOT NULL,
    format TEXT NOT NULL,
    hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    title TEXT NOT NULL,
    title_is_fallback INTEGER NOT NULL,
    outlet TEXT,
    byline TEXT,
    date TEXT,
    url TEXT,
    warnings TEXT NOT NULL,
    title_terms TEXT NOT NULL,
    terms TEXT NOT NULL,
    passages INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    source BLOB,
    UNIQUE (library_id, file)
  );
  CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    library_id INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    part INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text TEXT NOT NULL,
    search_text TEXT NOT NULL,
    hash TEXT NOT NULL,
    terms TEXT NOT NULL,
    length INTEGER NOT NULL,
    tags TEXT NOT NULL
  );
  CREATE INDEX passages_article ON passages (article_id);
  CREATE INDEX passages_library ON passages (library_id);
  CREATE INDEX passages_hash ON passages (hash);
  CREATE TABLE vectors (
    model TEXT NOT NULL,
    hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, hash)
  ) WITHOUT ROWID;
  -- Keyword index: the product's own analysed terms (text/terms.ts), so search and storage agree on what a
  -- word is, each prefixed with its library ("l2_dioxin"): a query names the libraries in scope, so the
  -- engine reads only their postings, never a large library's to throw them away. Contentless: the
  -- passages table holds the text.
  CREATE VIRTUAL TABLE passages_fts USING fts5 (
    terms, content='', contentless_delete=1, tokenize="unicode61 remove_diacritics 0 tokenchars '_'"
  );
  CREATE TABLE term_df (
    library_id INTEGER NOT NULL,
    term TEXT NOT NULL,
    df INTEGER NOT NULL,
    PRIMARY KEY (library_id, term)
  ) WITHOUT ROWID;
  -- Every passage added or removed, in commit order: how the vector cache (and other processes) catch up.
  -- op: 1 add, 0 remove, 2 reset everything, 3 library deleted.
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    library_id INTEGER NOT NULL,
    passage_id INTEGER NOT NULL,
    op INTEGER NOT NULL
  );
  `,
  // 2: vectors in a rowid table, found through an index on (model, hash). In a WITHOUT ROWID table a
  // 1 KB vector does not fit in its B-tree cell and spills to an overflow page of its own: 100,000 vectors
  // took 468 MB instead of 147 MB, and reading one took two page visits. Measured at 100,000 passages:
  // the 60 vectors of a question read in 0.6 ms instead of 1.1 ms. The old table's pages stay in the file
  // as free pages, which later writes reuse (VACUUM returns them to the disk).
  `
  CREATE TABLE vectors_rowid (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    hash TEXT NOT NULL,
    vector BLOB NOT NULL
  );
  INSERT INTO vectors_rowid (model, hash, vector) SELECT model, hash, vector FROM vectors;
  DROP TABLE vectors;
  ALTER TABLE vectors_rowid RENAME TO vectors;
  CREATE UNIQUE INDEX vectors_model_hash ON vectors (model, hash);
  `,
  // 3: each passage's sentence spans, found when it is stored: search reads them for every candidate
  // (splitting 30 passages into sentences took about 0.8 ms a question). The passages already stored are
  // split now, once (about 30 s at a million).
  (db) => {
    db.exec('ALTER TABLE passages ADD COLUMN sentences TEXT');
    const set = db.prepare('UPDATE passages SET sentences = ? WHERE id = ?');
    eachRow<{ id: number; text: string }>(db, 'SELECT id, text FROM passages', (r) => set.run(encodeSpans(sentenceSpans(r.text)), r.id));
  },
  // 4: what the keyword query (keyword.ts) reads instead of ranking with FTS5's bm25(): the index's
  // postings through an fts5vocab table (it stores nothing), and each passage's length through an index
  // that holds only it (reading every length at start-up: 30 ms at 100,000 passages instead of 150 ms).
  `
  CREATE VIRTUAL TABLE passages_fts_instances USING fts5vocab(passages_fts, instance);
  CREATE INDEX passages_length ON passages (length);
  `,
  // 5: each passage's sentence vectors beside its vector (int8, store/types.ts sentencesToBytes): the
  // reranker compares the question with each sentence of its candidates. NULL for vectors stored before,
  // which a model change (the usual reason to upgrade) replaces anyway.
  `
  ALTER TABLE vectors ADD COLUMN sentences BLOB;
  `,
  // 6: the feeds each library follows and what became of their entries (feeds/): kept with the articles,
  // so that a restart neither misses an entry nor indexes one twice.
  `
  CREATE TABLE feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    library_id INTEGER NOT NULL REFERENCES libraries(id),
    url TEXT NOT NULL,
    site TEXT,
    title TEXT,
    channel_id TEXT,
    etag TEXT,
    last_modified TEXT,
    created_at TEXT NOT NULL,
    checked_at TEXT,
    next_at TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (library_id, url)
  );
  CREATE TABLE feed_entries (
    feed_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    url TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    file TEXT,
    reason TEXT,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (feed_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX feed_entries_seen ON feed_entries (feed_id, status, seen_at);
  `,
  // 7: the compact layout. Passage vectors in int8 (store/types.ts vectorToBytes), and a passage's search
  // text left empty when it is its text, as it is for nearly all: at a million passages the store was
  // 5.8 GB, of which the vectors' rows took 4.1 GB (each over half a page, so a page each) and the text
  // twice. Existing vectors are converted here, once (about a minute at a million); the upgrade then
  // returns the freed pages to the disk (reclaimFreePages).
  (db) => {
    db.exec("UPDATE passages SET search_text = '' WHERE search_text = text");
    const set = db.prepare('UPDATE vectors SET vector = ? WHERE id = ?');
    eachRow<{ id: number; vector: Buffer }>(db, 'SELECT id, vector FROM vectors', (r) => {
      if (!isInt8Vector(r.vector)) set.run(vectorToBytes(bytesToVector(r.vector)), r.id);
    });
  },
  // 8: each library's article count and bytes from an index that holds only them: summing them from the
  // articles' rows read every row (each with its terms) of a large library, 170 ms at a million passages,
  // at every `verbatim index`.
  `
  CREATE INDEX IF NOT EXISTS articles_library_size ON articles (library_id, size);
  `,
  // 9: each library's article count and bytes kept in its row, as its passages are (store/sqlite/writes.ts):
  // even that index was 150 pages to read at a million passages, 0.13 s of a `verbatim index` when the page
  // cache is cold (after a reboot, a deploy on a busy host). Not by triggers: with triggers on the articles,
  // a connection open across another process's commits found the keyword index's pages "corrupt" in its
  // quick_check (a fresh connection found none), in test/faults-crash.test.ts.
  `
  ALTER TABLE libraries ADD COLUMN articles INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE libraries ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE libraries SET
    articles = (SELECT COUNT(*) FROM articles a WHERE a.library_id = libraries.id),
    bytes = (SELECT COALESCE(SUM(a.size), 0) FROM articles a WHERE a.library_id = libraries.id);
  DROP INDEX IF EXISTS articles_library_size;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return 0;
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Applies the missing migrations; a database from a newer Verbatim is refused rather than damaged. */
export function migrate(db: Database.Database): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(`the database was written by a newer Verbatim (schema ${from}; this one knows up to ${SCHEMA_VERSION})`);
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      if (schemaVersion(db) > v) return; // another process migrated while this one waited for the lock
      const m = MIGRATIONS[v];
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(v + 1));
    }).immediate();
  }
  return { from, to: SCHEMA_VERSION };
}

/**
 * After an upgrade that rewrote a large table, the old pages stay in the file as free pages. Past a size
 * worth a pause, VACUUM returns them to the disk (4.7 s for the 350 MB freed at 100,000 passages). If
 * another process holds the database open in a way that blocks it, the pages are left for later writes.
 */
export function reclaimFreePages(db: Database.Database, minBytes = 64 << 20): { freed: number } | { error: string } | null {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const free = (db.pragma('freelist_count', { simple: true }) as number) * pageSize;
  if (free < minBytes) return null;
  try {
    db.exec('VACUUM');
    return { freed: free };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
