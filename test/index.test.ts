// Incremental indexing and persistence, with the real model: only what changed is embedded, the counts
// add up, and what is written to disk loads back the same.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { liveCount, loadStore, StoreError } from '../src/index/store.js';
import { updateIndex } from '../src/index/update.js';
import { openSearchIndex, search } from '../src/search/search.js';
import { counting, realEmbedder, SEED_CORPUS, tmp, writeFiles } from './helpers.js';

let base: Embedder;
beforeAll(async () => {
  base = await realEmbedder();
});

function seedCopy(): string {
  const dir = tmp('verbatim-corpus-');
  fs.cpSync(SEED_CORPUS, dir, { recursive: true });
  return dir;
}

const NEW_ARTICLE = `Vietnam, US discuss naval training

HANOI (VNA) – Vietnamese and US naval officers held a training workshop on search and rescue at sea in Hai Phong on Friday.

The workshop covered submarine rescue drills, which the officers said would continue next year.
`;

describe('incremental indexing', () => {
  it('embeds only new, changed and never-seen passages; removes deleted files; counts add up', async () => {
    const corpus = seedCopy();
    const embeddings = tmp('verbatim-emb-');
    const opts = (e: Embedder) => ({ corpusDir: corpus, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: e });

    const e1 = counting(base);
    const first = await updateIndex(opts(e1));
    expect(first.summary.files).toBe(5);
    expect(first.summary.passages).toBe(55);
    expect(e1.embedded).toHaveLength(55);

    // Nothing changed: nothing embedded, nothing written.
    const e2 = counting(base);
    const again = await updateIndex(opts(e2));
    expect(e2.embedded).toHaveLength(0);
    expect(again.summary.changed).toBe(false);

    // A new article: only its passages.
    fs.writeFileSync(path.join(corpus, 'new.txt'), NEW_ARTICLE);
    const e3 = counting(base);
    const added = await updateIndex(opts(e3));
    expect(added.summary.added).toEqual(['new.txt']);
    expect(e3.embedded).toHaveLength(2);
    expect(added.summary.passages).toBe(57);

    // An edited article: the changed paragraph is embedded, the others reuse their vectors.
    const f = path.join(corpus, '000_bf6e7665d97fa8bf.txt');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('held talks with his visiting US counterpart', 'met his visiting US counterpart'));
    const e4 = counting(base);
    const edited = await updateIndex(opts(e4));
    expect(edited.summary.updated).toEqual(['000_bf6e7665d97fa8bf.txt']);
    expect(e4.embedded).toHaveLength(1);
    expect(e4.embedded[0]).toContain('met his visiting US counterpart');
    expect(edited.summary.reused).toBe(9);
    expect(edited.summary.passages).toBe(57);

    // A deleted article disappears from the index and from answers.
    fs.rmSync(path.join(corpus, 'new.txt'));
    const e5 = counting(base);
    const deleted = await updateIndex(opts(e5));
    expect(deleted.summary.deleted).toEqual(['new.txt']);
    expect(e5.embedded).toHaveLength(0);
    expect(deleted.summary.passages).toBe(55);
    const index = openSearchIndex(deleted.store);
    const r = await search(index, base, 'submarine rescue drills in Hai Phong', 5);
    expect(r.ranking.every((f) => deleted.store.passages[f.label]?.file !== 'new.txt')).toBe(true);

    // The manifest agrees with the passages: each article's labels are its live passages.
    const store = loadStore(embeddings)!;
    const perArticle = Object.values(store.manifest.articles).reduce((n, a) => n + a.labels.length, 0);
    expect(perArticle).toBe(liveCount(store));
    for (const a of Object.values(store.manifest.articles)) {
      for (const l of a.labels) expect(store.passages[l]?.file).toBe(a.file);
    }
  });

  it('a renamed file reuses every vector', async () => {
    const corpus = seedCopy();
    const embeddings = tmp('verbatim-emb-');
    await updateIndex({ corpusDir: corpus, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: base });
    fs.renameSync(path.join(corpus, '002_ad9c671880811640.txt'), path.join(corpus, 'renamed.txt'));
    const e = counting(base);
    const r = await updateIndex({ corpusDir: corpus, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: e });
    expect(e.embedded).toHaveLength(0);
    expect(r.summary.reused).toBe(16);
    expect(r.summary.passages).toBe(55);
  });

  it('a model change rebuilds everything', async () => {
    const corpus = seedCopy();
    const embeddings = tmp('verbatim-emb-');
    await updateIndex({ corpusDir: corpus, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: base });
    const other = counting({ ...base, modelId: 'Xenova/all-MiniLM-L6-v2' });
    const r = await updateIndex({ corpusDir: corpus, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: other });
    expect(r.summary.rebuilt).toMatch(/model changed/);
    expect(other.embedded).toHaveLength(55);
    expect(loadStore(embeddings)!.manifest.modelId).toBe('Xenova/all-MiniLM-L6-v2');
  });
});

