// The shared store: the same records as the embedded one, in PostgreSQL, for several bot processes and
// machines. Vectors live in pgvector (HNSW, cosine) and words in a GIN-indexed tsvector of the product's
// own analysed terms; term statistics are kept per library in a table, so BM25 is scored exactly as in
// the embedded store (search/keyword.ts) and the same question gets the same quotes on both. Every read
// goes to the database, so a process sees another's commit as soon as it is made.
import crypto from 'node:crypto';
import pg from 'pg';
import { describeUrl } from '../../text/address.js';
import { migrate } from './schema.js';
import { FEED_COLUMNS, feedChanges, toEntry, toFeed } from '../feed-rows.js';
import { decodeSpans, encodeSpans, sentenceSpans } from '../../text/sentences.js';
import {
  LockBusyError,
  sentenceCosines,
  sentencesToBytes,
  StoreError,
  type ArticleRecord,
  type ChangeSet,
  type CheckReport,
  type CommitResult,
  type EntityTags,
  type FeedEntryRecord,
  type IndexSettings,
  type KeywordCandidate,
  type LibraryInfo,
  type NewArticle,
  type Neighbour,
  type Scope,
  type Store,
  type StoredPassage,
  type WriterLockOptions,
} from '../types.js';

export interface PostgresOptions {
  url: string;
  onStatus?: (message: string) => void;
  /** Connections per process (default 8). */
  poolSize?: number;
}

/** Libraries smaller than this are searched exactly; larger ones through the HNSW index. */
const EXACT_SEARCH_BELOW = 20_000;
const HNSW_EF_SEARCH = 400;
const WRITER_LOCK = 7_412_002;
const LEASE_SECONDS = 15;

const toVector = (v: Float32Array): string => `[${Array.from(v).join(',')}]`;
const fromVector = (s: string): Float32Array => Float32Array.from(s.slice(1, -1).split(','), Number);

const ARTICLE_COLUMNS = `a.id, l.key AS library, a.file, a.format, a.hash, a.size, a.mtime_ms, a.title, a.title_is_fallback,
  a.outlet, a.byline, a.date, a.url, a.warnings, a.passages, a.added_at`;

function toArticle(r: Record<string, unknown>): ArticleRecord {
  return {
    id: Number(r.id),
    library: r.library as string,
    file: r.file as string,
    format: r.format as ArticleRecord['format'],
    hash: r.hash as string,
    size: Number(r.size),
    mtimeMs: Number(r.mtime_ms),
    title: r.title as string,
    titleIsFallback: r.title_is_fallback as boolean,
    source: r.outlet as string | null,
    byline: r.byline as string | null,
    date: r.date as string | null,
    url: r.url as string | null,
    warnings: JSON.parse(r.warnings as string) as string[],
    passages: Number(r.passages),
    addedAt: r.added_at as string,
  };
}

function toPassage(r: Record<string, unknown>): StoredPassage {
  const terms = r.terms as string;
  return {
    id: Number(r.id),
    articleId: Number(r.article_id),
    library: r.library as string,
    docId: r.file as string,
    file: r.file as string,
    paragraph: Number(r.paragraph),
    part: Number(r.part),
    start: Number(r.char_start),
    end: Number(r.char_end),
    text: r.text as string,
    searchText: r.search_text as string,
    hash: r.hash as string,
    terms: terms ? terms.split(' ') : [],
    tags: JSON.parse(r.tags as string) as EntityTags,
    sentences: decodeSpans(r.sentences as string | null) ?? sentenceSpans(r.text as string),
  };
}

/** STORE_URL may carry `?schema=name` (Verbatim's own parameter): its tables then live in that schema. */
function parseUrl(url: string): { connectionString: string; schema: string | null } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new StoreError('the schema in STORE_URL must be a plain identifier');
  return { connectionString: u.toString(), schema };
}

