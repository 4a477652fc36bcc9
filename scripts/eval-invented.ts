// npm run eval:invented [-- --seed 1001 --articles 40] [--json] [--verbose]
// Invented articles (scripts/lib/invented.ts: made-up towns, people, currencies, amounts and dates) added
// beside the bundled corpus and the saved news pages, then asked about: questions in the articles' own
// words (plain), the same in other words (paraphrase), and near-miss questions about the same people and
// things that no article answers. Reports how many answerable questions are answered and quoted (top-1,
// top-3), and how many near-misses are refused. The training script uses seeds below 1000; use another.
import { loadConfig } from '../src/config.js';
import { ask } from '../src/engine.js';
import { updateIndex } from '../src/index/update.js';
import { inventCorpus } from './lib/invented.js';
import { questionNames } from '../src/search/names.js';
import { analyze } from '../src/text/terms.js';
import { bearsOn, containsAnswer, corpusWith, emptyStore, evalEmbedder } from './lib/harness.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const seed = Number(opt('seed', '1001'));
const count = Number(opt('articles', '40'));
const config = loadConfig();
const invented = inventCorpus(seed, count);
const corpus = corpusWith('verbatim-invented-', invented.articles);

const embedder = await evalEmbedder();
const store = await emptyStore();
await updateIndex({ store, corpusDir: corpus, maxFileBytes: config.maxFileBytes, embedder });
await store.refresh();
const engine = { config, embedder, store };

interface Tally {
  n: number;
  answered: number;
  top1: number;
  top3: number;
}
const tally = (): Tally => ({ n: 0, answered: 0, top1: 0, top3: 0 });
const byKind = { plain: tally(), paraphrase: tally() };
const misses: string[] = [];
let followShown = 0;
let followBearing = 0;
for (const q of invented.questions) {
  const a = await ask(engine, q.q, { k: 3, all: true });
  const shown = await ask(engine, q.q, { k: 3 });
  // The question's subject: its names (every one of them invented, so none is common).
  const subject = questionNames(q.q).flatMap((n) => analyze(n));
  for (const p of shown.passages.slice(1)) {
    followShown++;
    if (bearsOn(p, q.a, q.doc, subject)) followBearing++;
  }
  const t = byKind[q.kind];
  t.n++;
  const i = a.passages.findIndex((p) => containsAnswer(p.text, q.a));
  if (a.answered) t.answered++;
  if (i === 0) t.top1++;
  if (i >= 0 && i < 3) t.top3++;
  if (!a.answered || i !== 0) misses.push(`${q.kind}: ${a.answered ? (i < 0 ? 'not in top 3' : `rank ${i + 1}`) : a.tentative ? `tentative (${a.message})` : 'refused'}: ${q.q} → ${a.passages[0]?.text.slice(0, 100) ?? '—'}`);
}
let refused = 0;
const wrong: string[] = [];
for (const n of invented.nearMisses) {
  const a = await ask(engine, n.q, { k: 3, all: true });
  if (!a.answered) refused++;
  else wrong.push(`near-miss answered: ${n.q} → ${a.passages[0].text.slice(0, 100)}`);
}
await store.close();
await embedder.close();
const rate = (x: number, n: number) => (n ? x / n : 0);
const result = {
  seed,
  articles: count,
  model: embedder.modelId,
  questions: invented.questions.length,
  nearMisses: invented.nearMisses.length,
  ...Object.fromEntries(
    Object.entries(byKind).map(([k, t]) => [k, { n: t.n, answered: rate(t.answered, t.n), top1: rate(t.top1, t.n), top3: rate(t.top3, t.n) }]),
  ),
  nearMissesRefused: rate(refused, invented.nearMisses.length),
  followingQuotesShown: followShown,
  followingQuotesBearing: followShown ? followBearing / followShown : null,
};
if (args.includes('--json')) console.log(JSON.stringify(result));
else {
  const f = (x: number) => x.toFixed(3);
  console.log(`invented articles: seed ${seed}, ${count} articles beside the bundled corpus and the news pages; model ${embedder.modelId}`);
  for (const [k, t] of Object.entries(byKind)) console.log(`${k.padEnd(11)} ${t.n} questions: answered ${f(rate(t.answered, t.n))}  top-1 ${f(rate(t.top1, t.n))}  top-3 ${f(rate(t.top3, t.n))}`);
  console.log(`near-misses ${invented.nearMisses.length}: refused ${f(result.nearMissesRefused)}`);
  console.log(`quotes after the first shown: ${followShown}, ${followShown ? ((followBearing / followShown) * 100).toFixed(0) : '—'}% bear on the question`);
  if (args.includes('--verbose')) for (const m of [...misses, ...wrong]) console.log(`  ${m}`);
}
process.exit(0);