describe('deletions', () => {
  it('compacts the graph once deleted passages pile up, and answers stay right', async () => {
    const corpus = tmp('verbatim-compact-');
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) {
      files[`a${i}.txt`] = `Story ${i}\n\n` + Array.from({ length: 10 }, (_, j) => `Paragraph ${j} of story ${i} is about the port of city number ${i} and its ${j} cranes.`).join('\n\n');
    }
    writeFiles(corpus, files);
    const embeddings = tmp('verbatim-compact-emb-');
    const opts = { corpusDir: corpus, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: base };
    await updateIndex(opts);
    for (let i = 0; i < 8; i++) fs.rmSync(path.join(corpus, `a${i}.txt`));
    const { store, summary } = await updateIndex(opts);
    expect(summary.removed).toBe(80);
    expect(store.passages).toHaveLength(40); // re-packed: no deleted slots left
    expect(store.passages.every((p) => p !== null)).toBe(true);
    expect(store.manifest.hnsw.deleted).toBe(0);
    const loaded = loadStore(embeddings)!;
    expect(loaded.passages).toHaveLength(40);
    const r = await search(openSearchIndex(loaded), base, 'What is the port of city number 9 about?', 3);
    expect(loaded.passages[r.selected[0].label]!.file).toBe('a9.txt');
  });
});

describe('persistence', () => {
  it('round-trips: the index loaded from disk answers exactly as the one that was built', async () => {
    const embeddings = tmp('verbatim-emb-');
    const { store } = await updateIndex({ corpusDir: SEED_CORPUS, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: base });
    const loaded = loadStore(embeddings)!;
    expect(loaded.passages).toEqual(store.passages);
    expect(loaded.manifest.articles).toEqual(store.manifest.articles);
    expect(loaded.manifest.modelId).toBe(base.modelId);
    const q = 'What did the US call on all parties to carry out in the East Sea?';
    const a = await search(openSearchIndex(store), base, q, 3);
    const b = await search(openSearchIndex(loaded), base, q, 3);
    expect(b.selected.map((f) => f.label)).toEqual(a.selected.map((f) => f.label));
    expect(b.selected.map((f) => f.score)).toEqual(a.selected.map((f) => f.score));
  });

  it('detects a truncated or mismatched index file and rebuilds it with a message', async () => {
    const embeddings = tmp('verbatim-emb-');
    const opts = { corpusDir: SEED_CORPUS, embeddingsDir: embeddings, maxFileBytes: 1e7, embedder: base };
    await updateIndex(opts);
    const gen = fs.readFileSync(path.join(embeddings, 'CURRENT'), 'utf8').trim();
    for (const file of ['index.hnsw', 'passages.json', 'keywords.json', 'manifest.json']) {
      const p = path.join(embeddings, loadGen(embeddings), file);
      fs.writeFileSync(p, fs.readFileSync(p).subarray(0, 100));
      expect(() => loadStore(embeddings)).toThrow(StoreError);
      const r = await updateIndex(opts);
      expect(r.summary.rebuilt).toMatch(/could not be used/);
      expect(r.summary.passages).toBe(55);
      expect(loadStore(embeddings)!.passages).toHaveLength(55);
    }
    expect(gen).toMatch(/^gen-\d+$/);
  });
});

function loadGen(dir: string): string {
  return fs.readFileSync(path.join(dir, 'CURRENT'), 'utf8').trim();
}
