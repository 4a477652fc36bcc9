// Part of `npm run bench`: a fresh process that opens the model and an existing store the way the bot
// does, asks the questions given on stdin (one per line), and prints one JSON line: how long it took to be
// ready, the latency of each question, and its peak memory. Run by bench.ts, not by hand.
import readline from 'node:readline';
import { loadConfig } from '../src/config.js';
import { ask, openEngine, timeline } from '../src/engine.js';

const scope = (process.env.BENCH_SCOPE ?? 'shared').split(',');
const runs = Number(process.env.BENCH_RUNS ?? '1');
const config = loadConfig();
const t0 = performance.now(); // since the process started: loading the code counts as start-up
// As the bot opens them (the model and the store together), without re-reading the corpus folder.
const engine = await openEngine(config, { update: false });
await engine.embedder.embedQuery('warm up');
const ready = performance.now();
const store = engine.store;
const questions: string[] = [];
for await (const line of readline.createInterface({ input: process.stdin })) if (line.trim()) questions.push(line.trim());
for (const q of questions.slice(0, 20)) await ask(engine, `${q} (warm-up)`, { scope });
const latencies: number[] = [];
let answered = 0;
for (let r = 0; r < runs; r++) {
  for (const q of questions) {
    // A different question each time (the model remembers the vectors of the last few hundred it embedded):
    // every latency includes embedding the question.
    const asked = r ? `${q.replace(/\?*$/, '')}${'?'.repeat(r + 1)}` : q;
    const t = performance.now();
    const a = await ask(engine, asked, { scope });
    latencies.push(performance.now() - t);
    if (a.answered) answered++;
  }
}
// Timelines, with the questions as topics (a deeper search than a question's, one passage per article).
const timelineLatencies: number[] = [];
for (const q of questions.slice(0, 40)) {
  const t = performance.now();
  await timeline(engine, `${q.replace(/\?*$/, '')} (timeline)`, { scope });
  timelineLatencies.push(performance.now() - t);
}
process.stdout.write(
  JSON.stringify({
    timelineLatencies,
    sinceProcessStart: ready,
    codeMs: t0,
    engineMs: ready - t0,
    latencies,
    answered: answered / Math.max(1, latencies.length),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);
await store.close();
process.exit(0);
