// Whether to answer at all: the evidence that the best passage answers the question, as numbers for the
// abstention model. A question whose rare words or names the best passage's article lacks, whose kind of
// answer (a sum, a date) the passage does not hold, or whose best passage barely stands out from the rest
// is more likely about something the articles do not cover.
import { FEATURES, type QuestionInfo } from './features.js';

export const ABSTAIN_FEATURES = [
  'rankerTop',
  'rankerGap',
  'coverage',
  'context',
  'rare',
  'rareArticle',
  'names',
  'namesArticle',
  'bestSentence',
  'typeMissing',
  'typeMissingSentence',
  'typedSupport',
  'typeGap',
  'cosine',
  'hasType',
  'hasNames',
  'unknown',
  'terms',
  'sentence',
  'typedMeaning',
  'residual',
  'residualSentence',
  'stated',
  'detail',
  'detailArticle',
  'typedDetail',
] as const;

const at = (name: (typeof FEATURES)[number]) => FEATURES.indexOf(name);

/**
 * `ranked`: the candidates' features (FEATURES order), best first; `scores`: the reranker's scores of the
 * candidates, best first (or the fused scores when there is no reranker).
 */
export function abstainFeatures(q: QuestionInfo, ranked: readonly (readonly number[])[], scores: readonly number[]): number[] {
  const top = ranked[0];
  const f = (name: (typeof FEATURES)[number]) => (top ? top[at(name)] : 0);
  // Does any of the best few passages have a sentence that both matches the question and holds the kind
  // of answer asked for? ("How much did X spend on Y?" about an article that names no sum.)
  const typedSupport = q.type ? Math.max(0, ...ranked.slice(0, 5).map((x) => x[at('typedSentence')])) : f('bestSentence');
  const rest = scores.slice(1, 16).sort((a, b) => a - b);
  const median = rest.length ? rest[Math.floor(rest.length / 2)] : 0;
  let all = 0;
  let unknown = 0;
  for (const t of q.terms) {
    const w = q.rarity.idf(t);
    all += w;
    if (!(q.rarity.stats.df.get(t) ?? 0)) unknown += w;
  }
  const hasType = q.type ? 1 : 0;
  const values: Record<(typeof ABSTAIN_FEATURES)[number], number> = {
    rankerTop: scores[0] ?? 0,
    rankerGap: scores.length ? scores[0] - median : 0,
    coverage: f('coverage'),
    context: f('context'),
    rare: f('rare'),
    rareArticle: f('rareArticle'),
    names: f('names'),
    namesArticle: f('namesArticle'),
    bestSentence: f('bestSentence'),
    typeMissing: hasType ? 1 - f('typeInPassage') : 0,
    typeMissingSentence: hasType ? 1 - f('typeInSentence') : 0,
    typedSupport,
    typeGap: hasType ? Math.max(0, f('bestSentence') - typedSupport) : 0,
    cosine: f('cosine'),
    hasType,
    hasNames: q.names.length ? 1 : 0,
    unknown: all > 0 ? unknown / all : 0,
    terms: Math.log1p(q.terms.length),
    sentence: f('sentence'),
    typedMeaning: f('typedMeaning'),
    residual: f('residual'),
    residualSentence: f('residualSentence'),
    // The answer stated in the question's own words in one of the best three: answered whatever else says.
    stated: Math.max(0, ...ranked.slice(0, 3).map((x) => x[at('stated')])),
    detail: f('detail'),
    // The sentence nearest what is asked among the best five (an article's other passages included).
    detailArticle: Math.max(0, ...ranked.slice(0, 5).map((x) => x[at('detail')])),
    typedDetail: Math.max(0, ...ranked.slice(0, 5).map((x) => x[at('typedDetail')])),
  };
  return ABSTAIN_FEATURES.map((k) => values[k]);
}

/** What says whether a quote after the first bears on the question too (search.ts, worthShowing). */
export const FOLLOW_FEATURES = ['score', 'gap', 'rank', 'stated', 'residualSentence', 'sentenceRel'] as const;

/** `scores`/`ranked` as for abstainFeatures; `i`: the quote's place among them (1 = second). */
export function followFeatures(ranked: readonly (readonly number[])[], scores: readonly number[], i: number): number[] {
  const f = ranked[i];
  return [scores[i], scores[0] - scores[i], i, f[at('stated')], f[at('residualSentence')], f[at('sentenceRel')]];
}
