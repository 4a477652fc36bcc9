// An article named by the question brings its other passages along (search/retrieve.ts): the passage that
// says who led a study often names no university, and the one naming the university says nothing of who
// led it. Real model, real news pages, and three study reports written alike, as a newsroom's are.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { asShown, composeAnswer } from '../src/answer/compose.js';
import { updateIndex } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import type { Embedder } from '../src/embed/model.js';
import { SHARED, type Store } from '../src/store/types.js';
import { pretrainedEmbedder, SHARED_EVAL, testStore, tmp, writeFiles } from './helpers.js';

const STUDIES = [
  ['Quenmore', 'ferry riders slept longer', '412', 'Tidewater Review', 'Ilsa Varnholt', 'nine months'],
  ['Dravelby', 'gardeners caught fewer colds', '388', 'Northfold Journal', 'Osric Penhallow', 'six months'],
  ['Sallowmere', 'choir singers breathed more deeply', '530', 'Lantern Review', 'Mirela Coscarin', 'a year'],
] as const;

function study([town, finding, volunteers, journal, lead, span]: (typeof STUDIES)[number]): string {
  return [
    `Study finds ${finding}`,
    `People who ${finding.replace(/^\w+ \w+ /, '')}, the researchers say: a study of ${volunteers} volunteers by researchers at the University of ${town} found that ${finding}.`,
    `The findings appeared in the ${journal}, which had asked other scientists to check the data first.`,
    'Independent experts welcomed the findings but called for more work.',
    `The volunteers were followed for ${span} and kept a diary of each day.`,
    'The study was paid for by a charitable foundation.',
    `The study, led by ${lead}, was published in the ${journal} in the spring.`,
  ].join('\n\n') + '\n';
}

let embedder: Embedder;
let store: Store;
beforeAll(async () => {
  embedder = await pretrainedEmbedder();
  store = await (await testStore()).open();
  const corpus = tmp('verbatim-named-');
  const pages = path.join(SHARED_EVAL, 'news/pages');
  for (const p of fs.readdirSync(pages)) fs.copyFileSync(path.join(pages, p), path.join(corpus, p));
  writeFiles(corpus, Object.fromEntries(STUDIES.map((s) => [`study-${s[0].toLowerCase()}.txt`, study(s)])));
  await updateIndex({ store, corpusDir: corpus, maxFileBytes: 1e7, embedder });
  await store.refresh();
}, 120_000);

describe('a question naming an article', () => {
  it.each(STUDIES.map((s) => [s[0], s[4]] as const))('who headed the research team at the University of %s: shows %s', async (town, lead) => {
    const q = `Who headed the research team at the University of ${town}?`;
    const a = await composeAnswer(store, q, await search(store, embedder, [SHARED], q, 3));
    const shown = a.passages.map((p) => asShown(p).text).join('\n');
    expect(shown).toContain(lead);
    // Not another university's lead, quoted in its place.
    for (const other of STUDIES.filter((s) => s[0] !== town)) expect(a.passages[0] ? asShown(a.passages[0]).text : '').not.toContain(other[4]);
  });
});
