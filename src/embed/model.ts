// Loads a feature-extraction model through transformers.js from MODELS_DIR (transformers.js layout) and
// turns texts into unit vectors. The hub is only asked when ALLOW_REMOTE_MODELS allows it; when a model
// is missing the error names the folder and the files that were expected.
import fs from 'node:fs';
import path from 'node:path';
import type { FeatureExtractionPipeline } from '@xenova/transformers';
import { AUTO_ORDER, MODEL_FILES, PRESETS, STATIC_MODEL_ID, type ModelPreset } from './presets.js';

export interface Embedder {
  modelId: string;
  preset: ModelPreset;
  dims: number;
  /** Passages in, unit vectors out, in the same order. */
  embedPassages(texts: string[], onBatch?: (done: number) => void): Promise<Float32Array[]>;
  embedQuery(text: string): Promise<Float32Array>;
}

export class ModelMissingError extends Error {}

export interface ModelOptions {
  modelsDir: string;
  allowRemote: boolean;
  /** The model hub (default https://huggingface.co); transformers.js downloads from it. */
  hubUrl?: string;
}

/** The pretrained model `auto` asks the hub for when none is present locally. */
export const AUTO_PRETRAINED = AUTO_ORDER[0];
/** How long the hub may take to answer before `auto` settles for the offline model. */
export const HUB_PROBE_MS = 3000;

export interface ModelChoice {
  modelId: string;
  /** One line saying which model and why. */
  reason: string;
}

/**
 * The model to use. A named model is used as named. `auto` takes the best pretrained model already in
 * MODELS_DIR; else, when downloads are allowed and the hub answers within a few seconds, the best
 * pretrained model (downloaded on first use); else the offline model Verbatim builds itself.
 */
export async function chooseModel(setting: string, opts: ModelOptions): Promise<ModelChoice> {
  if (setting !== 'auto') return { modelId: setting, reason: `Embedding model ${setting} (EMBEDDING_MODEL).` };
  const local = AUTO_ORDER.find((id) => !PRESETS[id].builtin && missingFiles(opts.modelsDir, id).length === 0);
  if (local) return { modelId: local, reason: `Embedding model ${local} (pretrained, found in ${opts.modelsDir}).` };
  if (!opts.allowRemote) return { modelId: STATIC_MODEL_ID, reason: `Embedding model ${STATIC_MODEL_ID} (built offline; ALLOW_REMOTE_MODELS=false).` };
  const hub = (opts.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  try {
    const res = await fetch(`${hub}/${AUTO_PRETRAINED}/resolve/main/config.json`, { method: 'GET', signal: AbortSignal.timeout(HUB_PROBE_MS) });
    if (res.ok) return { modelId: AUTO_PRETRAINED, reason: `Embedding model ${AUTO_PRETRAINED} (pretrained, downloaded from ${hub} into ${opts.modelsDir}).` };
    return { modelId: STATIC_MODEL_ID, reason: `Embedding model ${STATIC_MODEL_ID} (built offline; the model hub ${hub} answered HTTP ${res.status}).` };
  } catch {
    return { modelId: STATIC_MODEL_ID, reason: `Embedding model ${STATIC_MODEL_ID} (built offline; the model hub ${hub} did not answer within ${HUB_PROBE_MS / 1000} s).` };
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
  else lines.push('Copy a transformers.js export of it there, or allow downloads with ALLOW_REMOTE_MODELS=true.');
  if (cause) lines.push(`Download failed: ${cause}`);
  return lines.join('\n');
}

const BATCH = 32;

interface TensorLike {
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** Mean (over unmasked tokens) or CLS pooling of [batch, seq, dims] hidden states, then L2 normalisation. */
export function pool(hidden: TensorLike, mask: TensorLike, pooling: 'mean' | 'cls', normalize: boolean): Float32Array[] {
  const [b, s, d] = hidden.dims;
  const h = hidden.data as Float32Array;
  const m = mask.data as BigInt64Array;
  const out: Float32Array[] = [];
  for (let i = 0; i < b; i++) {
    const v = new Float32Array(d);
    if (pooling === 'cls') {
      v.set(h.subarray(i * s * d, i * s * d + d));
    } else {
      let count = 0;
      for (let j = 0; j < s; j++) {
        if (!m[i * s + j]) continue;
        count++;
        const o = (i * s + j) * d;
        for (let k = 0; k < d; k++) v[k] += h[o + k];
      }
      if (count) for (let k = 0; k < d; k++) v[k] /= count;
    }
    if (normalize) {
      let n = 0;
      for (let k = 0; k < d; k++) n += v[k] * v[k];
      n = Math.sqrt(n) || 1;
      for (let k = 0; k < d; k++) v[k] /= n;
    }
    out.push(v);
  }
  return out;
}

export async function loadEmbedder(modelId: string, opts: ModelOptions): Promise<Embedder> {
  const preset = presetFor(modelId);
  const missing = missingFiles(opts.modelsDir, modelId);
  const remote = opts.allowRemote && !preset.builtin;
  if (missing.length && !remote) throw new ModelMissingError(missingMessage(opts.modelsDir, modelId, missing));
  // Loaded here, not at the top: its half second of start-up then runs while the store's saved vector
  // index is read on a worker thread (see openEngine), instead of before anything else can start.
  const { env, pipeline } = await import('@xenova/transformers');
  env.localModelPath = opts.modelsDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = remote;
  if (opts.hubUrl) env.remoteHost = `${opts.hubUrl.replace(/\/+$/, '')}/`;
  env.cacheDir = opts.modelsDir; // downloads land in the same layout, so the next start is offline
  let extractor: FeatureExtractionPipeline;
  try {
    extractor = (await pipeline('feature-extraction', modelId, { quantized: true })) as FeatureExtractionPipeline;
  } catch (err) {
    const cause = (err as Error).message?.split('\n')[0];
    throw new ModelMissingError(missingMessage(opts.modelsDir, modelId, missingFiles(opts.modelsDir, modelId), cause));
  }

  // The pipeline loads the tokenizer and the ONNX session; pooling is done here because transformers.js's
  // generic mean_pooling spent 90% of the embedding time (docs/benchmarks.md).
  const { tokenizer, model } = extractor as unknown as {
    tokenizer: (t: string[], o: object) => { input_ids: TensorLike; attention_mask: TensorLike };
    model: (inputs: object) => Promise<Record<string, TensorLike>>;
  };
  async function run(texts: string[]): Promise<Float32Array[]> {
    const inputs = tokenizer(texts, { padding: true, truncation: true });
    const outputs = await model(inputs);
    const hidden = outputs.last_hidden_state ?? outputs.logits ?? outputs.token_embeddings;
    return pool(hidden, inputs.attention_mask, preset.pooling, preset.normalize);
  }

  const probe = await run(['dimension probe']);
  const dims = probe[0].length;

  return {
    modelId,
    preset,
    dims,
    async embedPassages(texts, onBatch) {
      // Batching texts of similar length keeps padding (wasted work) small.
      const order = texts.map((t, i) => i).sort((a, b) => texts[a].length - texts[b].length);
      const result = new Array<Float32Array>(texts.length);
      for (let i = 0; i < order.length; i += BATCH) {
        const idx = order.slice(i, i + BATCH);
        const vecs = await run(idx.map((j) => preset.passagePrefix + texts[j]));
        idx.forEach((j, k) => (result[j] = vecs[k]));
        onBatch?.(Math.min(i + BATCH, order.length));
      }
      return result;
    },
    async embedQuery(text) {
      return (await run([preset.queryPrefix + text]))[0];
    },
  };
}
