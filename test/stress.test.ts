// Every way the product ends, a few times each: a first run on a fresh store (index with the embedding
// helper processes, answer, exit), questions in a batch, the chat prompt, a re-index, the bot stopped with SIGTERM and with
// SIGINT. Each must exit with code 0 and print nothing the C library, V8 or a sanitizer prints when memory
// goes wrong. The long version is `npm run stress` (hundreds of runs of each; README, "Never crashes").
import { afterAll, describe, expect, it } from 'vitest';
import { manyArticles, NATIVE_CRASH, runOnce, workspace, type Outcome } from '../scripts/lib/stress.js';

const ws = workspace();
afterAll(() => ws.remove());

const report = (outcomes: Outcome[]) => outcomes.filter((o) => !o.ok).map((o) => `${o.kind}: ${o.why}\n${o.stderr.trim().split('\n').slice(-6).join('\n')}`);

describe('every exit is clean', () => {
  it('recognises the messages of a corrupted heap and of a fatal V8 check', () => {
    expect('free(): unaligned chunk detected in tcache 2').toMatch(NATIVE_CRASH);
    expect('tcache_thread_shutdown(): unaligned tcache chunk detected').toMatch(NATIVE_CRASH);
    expect('# Fatal error in , line 0\n# Check failed: node->IsInUse().').toMatch(NATIVE_CRASH);
    expect('Indexed 5 files, 55 passages: 55 embedded, 0 reused in 1.1 s').not.toMatch(NATIVE_CRASH);
  });

  it('first runs, a re-index, a batch of questions, the chat prompt and the bot stopped by SIGTERM and SIGINT all exit with code 0 and no native error', async () => {
    manyArticles(ws.corpus, 10);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 3; i++) outcomes.push(await runOnce('first', ws, i));
    outcomes.push(await runOnce('index', ws, 1));
    outcomes.push(await runOnce('batch', ws, 0, { batch: 6 }));
    outcomes.push(await runOnce('chat', ws, 0));
    for (let i = 0; i < 2; i++) outcomes.push(await runOnce('bot', ws, i));
    expect(report(outcomes)).toEqual([]);
    expect(outcomes.map((o) => o.code)).toEqual(outcomes.map(() => 0));
  }, 180_000);
});
