// Fusion of the keyword and vector rankings as a convex mix of max-normalised scores. Reciprocal rank
// fusion was measured and rejected: it gives a weak model's ranking as much say as BM25's and pulled
// good keyword matches down (docs/benchmarks.md). The weight is the model preset's `denseWeight`.
import type { Candidate } from './retrieve.js';

export interface Fused extends Candidate {
  score: number;
}

export const FUSION = {
  /** Bonus for how much of the question the passage's article covers (context beyond one paragraph). */
  contextWeight: 0.15,
  /** Bonus for holding the kind of answer asked for (a date for "when…?"). */
  typeBonus: 0.1,
};

export function fuse(candidates: Candidate[], denseWeight: number, opts = FUSION): Fused[] {
  const maxBm25 = Math.max(0, ...candidates.map((c) => c.bm25));
  const maxCos = Math.max(0, ...candidates.map((c) => c.cosine));
  return candidates
    .map((c) => ({
      ...c,
      score:
        (1 - denseWeight) * (maxBm25 > 0 ? c.bm25 / maxBm25 : 0) +
        denseWeight * (maxCos > 0 ? Math.max(0, c.cosine) / maxCos : 0) +
        opts.contextWeight * c.context +
        (c.typed ? opts.typeBonus : 0),
    }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
