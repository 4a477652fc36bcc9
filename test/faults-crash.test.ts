// Crash safety and concurrency of indexing, with real processes: kill -9 at random moments leaves either
// the old or the new index (never a mixture), damaged files are detected and rebuilt, and two indexers
// never run at once.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ask, openEngine, reindex } from '../src/engine.js';
import { loadStore, StoreError } from '../src/index/store.js';
import { acquireIndexLock } from '../src/index/lock.js';
import { openSearchIndex, search } from '../src/search/search.js';
import { realEmbedder, ROOT, SEED_CORPUS, tmp, writeFiles } from './helpers.js';

const CLI = path.join(ROOT, 'bin/verbatim.mjs');

function env(corpus: string, embeddings: string): NodeJS.ProcessEnv {
  return { ...process.env, CORPUS_DIR: corpus, EMBEDDINGS_DIR: embeddings, LOG_LEVEL: 'silent' };
}

function extraArticles(n: number, tag: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const paras = Array.from({ length: 12 }, (_, j) => `Report ${tag}-${i} paragraph ${j}: delegates discussed the harbour of city ${i}, fisheries quota ${j}, and a ${tag} festival with ${i * j} visitors.`);
    files[`${tag}-${String(i).padStart(3, '0')}.txt`] = `${tag} article number ${i}\n\n${paras.join('\n\n')}\n`;
  }
  return files;
}

function runIndex(corpus: string, embeddings: string) {
  return spawnSync(process.execPath, [CLI, 'index'], { env: env(corpus, embeddings), encoding: 'utf8', timeout: 120_000 });
}

/** Starts `verbatim index` and kills it with SIGKILL after `ms`. */
async function killDuring(corpus: string, embeddings: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'index'], { env: env(corpus, embeddings), stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  await Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
  child.kill('SIGKILL');
  await exited;
}

function filesIn(embeddings: string): string[] | null {
  const store = loadStore(embeddings); // throws StoreError on any mixture or damage
  return store ? Object.keys(store.manifest.articles).sort() : null;
}

describe('crash safety', () => {
  it('kill -9 during full and incremental indexing, many times: old or new index, never a mixture', async () => {
    const corpus = tmp('verbatim-crash-corpus-');
    const embeddings = tmp('verbatim-crash-emb-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    writeFiles(corpus, extraArticles(40, 'first'));
    const full = fs.readdirSync(corpus).sort();

    // Full index from nothing.
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      await killDuring(corpus, embeddings, 800 + Math.random() * 3000);
      const files = filesIn(embeddings);
      seen.add(files === null ? 'none' : files.length === full.length ? 'new' : 'MIXED');
      if (files) expect(files).toEqual(full);
    }
    expect(seen.has('MIXED')).toBe(false);
    const done = runIndex(corpus, embeddings);
    expect(done.status).toBe(0);
    expect(filesIn(embeddings)).toEqual(full);

    // Incremental: 40 more articles arrive; every kill leaves the old set or the new one.
    writeFiles(corpus, extraArticles(40, 'second'));
    const bigger = fs.readdirSync(corpus).sort();
    for (let i = 0; i < 6; i++) {
      await killDuring(corpus, embeddings, 800 + Math.random() * 3000);
      const files = filesIn(embeddings)!;
      expect([full, bigger]).toContainEqual(files);
      const store = loadStore(embeddings)!;
      const r = await search(openSearchIndex(store), await realEmbedder(), 'What did the delegates discuss about the harbour?', 3);
      expect(r.answered).toBe(true);
    }
    const finished = runIndex(corpus, embeddings);
    expect(finished.status).toBe(0);
    expect(finished.stdout).toMatch(new RegExp(`^Indexed ${bigger.length} files`, 'm'));
    expect(filesIn(embeddings)).toEqual(bigger);
    // No temporary generations are left behind once an index completes.
    expect(fs.readdirSync(embeddings).filter((n) => n.startsWith('.gen-') || n.startsWith('gen-'))).toHaveLength(1);
  }, 300_000);

  it('a damaged CURRENT pointer or a missing generation is detected and rebuilt with a message', () => {
    const embeddings = tmp('verbatim-damage-');
    expect(runIndex(SEED_CORPUS, embeddings).status).toBe(0);
    const gen = fs.readFileSync(path.join(embeddings, 'CURRENT'), 'utf8').trim();
    fs.rmSync(path.join(embeddings, gen), { recursive: true });
    expect(() => loadStore(embeddings)).toThrow(StoreError);
    const r = runIndex(SEED_CORPUS, embeddings);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/full rebuild: the previous index could not be used \(the index file gen-\d+\/manifest\.json is missing\)/);
    fs.writeFileSync(path.join(embeddings, 'CURRENT'), '\u0000\u0001garbage');
    expect(runIndex(SEED_CORPUS, embeddings).stdout).toMatch(/^Indexed 5 files, 55 passages: 55 embedded/m);
    expect(filesIn(embeddings)).toHaveLength(5);
  });
});

