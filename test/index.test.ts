// Incremental indexing into the store, with the real model: only what changed is embedded, the counts
// add up, the store agrees with itself, and what is written loads back and answers the same.
import fs from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embed/model.js';
import { updateIndex, type UpdateOptions } from '../src/index/update.js';
import { entityTags } from '../src/ingest/entities.js';
import { search } from '../src/search/search.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { SHARED, type Store } from '../src/store/types.js';
import { sha256 } from '../src/text/hash.js';
import { counting, realEmbedder, SEED_CORPUS, TEST_STORE, testStore, tmp, writeFiles } from './helpers.js';

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

const opts = (store: Store, corpusDir: string, embedder: Embedder): UpdateOptions => ({ store, corpusDir, maxFileBytes: 1e7, embedder });

const UPGRADE_QUESTION = 'What did the US and Vietnam agree on dioxin?';

/** The bundled corpus indexed into a new embedded store in its own folder (closed again), and UPGRADE_QUESTION's ranking there. */
async function indexedSeed(prefix: string): Promise<{ dir: string; corpus: string; ranking: Awaited<ReturnType<typeof search>>['ranking'] }> {
  const dir = tmp(prefix);
  const corpus = seedCopy();
  const store = await openSqliteStore({ dir });
  await updateIndex(opts(store, corpus, base));
  const { ranking } = await search(store, base, [SHARED], UPGRADE_QUESTION, 3);
  await store.close();
  return { dir, corpus, ranking };
}

// What schema 9 added (each library's article count and bytes kept in its row), taken out to put a database
// back as an older schema kept it.
const BEFORE_SCHEMA_9 = 'ALTER TABLE libraries DROP COLUMN articles; ALTER TABLE libraries DROP COLUMN bytes;';

async function expectConsistent(store: Store): Promise<void> {
  const report = await store.check();
  expect(report.lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
  expect(report.ok).toBe(true);
}

describe('incremental indexing', () => {
  it('stores every passage with its entity tags, as they are counted here', async () => {
    const store = await (await testStore()).open();
    await updateIndex(opts(store, seedCopy(), base));
    const passages = [...(await store.passages(Array.from({ length: 200 }, (_, i) => i + 1))).values()];
    expect(passages).toHaveLength(55);
    for (const p of passages) expect(p.tags, p.text.slice(0, 60)).toEqual(entityTags(p.text));
    // The bundled articles name people, places and organisations and give dates: a tagger that did not run fails here.
    for (const kind of ['name', 'date', 'number'] as const) expect(passages.filter((p) => (p.tags[kind] ?? 0) > 0).length, kind).toBeGreaterThan(5);
    // A capitalised word opening a sentence is no name, nor is a month; a name inside one is, and so is one that opens it with more of the name after.
    expect(entityTags('Officials met in the spring. In March they signed.').name).toBeUndefined();
    expect(entityTags('The talks were held in Hanoi.').name).toBe(1);
    expect(entityTags('"We agreed," Leon Panetta said.').name).toBe(1);
    expect(entityTags('Leon Panetta visited. Talks followed.').name).toBe(1);
    expect(entityTags('Troops left the U.S. base.').name).toBe(1);
  });

  it('embeds only new, changed and never-seen passages; removes deleted files; counts add up', async () => {
    const corpus = seedCopy();
    const store = await (await testStore()).open();

    const e1 = counting(base);
    const first = await updateIndex(opts(store, corpus, e1));
    expect(first.files).toBe(5);
    expect(first.passages).toBe(55);
    expect(e1.embedded).toHaveLength(55);

    // Nothing changed: nothing embedded, nothing written.
    const e2 = counting(base);
    const again = await updateIndex(opts(store, corpus, e2));
    expect(e2.embedded).toHaveLength(0);
    expect(again.changed).toBe(false);

    // A new article: only its passages.
    fs.writeFileSync(path.join(corpus, 'new.txt'), NEW_ARTICLE);
    const e3 = counting(base);
    const added = await updateIndex(opts(store, corpus, e3));
    expect(added.added).toEqual(['new.txt']);
    expect(e3.embedded).toHaveLength(2);
    expect(added.passages).toBe(57);

    // An edited article: the changed paragraph is embedded, the others reuse their vectors.
    const f = path.join(corpus, '000_bf6e7665d97fa8bf.txt');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('held talks with his visiting US counterpart', 'met his visiting US counterpart'));
    const e4 = counting(base);
    const edited = await updateIndex(opts(store, corpus, e4));
    expect(edited.updated).toEqual(['000_bf6e7665d97fa8bf.txt']);
    expect(e4.embedded).toHaveLength(1);
    expect(e4.embedded[0]).toContain('met his visiting US counterpart');
    expect(edited.reused).toBe(9);
    expect(edited.passages).toBe(57);

    // A deleted article disappears from the store and from answers.
    fs.rmSync(path.join(corpus, 'new.txt'));
    const e5 = counting(base);
    const deleted = await updateIndex(opts(store, corpus, e5));
    expect(deleted.deleted).toEqual(['new.txt']);
    expect(e5.embedded).toHaveLength(0);
    expect(deleted.passages).toBe(55);
    await store.refresh();
    const r = await search(store, base, [SHARED], 'submarine rescue drills in Hai Phong', 5);
    expect(r.ranking.every((f) => f.passage.file !== 'new.txt')).toBe(true);
    await expectConsistent(store);
  });

  it('a renamed file reuses every vector', async () => {
    const corpus = seedCopy();
    const store = await (await testStore()).open();
    await updateIndex(opts(store, corpus, base));
    fs.renameSync(path.join(corpus, '002_ad9c671880811640.txt'), path.join(corpus, 'renamed.txt'));
    const e = counting(base);
    const r = await updateIndex(opts(store, corpus, e));
    expect(e.embedded).toHaveLength(0);
    expect(r.reused).toBe(16);
    expect(r.passages).toBe(55);
  });

  it('a model change rebuilds everything', async () => {
    const corpus = seedCopy();
    const store = await (await testStore()).open();
    await updateIndex(opts(store, corpus, base));
    const other = counting({ ...base, modelId: 'Xenova/all-MiniLM-L6-v2' });
    const r = await updateIndex(opts(store, corpus, other));
    expect(r.rebuilt).toMatch(/model changed/);
    expect(other.embedded).toHaveLength(55);
    expect((await store.settings())!.modelId).toBe('Xenova/all-MiniLM-L6-v2');
    await expectConsistent(store);
  });
});

