// The learned parts of ranking: a linear reranker over the features of the top fused candidates, and a
// logistic abstention model over the evidence for the best one. Both are trained by
// `scripts/train-ranker.ts` (cross-validated by article on ../shared/eval) and kept as a small JSON file
// next to this one; without it, search falls back to the fused order and the coverage rule.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

export const MODEL_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model.json');

let loaded: Models | null = null;

export function models(): Models {
  if (loaded) return loaded;
  try {
    loaded = JSON.parse(fs.readFileSync(MODEL_FILE, 'utf8')) as Models;
  } catch {
    loaded = { ranker: null, abstain: null };
  }
  return loaded;
}

/** w·standardised(x) + b. `x` is in the model's feature order. */
export function linear(m: LinearModel, x: readonly number[]): number {
  let s = m.bias;
  for (let i = 0; i < m.weights.length; i++) s += m.weights[i] * ((x[i] - m.mean[i]) / (m.std[i] || 1));
  return s;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
