// Brings the store in line with where articles come from: the corpus folder for the shared library, the
// uploads kept in the store for a server's library. Only new and changed passages are embedded: a file
// whose size and mtime are unchanged is not even read, and a passage whose text was embedded before (by
// the same model) reuses its vector. Vectors are kept as soon as they are computed, so an interrupted run
// loses no embedding work; the articles themselves change in one commit at the end, all or nothing.
// A model or chunker change rebuilds every library (vectors are still reused where the text is unchanged).
import { buildArticle, CHUNKER_VERSION } from '../ingest/article.js';
import { listCorpus, readSource, sourceFromBytes, type ReadOutcome, type Skipped } from '../ingest/read.js';
import { entityTags } from '../ingest/entities.js';
import type { Article } from '../ingest/types.js';
import type { Embedder } from '../embed/model.js';
import { analyze } from '../text/terms.js';
import { wordCount } from '../text/normalize.js';
import { sha256 } from '../text/hash.js';
import { sentenceSpans } from '../text/sentences.js';
import { SHARED, type ArticleRecord, type ChangeSet, type IndexSettings, type LibraryInfo, type LibraryKey, type NewArticle, type Store } from '../store/types.js';

export interface IndexProgress {
  phase: 'scan' | 'embed' | 'save' | 'vectors';
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

export interface UpdateOptions {
  store: Store;
  embedder: Embedder;
  /** The shared library's folder. */
  corpusDir: string;
  maxFileBytes: number;
  onProgress?: (p: IndexProgress) => void;
  onLockWait?: () => void;
  lockWaitMs?: number;
  /** Stops before the commit (nothing changes; vectors computed so far are kept for next time). */
  signal?: AbortSignal;
}

/** Fewer words than this after cleaning is a page without an article (a menu, a stub). */
export const MIN_ARTICLE_WORDS = 8;

/** Passage length budget: the model's limit less room for special tokens and a prefix. */
export function passageTokenBudget(embedder: Embedder): number {
  return Math.min(embedder.preset.maxTokens, 512) - 24;
}

export function settingsFor(embedder: Embedder): IndexSettings {
  return { modelId: embedder.modelId, dims: embedder.dims, chunkerVersion: CHUNKER_VERSION, maxTokens: passageTokenBudget(embedder) };
}

/** What a library is made from: a folder of files, or the uploads kept with its articles. */
type Origin = { kind: 'folder'; dir: string } | { kind: 'stored' };

const originOf = (library: LibraryKey, corpusDir: string): Origin => (library === SHARED ? { kind: 'folder', dir: corpusDir } : { kind: 'stored' });

export function emptySummary(): IndexSummary {
  return { files: 0, passages: 0, embedded: 0, reused: 0, removed: 0, added: [], updated: [], deleted: [], skipped: [], warnings: [], rebuilt: null, changed: false, seconds: 0 };
}

export class AbortedError extends Error {
  constructor() {
    super('indexing was stopped before it committed; nothing changed');
  }
}

/** An article ready to commit, and what its passages need embedded. */
export interface Prepared {
  article: NewArticle;
  replaces: ArticleRecord | null;
}

/** An article as the store keeps it: each passage hashed, analysed and tagged. */
export function toNewArticle(built: Article, library: LibraryKey, file: { hash: string; size: number; mtimeMs: number; upload?: Buffer }): NewArticle {
  const { passages, docId: _d, ...meta } = built;
  return {
    ...meta,
    library,
    hash: file.hash,
    size: file.size,
    mtimeMs: file.mtimeMs,
    titleTerms: [...new Set(analyze(built.title))],
    passages: passages.map((p) => ({ ...p, hash: sha256(p.searchText), terms: analyze(p.searchText), tags: entityTags(p.text), sentences: sentenceSpans(p.text) })),
    ...(file.upload ? { upload: file.upload } : {}),
  };
}

/** Cleans and splits one decoded file into an article with analysed, tagged passages. */
export function prepareArticle(outcome: Extract<ReadOutcome, { ok: true }>, library: LibraryKey, maxTokens: number, stat: { size: number; mtimeMs: number }, keepUpload: boolean): { article: NewArticle; built: Article } | string {
  const built = buildArticle(outcome.source, maxTokens);
  if (built.passages.reduce((n, p) => n + wordCount(p.text), 0) < MIN_ARTICLE_WORDS) return 'no article text left after cleaning';
  const article = toNewArticle(built, library, { hash: sha256(outcome.bytes), size: stat.size, mtimeMs: stat.mtimeMs, upload: keepUpload ? outcome.bytes : undefined });
  return { article, built };
}

/** Embeds what has no vector yet (each distinct text once), keeping vectors as they are computed. */
async function embedMissing(opts: UpdateOptions, prepared: Prepared[], summary: IndexSummary): Promise<void> {
  const { store, embedder } = opts;
  const texts = new Map<string, string>();
  let total = 0;
  for (const { article } of prepared) for (const p of article.passages) {
    total++;
    texts.set(p.hash, p.searchText);
  }
  const cached = await store.cachedVectors(embedder.modelId, [...texts.keys()]);
  const todo = [...texts].filter(([hash]) => !cached.has(hash));
  summary.embedded = todo.length;
  summary.reused = total - todo.length;
  const CHUNK = 256;
  for (let i = 0; i < todo.length; i += CHUNK) {
    if (opts.signal?.aborted) throw new AbortedError();
    opts.onProgress?.({ phase: 'embed', done: i, total: todo.length });
    const slice = todo.slice(i, i + CHUNK);
    const vectors = await embedder.embedPassages(slice.map(([, t]) => t));
    await store.cacheVectors(embedder.modelId, new Map(slice.map(([hash], j) => [hash, vectors[j]])));
  }
  if (todo.length) opts.onProgress?.({ phase: 'embed', done: todo.length, total: todo.length });
}

/** Decides whether the whole store must be rebuilt for this model and chunker. */
async function rebuildReason(store: Store, settings: IndexSettings): Promise<string | null> {
  const old = await store.settings();
  if (!old) return 'no index yet';
  if (old.modelId !== settings.modelId) return `the model changed (${old.modelId} → ${settings.modelId})`;
  if (old.dims !== settings.dims) return 'the model dimensions changed';
  if (old.chunkerVersion !== settings.chunkerVersion || old.maxTokens !== settings.maxTokens) return 'the passage splitter changed';
  return null;
}

/** Reads a library's articles from its origin and decides what to add, replace, remove or touch. */
async function plan(opts: UpdateOptions, library: LibraryKey, known: Map<string, ArticleRecord>, summary: IndexSummary, changes: ChangeSet, prepared: Prepared[], maxTokens: number): Promise<void> {
  const origin = originOf(library, opts.corpusDir);
  const { store } = opts;
  if (origin.kind === 'folder') {
    const { files, skipped } = await listCorpus(origin.dir);
    summary.skipped.push(...skipped);
    const present = new Set(files.map((f) => f.file));
    const kept = new Set(skipped.map((s) => s.file));
    let scanned = 0;
    for (const f of files) {
      if (opts.signal?.aborted) throw new AbortedError();
      opts.onProgress?.({ phase: 'scan', done: scanned++, total: files.length });
      const rec = known.get(f.file) ?? null;
      if (rec && rec.size === f.size && rec.mtimeMs === f.mtimeMs) continue;
      opts.embedder.warm(); // likely something to embed: the model loads while the file is read and cleaned
      const outcome = await readSource(origin.dir, f.file, opts.maxFileBytes);
      if (!outcome.ok) {
        summary.skipped.push({ file: outcome.file, reason: outcome.reason + (rec ? ' (the previously indexed version is kept)' : '') });
        continue;
      }
      if (rec && rec.hash === sha256(outcome.bytes)) {
        (changes.touchArticles ??= []).push({ id: rec.id, mtimeMs: f.mtimeMs }); // touched, not changed
        continue;
      }
      const made = prepareArticle(outcome, library, maxTokens, f, false);
      if (typeof made === 'string') {
        summary.skipped.push({ file: f.file, reason: made });
        if (rec) (changes.removeArticles ??= []).push(rec.id);
        continue;
      }
      for (const w of made.article.warnings) summary.warnings.push({ file: f.file, message: w });
      (rec ? summary.updated : summary.added).push(f.file);
      prepared.push({ article: made.article, replaces: rec });
    }
    for (const rec of known.values()) {
      if (!present.has(rec.file) && !kept.has(rec.file)) {
        summary.deleted.push(rec.file);
        (changes.removeArticles ??= []).push(rec.id);
      }
    }
    return;
  }
  // A stored library changes only through uploads and removals; an update re-makes its articles from
  // their uploads (after a model or chunker change).
  if (known.size) opts.embedder.warm();
  for (const rec of known.values()) {
    if (opts.signal?.aborted) throw new AbortedError();
    const bytes = await store.source(rec.id);
    const outcome: ReadOutcome = bytes ? sourceFromBytes(rec.file, bytes) : { ok: false, file: rec.file, reason: 'its upload is missing from the store' };
    const made = outcome.ok ? prepareArticle(outcome, library, maxTokens, rec, true) : outcome.reason;
    if (typeof made === 'string') {
      summary.skipped.push({ file: rec.file, reason: made });
      continue;
    }
    summary.updated.push(rec.file);
    prepared.push({ article: made.article, replaces: rec });
  }
}

/** Embeds the prepared articles and commits. */
export async function finish(opts: UpdateOptions, summary: IndexSummary, changes: ChangeSet, prepared: Prepared[], scope: LibraryKey[], t0: number): Promise<IndexSummary> {
  await embedMissing(opts, prepared, summary);
  for (const { replaces } of prepared) if (replaces) (changes.removeArticles ??= []).push(replaces.id);
  changes.addArticles = prepared.map((p) => p.article);
  summary.changed =
    !!changes.reset || !!changes.settings || !!changes.removeArticles?.length || !!changes.addArticles.length || !!changes.touchArticles?.length || !!changes.libraries?.length;
  if (opts.signal?.aborted) throw new AbortedError();
  if (summary.changed) {
    opts.onProgress?.({ phase: 'save', done: 0, total: 1 });
    const result = await opts.store.commit(changes);
    summary.removed = result.removedPassages;
  }
  // Counts from the libraries' totals: listing every article of a large library would cost more than the update.
  const libs = (await opts.store.libraries()).filter((l) => scope.includes(l.key));
  summary.files = libs.reduce((n, l) => n + l.articles, 0);
  summary.passages = libs.reduce((n, l) => n + l.passages, 0);
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

export async function locked<T>(opts: UpdateOptions, fn: () => Promise<T>): Promise<T> {
  const release = await opts.store.lockWriter({ waitMs: opts.lockWaitMs, onWait: opts.onLockWait });
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}

/**
 * Re-reads `libraries` (default: the shared library) from where their articles come from. When the model
 * or chunker changed, every library in the store is rebuilt, whatever was asked.
 */
export async function updateIndex(opts: UpdateOptions, libraries: LibraryKey[] = [SHARED]): Promise<IndexSummary> {
  const t0 = performance.now();
  return locked(opts, async () => {
    const { store, embedder } = opts;
    const settings = settingsFor(embedder);
    const summary = emptySummary();
    summary.rebuilt = await rebuildReason(store, settings);
    const changes: ChangeSet = {};
    let targets = [...new Set(libraries)];
    if (summary.rebuilt) {
      changes.settings = settings;
      changes.reset = true;
      targets = [...new Set([...targets, ...(await store.libraries()).map((l) => l.key)])];
    }
    changes.libraries = [];
    const existing = new Set((await store.libraries()).map((l) => l.key));
    for (const lib of targets) if (!existing.has(lib)) changes.libraries.push({ key: lib });
    const prepared: Prepared[] = [];
    for (const lib of targets) {
      const known = summary.rebuilt ? new Map<string, ArticleRecord>() : new Map((await store.articles([lib])).map((a) => [a.file, a]));
      if (summary.rebuilt && originOf(lib, opts.corpusDir).kind === 'stored') {
        // A reset drops the records; the uploads are read first so they can be re-made.
        for (const a of await store.articles([lib])) known.set(a.file, a);
      }
      await plan(opts, lib, known, summary, changes, prepared, settings.maxTokens);
    }
    // After a reset the old records are gone: nothing to replace or remove.
    if (summary.rebuilt) {
      for (const p of prepared) p.replaces = null;
      changes.removeArticles = [];
      changes.touchArticles = [];
    }
    return await finish(opts, summary, changes, prepared, targets, t0);
  });
}

export class ArticleRefused extends Error {
  override name = 'ArticleRefused';
}

/** The limits a server's library is held to (none for the shared one). */
export type LibraryLimits = { maxArticles?: number; maxBytes?: number };

/**
 * What a write into one library (an upload, fetched pages) must know first: it is refused while the index
 * is rebuilt for a new model, and it carries the library's record when the library is new or its server
 * was renamed.
 */
export async function libraryForWrite(opts: UpdateOptions, library: LibraryKey, libraryName?: string): Promise<{ current: LibraryInfo | undefined; changes: ChangeSet }> {
  if (await rebuildReason(opts.store, settingsFor(opts.embedder))) throw new ArticleRefused('The index is being rebuilt for a new model; try again when /reindex has finished.');
  const current = (await opts.store.libraries()).find((l) => l.key === library);
  return { current, changes: current && (!libraryName || current.name === libraryName) ? {} : { libraries: [{ key: library, name: libraryName }] } };
}

/** Adds one uploaded article to a library (no folder involved): cleaned, embedded and committed at once. */
export async function addUpload(
  opts: UpdateOptions,
  library: LibraryKey,
  file: string,
  bytes: Buffer,
  limits: LibraryLimits = {},
  libraryName?: string,
): Promise<IndexSummary> {
  const t0 = performance.now();
  return locked(opts, async () => {
    const settings = settingsFor(opts.embedder);
    const summary = emptySummary();
    const { current, changes } = await libraryForWrite(opts, library, libraryName);
    if (await opts.store.article(library, file)) throw new ArticleRefused(`An article named "${file}" already exists. Remove it first with /article remove, or rename the file.`);
    const count = current?.articles ?? 0;
    if (limits.maxArticles !== undefined && count + 1 > limits.maxArticles) {
      throw new ArticleRefused(`This server's library is full: it holds ${count} articles, the limit is ${limits.maxArticles}. Remove one first.`);
    }
    const used = current?.bytes ?? 0;
    if (limits.maxBytes !== undefined && used + bytes.length > limits.maxBytes) {
      throw new ArticleRefused(`This server's library would exceed its ${(limits.maxBytes / 1048576).toFixed(0)} MB limit (${(used / 1048576).toFixed(1)} MB used). Remove an article first.`);
    }
    opts.embedder.warm();
    const outcome = sourceFromBytes(file, bytes);
    if (!outcome.ok) throw new ArticleRefused(`That file cannot be used: ${outcome.reason}.`);
    const made = prepareArticle(outcome, library, settings.maxTokens, { size: bytes.length, mtimeMs: Date.now() }, library !== SHARED);
    if (typeof made === 'string') throw new ArticleRefused(`That file cannot be used: ${made}.`);
    for (const w of made.article.warnings) summary.warnings.push({ file, message: w });
    summary.added.push(file);
    return finish(opts, summary, changes, [{ article: made.article, replaces: null }], [library], t0);
  });
}

/** Removes articles from a library by file name. */
export async function removeArticles(opts: UpdateOptions, library: LibraryKey, files: string[]): Promise<IndexSummary> {
  const t0 = performance.now();
  return locked(opts, async () => {
    const summary = emptySummary();
    const changes: ChangeSet = { removeArticles: [] };
    for (const file of files) {
      const rec = await opts.store.article(library, file);
      if (!rec) throw new ArticleRefused(`There is no article named "${file}" in this library.`);
      changes.removeArticles!.push(rec.id);
      summary.deleted.push(file);
    }
    return finish(opts, summary, changes, [], [library], t0);
  });
}
