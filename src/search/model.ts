// The learned parts of ranking: a linear reranker over the features of the top fused candidates, and a
// logistic abstention model over the evidence for the best one. Both are trained by
// `scripts/train-ranker.ts` (cross-validated by article on ../shared/eval) and kept as a small JSON file
// next to this one; where a part is null (an ablation), search falls back to the fused order and the
// coverage rule.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// Imported rather than read from disk so that it travels inside the bundle the `verbatim` command runs.
import shipped from './model.json' with { type: 'json' };

export interface LinearModel {
  features: string[];
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/** A linear output over a hidden layer of tanh units (absent: over the standardised features themselves). */
export interface MlpModel extends LinearModel {
  hidden?: { weights: number[][]; bias: number[] };
}

export interface AbstainModel extends MlpModel {
  /** Answer when the model's probability is at least this. */
  threshold: number;
}

export interface Models {
  ranker: MlpModel | null;
  abstain: AbstainModel | null;
  /** Whether a quote after the first bears on the question enough to be shown (absent: all are shown). */
  follow?: AbstainModel | null;
  /** How they were made and what cross-validation measured (for the record; not used at run time). */
  trained?: unknown;
}

/** Where `scripts/train-ranker.ts` writes the models (run from the sources, never from the bundle). */
export const MODEL_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model.json');

/** The models for each embedding model they were trained with, and which set serves any other model. */
export interface ModelFile {
  default: string;
  byModel: Record<string, Models>;
}

/**
 * The learned models for questions embedded by `embeddingModel`: cosines mean different things to
 * different embedding models, so each measured one has its own; a pretrained model that could not be
 * measured here gets those of the default (pretrained) one.
 */
export function models(embeddingModel?: string): Models {
  const file = shipped as unknown as ModelFile;
  return file.byModel[embeddingModel ?? file.default] ?? file.byModel[file.default];
}

/** w·standardised(x) + b. `x` is in the model's feature order. */
export function linear(m: LinearModel, x: readonly number[]): number {
  let s = m.bias;
  for (let i = 0; i < m.weights.length; i++) s += m.weights[i] * ((x[i] - m.mean[i]) / (m.std[i] || 1));
  return s;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The model's score for `x` (in its feature order): linear, through its hidden layer if it has one. */
export function score(m: MlpModel, x: readonly number[]): number {
  if (!m.hidden) return linear(m, x);
  let out = m.bias;
  m.hidden.weights.forEach((w, j) => {
    let a = m.hidden!.bias[j];
    for (let i = 0; i < w.length; i++) a += w[i] * ((x[i] - m.mean[i]) / (m.std[i] || 1));
    out += m.weights[j] * Math.tanh(a);
  });
  return out;
}

/** The model's probability for `x`: the logistic function of its score. */
export function probability(m: MlpModel, x: readonly number[]): number {
  return sigmoid(score(m, x));
}
