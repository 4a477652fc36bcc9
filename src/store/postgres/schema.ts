// The PostgreSQL store's schema, as numbered migrations run at start under an advisory lock, so several
// processes starting together migrate once. Never edit a migration that has shipped: add the next one.
import type pg from 'pg';

const MIGRATIONS: string[] = [
  // 1: the store of record, as in the embedded store; vectors in pgvector, words in a GIN-indexed tsvector.
  `
  CREATE EXTENSION IF NOT EXISTS vector;
  CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE libraries (
    id serial PRIMARY KEY,
    key text NOT NULL UNIQUE,
    name text,
    created_at text NOT NULL,
    left_at text,
    passages integer NOT NULL DEFAULT 0,
    tokens bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE articles (
    id serial PRIMARY KEY,
    library_id integer NOT NULL REFERENCES libraries(id),
    file text NOT NULL,
    format text NOT NULL,
    hash text NOT NULL,
    size bigint NOT NULL,
    mtime_ms double precision NOT NULL,
    title text NOT NULL,
    title_is_fallback boolean NOT NULL,
    outlet text,
    byline text,
    date text,
    url text,
    warnings text NOT NULL,
    title_terms text NOT NULL,
    terms text NOT NULL,
    passages integer NOT NULL,
    added_at text NOT NULL,
    source bytea,
    UNIQUE (library_id, file)
  );
  CREATE TABLE passages (
    id bigserial PRIMARY KEY,
    article_id integer NOT NULL REFERENCES articles(id),
    library_id integer NOT NULL,
    paragraph integer NOT NULL,
    part integer NOT NULL,
    char_start integer NOT NULL,
    char_end integer NOT NULL,
    text text NOT NULL,
    search_text text NOT NULL,
    hash text NOT NULL,
    terms text NOT NULL,
    length integer NOT NULL,
    tags text NOT NULL,
    tsv tsvector NOT NULL,
    embedding vector
  );
  CREATE INDEX passages_article ON passages (article_id);
  CREATE INDEX passages_library ON passages (library_id);
  CREATE INDEX passages_hash ON passages (hash);
  CREATE INDEX passages_tsv ON passages USING gin (tsv);
  CREATE TABLE vectors (
    model text NOT NULL,
    hash text NOT NULL,
    embedding vector NOT NULL,
    PRIMARY KEY (model, hash)
  );
  CREATE TABLE term_df (
    library_id integer NOT NULL,
    term text NOT NULL,
    df integer NOT NULL,
    PRIMARY KEY (library_id, term)
  );
  -- The writer's lease: exclusion that holds even where sessions are shared (PGlite's multiplexer).
  CREATE TABLE writer_lease (id integer PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL);
  `,
  // 2: each passage's sentence spans, found when it is stored (as in the embedded store); NULL for
  // passages stored before, which are split when read.
  `
  ALTER TABLE passages ADD COLUMN sentences text;
  `,
  // 3: each passage's sentence vectors beside its vector (int8, as in the embedded store).
  `
  ALTER TABLE vectors ADD COLUMN sentences bytea;
  `,
  // 4: the feeds each library follows and what became of their entries, as in the embedded store.
  `
  CREATE TABLE feeds (
    id serial PRIMARY KEY,
    library_id integer NOT NULL REFERENCES libraries(id),
    url text NOT NULL,
    site text,
    title text,
    channel_id text,
    etag text,
    last_modified text,
    created_at text NOT NULL,
    checked_at text,
    next_at text NOT NULL,
    failures integer NOT NULL DEFAULT 0,
    last_error text,
    UNIQUE (library_id, url)
  );
  CREATE TABLE feed_entries (
    feed_id integer NOT NULL,
    key text NOT NULL,
    url text NOT NULL,
    fingerprint text NOT NULL,
    status text NOT NULL,
    file text,
    reason text,
    seen_at text NOT NULL,
    PRIMARY KEY (feed_id, key)
  );
  CREATE INDEX feed_entries_seen ON feed_entries (feed_id, status, seen_at);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The key of the advisory lock migrations run under. */
const MIGRATE_LOCK = 7_412_001;

async function version(client: pg.ClientBase): Promise<number> {
  const t = await client.query("SELECT to_regclass('meta') AS t");
  if (!t.rows[0].t) return 0;
  const r = await client.query("SELECT value FROM meta WHERE key = 'schema_version'");
  return r.rows.length ? Number(r.rows[0].value) : 0;
}

export async function migrate(client: pg.ClientBase, schema: string | null): Promise<{ from: number; to: number }> {
  // The advisory lock serialises two processes starting on one new database. Where connections share one
  // session (PGlite behind its socket) the lock is granted to both, so each step also re-reads the version
  // inside its own transaction, which there runs alone: the second process finds the work done.
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK]);
  try {
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    let from: number | undefined;
    for (;;) {
      await client.query('BEGIN');
      try {
        const v = await version(client);
        from ??= v;
        if (v > SCHEMA_VERSION) throw new Error(`the database was written by a newer Verbatim (schema ${v}; this one knows up to ${SCHEMA_VERSION})`);
        if (v === SCHEMA_VERSION) {
          await client.query('COMMIT');
          return { from, to: SCHEMA_VERSION };
        }
        await client.query(MIGRATIONS[v]);
        await client.query("INSERT INTO meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(v + 1)]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK]).catch(() => {});
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
