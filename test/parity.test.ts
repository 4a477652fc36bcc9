// The same question gets the same quotes on both stores: the SQuAD subset of ../shared/eval is indexed in
// the embedded store and in PostgreSQL (PGlite with pgvector, over the wire), every answerable question is
// asked of both, and the top passage must be the same for at least 99% of them.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { unglue } from '../src/ingest/glued.js';
import type { Article } from '../src/ingest/types.js';
import { settingsFor, toNewArticle } from '../src/index/update.js';
import { search } from '../src/search/search.js';
import { openStore } from '../src/store/open.js';
import { SHARED, type Store } from '../src/store/types.js';
import { startPglite } from './pglite.js';
import { onCleanup, realEmbedder, SHARED_EVAL, tmp } from './helpers.js';

interface SquadFile {
  data: { title: string; paragraphs: { context: string; qas: { question: string; is_impossible?: boolean }[] }[] }[];
}

const squad = JSON.parse(fs.readFileSync(path.join(SHARED_EVAL, 'squad/dev-v2.0-3articles.json'), 'utf8')) as SquadFile;
const articles: Article[] = squad.data.map((d) => {
  const file = `${d.title}.txt`;
  let at = 0;
  const passages = d.paragraphs.map((p, i) => {
    const r = { docId: file, file, paragraph: i + 1, part: 0, start: at, end: at + p.context.length, text: p.context, searchText: unglue(p.context) };
    at += p.context.length + 2;
    return r;
  });
  return { docId: file, file, format: 'txt', title: d.title.replace(/_/g, ' '), titleIsFallback: false, source: null, date: null, url: null, byline: null, passages, warnings: [] };
});
const questions = squad.data.flatMap((d) => d.paragraphs.flatMap((p) => p.qas.filter((q) => !q.is_impossible).map((q) => q.question)));

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