export async function openPostgresStore(opts: PostgresOptions): Promise<Store> {
  const { connectionString, schema } = parseUrl(opts.url);
  const location = describeUrl(opts.url);
  // The schema is a startup parameter, so no query can run before it applies; the HNSW settings are set
  // on each new connection before it is used, and ignored where the server's pgvector does not know them.
  const options = schema ? `-c search_path=${schema},public` : undefined;
  const setup = async (c: pg.ClientBase) => {
    await c.query(`SET hnsw.ef_search = ${HNSW_EF_SEARCH}`).catch(() => {});
    await c.query('SET hnsw.iterative_scan = relaxed_order').catch(() => {});
  };
  const connect = async () => {
    const c = new pg.Client({ connectionString, options });
    c.on('error', () => {}); // a dropped connection is reported by the query that needed it
    await c.connect();
    await setup(c);
    return c;
  };
  let admin: pg.Client;
  try {
    admin = await connect();
  } catch (err) {
    throw new StoreError(`cannot connect to ${location}: ${(err as Error).message}`);
  }
  try {
    await migrate(admin, schema);
  } catch (err) {
    await admin.end().catch(() => {});
    throw new StoreError(`cannot prepare the database at ${location}: ${(err as Error).message}`);
  }
  await admin.end();

  const pool = new pg.Pool({ connectionString, options, max: opts.poolSize ?? 8, onConnect: setup });
  pool.on('error', () => {}); // an idle connection that drops is replaced on the next query
  const query = (text: string, values: unknown[] = []) => pool.query(text, values);

  let libraryIds = new Map<string, number>();
  const loadLibraryIds = async () => {
    libraryIds = new Map((await query('SELECT id, key FROM libraries')).rows.map((r) => [r.key as string, Number(r.id)]));
  };
  await loadLibraryIds();
  const scopeIds = async (scope: Scope): Promise<number[]> => {
    if (scope.some((k) => !libraryIds.has(k))) await loadLibraryIds();
    return scope.map((k) => libraryIds.get(k)).filter((id): id is number => id !== undefined);
  };

  const readSettings = async (c: { query: typeof query } = { query }): Promise<IndexSettings | null> => {
    const m = new Map((await c.query('SELECT key, value FROM meta')).rows.map((r) => [r.key as string, r.value as string]));
    if (!m.has('model_id')) return null;
    return { modelId: m.get('model_id')!, dims: Number(m.get('dims')), chunkerVersion: m.get('chunker_version')!, maxTokens: Number(m.get('max_tokens')) };
  };

  async function removeArticleTx(c: pg.ClientBase, articleId: number, removedHashes: Set<string>): Promise<number> {
    const rows = (await c.query('SELECT id, library_id, terms, length, hash FROM passages WHERE article_id = $1', [articleId])).rows;
    if (rows.length) {
      const df = new Map<string, number>();
      let tokens = 0;
      for (const p of rows) {
        for (const t of new Set((p.terms as string) ? (p.terms as string).split(' ') : [])) df.set(t, (df.get(t) ?? 0) + 1);
        tokens += Number(p.length);
        removedHashes.add(p.hash as string);
      }
      const lib = Number(rows[0].library_id);
      await c.query(
        `UPDATE term_df SET df = term_df.df - x.n FROM unnest($2::text[], $3::int[]) AS x(t, n) WHERE term_df.library_id = $1 AND term_df.term = x.t`,
        [lib, [...df.keys()], [...df.values()]],
      );
      await c.query('DELETE FROM term_df WHERE library_id = $1 AND term = ANY($2::text[]) AND df <= 0', [lib, [...df.keys()]]);
      await c.query('UPDATE libraries SET passages = passages - $1, tokens = tokens - $2 WHERE id = $3', [rows.length, tokens, lib]);
    }
    await c.query('DELETE FROM passages WHERE article_id = $1', [articleId]);
    await c.query('DELETE FROM articles WHERE id = $1', [articleId]);
    return rows.length;
  }

  async function libraryIdFor(c: pg.ClientBase, key: string): Promise<number> {
    const found = await c.query('SELECT id FROM libraries WHERE key = $1', [key]);
    if (found.rows.length) return Number(found.rows[0].id);
    const made = await c.query('INSERT INTO libraries (key, created_at) VALUES ($1, $2) RETURNING id', [key, new Date().toISOString()]);
    return Number(made.rows[0].id);
  }

  async function addArticleTx(c: pg.ClientBase, a: NewArticle, modelId: string): Promise<number> {
    const libraryId = await libraryIdFor(c, a.library);
    const articleTerms = new Set(a.titleTerms);
    for (const p of a.passages) for (const t of p.terms) articleTerms.add(t);
    const inserted = await c.query(
      `INSERT INTO articles (library_id, file, format, hash, size, mtime_ms, title, title_is_fallback, outlet, byline, date, url, warnings,
         title_terms, terms, passages, added_at, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
      [libraryId, a.file, a.format, a.hash, a.size, a.mtimeMs, a.title, a.titleIsFallback, a.source, a.byline, a.date, a.url, JSON.stringify(a.warnings),
        a.titleTerms.join(' '), [...articleTerms].join(' '), a.passages.length, new Date().toISOString(), a.upload ?? null],
    );
    const articleId = Number(inserted.rows[0].id);
    const ps = a.passages;
    const added = await c.query(
      `INSERT INTO passages (article_id, library_id, paragraph, part, char_start, char_end, text, search_text, hash, terms, length, tags, sentences, tsv, embedding)
       SELECT $1, $2, x.paragraph, x.part, x.cs, x.ce, x.text, x.st, x.hash, x.terms, x.length, x.tags, x.sentences, to_tsvector('simple', x.terms), v.embedding
       FROM unnest($3::int[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::text[], $14::text[])
         WITH ORDINALITY AS x(paragraph, part, cs, ce, text, st, hash, terms, length, tags, sentences, ord)
       LEFT JOIN vectors v ON v.model = $13 AND v.hash = x.hash
       ORDER BY x.ord
       RETURNING embedding IS NULL AS missing`,
      [articleId, libraryId, ps.map((p) => p.paragraph), ps.map((p) => p.part), ps.map((p) => p.start), ps.map((p) => p.end), ps.map((p) => p.text),
        ps.map((p) => p.searchText), ps.map((p) => p.hash), ps.map((p) => p.terms.join(' ')), ps.map((p) => p.terms.length), ps.map((p) => JSON.stringify(p.tags)), modelId,
        ps.map((p) => encodeSpans(p.sentences))],
    );
    if (added.rows.some((r) => r.missing)) throw new StoreError(`the vectors of ${a.file} were not stored before it was committed`);
    const df = new Map<string, number>();
    let tokens = 0;
    for (const p of ps) {
      for (const t of new Set(p.terms)) df.set(t, (df.get(t) ?? 0) + 1);
      tokens += p.terms.length;
    }
    if (df.size) {
      await c.query(
        `INSERT INTO term_df (library_id, term, df) SELECT $1, x.t, x.n FROM unnest($2::text[], $3::int[]) AS x(t, n)
         ON CONFLICT (library_id, term) DO UPDATE SET df = term_df.df + excluded.df`,
        [libraryId, [...df.keys()], [...df.values()]],
      );
    }
    await c.query('UPDATE libraries SET passages = passages + $1, tokens = tokens + $2 WHERE id = $3', [ps.length, tokens, libraryId]);
    return articleId;
  }

  /** The passages' vector column takes the model's dimensions, so that it can carry an HNSW index. */
  async function setVectorColumn(c: pg.ClientBase, dims: number): Promise<void> {
    await c.query('DROP INDEX IF EXISTS passages_embedding');
    await c.query('UPDATE passages SET embedding = NULL');
    await c.query(`ALTER TABLE passages ALTER COLUMN embedding TYPE vector(${dims})`);
    await c.query('CREATE INDEX passages_embedding ON passages USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 100)');
  }

  const store: Store = {
    driver: 'postgres',
    location,
    settings: () => readSettings(),
    async libraries(): Promise<LibraryInfo[]> {
      const rows = (
        await query(`SELECT l.key, l.name, l.created_at, l.left_at, l.passages,
            (SELECT COUNT(*) FROM articles a WHERE a.library_id = l.id) AS articles,
            (SELECT COALESCE(SUM(a.size), 0) FROM articles a WHERE a.library_id = l.id) AS bytes
          FROM libraries l ORDER BY l.id`)
      ).rows;
      return rows.map((l) => ({ key: l.key, name: l.name, createdAt: l.created_at, leftAt: l.left_at, articles: Number(l.articles), passages: Number(l.passages), bytes: Number(l.bytes) }));
    },
    async articles(scope) {
      const ids = await scopeIds(scope);
      const rows = (await query(`SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN libraries l ON l.id = a.library_id WHERE a.library_id = ANY($1::int[]) ORDER BY a.file COLLATE "C", l.key`, [ids])).rows;
      return rows.map(toArticle);
    },
    async article(library, file) {
      const rows = (await query(`SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN libraries l ON l.id = a.library_id WHERE l.key = $1 AND a.file = $2`, [library, file])).rows;
      return rows.length ? toArticle(rows[0]) : null;
    },
    async articlesById(ids) {
      const rows = (await query(`SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN libraries l ON l.id = a.library_id WHERE a.id = ANY($1::int[])`, [[...ids]])).rows;
      return new Map(rows.map((r) => [Number(r.id), toArticle(r)]));
    },
    async articleTerms(ids, terms) {
      const out = new Map<number, Set<string>>(ids.map((id) => [id, new Set<string>()]));
      const rows = (
        await query(
          `SELECT a.id, t.term FROM articles a, unnest($2::text[]) AS t(term)
           WHERE a.id = ANY($1::int[]) AND position(' ' || t.term || ' ' in ' ' || a.terms || ' ') > 0`,
          [[...ids], [...new Set(terms)]],
        )
      ).rows;
      for (const r of rows) out.get(Number(r.id))?.add(r.term as string);
      return out;
    },
    async passageTerms(ids) {
      const rows = (await query('SELECT id, article_id, terms FROM passages WHERE id = ANY($1::bigint[])', [[...ids]])).rows;
      return new Map(rows.map((r) => [Number(r.id), { articleId: Number(r.article_id), terms: r.terms ? (r.terms as string).split(' ') : [] }]));
    },
    async passages(ids) {
      const rows = (
        await query(
          `SELECT p.id, p.article_id, l.key AS library, a.file, p.paragraph, p.part, p.char_start, p.char_end, p.text, p.search_text, p.hash, p.terms, p.tags,
             p.sentences
           FROM passages p JOIN articles a ON a.id = p.article_id JOIN libraries l ON l.id = p.library_id WHERE p.id = ANY($1::bigint[])`,
          [[...ids]],
        )
      ).rows;
      return new Map(rows.map((r) => [Number(r.id), toPassage(r)]));
    },
    async source(articleId) {
      const rows = (await query('SELECT source FROM articles WHERE id = $1', [articleId])).rows;
      return (rows[0]?.source as Buffer | null) ?? null;
    },
    async termStats(scope, terms) {
      const ids = await scopeIds(scope);
      const [size, df] = await Promise.all([
        query('SELECT COALESCE(SUM(passages), 0) AS docs, COALESCE(SUM(tokens), 0) AS tokens FROM libraries WHERE id = ANY($1::int[])', [ids]),
        query('SELECT term, SUM(df) AS df FROM term_df WHERE library_id = ANY($1::int[]) AND term = ANY($2::text[]) GROUP BY term', [ids, [...new Set(terms)]]),
      ]);
      return {
        docs: Number(size.rows[0].docs),
        tokens: Number(size.rows[0].tokens),
        df: new Map(df.rows.map((r) => [r.term as string, Number(r.df)])),
      };
    },
    async keywordCandidates(scope, terms, limit, count): Promise<KeywordCandidate[]> {
      const ids = await scopeIds(scope);
      const unique = [...new Set(terms)].filter((t) => /^[\p{L}\p{N}]+$/u.test(t));
      if (!ids.length || !unique.length) return [];
      const rows = (
        await query(
          `SELECT id, length, terms FROM (
             SELECT id, length, terms, ts_rank(tsv, q) AS r FROM passages, to_tsquery('simple', $2) AS q
             WHERE library_id = ANY($1::int[]) AND tsv @@ q ORDER BY r DESC, id LIMIT $3) s ORDER BY r DESC, id`,
          [ids, unique.join(' | '), limit],
        )
      ).rows;
      const wanted = new Set(count);
      return rows.map((r) => ({ id: Number(r.id), length: Number(r.length), terms: (r.terms as string).split(' ').filter((t) => wanted.has(t)) }));
    },
    async nearest(scope, vector, k): Promise<Neighbour[]> {
      const ids = await scopeIds(scope);
      if (!ids.length) return [];
      const v = toVector(vector);
      const sizes = new Map((await query('SELECT id, passages FROM libraries WHERE id = ANY($1::int[])', [ids])).rows.map((r) => [Number(r.id), Number(r.passages)]));
      const all: Neighbour[] = [];
      await Promise.all(
        ids.map(async (id) => {
          // Small libraries exactly (the "+ 0" keeps the planner off the HNSW index); large ones through it.
          const distance = (sizes.get(id) ?? 0) < EXACT_SEARCH_BELOW ? '(embedding <=> $1) + 0' : 'embedding <=> $1';
          const rows = (await query(`SELECT id, 1 - (embedding <=> $1) AS cosine FROM passages WHERE library_id = $2 ORDER BY ${distance}, id LIMIT $3`, [v, id, k])).rows;
          for (const r of rows) all.push({ id: Number(r.id), cosine: Number(r.cosine) });
        }),
      );
      return all.sort((a, b) => b.cosine - a.cosine || a.id - b.id).slice(0, k);
    },
    async similarity(ids, vector) {
      if (!ids.length) return new Map();
      const rows = (await query('SELECT id, 1 - (embedding <=> $1) AS cosine FROM passages WHERE id = ANY($2::bigint[])', [toVector(vector), [...ids]])).rows;
      return new Map(rows.map((r) => [Number(r.id), Number(r.cosine)]));
    },
    async sentenceSimilarity(ids, vectors) {
      const out = vectors.map(() => new Map<number, number[]>());
      if (!ids.length) return out;
      const rows = (
        await query(
          `SELECT p.id, v.sentences FROM passages p JOIN meta m ON m.key = 'model_id' JOIN vectors v ON v.model = m.value AND v.hash = p.hash
           WHERE p.id = ANY($1::bigint[]) AND v.sentences IS NOT NULL`,
          [[...ids]],
        )
      ).rows;
      for (const r of rows) vectors.forEach((v, i) => out[i].set(Number(r.id), sentenceCosines(r.sentences as Buffer, v)));
      return out;
    },
    async cachedVectors(modelId, hashes) {
      const out = new Map<string, Float32Array>();
      const unique = [...new Set(hashes)];
      for (let i = 0; i < unique.length; i += 5000) {
        // Only complete ones: a vector without its sentence vectors (stored by an older Verbatim) is embedded again.
        const rows = (await query('SELECT hash, embedding::text AS v FROM vectors WHERE model = $1 AND hash = ANY($2::text[]) AND sentences IS NOT NULL', [modelId, unique.slice(i, i + 5000)])).rows;
        for (const r of rows) out.set(r.hash as string, fromVector(r.v as string));
      }
      return out;
    },
    async cacheVectors(modelId, vectors) {
      const entries = [...vectors];
      for (let i = 0; i < entries.length; i += 1000) {
        const slice = entries.slice(i, i + 1000);
        await query(
          `INSERT INTO vectors (model, hash, embedding, sentences) SELECT $1, x.h, x.v::vector, x.s FROM unnest($2::text[], $3::text[], $4::bytea[]) AS x(h, v, s)
           ON CONFLICT (model, hash) DO UPDATE SET embedding = excluded.embedding, sentences = excluded.sentences WHERE vectors.sentences IS NULL`,
          [modelId, slice.map(([h]) => h), slice.map(([, v]) => toVector(v.vector)), slice.map(([, v]) => sentencesToBytes(v.sentences))],
        );
      }
    },
    async feeds(scope) {
      const where = scope ? 'WHERE f.library_id = ANY($1::int[])' : '';
      const rows = (await query(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id ${where} ORDER BY f.id`, scope ? [await scopeIds(scope)] : [])).rows;
      return rows.map((r) => toFeed(r as Parameters<typeof toFeed>[0]));
    },
    async addFeed(feed) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const libraryId = await libraryIdFor(c, feed.library);
        const made = await c.query('INSERT INTO feeds (library_id, url, site, title, channel_id, created_at, next_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id', [
          libraryId, feed.url, feed.site, feed.title, feed.channelId, new Date().toISOString(), feed.nextAt,
        ]);
        await c.query('COMMIT');
        await loadLibraryIds();
        const row = (await query(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id WHERE f.id = $1`, [made.rows[0].id])).rows[0];
        return toFeed(row as Parameters<typeof toFeed>[0]);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
    },
    async updateFeed(id, state) {
      const { columns, values } = feedChanges(state);
      if (!columns.length) return;
      await query(`UPDATE feeds SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${columns.length + 1}`, [...values, id]);
    },
    async removeFeed(id) {
      await query('WITH gone AS (DELETE FROM feed_entries WHERE feed_id = $1) DELETE FROM feeds WHERE id = $1', [id]);
    },
    async feedEntries(feedId, keys) {
      const rows = (keys ? await query('SELECT * FROM feed_entries WHERE feed_id = $1 AND key = ANY($2::text[])', [feedId, [...keys]]) : await query('SELECT * FROM feed_entries WHERE feed_id = $1', [feedId])).rows;
      return new Map(rows.map((r) => [r.key as string, toEntry(r as Parameters<typeof toEntry>[0])]));
    },
    async saveFeedEntries(feedId, entries) {
      if (!entries.length) return;
      const col = <K extends keyof FeedEntryRecord>(k: K) => entries.map((e) => e[k]);
      await query(
        `INSERT INTO feed_entries (feed_id, key, url, fingerprint, status, file, reason, seen_at)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         ON CONFLICT (feed_id, key) DO UPDATE SET url = excluded.url, fingerprint = excluded.fingerprint, status = excluded.status, file = excluded.file,
           reason = excluded.reason, seen_at = excluded.seen_at`,
        [feedId, col('key'), col('url'), col('fingerprint'), col('status'), col('file'), col('reason'), col('seenAt')],
      );
    },
    async feedArticlesSince(library, since) {
      const r = await query(
        `SELECT COUNT(*) AS n FROM feed_entries e JOIN feeds f ON f.id = e.feed_id JOIN libraries l ON l.id = f.library_id WHERE l.key = $1 AND e.status = 'indexed' AND e.seen_at >= $2`,
        [library, since],
      );
      return Number(r.rows[0].n);
    },
    async lockWriter(o: WriterLockOptions = {}) {
      // The advisory lock is PostgreSQL's own (released if this process dies); the lease also holds where
      // connections share one session (PGlite) and expires if its holder stops renewing it.
      const c = await connect();
      const holder = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
      const deadline = Date.now() + (o.waitMs ?? 10 * 60_000);
      let waited = false;
      const tryLock = async () => {
        if (!(await c.query('SELECT pg_try_advisory_lock($1) AS ok', [WRITER_LOCK])).rows[0].ok) return false;
        const lease = await c.query(
          `INSERT INTO writer_lease (id, holder, expires_at) VALUES (1, $1, now() + make_interval(secs => $2))
           ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE writer_lease.expires_at < now() OR writer_lease.holder = excluded.holder RETURNING holder`,
          [holder, LEASE_SECONDS],
        );
        if (lease.rows.length) return true;
        await c.query('SELECT pg_advisory_unlock($1)', [WRITER_LOCK]);
        return false;
      };
      try {
        while (!(await tryLock())) {
          if (Date.now() >= deadline) {
            throw new LockBusyError(o.waitMs === 0 ? 'Another indexer is writing to this index; try again when it finishes.' : `Another indexer kept the index locked for ${Math.round((o.waitMs ?? 600_000) / 1000)} s; giving up.`);
          }
          if (!waited) o.onWait?.();
          waited = true;
          await new Promise((r) => setTimeout(r, 500));
        }
      } catch (err) {
        await c.end().catch(() => {});
        throw err;
      }
      const renew = setInterval(() => {
        void c.query('UPDATE writer_lease SET expires_at = now() + make_interval(secs => $2) WHERE id = 1 AND holder = $1', [holder, LEASE_SECONDS]).catch(() => {});
      }, (LEASE_SECONDS * 1000) / 3);
      renew.unref();
      return async () => {
        clearInterval(renew);
        await c.query('DELETE FROM writer_lease WHERE id = 1 AND holder = $1', [holder]).catch(() => {});
        await c.query('SELECT pg_advisory_unlock($1)', [WRITER_LOCK]).catch(() => {});
        await c.end().catch(() => {});
      };
    },
    async commit(changes: ChangeSet): Promise<CommitResult> {
      const c = await pool.connect();
      const result: CommitResult = { added: [], removedPassages: 0 };
      try {
        await c.query('BEGIN');
        const removedHashes = new Set<string>();
        const before = await readSettings(c as unknown as { query: typeof query });
        if (changes.settings) {
          const s = changes.settings;
          for (const [k, v] of [['model_id', s.modelId], ['dims', String(s.dims)], ['chunker_version', s.chunkerVersion], ['max_tokens', String(s.maxTokens)]]) {
            await c.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [k, v]);
          }
        }
        const settings = await readSettings(c as unknown as { query: typeof query });
        if (changes.reset) {
          await c.query('DELETE FROM passages; DELETE FROM articles; DELETE FROM term_df; UPDATE libraries SET passages = 0, tokens = 0;');
          if (settings) await c.query('DELETE FROM vectors WHERE model <> $1', [settings.modelId]);
        }
        if (settings && (!before || before.dims !== settings.dims || changes.reset)) {
          const col = await c.query("SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'passages'::regclass AND attname = 'embedding'");
          if (col.rows[0]?.t !== `vector(${settings.dims})`) await setVectorColumn(c, settings.dims);
        }
        const now = new Date().toISOString();
        for (const l of changes.libraries ?? []) {
          await c.query('INSERT INTO libraries (key, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET name = COALESCE(excluded.name, libraries.name)', [l.key, l.name ?? null, now]);
        }
        for (const id of changes.removeArticles ?? []) result.removedPassages += await removeArticleTx(c, id, removedHashes);
        if (changes.addArticles?.length && !settings) throw new StoreError('articles cannot be added before the index settings (model) are set');
        for (const a of changes.addArticles ?? []) {
          const id = await addArticleTx(c, a, settings!.modelId);
          result.added.push({ file: a.file, library: a.library, id, passages: a.passages.length });
        }
        for (const t of changes.touchArticles ?? []) await c.query('UPDATE articles SET mtime_ms = $1 WHERE id = $2', [t.mtimeMs, t.id]);
        for (const l of changes.leftLibraries ?? []) await c.query('UPDATE libraries SET left_at = $1 WHERE key = $2', [l.at, l.key]);
        for (const key of changes.deleteLibraries ?? []) {
          const lib = await c.query('SELECT id FROM libraries WHERE key = $1', [key]);
          if (!lib.rows.length) continue;
          const id = Number(lib.rows[0].id);
          for (const a of (await c.query('SELECT id FROM articles WHERE library_id = $1', [id])).rows) result.removedPassages += await removeArticleTx(c, Number(a.id), removedHashes);
          await c.query('DELETE FROM term_df WHERE library_id = $1', [id]);
          await c.query('DELETE FROM feed_entries WHERE feed_id IN (SELECT id FROM feeds WHERE library_id = $1)', [id]);
          await c.query('DELETE FROM feeds WHERE library_id = $1', [id]);
          await c.query('DELETE FROM libraries WHERE id = $1', [id]);
        }
        if (settings && removedHashes.size) {
          await c.query('DELETE FROM vectors v WHERE v.model = $1 AND v.hash = ANY($2::text[]) AND NOT EXISTS (SELECT 1 FROM passages p WHERE p.hash = v.hash)', [settings.modelId, [...removedHashes]]);
        }
        await c.query("NOTIFY verbatim_changes");
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
      if (changes.deleteLibraries?.length || changes.libraries?.length) await loadLibraryIds();
      return result;
    },
    async refresh() {
      // Reads go to the database, so there is nothing to catch up with but the names of new libraries.
      await loadLibraryIds();
    },
    async check(): Promise<CheckReport> {
      const lines: string[] = [];
      let ok = true;
      const fact = (good: boolean, line: string) => {
        ok &&= good;
        lines.push(`${good ? 'ok  ' : 'FAIL'} ${line}`);
      };
      const n = async (sql: string, values: unknown[] = []) => Number((await query(sql, values)).rows[0].n);
      const settings = await readSettings();
      const passages = await n('SELECT COUNT(*) AS n FROM passages');
      fact(settings !== null || passages === 0, `index settings: ${settings ? `${settings.modelId}, ${settings.dims} dimensions, chunker ${settings.chunkerVersion}` : 'none yet'}`);
      fact((await n('SELECT COALESCE(SUM(passages), 0) AS n FROM articles')) === passages, "articles' passage counts add up");
      fact((await n('SELECT COALESCE(SUM(passages), 0) AS n FROM libraries')) === passages, "libraries' passage counts add up");
      fact((await n('SELECT COUNT(*) AS n FROM passages WHERE embedding IS NULL')) === 0, 'every passage has its vector');
      const drift = await n(`SELECT COUNT(*) AS n FROM (SELECT p.library_id, t.term, COUNT(DISTINCT p.id) AS df
          FROM passages p, unnest(string_to_array(NULLIF(p.terms, ''), ' ')) AS t(term) GROUP BY p.library_id, t.term) x
        LEFT JOIN term_df d ON d.library_id = x.library_id AND d.term = x.term WHERE d.df IS DISTINCT FROM x.df`);
      fact(drift === 0, `term statistics match the passages (${drift} terms differ)`);
      if (settings) fact((await n("SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname = 'passages_embedding'")) === 1, 'the HNSW index exists');
      return { ok, lines };
    },
    async close() {
      await pool.end().catch(() => {});
    },
  };
  return store;
}
