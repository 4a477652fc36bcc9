// Wires configuration, model, store and search together for the CLI and the bot. The store is the single
// source of truth: an update commits all at once, and every question first catches up with whatever any
// process has committed, so answers come from the state before an update or after it, never between.
import fs from 'node:fs';
import type { Config } from './config.js';
import type { Answer, QuotedPassage } from './answer/compose.js';
import { cleanQuestion, questionProblem, topicProblem } from './answer/question.js';
import { chooseModel, loadEmbedder, missingFiles, presetFor, type Embedder, type ModelChoice } from './embed/model.js';
import type { IndexProgress, IndexSummary, UpdateOptions } from './index/update.js';
import type { PageOutcome, WebPage } from './index/pages.js';
import { createFetcher, type Fetcher } from './fetch/client.js';
import type { DaySpan } from './text/dates.js';
import { openStore } from './store/open.js';
import { SHARED, type LibraryKey, type Scope, type Store } from './store/types.js';

export interface Engine {
  config: Config;
  embedder: Embedder;
  store: Store;
  /** Fetches pages and feeds safely (fetch/client.ts); made on first use. */
  web?: Fetcher;
}

/** The engine's fetcher for pages and feeds, made on first use from the configuration. */
export function webFetcher(engine: Engine): Fetcher {
  const c = engine.config;
  engine.web ??= createFetcher({
    allowHosts: new Set(c.fetchAllowHosts),
    timeoutMs: c.fetchTimeoutMs,
    connectTimeoutMs: Math.min(10_000, c.fetchTimeoutMs),
    maxBytes: c.fetchMaxBytes,
    hostIntervalMs: c.fetchHostIntervalMs,
  });
  return engine.web;
}

/** Fetches each address and adds its article to a library (see index/pages.ts); every failure is an outcome with its reason. */
export async function addFromWeb(engine: Engine, library: LibraryKey, addresses: readonly string[], opts: ReindexOptions & { libraryName?: string } = {}): Promise<{ summary: IndexSummary; pages: PageOutcome[] }> {
  const web = webFetcher(engine);
  const failed: PageOutcome[] = [];
  const pages: WebPage[] = [];
  // A few at a time: requests to one host are spaced by the fetcher anyway.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(4, addresses.length) }, async () => {
      while (next < addresses.length) {
        const address = addresses[next++];
        try {
          const r = await web.fetch(address, { accept: 'page', signal: opts.signal });
          pages.push({ address: r.url, requested: address, bytes: r.body });
        } catch (err) {
          failed.push({ address, status: 'skipped', reason: (err as Error).message });
        }
      }
    }),
  );
  const limits = library === SHARED ? {} : { maxArticles: engine.config.guildMaxArticles, maxBytes: engine.config.guildMaxBytes };
  const { addPages } = await import('./index/pages.js');
  const added = await addPages(updateOptions(engine, opts), library, pages, limits, opts.libraryName);
  return { summary: added.summary, pages: [...failed, ...added.pages] };
}

export interface OpenOptions {
  /** Bring the shared library up to date with the corpus folder before serving (default true). */
  update?: boolean;
  /**
   * A process that adds and lists but asks nothing (`index`, `add`, `feeds poll`): the vector index is not
   * loaded (at a million passages a second and 2 GB; the next process that answers catches up from its
   * saved copy and the change log), and the model loads in the embedding helpers at once, beside the
   * reading and cleaning, with no session on this thread.
   */
  indexer?: boolean;
  onStatus?: (message: string) => void;
  onProgress?: (p: IndexProgress) => void;
  onIndexed?: (summary: IndexSummary) => void;
  /** Stops the initial update before it commits (the bot shutting down while it starts). */
  signal?: AbortSignal;
  /**
   * The store was built with another model: everything is re-embedded once before answering. Called as
   * that starts (the bot tells askers meanwhile that the index is being rebuilt).
   */
  onRebuild?: (change: { from: string; to: string; passages: number }) => void;
}

/**
 * Loads the configured model (for `auto`: a pretrained one when present or reachable, else the offline
 * one; one line says which), building the offline one first if it is the one to use and is missing.
 */