describe('deletions', () => {
  it('space freed by deleted passages is reused, and answers stay right', async () => {
    const corpus = tmp('verbatim-compact-');
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) {
      files[`a${i}.txt`] = `Story ${i}\n\n` + Array.from({ length: 10 }, (_, j) => `Paragraph ${j} of story ${i} is about the port of city number ${i} and its ${j} cranes.`).join('\n\n');
    }
    writeFiles(corpus, files);
    const store = await (await testStore()).open();
    await updateIndex(opts(store, corpus, base));
    for (let i = 0; i < 8; i++) fs.rmSync(path.join(corpus, `a${i}.txt`));
    const removed = await updateIndex(opts(store, corpus, base));
    expect(removed.removed).toBe(80);
    expect(removed.passages).toBe(40);
    writeFiles(corpus, { 'b.txt': 'Harbour news\n\nThe harbour of Qui Nhon gained a new container crane on Tuesday, the port authority said.\n' });
    await updateIndex(opts(store, corpus, base));
    await store.refresh();
    const r = await search(store, base, [SHARED], 'What is the port of city number 9 about?', 3);
    expect(r.selected[0].passage.file).toBe('a9.txt');
    const q = await search(store, base, [SHARED], 'Which harbour gained a container crane?', 3);
    expect(q.selected[0].passage.file).toBe('b.txt');
    await expectConsistent(store);
  });
});

