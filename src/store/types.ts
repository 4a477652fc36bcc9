// The store of record: articles, passages, vectors, keyword statistics and libraries, behind one interface
// with an embedded (SQLite) and a shared (PostgreSQL) driver. Search, the updater and the bot talk to this
// interface only. Reads take a scope (the libraries the asker may see) so that nothing outside it is ever
// a candidate; every change is one commit, all or nothing.
import type { ArticleMeta, Format, Passage } from '../ingest/types.js';
import type { Span } from '../text/sentences.js';

/** `shared` (the corpus folder, every server reads it) or `guild:<id>` (one Discord server's own). */
export type LibraryKey = string;

/** The libraries a reader may see; every read is confined to them. */
export type Scope = readonly LibraryKey[];

export interface IndexSettings {
  modelId: string;
  dims: number;
  chunkerVersion: string;
  maxTokens: number;
}

export interface LibraryInfo {
  key: LibraryKey;
  /** A human name (the server's name when known). */
  name: string | null;
  createdAt: string;
  /** When the bot was removed from the server; the library is deleted after the retention period. */
  leftAt: string | null;
  articles: number;
  passages: number;
  /** Bytes of the articles as they were added. */
  bytes: number;
}

/** Counts of each kind of entity in a passage, found once at index time (see ingest/entities.ts). */
export type EntityTags = Partial<Record<EntityKind, number>>;
export type EntityKind = 'person' | 'org' | 'place' | 'name' | 'date' | 'number' | 'money' | 'percent';

/** An article file as the store knows it: where it belongs, and what identifies its bytes. */
export interface ArticleFile extends ArticleMeta {
  library: LibraryKey;
  file: string;
  format: Format;
  /** sha256 of the file's bytes; with size and mtime it lets unchanged files go unread. */
  hash: string;
  size: number;
  mtimeMs: number;
  warnings: string[];
}

export interface ArticleRecord extends ArticleFile {
  id: number;
  passages: number;
  addedAt: string;
}

export interface StoredPassage extends Passage {
  id: number;
  articleId: number;
  library: LibraryKey;
  /** sha256 of the search text: the key under which its vector is kept and reused. */
  hash: string;
  /** Analysed terms (text/terms.ts) in order: what keyword search matches and counts. */
  terms: string[];
  tags: EntityTags;
  /** The sentences of `text` (text/sentences.ts), found once when the passage was stored. */
  sentences: Span[];
}

export interface NewPassage extends Passage {
  hash: string;
  terms: string[];
  tags: EntityTags;
  sentences: Span[];
}

export interface NewArticle extends ArticleFile {
  passages: NewPassage[];
  /** Distinct analysed terms of the title. */
  titleTerms: string[];
  /** The file as uploaded, for libraries that have no folder (articles added from Discord). */
  upload?: Buffer;
}

/** One commit: applied in a single transaction, in this order. */
export interface ChangeSet {
  /** Set when the index is (re)built for a model or chunker; `reset` drops every article first. */
  settings?: IndexSettings;
  reset?: boolean;
  /** Libraries to create (or rename) before articles are added to them. */
  libraries?: { key: LibraryKey; name?: string | null }[];
  removeArticles?: number[];
  addArticles?: NewArticle[];
  touchArticles?: { id: number; mtimeMs: number }[];
  /** Mark libraries as left (a date) or back (null). */
  leftLibraries?: { key: LibraryKey; at: string | null }[];
  deleteLibraries?: LibraryKey[];
}

export interface CommitResult {
  added: { file: string; library: LibraryKey; id: number; passages: number }[];
  removedPassages: number;
}

/** A passage that matched some query terms, with what BM25 needs to score it. */
export interface KeywordCandidate {
  id: number;
  /** How many terms the passage has. */
  length: number;
  /** Its occurrences of the terms asked to be counted, with repeats, in order. */
  terms: string[];
}

/** Keyword statistics over a scope: scoring sees exactly the articles the asker may see. */
export interface TermStats {
  /** Passages in scope. */
  docs: number;
  /** Total analysed terms of those passages. */
  tokens: number;
  /** Passages in scope holding each asked-for term. */
  df: Map<string, number>;
}

/** What embedding a passage gives: its vector and one per sentence (text/sentences.ts), all unit length. */
export interface VectorRecord {
  vector: Float32Array;
  sentences: readonly Float32Array[];
}

export interface Neighbour {
  id: number;
  cosine: number;
}

export interface CheckReport {
  ok: boolean;
  /** One line per fact checked, and what was found wrong. */
  lines: string[];
}

