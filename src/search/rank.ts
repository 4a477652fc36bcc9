// From fused candidates to the passages worth quoting: near-duplicates collapse into one, one article
// may not fill every slot unless it is clearly the answer, and the whole answer is withheld when the
// best passage does not really match the question.
import { letterKey } from '../text/normalize.js';
import type { Fused } from './fuse.js';
import type { Rarity } from './keyword.js';

export const RANK_DEFAULTS = {
  perArticle: 2,
  /** Another article is a real alternative when its best passage scores at least this share of the top. */
  alternativeShare: 0.6,
  duplicateJaccard: 0.8,
  /** Abstain unless the top passage holds this share of the question's (idf-weighted) words… */
  minCoverage: 0.35,
  /** Credit for a question word found elsewhere in the passage's article rather than in the passage. */
  articleCredit: 0.25,
};

export interface Evidence {
  /** idf-weighted share of the question's words found in the top passage (0–1). */
  coverage: number;
  cosine: number;
  terms: number;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter || 1);
}

export function selectPassages(fused: Fused[], k: number, opts = RANK_DEFAULTS): Fused[] {
  const chosen: { f: Fused; key: string; terms: Set<string> }[] = [];
  const perArticle = new Map<number, number>();
  const top = fused[0]?.score ?? 0;
  const topArticle = fused[0]?.passage.articleId;
  const alternative = fused.find((f) => f.passage.articleId !== topArticle);
  const oneArticle = !alternative || alternative.score < opts.alternativeShare * top;
  for (const f of fused) {
    if (chosen.length >= k) break;
    const p = f.passage;
    const key = letterKey(p.text);
    const terms = new Set(p.terms);
    const dup = chosen.some((c) => c.key === key || c.key.includes(key) || key.includes(c.key) || jaccard(c.terms, terms) >= opts.duplicateJaccard);
    if (dup) continue;
    const n = perArticle.get(p.articleId) ?? 0;
    if (n >= opts.perArticle && !(oneArticle && p.articleId === topArticle)) continue;
    perArticle.set(p.articleId, n + 1);
    chosen.push({ f, key, terms });
  }
  return chosen.map((c) => c.f);
}

export function evidenceOf(top: Fused | undefined, articleTerms: ReadonlySet<string>, terms: string[], rarity: Rarity, opts = RANK_DEFAULTS): Evidence {
  const unique = [...new Set(terms)];
  if (!top || unique.length === 0) return { coverage: 0, cosine: top?.cosine ?? 0, terms: unique.length };
  // A word the passage lacks but its article has (the name of who held the talks, in the paragraph
  // before) counts for part: the passage is quoted as part of that article.
  const matched = new Set(top.terms);
  let all = 0;
  let hit = 0;
  for (const t of unique) {
    const w = rarity.idf(t);
    all += w;
    if (matched.has(t)) hit += w;
    else if (articleTerms.has(t)) hit += w * opts.articleCredit;
  }
  return { coverage: all > 0 ? hit / all : 0, cosine: top.cosine, terms: unique.length };
}

/**
 * The abstention rule (calibrated with `npm run eval` and `npm run eval:squad`, see docs/benchmarks.md):
 * answer when the top passage contains at least `minCoverage` of the question's words weighted by rarity.
 * A question whose words are all unknown to the articles has coverage 0 whatever the vectors say.
 */
export function isAnswerable(e: Evidence, opts = RANK_DEFAULTS): boolean {
  return e.terms > 0 && e.coverage >= opts.minCoverage;
}
