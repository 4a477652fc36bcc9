// Work moved to a second thread gives the same answers as on the main thread, and a thread that fails
// costs speed, never an answer.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { removeArticles, updateIndex } from '../src/index/update.js';
import { planKeywordSearch } from '../src/search/keyword.js';
import { search } from '../src/search/search.js';
import { analyze } from '../src/text/terms.js';
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

  /** The bundled corpus, opened twice: the second store sends every keyword query to its thread (it is small). */
  async function twoStores() {
    const dir = tmp('verbatim-emb-');
    const here = await openSqliteStore({ dir });
    onCleanup(() => here.close());
    await updateIndex({ store: here, embedder, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 });
    const threaded = await openSqliteStore({ dir, keywordThreadFrom: 0 });
    onCleanup(() => threaded.close());
    await threaded.refresh();
    return { here, threaded };
  }

  it.skipIf(TEST_STORE !== 'sqlite')("rank a store's passages the same with the keyword query on its own thread", async () => {
    const { here, threaded } = await twoStores();
    for (const q of ['When did Panetta visit Cam Ranh Bay?', 'What did they agree on dioxin?', 'Which submarines did Vietnam order?', 'What is the capital of Peru?']) {
      const a = await search(here, embedder, [SHARED], q, 3);
      const b = await search(threaded, embedder, [SHARED], q, 3);
      expect(b.ranking.length).toBeGreaterThan(0);
      expect(b.ranking.map((f) => [f.id, f.score.toFixed(9)])).toEqual(a.ranking.map((f) => [f.id, f.score.toFixed(9)]));
      expect(b.answered).toBe(a.answered);
    }
  });

  it.skipIf(TEST_STORE !== 'sqlite')('never give back a passage another process removed after the keyword thread read it ahead', async () => {
    const { here: writer, threaded: reader } = await twoStores();
    const plan = await planKeywordSearch(reader, [SHARED], analyze('What did they agree on dioxin?'));
    // The thread reads the best 10 ahead; the passages and their cosines then come from what it read.
    const ids = (await reader.keywordCandidates([SHARED], plan.asked, 200, plan.present, 10)).map((c) => c.id).slice(0, 10);
    const probe = new Float32Array(embedder.dims).fill(0.1);
    const read = await reader.passages(ids);
    expect(read.size).toBe(ids.length);
    expect([...(await reader.similarity(ids, probe)).keys()].sort()).toEqual([...ids].sort());
    const gone = read.get(ids[0])!;
    await removeArticles({ store: writer, embedder, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 }, SHARED, [gone.file]);
    await reader.refresh(); // as every question does first
    const after = await reader.passages(ids);
    expect(after.has(gone.id)).toBe(false);
    expect([...after.values()].every((p) => p.articleId !== gone.articleId)).toBe(true);
    expect((await reader.similarity(ids, probe)).has(gone.id)).toBe(false);
  });
});