/** A feed a library follows (feeds/): where it is, what it said last time, and when to ask again. */
export interface FeedRecord {
  id: number;
  library: LibraryKey;
  /** The feed's own address (RSS, Atom or JSON Feed). */
  url: string;
  /** The page it was found from, when a site's address was given. */
  site: string | null;
  title: string | null;
  /** A Discord channel to post a one-line notice of new articles in, if the admin chose one. */
  channelId: string | null;
  etag: string | null;
  lastModified: string | null;
  createdAt: string;
  checkedAt: string | null;
  /** When to check it next (ISO time): the schedule, pushed back after failures. */
  nextAt: string;
  /** Failures in a row (0 after a good check). */
  failures: number;
  lastError: string | null;
}

export type NewFeed = Pick<FeedRecord, 'library' | 'url' | 'site' | 'title' | 'channelId' | 'nextAt'>;
export type FeedState = Partial<Pick<FeedRecord, 'title' | 'etag' | 'lastModified' | 'checkedAt' | 'nextAt' | 'failures' | 'lastError'>>;

/** An entry of a feed as last seen: what became of it, so a restart neither misses nor repeats it. */
export interface FeedEntryRecord {
  /** The entry's id (guid) or, without one, its link. */
  key: string;
  url: string;
  /** What the feed said of it (its date and title): a change means its page is fetched again. */
  fingerprint: string;
  status: 'indexed' | 'skipped';
  /** The article it became (its file in the library). */
  file: string | null;
  reason: string | null;
  seenAt: string;
}

export interface WriterLockOptions {
  /** How long to wait for another writer; 0 fails at once. Default 10 minutes. */
  waitMs?: number;
  onWait?: () => void;
}

export interface Store {
  readonly driver: 'sqlite' | 'postgres';
  /** Where it lives, for messages (never with a password). */
  readonly location: string;

  settings(): Promise<IndexSettings | null>;
  libraries(): Promise<LibraryInfo[]>;
  /** Articles of the libraries in scope, by file. */
  articles(scope: Scope): Promise<ArticleRecord[]>;
  article(library: LibraryKey, file: string): Promise<ArticleRecord | null>;
  articlesById(ids: readonly number[]): Promise<Map<number, ArticleRecord>>;
  /** Which of `terms` each article holds (in its title or text): a passage is read in its article's context. */
  articleTerms(ids: readonly number[], terms: readonly string[]): Promise<Map<number, Set<string>>>;
  passages(ids: readonly number[]): Promise<Map<number, StoredPassage>>;
  /** Only the article and analysed terms of passages, by id: what re-ranking reads of a candidate's neighbour. */
  passageTerms(ids: readonly number[]): Promise<Map<number, { articleId: number; terms: string[] }>>;
  /** The stored upload of an article added from Discord. */
  source(articleId: number): Promise<Buffer | null>;

  termStats(scope: Scope, terms: readonly string[]): Promise<TermStats>;
  /**
   * Passages in scope holding any of `terms`, the best `limit` first by the store's ranking of those terms
   * (BM25 with the scope's statistics in SQLite, ts_rank in PostgreSQL), each with its occurrences of
   * `count` (the question's terms: counted where the rows are read, which may be another thread).
   * `ahead`: how many of the best of them by BM25 on all of `count` the caller asks for next (`passages`,
   * `similarity`), which a store may read along with the query.
   */
  keywordCandidates(scope: Scope, terms: readonly string[], limit: number, count: readonly string[], ahead?: number): Promise<KeywordCandidate[]>;
  /** The `k` nearest passages in scope by cosine similarity. */
  nearest(scope: Scope, vector: Float32Array, k: number): Promise<Neighbour[]>;
  /** Exact cosine of `vector` with each passage's stored vector. */
  similarity(ids: readonly number[], vector: Float32Array): Promise<Map<number, number>>;
  /**
   * For each of `vectors` (read once for all of them), its cosine with each sentence of each passage, in
   * sentence order (from the stored sentence vectors; a passage stored without them is absent).
   */
  sentenceSimilarity(ids: readonly number[], vectors: readonly Float32Array[]): Promise<Map<number, number[]>[]>;

