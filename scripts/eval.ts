// npm run eval -- FILE.jsonl [--json]
// Questions on the configured corpus, in the format of ../shared/eval/: {"q": "...", "a": ["phrase", ...]}
// per line; a line without "a" is a question the articles cannot answer. Prints answer-in-top-1/top-3 and
// MRR for BM25 alone, vectors alone and the product's fused ranking, and the abstention figures.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { updateIndex } from '../src/index/update.js';
import { containsAnswer, emptyStore, evalEmbedder, passagesOf, rankThreeWays, score, type Rankings } from './lib/harness.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: npm run eval -- FILE.jsonl [--json]');
  process.exit(2);
}
const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
const questions = lines.map((l, i) => {
  try {
    return JSON.parse(l) as { q: string; a?: string[] };
  } catch {
    console.error(`${file}:${i + 1}: not a JSON object`);
    process.exit(2);
  }
});
const config = loadConfig();
const embedder = await evalEmbedder();
const store = await emptyStore();
await updateIndex({ store, corpusDir: config.corpusDir, maxFileBytes: config.maxFileBytes, embedder });
await store.refresh();

const positives = questions.filter((q) => q.a?.length);
const negatives = questions.filter((q) => !q.a?.length);
const runs: Rankings[] = [];
for (const q of positives) runs.push(await rankThreeWays(store, embedder, q.q));
const negRuns: Rankings[] = [];
for (const q of negatives) negRuns.push(await rankThreeWays(store, embedder, q.q));
const passages = await passagesOf(store, runs);
const hits = positives.map((q) => (id: number) => containsAnswer(passages.get(id)?.text ?? '', q.a!));
const result = {
  file: path.basename(file),
  model: embedder.modelId,
  n: positives.length,
  bm25: score(runs.map((r) => r.bm25), hits),
  dense: score(runs.map((r) => r.dense), hits),
  fused: score(runs.map((r) => r.fused), hits),
  abstain: {
    negatives: negatives.length,
    negativesAbstained: negatives.length ? negRuns.filter((r) => !r.answered).length / negatives.length : null,
    answerableAbstained: runs.filter((r) => !r.answered).length / (runs.length || 1),
  },
  misses: positives.filter((_, i) => !runs[i].fused.slice(0, 3).some(hits[i])).map((q) => q.q),
};
await store.close();
if (args.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  console.log(`${result.file}: ${result.n} answerable questions, ${negatives.length} unanswerable; model ${result.model}`);
  console.log('ranking   top-1   top-3   MRR');
  for (const k of ['bm25', 'dense', 'fused'] as const) {
    const s = result[k];
    console.log(`${k.padEnd(8)}  ${s.top1.toFixed(3)}   ${s.top3.toFixed(3)}   ${s.mrr.toFixed(3)}`);
  }
  const a = result.abstain;
  console.log(`abstained on ${a.negativesAbstained === null ? 'n/a' : (a.negativesAbstained * 100).toFixed(0) + '%'} of unanswerable questions, ${(a.answerableAbstained * 100).toFixed(0)}% of answerable ones`);
  for (const m of result.misses) console.log(`  not in top 3: ${m}`);
}
