// npm run -s eval:squad -- FILE.json [--json] [--curve]
// Indexes a SQuAD-format file (one article per title, one passage per paragraph) and reports, over its
// answerable questions, answer-in-top-1/top-3 quote and MRR of the gold paragraph for BM25 alone, the
// embedding model alone and the product's fused ranking; and abstention: how often the product quotes
// something for a question whose article was left out of the index (leave-one-article-out), against how
// often it abstains on answerable questions with the article present.
import type { Article } from '../src/ingest/types.js';
import { RANK_DEFAULTS } from '../src/search/rank.js';
import type { StoredPassage } from '../src/store/types.js';
import { readSquad, type SquadQuestion } from './lib/squad.js';
import { addArticles, containsAnswer, emptyStore, evalEmbedder, passagesOf, rankThreeWays, score, type Rankings } from './lib/harness.js';


const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: npm run -s eval:squad -- FILE.json [--json] [--curve]');
  process.exit(2);
}
const { articles, questions } = readSquad(file);
type Q = SquadQuestion;

const embedder = await evalEmbedder();
const answerable = questions.filter((q) => !q.impossible);

const storeUrl = process.env.STORE_URL;
async function runAll(arts: Article[], qs: Q[]): Promise<{ runs: Rankings[]; passages: Map<number, StoredPassage> }> {
  const store = await emptyStore(storeUrl);
  await addArticles(store, arts, embedder);
  const runs: Rankings[] = [];
  for (const q of qs) runs.push(await rankThreeWays(store, embedder, q.question));
  const passages = await passagesOf(store, runs);
  await store.close();
  return { runs, passages };
}

const { runs, passages } = await runAll(articles, answerable);
const quoteHit = answerable.map((q) => (l: number) => containsAnswer(passages.get(l)?.text ?? '', q.answers));
const goldHit = answerable.map((q) => (l: number) => {
  const p = passages.get(l);
  return !!p && p.docId === `${q.title}.txt` && p.paragraph === q.paragraph;
});
const report = (pick: (r: Rankings) => number[]) => {
  const quote = score(runs.map(pick), quoteHit);
  const gold = score(runs.map(pick), goldHit);
  return { top1: quote.top1, top3: quote.top3, mrr: gold.mrr };
};

// Leave one article out: every question of the missing article should be abstained on.
const looCoverage: number[] = [];
const looAnswered: boolean[] = [];
for (const left of articles) {
  const rest = articles.filter((a) => a !== left);
  const qs = answerable.filter((q) => `${q.title}.txt` === left.file);
  if (!rest.length || !qs.length) continue;
  const { runs: looRuns } = await runAll(rest, qs);
  looCoverage.push(...looRuns.map((r) => r.coverage));
  looAnswered.push(...looRuns.map((r) => r.answered));
}
const presentCoverage = runs.map((r) => r.coverage);
const rate = (xs: number[], pred: (x: number) => boolean) => Math.round((xs.filter(pred).length / (xs.length || 1)) * 1000) / 1000;
const share = (xs: boolean[]) => Math.round((xs.filter(Boolean).length / (xs.length || 1)) * 1000) / 1000;
const threshold = RANK_DEFAULTS.minCoverage;
const result = {
  n: answerable.length,
  model: embedder.modelId,
  bm25: report((r) => r.bm25),
  dense: report((r) => r.dense),
  fused: report((r) => r.fused),
  rrf: report((r) => r.rrf),
  abstain: {
    // The product's decision (the abstention model in src/search/model.json, or the coverage rule without it).
    wrongQuoteWithArticleLeftOut: share(looAnswered),
    abstainedWithArticlePresent: share(runs.map((r) => !r.answered)),
    questionsLeftOut: looAnswered.length,
  },
};

if (args.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  console.log(`${file}: ${result.n} answerable questions over ${articles.length} articles; model ${result.model}`);
  console.log('ranking   top-1   top-3   MRR(gold paragraph)');
  for (const k of ['bm25', 'dense', 'fused', 'rrf'] as const) {
    const s = result[k];
    console.log(`${k.padEnd(8)}  ${s.top1.toFixed(3)}   ${s.top3.toFixed(3)}   ${s.mrr.toFixed(3)}${k === 'rrf' ? '   (reciprocal rank fusion, k=60: measured, not used)' : ''}`);
  }
  const a = result.abstain;
  console.log(`abstention: quotes something for ${(a.wrongQuoteWithArticleLeftOut * 100).toFixed(1)}% of questions whose article is left out; abstains on ${(a.abstainedWithArticlePresent * 100).toFixed(1)}% of answerable questions`);
}
if (args.includes('--curve')) {
  console.log(`the coverage rule (used without a trained abstention model; ${threshold} is its default):`);
  console.log('threshold  wrong-quote(left out)  abstained(present)');
  for (let t = 0.1; t <= 0.81; t += 0.05) {
    console.log(`${t.toFixed(2)}       ${rate(looCoverage, (c) => c >= t).toFixed(3)}                  ${rate(presentCoverage, (c) => c < t).toFixed(3)}`);
  }
}
