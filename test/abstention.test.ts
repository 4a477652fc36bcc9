// What is answered and what is refused, with the pretrained model. An answer stated in the question's own
// words, names and numbers (invented names, a currency nobody has heard of) is never refused: not in a
// server's freshly added article, not in a 30,000-passage archive, not in invented articles the models
// never saw. Questions about the same article that it does not answer are refused.
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { composeAnswer } from '../src/answer/compose.js';
import type { Embedder } from '../src/embed/model.js';
import { addUpload, settingsFor, updateIndex } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import { guildLibrary, SHARED, type Scope, type Store } from '../src/store/types.js';
import { fold } from '../src/text/normalize.js';
import { inventCorpus } from '../scripts/lib/invented.js';
import { synthetic } from '../scripts/lib/synthetic.js';
import { loadConfig } from '../src/config.js';
import { pretrainedEmbedder, SEED_CORPUS, testStore, tmp, writeFiles } from './helpers.js';

let embedder: Embedder;
beforeAll(async () => {
  embedder = await pretrainedEmbedder();
});

const norm = (s: string) => fold(s).replace(/\s+/g, ' ');
const holds = (text: string, answer: string) => norm(text).includes(norm(answer));

async function ask(store: Store, scope: Scope, q: string) {
  return composeAnswer(store, q, await search(store, embedder, scope, q, 3), { all: true });
}

const SERVER = guildLibrary('123456789012345678');

const BRINDLEMOOR = `Brindlemoor approves Quillet footbridge

The Brindlemoor town council voted seven to two on Tuesday evening to spend 4,817,250 florins on a covered timber footbridge over the Quillet River.

The bridge will link the market square with the new housing on the east bank, where some 900 families have moved in the past three years.

Councillor Annick Dobrev, who proposed the plan, said the crossing would take about eighteen months to build. The two councillors who voted against it said the money should have gone to the town's schools.

Work is expected to start in the spring, once the river is low enough for the foundations to be laid.
`;

describe('an answer stated in the question’s own words is never refused', () => {
  it('in an article a server has just added: invented town, river and currency', async () => {
    const store = await (await testStore()).open();
    const opts = { store, embedder, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 };
    await updateIndex(opts);
    await addUpload(opts, SERVER, 'brindlemoor.txt', Buffer.from(BRINDLEMOOR));
    const scope = [SHARED, SERVER];
    for (const q of ['How much will the Brindlemoor council spend on the Quillet footbridge?', 'How much will the council spend on the footbridge?']) {
      const a = await ask(store, scope, q);
      expect(a.answered, q).toBe(true);
      expect(a.passages[0].text).toContain('4,817,250 florins');
    }
    // Questions about the same bridge that the article does not answer.
    for (const q of ['Who designed the Quillet footbridge?', 'How much will the toll on the Quillet footbridge be?']) {
      expect((await ask(store, scope, q)).answered, q).toBe(false);
    }
  });

  it('in a 30,000-passage archive, right after the article is added', async () => {
    const store = await (await testStore()).open();
    await store.commit({ settings: settingsFor(embedder) });
    const archive = guildLibrary('223456789012345678');
    const { modelsDir } = loadConfig();
    await synthetic(path.join(modelsDir, embedder.modelId, 'vocab.txt'), embedder.dims).fill(store, archive, 30_000, embedder.modelId);
    await store.refresh();
    const opts = { store, embedder, corpusDir: tmp(), maxFileBytes: 1e7 };
    const article = `Orchard Street bridge to be replaced\n\nThe city will replace the Orchard Street bridge over the rail yards, the transport department said on Monday.\n\nEngineers put the cost of the new bridge at 4.2 million dollars. Work is to begin next year.\n`;
    await addUpload(opts, archive, 'orchard.txt', Buffer.from(article));
    await store.refresh();
    const a = await ask(store, [archive], 'How much will the new Orchard Street bridge cost?');
    expect(a.answered).toBe(true);
    expect(a.passages[0].text).toContain('4.2 million dollars');
  }, 180_000);

  it('in invented articles of a seed not used in training: every question in the article’s words answered and quoted', async () => {
    const corpus = tmp('verbatim-invented-');
    const invented = inventCorpus(1001, 24);
    writeFiles(corpus, Object.fromEntries(invented.articles.map((a) => [a.file, a.text])));
    const store = await (await testStore()).open();
    await updateIndex({ store, embedder, corpusDir: corpus, maxFileBytes: 1e7 });
    await store.refresh();
    const plain = invented.questions.filter((q) => q.kind === 'plain');
    expect(plain.length).toBeGreaterThanOrEqual(140);
    let quoted = 0;
    const refused: string[] = [];
    for (const q of plain) {
      const a = await ask(store, [SHARED], q.q);
      if (!a.answered) refused.push(q.q);
      if (a.passages.some((p) => q.a.some((x) => holds(p.text, x)))) quoted++;
    }
    expect(refused).toEqual([]);
    expect(quoted / plain.length).toBeGreaterThanOrEqual(0.98);
  }, 120_000);
});