describe('persistence', () => {
  it('round-trips: the store reopened answers exactly as the one that was built', async () => {
    const ts = await testStore();
    const store = await ts.open();
    await updateIndex(opts(store, SEED_CORPUS, base));
    await store.refresh();
    await store.close();
    const loaded = await ts.open();
    expect(await loaded.articles([SHARED])).toHaveLength(5);
    expect((await loaded.settings())!.modelId).toBe(base.modelId);
    const fresh = await ts.open();
    const q = 'What did the US call on all parties to carry out in the East Sea?';
    const a = await search(loaded, base, [SHARED], q, 3);
    const b = await search(fresh, base, [SHARED], q, 3);
    expect(b.selected.map((f) => f.id)).toEqual(a.selected.map((f) => f.id));
    expect(b.selected.map((f) => f.score)).toEqual(a.selected.map((f) => f.score));
    expect(a.selected[0].passage.text).toContain('Declaration on the Conduct of Parties');
  });

  it('a reader sees what another connection commits, without reopening', async () => {
    const ts = await testStore();
    const reader = await ts.open();
    const writer = await ts.open();
    const corpus = seedCopy();
    await updateIndex(opts(writer, corpus, base));
    await reader.refresh();
    expect(await reader.articles([SHARED])).toHaveLength(5);
    fs.writeFileSync(path.join(corpus, 'new.txt'), NEW_ARTICLE);
    await updateIndex(opts(writer, corpus, base));
    await reader.refresh();
    const r = await search(reader, base, [SHARED], 'Where was the naval training workshop on search and rescue held?', 3);
    expect(r.selected[0].passage.file).toBe('new.txt');
  });
});

