// Crash safety and concurrency of indexing, with real processes: kill -9 at random moments leaves either
// the old or the new set of articles (never a mixture) and a store that checks out, a damaged database is
// reported in words, and two indexers never write at once.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ask, closeEngine, openEngine, reindex } from '../src/engine.js';
import { search } from '../src/search/search.js';
import { SHARED, type Store } from '../src/store/types.js';
import { STATIC_MODEL_ID } from '../src/embed/presets.js';
import { realEmbedder, ROOT, SEED_CORPUS, TEST_STORE, testConfig, testStore, tmp, writeFiles, type TestStore } from './helpers.js';

const CLI = path.join(ROOT, 'bin/verbatim.mjs');

// The offline model: these tests are about what a kill leaves behind, and index many files many times.
function env(corpus: string, store: TestStore): NodeJS.ProcessEnv {
  return { ...process.env, CORPUS_DIR: corpus, ...store.env, LOG_LEVEL: 'silent', EMBEDDING_MODEL: STATIC_MODEL_ID };
}

function extraArticles(n: number, tag: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const paras = Array.from({ length: 12 }, (_, j) => `Report ${tag}-${i} paragraph ${j}: delegates discussed the harbour of city ${i}, fisheries quota ${j}, and a ${tag} festival with ${i * j} visitors.`);
    files[`${tag}-${String(i).padStart(3, '0')}.txt`] = `${tag} article number ${i}\n\n${paras.join('\n\n')}\n`;
  }
  return files;
}

function runIndex(corpus: string, store: TestStore) {
  return spawnSync(process.execPath, [CLI, 'index'], { env: env(corpus, store), encoding: 'utf8', timeout: 120_000 });
}

/** Starts `verbatim index` and kills it with SIGKILL after `ms`. */
async function killDuring(corpus: string, store: TestStore, ms: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'index'], { env: env(corpus, store), stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  await Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
  child.kill('SIGKILL');
  await exited;
}

async function filesIn(store: Store): Promise<string[]> {
  await store.refresh();
  return (await store.articles([SHARED])).map((a) => a.file).sort();
}

