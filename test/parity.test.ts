// The same question gets the same quotes on both stores: the SQuAD subset of ../shared/eval is indexed in
// the embedded store and in PostgreSQL (PGlite with pgvector, over the wire), every answerable question is
// asked of both, and the top passage must be the same for at least 99% of them.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { settingsFor, toNewArticle } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import { openStore } from '../src/store/open.js';
import { SHARED, type Store } from '../src/store/types.js';
import { readSquad } from '../scripts/lib/squad.js';
import { startPglite } from './pglite.js';
import { onCleanup, realEmbedder, SHARED_EVAL, tmp } from './helpers.js';

const squad = readSquad(path.join(SHARED_EVAL, 'squad/dev-v2.0-3articles.json'));
const articles = squad.articles;
const questions = squad.questions.filter((q) => !q.impossible).map((q) => q.question);

let embedder: Embedder;
async function build(store: Store): Promise<void> {
  const made = articles.map((a) => toNewArticle(a, SHARED, { hash: a.file, size: 0, mtimeMs: 0 }));
  const passages = made.flatMap((a) => a.passages);
  const vectors = await embedder.embedPassages(passages.map((p) => p.searchText));
  await store.cacheVectors(embedder.modelId, new Map(passages.map((p, i) => [p.hash, vectors[i]])));
  await store.commit({ settings: settingsFor(embedder), libraries: [{ key: SHARED }], addArticles: made });
  await store.refresh();
}

beforeAll(async () => {
  embedder = await realEmbedder();
});

describe('the embedded store and PostgreSQL', () => {
  it('give the same top passage for at least 99% of the SQuAD questions, and the same decision to answer', async () => {
    const server = await startPglite();
    onCleanup(() => server.stop());
    const sqlite = await openStore({ embeddingsDir: tmp('verbatim-parity-'), storeUrl: undefined });
    const postgres = await openStore({ embeddingsDir: tmp('verbatim-parity-pg-'), storeUrl: server.url });
    onCleanup(() => sqlite.close());
    onCleanup(() => postgres.close());
    await build(sqlite);
    await build(postgres);
    let same = 0;
    let sameDecision = 0;
    const differ: string[] = [];
    for (const q of questions) {
      const [a, b] = await Promise.all([search(sqlite, embedder, [SHARED], q, 3), search(postgres, embedder, [SHARED], q, 3)]);
      const key = (r: typeof a) => (r.selected[0] ? `${r.selected[0].passage.file}¶${r.selected[0].passage.paragraph}` : 'none');
      if (key(a) === key(b)) same++;
      else differ.push(`${q}: ${key(a)} / ${key(b)}`);
      if (a.answered === b.answered) sameDecision++;
    }
    expect(same / questions.length, differ.slice(0, 10).join('\n')).toBeGreaterThanOrEqual(0.99);
    expect(sameDecision / questions.length).toBeGreaterThanOrEqual(0.99);
  }, 300_000);
});