describe.skipIf(TEST_STORE !== 'sqlite')('the vector index is a cache of the database', () => {
  it('a damaged, missing or stale saved graph is rebuilt from the stored vectors, with a message, embedding nothing', async () => {
    const dir = tmp('verbatim-emb-');
    const first = await openSqliteStore({ dir });
    await updateIndex(opts(first, SEED_CORPUS, base));
    await first.refresh();
    await first.close();
    const graphs = path.join(dir, 'hnsw');
    const saved = fs.readdirSync(graphs).filter((n) => n.endsWith('.hnsw'));
    expect(saved).toHaveLength(1);
    const q = 'Who is Jessica Lewis?';
    for (const damage of ['truncate', 'delete', 'pointer'] as const) {
      const file = path.join(graphs, fs.readdirSync(graphs).find((n) => n.endsWith('.hnsw'))!);
      if (damage === 'truncate') fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
      if (damage === 'delete') fs.rmSync(file);
      if (damage === 'pointer') fs.writeFileSync(path.join(graphs, 'lib-1.json'), '{"garbage":');
      const messages: string[] = [];
      const store = await openSqliteStore({ dir, onStatus: (m) => messages.push(m) });
      const e = counting(base);
      await store.refresh();
      const r = await search(store, e, [SHARED], q, 3);
      expect(r.selected[0].passage.text).toContain('Jessica Lewis');
      expect(messages.join('\n')).toMatch(/Rebuilding the vector index of library "shared" from 55 stored vectors \(the saved copy cannot be used: .+\); nothing is re-embedded/);
      expect(e.embedded).toHaveLength(0);
      await expectConsistent(store);
      await store.close();
    }
  });

  it("upgrades a database of the first schema: same vectors, same answers, nothing re-embedded", async () => {
    const { dir, corpus, ranking } = await indexedSeed('verbatim-schema1-');
    const q = UPGRADE_QUESTION;
    const before = ranking.map((f) => [f.id, f.cosine]);
    // Put it back as schema 1 kept it: vectors in a WITHOUT ROWID table keyed by model and hash, no
    // sentence spans stored with the passages, and nothing the keyword query reads besides FTS5's index.
    const db = new Database(path.join(dir, 'verbatim.db'));
    db.exec(`DROP TABLE passages_fts_instances; DROP INDEX passages_length; ${BEFORE_SCHEMA_9} DROP TABLE feed_entries; DROP TABLE feeds;
      CREATE TABLE v1 (model TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash)) WITHOUT ROWID;
      INSERT INTO v1 SELECT model, hash, vector FROM vectors; DROP TABLE vectors; ALTER TABLE v1 RENAME TO vectors;
      ALTER TABLE passages DROP COLUMN sentences; UPDATE meta SET value = '1' WHERE key = 'schema_version';`);
    db.close();

    const messages: string[] = [];
    const store = await openSqliteStore({ dir, onStatus: (m) => messages.push(m) });
    expect(messages.join('\n')).toMatch(/upgraded the database from schema 1 to \d+/i);
    const e = counting(base);
    expect((await updateIndex(opts(store, corpus, e))).changed).toBe(false);
    expect(e.embedded).toHaveLength(0);
    // The same vectors (every passage's cosine as before) and the same quotes. Scores may move a little: the
    // sentence vectors schema 1 never had are read as the passage's own until the next re-index computes
    // them (a model or chunker change, which every upgrade from schema 1 brings).
    const after1 = await search(store, base, [SHARED], q, 3);
    expect(new Map(after1.ranking.map((f) => [f.id, f.cosine]))).toEqual(new Map(before as [number, number][]));
    expect(after1.ranking[0].id).toBe(before[0][0]);
    // New vectors go into the new table, once each.
    fs.writeFileSync(path.join(corpus, 'new.txt'), NEW_ARTICLE);
    await updateIndex(opts(store, corpus, e));
    expect(e.embedded.length).toBeGreaterThan(0);
    await expectConsistent(store);
    await store.close();
    const after = new Database(path.join(dir, 'verbatim.db'), { readonly: true });
    expect(after.prepare("SELECT sql FROM sqlite_master WHERE name = 'vectors'").pluck().get()).not.toMatch(/WITHOUT ROWID/i);
    expect(after.prepare('SELECT COUNT(*) FROM vectors').pluck().get()).toBe(after.prepare('SELECT COUNT(DISTINCT hash) FROM passages').pluck().get());
    expect(after.prepare('SELECT COUNT(*) FROM passages WHERE sentences IS NULL').pluck().get()).toBe(0);
    after.close();
  });

  it("keeps each library's article count and size right through adds, changes, removals and an upgrade from schema 8", async () => {
    const { dir, corpus } = await indexedSeed('verbatim-counts-');
    const expectCounts = async (store: Store) => {
      const articles = await store.articles([SHARED]);
      const shared = (await store.libraries()).find((l) => l.key === SHARED);
      expect(shared?.articles).toBe(articles.length);
      expect(shared?.bytes).toBe(articles.reduce((n, a) => n + a.size, 0));
      return articles.length;
    };
    // Put it back as schema 8 kept it: the counts summed from the articles at every call.
    const db = new Database(path.join(dir, 'verbatim.db'));
    db.exec(`${BEFORE_SCHEMA_9} CREATE INDEX articles_library_size ON articles (library_id, size); UPDATE meta SET value = '8' WHERE key = 'schema_version';`);
    db.close();
    const store = await openSqliteStore({ dir });
    const seeded = await expectCounts(store);
    expect(seeded).toBeGreaterThan(2);
    const files = fs.readdirSync(corpus).sort();
    fs.writeFileSync(path.join(corpus, 'new.txt'), NEW_ARTICLE);
    fs.appendFileSync(path.join(corpus, files[0]), '\n\nA paragraph added later to this article, which makes its file longer than it was.\n');
    fs.rmSync(path.join(corpus, files[1]));
    const s = await updateIndex(opts(store, corpus, base));
    expect([s.added.length, s.updated.length, s.deleted.length]).toEqual([1, 1, 1]);
    expect(await expectCounts(store)).toBe(seeded);
    await expectConsistent(store);
    await store.close();
  });

  it('upgrades a store of float32 vectors to the compact layout: a quarter of the bytes, the same answers, nothing re-embedded', async () => {
    const { dir, corpus, ranking } = await indexedSeed('verbatim-schema6-');
    const q = UPGRADE_QUESTION;
    const before = ranking.slice(0, 10).map((f) => [f.id, f.cosine] as const);
    // Put it back as schema 6 kept it: float32 vectors, every passage's search text written out.
    const db = new Database(path.join(dir, 'verbatim.db'));
    const toFloat = (b: Buffer) => {
      const scale = b.readFloatLE(4);
      const v = Float32Array.from(new Int8Array(b.buffer, b.byteOffset + 8, b.byteLength - 8), (x) => x * scale);
      return Buffer.from(v.buffer);
    };
    for (const r of db.prepare('SELECT id, vector FROM vectors').all() as { id: number; vector: Buffer }[]) {
      db.prepare('UPDATE vectors SET vector = ? WHERE id = ?').run(toFloat(r.vector), r.id);
    }
    db.exec(`UPDATE passages SET search_text = text WHERE search_text = ''; ${BEFORE_SCHEMA_9} UPDATE meta SET value = '6' WHERE key = 'schema_version';`);
    const floatBytes = db.prepare('SELECT SUM(length(vector)) FROM vectors').pluck().get() as number;
    db.close();

    const messages: string[] = [];
    const store = await openSqliteStore({ dir, onStatus: (m) => messages.push(m) });
    expect(messages.join('\n')).toMatch(/upgraded the database from schema 6/i);
    const e = counting(base);
    expect((await updateIndex(opts(store, corpus, e))).changed).toBe(false);
    expect(e.embedded).toHaveLength(0);
    const after = (await search(store, base, [SHARED], q, 3)).ranking.slice(0, 10);
    expect(after[0].id).toBe(before[0][0]);
    const cosine = new Map(before);
    for (const f of after) if (cosine.has(f.id)) expect(Math.abs(f.cosine - cosine.get(f.id)!)).toBeLessThan(0.005);
    // The texts a passage is searched by read back whole, though stored once.
    const passages = await store.passages(after.map((f) => f.id));
    for (const p of passages.values()) expect(sha256(p.searchText)).toBe(p.hash);
    await expectConsistent(store);
    await store.close();
    const check = new Database(path.join(dir, 'verbatim.db'), { readonly: true });
    expect(check.prepare('SELECT SUM(length(vector)) FROM vectors').pluck().get() as number).toBeLessThan(floatBytes / 3);
    expect(check.prepare('SELECT COUNT(*) FROM passages WHERE search_text = text').pluck().get()).toBe(0);
    check.close();
  });

  it('imports an index from the layout before the database: vectors kept, sentence vectors computed once, old files left with a note', async () => {
    const dir = tmp('verbatim-legacy-');
    // The old layout: embeddings/CURRENT → gen-N/{manifest.json, passages.json, index.hnsw}.
    const corpus = seedCopy();
    const probe = await openSqliteStore({ dir: tmp() });
    await updateIndex(opts(probe, corpus, base));
    const passages = [...(await probe.passages(Array.from({ length: 200 }, (_, i) => i + 1))).values()];
    const vectors = await probe.cachedVectors(base.modelId, passages.map((p) => p.hash));
    await probe.close();
    const gen = path.join(dir, 'gen-000003');
    fs.mkdirSync(gen, { recursive: true });
    const hnsw = new hnswlib.HierarchicalNSW('cosine', base.dims);
    hnsw.initIndex(passages.length + 1);
    passages.forEach((p, i) => hnsw.addPoint(Array.from(vectors.get(p.hash)!), i));
    hnsw.writeIndexSync(path.join(gen, 'index.hnsw'));
    fs.writeFileSync(path.join(gen, 'passages.json'), JSON.stringify(passages.map((p, i) => ({ label: i, hash: sha256(p.searchText) }))));
    fs.writeFileSync(path.join(gen, 'manifest.json'), JSON.stringify({ version: 2, modelId: base.modelId, dims: base.dims, chunkerVersion: 'v1', maxTokens: 488 }));
    fs.writeFileSync(path.join(dir, 'CURRENT'), 'gen-000003\n');

    const messages: string[] = [];
    const store = await openSqliteStore({ dir, onStatus: (m) => messages.push(m) });
    expect(messages.join('\n')).toMatch(/Imported 55 vectors .* from the previous index layout .*embeds the passages once more for their sentence vectors\. The old files are left in place/);
    const e = counting(base);
    const r = await updateIndex(opts(store, corpus, e));
    expect(r.passages).toBe(55);
    // The old layout had no sentence vectors: each passage is embedded once more, once.
    expect(e.embedded).toHaveLength(55);
    const e2 = counting(base);
    await updateIndex(opts(store, corpus, e2));
    expect(e2.embedded).toHaveLength(0);
    expect(fs.existsSync(path.join(gen, 'index.hnsw'))).toBe(true);
    await store.close();
    // Only once.
    const again: string[] = [];
    await (await openSqliteStore({ dir, onStatus: (m) => again.push(m) })).close();
    expect(again).toEqual([]);
  });
});
