// Part of `npm run bench`: a fresh process that opens the model and an existing store the way the bot
// does, asks the questions given on stdin (one per line), and prints one JSON line: how long it took to be
// ready, the latency of each question, and its peak memory. Run by bench.ts, not by hand.
import readline from 'node:readline';
import { loadConfig } from '../src/config.js';
import { ask, openEmbedder } from '../src/engine.js';
import { openStore } from '../src/store/open.js';

const scope = (process.env.BENCH_SCOPE ?? 'shared').split(',');
const runs = Number(process.env.BENCH_RUNS ?? '1');
const config = loadConfig();
const t0 = performance.now(); // since the process started: loading the code counts as start-up
const embedder = await openEmbedder(config);
const tModel = performance.now();
const store = await openStore(config);
await store.refresh();
await embedder.embedQuery('warm up');
const ready = performance.now();
const questions: string[] = [];
for await (const line of readline.createInterface({ input: process.stdin })) if (line.trim()) questions.push(line.trim());
const engine = { config, embedder, store };
for (const q of questions.slice(0, 20)) await ask(engine, q, { scope }); // warm-up
const latencies: number[] = [];
let answered = 0;
for (let r = 0; r < runs; r++) {
  for (const q of questions) {
    const t = performance.now();
    const a = await ask(engine, q, { scope });
    latencies.push(performance.now() - t);
    if (a.answered) answered++;
  }
}
process.stdout.write(
  JSON.stringify({
    sinceProcessStart: ready,
    modelMs: tModel - t0,
    storeMs: ready - tModel,
    latencies,
    answered: answered / Math.max(1, latencies.length),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);
await store.close();
process.exit(0);