async function expectWhole(store: Store): Promise<void> {
  const report = await store.check();
  expect(report.lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
}

describe('crash safety', () => {
  it('kill -9 during full and incremental indexing, many times: old or new set of articles, never a mixture', async () => {
    const corpus = tmp('verbatim-crash-corpus-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    writeFiles(corpus, extraArticles(40, 'first'));
    const full = fs.readdirSync(corpus).sort();
    const ts = await testStore();
    const store = await ts.open();

    // Full index from nothing.
    for (let i = 0; i < 4; i++) {
      await killDuring(corpus, ts, 800 + Math.random() * 2200);
      const files = await filesIn(store);
      expect([[], full]).toContainEqual(files);
      await expectWhole(store);
    }
    const done = runIndex(corpus, ts);
    expect(done.status).toBe(0);
    expect(await filesIn(store)).toEqual(full);

    // Incremental: 40 more articles arrive; every kill leaves the old set or the new one, and answers.
    writeFiles(corpus, extraArticles(40, 'second'));
    const bigger = fs.readdirSync(corpus).sort();
    for (let i = 0; i < 4; i++) {
      await killDuring(corpus, ts, 800 + Math.random() * 2200);
      expect([full, bigger]).toContainEqual(await filesIn(store));
      await expectWhole(store);
      const r = await search(store, await realEmbedder(), [SHARED], 'What did the delegates discuss about the harbour?', 3);
      expect(r.answered).toBe(true);
    }
    const finished = runIndex(corpus, ts);
    expect(finished.status).toBe(0);
    expect(finished.stdout).toMatch(new RegExp(`^Indexed ${bigger.length} files`, 'm'));
    expect(await filesIn(store)).toEqual(bigger);
    await expectWhole(store);
  }, 300_000);

  it.skipIf(TEST_STORE !== 'sqlite')('a damaged database is reported in words, never with a stack trace', async () => {
    const ts = await testStore();
    expect(runIndex(SEED_CORPUS, ts).status).toBe(0);
    const db = path.join(ts.embeddingsDir, 'verbatim.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
    fs.writeFileSync(db, Buffer.alloc(8192, 7));
    const r = runIndex(SEED_CORPUS, ts);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/The index is damaged: the database .*verbatim\.db cannot be opened/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const doctor = spawnSync(process.execPath, [CLI, 'doctor'], { env: env(SEED_CORPUS, ts), encoding: 'utf8' });
    expect(doctor.status).toBe(1);
  });

  it('verbatim doctor says the database and the vector index agree', async () => {
    const ts = await testStore();
    expect(runIndex(SEED_CORPUS, ts).status).toBe(0);
    const r = spawnSync(process.execPath, [CLI, 'doctor'], { env: env(SEED_CORPUS, ts), encoding: 'utf8' });
    expect(r.stdout).toMatch(/All checks passed/);
    expect(r.stdout).toMatch(/every passage has (a stored vector|its vector)/);
    expect(r.status).toBe(0);
  });
});

describe('concurrency', () => {
  it('an indexer that finds the store locked says so, waits, then finishes', async () => {
    const ts = await testStore();
    const holder = await ts.open();
    const release = await holder.lockWriter();
    const c = spawn(process.execPath, [CLI, 'index'], { env: env(SEED_CORPUS, ts) });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => c.on('exit', r));
    const deadline = Date.now() + 60_000;
    while (!err.includes('Another indexer is running; waiting') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(err).toMatch(/Another indexer is running; waiting/);
    expect(await filesIn(holder)).toEqual([]); // nothing written while it waits
    await release();
    expect(await exited).toBe(0);
    expect(out).toMatch(/^Indexed 5 files, 55 passages/m);
  }, 120_000);

  it('two index runs at once both finish, and the passages were embedded once in all', async () => {
    const corpus = tmp('verbatim-two-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    writeFiles(corpus, extraArticles(30, 'twin'));
    const ts = await testStore();
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, [CLI, 'index'], { env: env(corpus, ts) });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('exit', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const embedded = [a.out, b.out].map((o) => Number(/(\d+) embedded/.exec(o)?.[1]));
    expect(embedded.sort((x, y) => x - y)).toEqual([0, 55 + 30 * 12]);
    expect(await filesIn(await ts.open())).toHaveLength(35);
  }, 120_000);

  it('questions during a re-index are answered from the committed state until the update is complete', async () => {
    const corpus = tmp('verbatim-serve-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    const engine = await openEngine(testConfig(corpus, await testStore()));
    try {
      writeFiles(corpus, { ...extraArticles(60, 'late'), 'ferry.txt': 'A ferry line opens\n\nA new ferry line between Phu Quoc and Ha Tien opened on Sunday with four daily departures.\n' });
      const running = reindex(engine);
      const during = await ask(engine, 'Which ferry line opened between Phu Quoc and Ha Tien?');
      const seeds = await ask(engine, 'Who is Jessica Lewis?');
      expect(during.answered).toBe(false);
      expect(seeds.passages[0].text).toContain('Jessica Lewis');
      await running;
      const after = await ask(engine, 'Which ferry line opened between Phu Quoc and Ha Tien?');
      expect(after.passages[0].file).toBe('ferry.txt');
    } finally {
      await closeEngine(engine);
    }
  }, 120_000);

  it('index --watch turns a burst of 100 file changes into one or two re-indexes', async () => {
    const corpus = tmp('verbatim-watch-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    const child = spawn(process.execPath, [CLI, 'index', '--watch'], { env: env(corpus, await testStore()) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const until = async (pred: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      await until(() => out.includes('Watching'), 60_000);
      const burst = extraArticles(100, 'burst');
      for (const [name, text] of Object.entries(burst)) fs.writeFileSync(path.join(corpus, name), text);
      await until(() => /Indexed 105 files/.test(out), 60_000);
      await new Promise((r) => setTimeout(r, 2500)); // room for a (wrong) third run to show up
      const runs = out.split('\n').filter((l) => l.startsWith('Indexed')).length - 1; // minus the initial index
      expect(out, err).toMatch(/Indexed 105 files/);
      expect(runs).toBeGreaterThanOrEqual(1);
      expect(runs).toBeLessThanOrEqual(2);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 120_000);
});
