// Retrieval with the real (pretrained) model on the real corpus, against the development questions in
// ../shared/eval.
import { beforeAll, describe, expect, it } from 'vitest';
import { composeAnswer } from '../src/answer/compose.js';
import { updateIndex } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import type { Embedder } from '../src/embed/model.js';
import { SHARED, type Store } from '../src/store/types.js';
import { fold } from '../src/text/normalize.js';
import { pretrainedEmbedder, readJsonl, SEED_CORPUS, SHARED_EVAL, testStore } from './helpers.js';

let embedder: Embedder;
let store: Store;
beforeAll(async () => {
  embedder = await pretrainedEmbedder();
  store = await (await testStore()).open();
  await updateIndex({ store, corpusDir: SEED_CORPUS, maxFileBytes: 1e7, embedder });
  await store.refresh();
});

const norm = (s: string) => fold(s).replace(/\s+/g, ' ');
const questions = readJsonl<{ q: string; a: string[] }>(`${SHARED_EVAL}/dev-questions.jsonl`);
const negatives = readJsonl<{ q: string }>(`${SHARED_EVAL}/dev-negatives.jsonl`);

async function answer(q: string, all = false) {
  return composeAnswer(store, q, await search(store, embedder, [SHARED], q, 3), { all });
}

// Questions the product does not answer yet (docs/benchmarks.md): "areas of cooperation" is answered by a
// passage ("cooperated in maritime security; search and rescue…") that shares one common word with it and
// that all-MiniLM-L6-v2 puts 9th; the other two are refused, their best passage right but saying "talks on
// November 20" and "stressed … settle disputes" without the question's own words ("hold", "both sides").
// `it.fails` turns red when the product starts answering one, so the list stays true.
const KNOWN_MISSES = new Set([
  'Which areas of cooperation were listed during the Panetta talks?',
  'On what date did Esper and Lich hold talks?',
  'What did both sides stress about disputes?',
]);

async function expectQuoted(q: string, expected: readonly string[]) {
  const a = await answer(q, true);
  expect(a.answered).toBe(true);
  expect(a.passages.length).toBeGreaterThan(0);
  expect(a.passages.length).toBeLessThanOrEqual(3);
  const quoted = a.passages.map((p) => norm(p.text));
  expect(quoted.some((t) => expected.some((e) => t.includes(norm(e)))), `expected one of ${JSON.stringify(expected)} in:\n${quoted.join('\n')}`).toBe(true);
}

describe('answers on the bundled corpus', () => {
  it.each(questions.filter((x) => !KNOWN_MISSES.has(x.q)).map((x) => [x.q, x.a] as const))('%s', expectQuoted);
  it.fails.each(questions.filter((x) => KNOWN_MISSES.has(x.q)).map((x) => [x.q, x.a] as const))('known miss of the offline model: %s', expectQuoted);


  it.each(negatives.map((x) => [x.q] as const))('does not answer: %s', async (q) => {
    const a = await answer(q);
    expect(a.answered).toBe(false);
    // Refused, or the closest passages under a note saying they may not answer (never passed off as one).
    if (a.tentative) expect(a.message).toMatch(/^(This may not answer your question|No article here speaks of)/);
    else {
      expect(a.passages).toHaveLength(0);
      expect(a.message).toMatch(/couldn't find/);
    }
  });

  it('marks, in each quote, a sentence that shares words with the question', async () => {
    const a = await answer('What did the US call on all parties to carry out in the East Sea?');
    const top = a.passages[0];
    expect(top.highlight.length).toBeGreaterThan(0);
    const marked = top.highlight.map((h) => top.text.slice(h.start, h.end)).join(' ');
    expect(marked).toContain('Declaration on the Conduct of Parties');
    expect(marked).not.toContain('free and open Indo-Pacific'); // the other sentence of that paragraph
  });

  it('shows a quote after the first only when it bears on the question too', async () => {
    // The answer is the first quote; the paragraph that only mentions the East Sea among "other affairs",
    // and the one about UN peacekeeping, are padding a reader would wade through ("More sources" still has them).
    const a = await answer('What did the US call on all parties to carry out in the East Sea?');
    expect(norm(a.passages[0].text)).toContain(norm('Declaration on the Conduct of Parties'));
    const shown = a.passages.map((p) => p.text).join('\n');
    expect(shown).not.toContain('also discussed other international and regional affairs');
    expect(shown).not.toMatch(/peacekeeping/);
    const all = await answer('What did the US call on all parties to carry out in the East Sea?', true);
    expect(all.passages.length).toBeGreaterThan(a.passages.length);
  });

  it('asked for the most recent of a numbered meeting, quotes the highest-numbered one though its page prints no year', async () => {
    const latest = await answer('What was agreed at the most recent dialogue?');
    expect(latest.answered).toBe(true);
    expect(latest.passages[0].title).toMatch(/12th/);
    // The same question without "most recent" is about every dialogue: the 10th's own words rank first.
    const any = await answer('What was agreed at the dialogue?');
    expect(any.passages.map((p) => p.title).join('\n')).toMatch(/10th/);
    const first = await answer('What was agreed at the earliest dialogue?');
    expect(first.passages[0].title).toMatch(/10th/);
  });

  it('cites title, outlet, date, paragraph and file', async () => {
    const a = await answer('What did Mark Esper and Ngo Xuan Lich highlight the importance of?', true);
    const cited = a.passages.find((p) => p.file === '001_f7851b020e12dbef.txt')!;
    expect(cited.citation).toMatch(/^Defense Minister holds talks with U\.S\. Secretary of Defense — VGP, November 20, 2019, ¶\d+(?:–\d+)? \(001_f7851b020e12dbef\.txt\)$/);
  });
});
