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

export interface AbstainModel extends LinearModel {
  /** Answer when the model's probability is at least this. */
  threshold: number;
}

export interface Models {
  ranker: LinearModel | null;
  abstain: AbstainModel | null;
  /** How they were made and what cross-validation measured (for the record; not used at run time). */
  trained?: unknown;
}

/** Where `scripts/train-ranker.ts` writes the models (run from the sources, never from the bundle). */
export const MODEL_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model.json');

export function models(): Models {
  return shipped as Models;
}

/** w·standardised(x) + b. `x` is in the model's feature order. */
export function linear(m: LinearModel, x: readonly number[]): number {
  let s = m.bias;
  for (let i = 0; i < m.weights.length; i++) s += m.weights[i] * ((x[i] - m.mean[i]) / (m.std[i] || 1));
  return s;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
