// The store's own promises, whichever driver: a scope sees only its libraries, and ranks their passages
// exactly as it would if they were the only ones stored.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { addUpload, updateIndex } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import { guildLibrary, SHARED } from '../src/store/types.js';
import { realEmbedder, SEED_CORPUS, testStore } from './helpers.js';

let embedder: Embedder;
beforeAll(async () => {
  embedder = await realEmbedder();
});

const A = guildLibrary('200000000000000002');
const B = guildLibrary('200000000000000022');
const article = (i: number, tag: string) =>
  Buffer.from(`${tag} report ${i}\n\nThe ${tag} delegation visited the port of Hai Phong on day ${i} and signed ${i + 2} agreements on fisheries and shipping.\n\nThe ${tag} delegates also met dock workers in Hai Phong, who asked about wages and the new container terminal.\n`);

describe('scopes', () => {
  it("a server's questions rank its articles exactly as a store holding only them would", async () => {
    const mixed = await (await testStore()).open();
    const alone = await (await testStore()).open();
    const opts = (store: typeof mixed) => ({ store, embedder, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 });
    for (const store of [mixed, alone]) await updateIndex(opts(store));
    for (let i = 0; i < 6; i++) {
      await addUpload(opts(mixed), A, `a-${i}.txt`, article(i, 'Amberly'));
      await addUpload(opts(alone), A, `a-${i}.txt`, article(i, 'Amberly'));
    }
    // B's articles share every word with A's but for the name, and are many more.
    for (let i = 0; i < 25; i++) await addUpload(opts(mixed), B, `b-${i}.txt`, article(i, 'Borrowdale'));
    await mixed.refresh();
    await alone.refresh();
    for (const q of ['How many agreements did the delegation sign in Hai Phong?', 'What did the dock workers in Hai Phong ask about?', 'Who visited the port of Hai Phong?']) {
      const a = await search(mixed, embedder, [SHARED, A], q, 5);
      const b = await search(alone, embedder, [SHARED, A], q, 5);
      expect(a.ranking.every((f) => f.passage.library !== B)).toBe(true);
      expect(a.ranking.map((f) => [f.passage.file, f.passage.paragraph, f.score.toFixed(9)])).toEqual(b.ranking.map((f) => [f.passage.file, f.passage.paragraph, f.score.toFixed(9)]));
      expect(a.answered).toBe(b.answered);
    }
    const dm = await search(mixed, embedder, [SHARED], 'How many agreements did the Amberly delegation sign in Hai Phong?', 5);
    expect(dm.ranking.every((f) => f.passage.library === SHARED)).toBe(true);
  });
});

describe('a new database', () => {
  it('opened by several processes at the same moment, is prepared once and serves them all', async () => {
    // Bots started together on an empty database each find its tables missing and create them; only one
    // may, and the others must wait for it rather than fail to start.
    const fresh = await testStore();
    const stores = await Promise.all([fresh.open(), fresh.open(), fresh.open()]);
    for (const store of stores) expect(await store.articles([SHARED])).toEqual([]);
  });
});
