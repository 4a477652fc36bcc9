// Work moved to a second thread gives the same answers as on the main thread, and a thread that fails
// costs speed, never an answer.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { updateIndex } from '../src/index/update.js';
import { questionNames, stopNames } from '../src/search/names.js';
import { search } from '../src/search/search.js';
import { sideThread } from '../src/side-thread.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { SHARED } from '../src/store/types.js';
import { onCleanup, realEmbedder, SEED_CORPUS, tmp, TEST_STORE } from './helpers.js';

let embedder: Embedder;
beforeAll(async () => {
  embedder = await realEmbedder();
});

describe('side threads', () => {
  it('run the function on another thread, and answer from the fallback when it throws or cannot start', async () => {
    const where = sideThread<number, number>(`const { threadId } = require('node:worker_threads'); return (x) => { if (x < 0) throw new Error('negative'); return threadId * 1000 + x; };`, {}, () => -1);
    onCleanup(() => where.close());
    const r = await where.run(7);
    expect(r % 1000).toBe(7);
    expect(Math.floor(r / 1000)).toBeGreaterThan(0); // not the main thread (thread id 0)
    expect(await where.run(-5)).toBe(-1);
    expect((await where.run(8)) % 1000).toBe(8); // one failed input does not stop the thread

    const broken = sideThread<number, number>(`require('no-such-module-anywhere'); return (x) => x;`, {}, (x) => x * 2);
    onCleanup(() => broken.close());
    expect(await Promise.all([broken.run(1), broken.run(21)])).toEqual([2, 42]);
    expect(await broken.run(5)).toBe(10);
  });

  it("find a question's names on the tagger thread", async () => {
    onCleanup(stopNames);
    const names = await questionNames('When did Leon Panetta meet NATO officials in Hanoi?');
    expect(names).toEqual(expect.arrayContaining(['Leon Panetta', 'NATO', 'Hanoi']));
    expect(await questionNames('what did they agree on dioxin?')).toEqual([]);
  });

  it.skipIf(TEST_STORE !== 'sqlite')("rank a store's passages the same with the keyword query on its own thread", async () => {
    const dir = tmp('verbatim-emb-');
    const here = await openSqliteStore({ dir });
    onCleanup(() => here.close());
    await updateIndex({ store: here, embedder, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 });
    // The bundled corpus is small; a threshold of 0 sends every keyword query of this store to its thread.
    const threaded = await openSqliteStore({ dir, keywordThreadFrom: 0 });
    onCleanup(() => threaded.close());
    await threaded.refresh();
    for (const q of ['When did Panetta visit Cam Ranh Bay?', 'What did they agree on dioxin?', 'Which submarines did Vietnam order?', 'What is the capital of Peru?']) {
      const a = await search(here, embedder, [SHARED], q, 3);
      const b = await search(threaded, embedder, [SHARED], q, 3);
      expect(b.ranking.length).toBeGreaterThan(0);
      expect(b.ranking.map((f) => [f.id, f.score.toFixed(9)])).toEqual(a.ranking.map((f) => [f.id, f.score.toFixed(9)]));
      expect(b.answered).toBe(a.answered);
    }
  });
});