  /** Vectors already computed by `modelId` for these passage-text hashes. */
  cachedVectors(modelId: string, hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Keeps freshly computed vectors at once (its own small commit), so a crash loses no embedding work. */
  cacheVectors(modelId: string, vectors: ReadonlyMap<string, VectorRecord>): Promise<void>;

  /** The feeds the libraries in scope follow (every feed without a scope). */
  feeds(scope?: Scope): Promise<FeedRecord[]>;
  /** Follows a feed; the library is created if need be. A library follows a feed's address once. */
  addFeed(feed: NewFeed): Promise<FeedRecord>;
  updateFeed(id: number, state: FeedState): Promise<void>;
  /** Stops following a feed (its articles stay in the library). */
  removeFeed(id: number): Promise<void>;
  /** What is remembered of a feed's entries, by key (all of them when `keys` is not given). */
  feedEntries(feedId: number, keys?: readonly string[]): Promise<Map<string, FeedEntryRecord>>;
  saveFeedEntries(feedId: number, entries: readonly FeedEntryRecord[]): Promise<void>;
  /** How many articles a library's feeds have indexed since `since` (ISO time): the daily limit. */
  feedArticlesSince(library: LibraryKey, since: string): Promise<number>;

  /** One writer at a time across processes; resolves with the release function. */
  lockWriter(opts?: WriterLockOptions): Promise<() => Promise<void>>;
  commit(changes: ChangeSet): Promise<CommitResult>;
  /** Brings derived caches in step with commits made by any process; cheap when nothing changed. */
  refresh(): Promise<void>;
  /** Verifies the store and its derived caches agree. */
  check(): Promise<CheckReport>;
  close(): Promise<void>;
}

export class StoreError extends Error {}

/** Another process holds the writer lock (and did not let go in time). */
export class LockBusyError extends StoreError {}

export const SHARED: LibraryKey = 'shared';
export const guildLibrary = (guildId: string): LibraryKey => `guild:${guildId}`;
export const guildOf = (key: LibraryKey): string | null => (key.startsWith('guild:') ? key.slice(6) : null);

/**
 * A passage's vector as stored: a tag, its scale (float32) and its components in int8 (x ≈ q × scale), a
 * quarter of float32's 1,536 bytes at 384 dimensions; at a million passages the float32 vectors alone were
 * 1.5 GB of a 5.8 GB store, and each row, spilling past half a page, took a page of its own. Rounding moves
 * a cosine by about 0.001 (test/index.test.ts, the upgrade test), far below what separates a passage from the next. The tag is
 * a NaN's bit pattern, which no float32 vector (the layout before schema 7) starts with, so both read back.
 */
const INT8_TAG = 0x7fc03869;

export function vectorToBytes(v: Float32Array): Buffer {
  const tag = Buffer.alloc(4);
  tag.writeUInt32LE(INT8_TAG, 0);
  // After the tag, the layout of one sentence vector.
  return Buffer.concat([tag, sentencesToBytes([v])]);
}

/** Whether stored bytes are a vector in the int8 layout (else float32, as stores before schema 7 kept them). */
export function isInt8Vector(b: Uint8Array): boolean {
  return b.byteLength >= 8 && new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true) === INT8_TAG;
}

export function bytesToVector(b: Uint8Array): Float32Array {
  if (isInt8Vector(b)) {
    const q = new Int8Array(b.buffer, b.byteOffset + 8, b.byteLength - 8);
    const out = new Float32Array(q.length);
    let norm = 0;
    for (let k = 0; k < q.length; k++) norm += q[k] * q[k];
    // Unit length, as it was embedded: the vector index and exact search then rank alike.
    const f = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < q.length; k++) out[k] = q[k] * f;
    return out;
  }
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/** The cosine of a unit-length `vector` with a stored one, read in place (no copy). */
export function storedCosine(b: Uint8Array, vector: Float32Array): number {
  if (isInt8Vector(b)) return sentenceCosines(b.subarray(4), vector)[0] ?? 0;
  const v = b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) : bytesToVector(b);
  let dot = 0;
  let norm = 0;
  for (let k = 0; k < v.length; k++) {
    dot += v[k] * vector[k];
    norm += v[k] * v[k];
  }
  return norm > 0 ? dot / Math.sqrt(norm) : 0;
}

/**
 * Sentence vectors, compactly: each as its scale (float32) and its components in int8 (x ≈ q × scale),
 * a quarter of their float32 size. They are only read for the few passages a question re-ranks, where
 * the rounding (under 0.5% of a component's largest value) moves a cosine by about 0.002.
 */
export function sentencesToBytes(vectors: readonly Float32Array[]): Buffer {
  const dims = vectors[0]?.length ?? 0;
  const out = Buffer.alloc(vectors.length * (4 + dims));
  vectors.forEach((v, i) => {
    const at = i * (4 + dims);
    let max = 0;
    for (const x of v) max = Math.max(max, Math.abs(x));
    const scale = max / 127 || 1;
    out.writeFloatLE(scale, at);
    for (let k = 0; k < dims; k++) out.writeInt8(Math.round(v[k] / scale), at + 4 + k);
  });
  return out;
}

/** The cosine of `vector` with each sentence vector that sentencesToBytes wrote. */
export function sentenceCosines(bytes: Uint8Array, vector: Float32Array): number[] {
  const dims = vector.length;
  const n = Math.floor(bytes.byteLength / (4 + dims));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = i * (4 + dims);
    const scale = view.getFloat32(at, true);
    let dot = 0;
    let norm = 0;
    for (let k = 0; k < dims; k++) {
      const x = q[at + 4 + k] * scale;
      dot += x * vector[k];
      norm += x * x;
    }
    out.push(norm > 0 ? dot / Math.sqrt(norm) : 0);
  }
  return out;
}
