// Wires configuration, model, index and search together for the CLI and the bot. Holds the index being
// served; a re-index builds the next one on the side and swaps it in only when it is complete.
import fs from 'node:fs';
import type { Config } from './config.js';
import { composeAnswer, type Answer } from './answer/compose.js';
import { cleanQuestion, questionProblem } from './answer/question.js';
import { loadEmbedder, missingFiles, presetFor, resolveModelId, type Embedder } from './embed/model.js';
import { buildStaticModel } from './embed/static/build.js';
import { CHUNKER_VERSION } from './ingest/article.js';
import { emptyStore, loadStore, StoreError } from './index/store.js';
import { passageTokenBudget, updateIndex, type IndexOptions, type IndexSummary } from './index/update.js';
import { openSearchIndex, search, type SearchIndex } from './search/search.js';

export interface Engine {
  config: Config;
  embedder: Embedder;
  index: SearchIndex;
}

export interface OpenOptions {
  /** Bring the index up to date with the corpus before serving (default true; false leaves that to the caller). */
  update?: boolean;
  onStatus?: (message: string) => void;
  onProgress?: IndexOptions['onProgress'];
  onIndexed?: (summary: IndexSummary) => void;
}

/** Loads the configured model, building the offline one first if it is the one to use and is missing. */
export async function openEmbedder(config: Config, onStatus: (m: string) => void = () => {}): Promise<Embedder> {
  const modelId = resolveModelId(config.embeddingModel, config.modelsDir);
  const preset = presetFor(modelId);
  if (preset.builtin && missingFiles(config.modelsDir, modelId).length > 0) {
    onStatus(`Building the offline embedding model ${modelId} (one time, about a minute)…`);
    buildStaticModel({ modelsDir: config.modelsDir, tokenizerDir: config.tokenizerDir, modelId });
  }
  return loadEmbedder(modelId, { modelsDir: config.modelsDir, allowRemote: config.allowRemoteModels });
}

export async function reindex(engine: Engine, opts: Omit<OpenOptions, 'update'> = {}): Promise<IndexSummary> {
  const { config } = engine;
  fs.mkdirSync(config.corpusDir, { recursive: true });
  const { store, summary } = await updateIndex({
    corpusDir: config.corpusDir,
    embeddingsDir: config.embeddingsDir,
    maxFileBytes: config.maxFileBytes,
    embedder: engine.embedder,
    onProgress: opts.onProgress,
    onLockWait: () => opts.onStatus?.('Another indexer is running; waiting for it to finish…'),
  });
  engine.index = openSearchIndex(store); // the swap: questions already in flight keep the index they started with
  opts.onIndexed?.(summary);
  return summary;
}

export async function openEngine(config: Config, opts: OpenOptions = {}): Promise<Engine> {
  const embedder = await openEmbedder(config, opts.onStatus);
  let store = null;
  try {
    store = loadStore(config.embeddingsDir);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    opts.onStatus?.(`The index needs rebuilding: ${err.message}.`);
  }
  const engine: Engine = { config, embedder, index: openSearchIndex(store ?? emptyStore(embedder.modelId, embedder.dims, CHUNKER_VERSION, passageTokenBudget(embedder))) };
  if (opts.update !== false) await reindex(engine, opts);
  return engine;
}

export async function ask(engine: Engine, rawQuestion: string, k = engine.config.topK): Promise<Answer> {
  const question = cleanQuestion(rawQuestion);
  const problem = questionProblem(question);
  if (problem) return { question, answered: false, message: problem, passages: [], closest: [] };
  const index = engine.index; // the index in force when the question arrived answers it, even if a re-index swaps it
  const result = await search(index, engine.embedder, question, k);
  return composeAnswer(index, question, result);
}