export async function openEmbedder(config: Config, onStatus: (m: string) => void = () => {}, chosen?: Promise<ModelChoice>, passagesOnly = false): Promise<Embedder> {
  const opts = { modelsDir: config.modelsDir, allowRemote: config.allowRemoteModels, hubUrl: config.modelHubUrl, passagesOnly };
  const choice = await (chosen ?? chooseModel(config.embeddingModel, opts));
  const modelId = choice.modelId;
  if (config.embeddingModel === 'auto') onStatus(choice.reason);
  const preset = presetFor(modelId);
  if (preset.builtin && missingFiles(config.modelsDir, modelId).length > 0) {
    onStatus(`Building the offline embedding model ${modelId} (one time, about a minute)…`);
    const { buildStaticModel } = await import('./embed/static/build.js'); // once per machine: not loaded at every start
    buildStaticModel({ modelsDir: config.modelsDir, tokenizerDir: config.tokenizerDir, modelId });
  }
  return loadEmbedder(modelId, opts);
}

export interface ReindexOptions extends Pick<OpenOptions, 'onStatus' | 'onProgress' | 'onIndexed'> {
  libraries?: LibraryKey[];
  signal?: AbortSignal;
  lockWaitMs?: number;
}

// The page parser and cleaners cost about half a second to load; a process that only answers (a second
// bot process on a shared store, `ask`) starts that much sooner without them.
const indexing = () => import('./index/update.js');
// Likewise the search and the quoting: an indexer (`verbatim index`) never asks.
const answering = () => Promise.all([import('./search/search.js'), import('./search/timeline.js'), import('./answer/compose.js')]);

function updateOptions(engine: Engine, opts: ReindexOptions): UpdateOptions {
  return {
    store: engine.store,
    embedder: engine.embedder,
    corpusDir: engine.config.corpusDir,
    maxFileBytes: engine.config.maxFileBytes,
    onProgress: opts.onProgress,
    onLockWait: () => opts.onStatus?.('Another indexer is running; waiting for it to finish…'),
    lockWaitMs: opts.lockWaitMs,
    signal: opts.signal,
  };
}

export async function reindex(engine: Engine, opts: ReindexOptions = {}): Promise<IndexSummary> {
  fs.mkdirSync(engine.config.corpusDir, { recursive: true });
  const { updateIndex } = await indexing();
  const summary = await updateIndex(updateOptions(engine, opts), opts.libraries ?? [SHARED]);
  opts.onIndexed?.(summary);
  return summary;
}

/** Adds an uploaded article to a server's library (within its limits); `libraryName` names the server. */
export async function addArticle(engine: Engine, library: LibraryKey, file: string, bytes: Buffer, opts: ReindexOptions & { libraryName?: string } = {}): Promise<IndexSummary> {
  const limits = library === SHARED ? {} : { maxArticles: engine.config.guildMaxArticles, maxBytes: engine.config.guildMaxBytes };
  const { addUpload } = await indexing();
  return addUpload(updateOptions(engine, opts), library, file, bytes, limits, opts.libraryName);
}

export async function deleteArticle(engine: Engine, library: LibraryKey, file: string, opts: ReindexOptions = {}): Promise<IndexSummary> {
  const { removeArticles } = await indexing();
  return removeArticles(updateOptions(engine, opts), library, [file]);
}