describe('concurrency', () => {
  it('an indexer that finds the index locked says so, waits, then finishes', async () => {
    const embeddings = tmp('verbatim-locked-');
    const release = await acquireIndexLock(embeddings);
    const c = spawn(process.execPath, [CLI, 'index'], { env: env(SEED_CORPUS, embeddings) });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => c.on('exit', r));
    const deadline = Date.now() + 60_000;
    while (!err.includes('Another indexer is running; waiting') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(err).toMatch(/Another indexer is running; waiting/);
    expect(loadStore(embeddings)).toBeNull(); // nothing written while it waits
    await release();
    expect(await exited).toBe(0);
    expect(out).toMatch(/^Indexed 5 files, 55 passages/m);
  }, 120_000);

  it('two index runs at once both finish, and the index is whole', async () => {
    const corpus = tmp('verbatim-two-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    writeFiles(corpus, extraArticles(30, 'twin'));
    const embeddings = tmp('verbatim-two-emb-');
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, [CLI, 'index'], { env: env(corpus, embeddings) });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('exit', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    // Whatever the timing, the passages were embedded once in all.
    const embedded = [a.out, b.out].map((o) => Number(/(\d+) embedded/.exec(o)?.[1]));
    expect(embedded.sort((x, y) => x - y)).toEqual([0, 55 + 30 * 12]);
    expect(filesIn(embeddings)).toHaveLength(35);
  }, 120_000);

  it('questions during a re-index are answered from the old index until the new one is complete', async () => {
    const corpus = tmp('verbatim-serve-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    const config = loadConfig({ ...process.env, CORPUS_DIR: corpus, EMBEDDINGS_DIR: tmp('verbatim-serve-emb-') });
    const engine = await openEngine(config);
    const old = engine.index;
    writeFiles(corpus, { ...extraArticles(60, 'late'), 'ferry.txt': 'A ferry line opens\n\nA new ferry line between Phu Quoc and Ha Tien opened on Sunday with four daily departures.\n' });
    const running = reindex(engine);
    const during = await ask(engine, 'Which ferry line opened between Phu Quoc and Ha Tien?');
    const seeds = await ask(engine, 'Who is Jessica Lewis?');
    expect(engine.index).toBe(old); // still serving the old index
    expect(during.answered).toBe(false);
    expect(seeds.passages[0].text).toContain('Jessica Lewis');
    await running;
    expect(engine.index).not.toBe(old);
    const after = await ask(engine, 'Which ferry line opened between Phu Quoc and Ha Tien?');
    expect(after.passages[0].file).toBe('ferry.txt');
  }, 120_000);

  it('index --watch turns a burst of 100 file changes into one or two re-indexes', async () => {
    const corpus = tmp('verbatim-watch-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    const embeddings = tmp('verbatim-watch-emb-');
    const child = spawn(process.execPath, [CLI, 'index', '--watch'], { env: env(corpus, embeddings) });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
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
      expect(out).toMatch(/Indexed 105 files/);
      expect(runs).toBeGreaterThanOrEqual(1);
      expect(runs).toBeLessThanOrEqual(2);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 120_000);
});
