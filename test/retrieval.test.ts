// Retrieval with the real model on the real corpus, against the development questions in ../shared/eval.
import { beforeAll, describe, expect, it } from 'vitest';
import { composeAnswer } from '../src/answer/compose.js';
import { updateIndex } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import type { Embedder } from '../src/embed/model.js';
import { SHARED, type Store } from '../src/store/types.js';
import { fold } from '../src/text/normalize.js';
import { readJsonl, realEmbedder, SEED_CORPUS, SHARED_EVAL, testStore } from './helpers.js';

let embedder: Embedder;
let store: Store;
beforeAll(async () => {
  embedder = await realEmbedder();
  store = await (await testStore()).open();
  await updateIndex({ store, corpusDir: SEED_CORPUS, maxFileBytes: 1e7, embedder });
  await store.refresh();
});

const norm = (s: string) => fold(s).replace(/\s+/g, ' ');
const questions = readJsonl<{ q: string; a: string[] }>(`${SHARED_EVAL}/dev-questions.jsonl`);
const negatives = readJsonl<{ q: string }>(`${SHARED_EVAL}/dev-negatives.jsonl`);

async function answer(q: string) {
  return composeAnswer(store, q, await search(store, embedder, [SHARED], q, 3));
}

// Questions the offline static model cannot answer: the passages that hold the answer ("maritime security;
// search and rescue…" for "areas of cooperation") share one common word with the question and rank about
// 30th of 55 by keywords; only a model that knows "areas" ≈ a list of fields would find them. A pretrained
// model (see README) is expected to; `it.fails` turns green-to-red when the product starts answering it.
const KNOWN_MISSES = new Set(['Which areas of cooperation were listed during the Panetta talks?']);

async function expectQuoted(q: string, expected: readonly string[]) {
  const a = await answer(q);
  expect(a.answered).toBe(true);
  expect(a.passages.length).toBeGreaterThan(0);
  expect(a.passages.length).toBeLessThanOrEqual(3);
  const quoted = a.passages.map((p) => norm(p.text));
  expect(quoted.some((t) => expected.some((e) => t.includes(norm(e)))), `expected one of ${JSON.stringify(expected)} in:\n${quoted.join('\n')}`).toBe(true);
}

describe('answers on the bundled corpus', () => {
  it.each(questions.filter((x) => !KNOWN_MISSES.has(x.q)).map((x) => [x.q, x.a] as const))('%s', expectQuoted);
  it.fails.each(questions.filter((x) => KNOWN_MISSES.has(x.q)).map((x) => [x.q, x.a] as const))('known miss of the offline model: %s', expectQuoted);


  it.each(negatives.map((x) => [x.q] as const))('abstains on: %s', async (q) => {
    const a = await answer(q);
    expect(a.answered).toBe(false);
    expect(a.passages).toHaveLength(0);
    expect(a.message).toMatch(/couldn't find/);
  });

  it('marks, in each quote, a sentence that shares words with the question', async () => {
    const a = await answer('What did the US call on all parties to carry out in the East Sea?');
    const top = a.passages[0];
    expect(top.highlight.length).toBeGreaterThan(0);
    const marked = top.highlight.map((h) => top.text.slice(h.start, h.end)).join(' ');
    expect(marked).toContain('Declaration on the Conduct of Parties');
    expect(marked).not.toContain('free and open Indo-Pacific'); // the other sentence of that paragraph
  });

  it('cites title, outlet, date, paragraph and file', async () => {
    const a = await answer('On what date did Esper and Lich hold talks?');
    const cited = a.passages.find((p) => p.file === '001_f7851b020e12dbef.txt')!;
    expect(cited.citation).toMatch(/^Defense Minister holds talks with U\.S\. Secretary of Defense — VGP, 2019-11-20, ¶\d+ \(001_f7851b020e12dbef\.txt\)$/);
  });
});