export async function openEngine(config: Config, opts: OpenOptions = {}): Promise<Engine> {
  // The store's saved vector index is read on a worker thread (seconds at a million passages) while this
  // thread loads the model, code that is imported only now for that reason.
  // The indexing code (page parser, cleaners) evaluates while the model and the store load.
  if (opts.indexer || opts.update !== false) indexing().catch(() => {});
  if (!opts.indexer) answering().catch(() => {});
  const choice = chooseModel(config.embeddingModel, { modelsDir: config.modelsDir, allowRemote: config.allowRemoteModels, hubUrl: config.modelHubUrl });
  choice.catch(() => {}); // awaited by openEmbedder, which reports a failure
  const storeReady = openStore(config, {
    onStatus: opts.onStatus,
    onProgress: opts.onProgress ? (p) => opts.onProgress!({ ...p, phase: 'vectors' }) : undefined,
  }).then(async (store) => {
    try {
      // A store built with another model is about to be re-embedded: its vector index would be loaded (or
      // rebuilt, minutes at a million passages) only to be thrown away. The update below re-embeds once,
      // and the new model's index is built from the new vectors after it commits.
      const [settings, chosen] = await Promise.all([store.settings(), choice.catch(() => null)]);
      if (opts.update !== false && settings && chosen && settings.modelId !== chosen.modelId) {
        const passages = (await store.libraries()).reduce((n, l) => n + l.passages, 0);
        opts.onStatus?.(`The index was built with ${settings.modelId}; re-embedding its ${passages.toLocaleString('en')} passages with ${chosen.modelId}, once (answers wait until it is done).`);
        opts.onRebuild?.({ from: settings.modelId, to: chosen.modelId, passages });
        return store;
      }
      if (!opts.indexer) await store.refresh();
      return store;
    } catch (err) {
      await store.close().catch(() => {});
      throw err;
    }
  });
  storeReady.catch(() => {}); // awaited below; a failure while the model loads is reported from there
  let embedder: Embedder;
  try {
    embedder = await openEmbedder(config, opts.onStatus, choice, !!opts.indexer);
  } catch (err) {
    await storeReady.then((s) => s.close(), () => {});
    throw err;
  }
  const store = await storeReady.catch(async (err: unknown) => {
    await embedder.close();
    throw err;
  });
  const engine: Engine = { config, embedder, store };
  try {
    if (opts.update !== false) await reindex(engine, opts);
    if (!opts.indexer) await store.refresh();
  } catch (err) {
    await closeEngine(engine).catch(() => {});
    throw err;
  }
  return engine;
}

export async function closeEngine(engine: Engine): Promise<void> {
  await engine.web?.close().catch(() => {});
  await engine.embedder.close();
  await engine.store.close();
}

export interface AskOptions {
  /** The libraries the asker may see (default: the shared library). */
  scope?: Scope;
  k?: number;
  /** Every one of the k best passages, not only those that bear on the question ("More sources"). */
  all?: boolean;
  /** Only articles dated within these days (`--since/--until`). */
  within?: DaySpan;
}

/** The helpful reply to a question that cannot be asked (empty, too long…), or null; needs no engine. */
export function rejectQuestion(rawQuestion: string): Answer | null {
  const question = cleanQuestion(rawQuestion);
  const problem = questionProblem(question);
  return problem ? { question, answered: false, message: problem, passages: [], closest: [] } : null;
}

export interface Timeline {
  topic: string;
  /** One quote per article about the topic, oldest first. */
  entries: QuotedPassage[];
  /** Said instead of entries when there are none, or when the topic itself could not be used. */
  message?: string;
}

export const NO_TIMELINE = 'No articles about that were found.';

/** The articles about `topic` in date order, each by its passage that best matches it. */
export async function timeline(engine: Engine, rawTopic: string, opts: Omit<AskOptions, 'k' | 'all'> = {}): Promise<Timeline> {
  const topic = cleanQuestion(rawTopic);
  const problem = topicProblem(topic);
  if (problem) return { topic, entries: [], message: problem };
  await engine.store.refresh();
  const [, { timelineOf }, { quote }] = await answering();
  const found = await timelineOf(engine.store, engine.embedder, opts.scope ?? [SHARED], topic, { within: opts.within });
  const entries = await quote(engine.store, found.result, found.entries);
  return entries.length ? { topic, entries } : { topic, entries, message: NO_TIMELINE };
}

export async function ask(engine: Engine, rawQuestion: string, opts: AskOptions = {}): Promise<Answer> {
  const rejected = rejectQuestion(rawQuestion);
  if (rejected) return rejected;
  const question = cleanQuestion(rawQuestion);
  await engine.store.refresh();
  const [{ search }, , { composeAnswer }] = await answering();
  const result = await search(engine.store, engine.embedder, opts.scope ?? [SHARED], question, opts.k ?? engine.config.topK, { within: opts.within });
  return composeAnswer(engine.store, question, result, { all: opts.all });
}
