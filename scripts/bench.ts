// npm run bench [-- --sizes 10000,100000,1000000 --runs 3 --kills 50 --pglite 100000 --feeds 20 --no-write --keep DIR --reuse]
// Speed and scale of the store: embedding throughput, full indexing, and at each size the start-up of a
// fresh process (model + store ready), whole-path question latency, incremental add and removal, the
// vector index's recall against exact search and peak memory; then kill -9 at random moments of add,
// remove and re-index (`--kills`), the same figures on PostgreSQL (PGlite) at `--pglite` passages, and
// articles from feeds: `--feeds` feeds of 50 entries followed on a local site, then polled with nothing new.
// `--keep DIR` keeps each size's store in DIR/store-N; with `--reuse`, a store kept there before is
// measured again instead of being rebuilt (13 minutes at a million).
// Speed figures are medians over --runs runs (this machine is shared and noisy). Writes its table to
// docs/benchmarks.md between BENCH markers.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { loadEmbedder, type Embedder } from '../src/embed/model.js';
import { uniform as seededUniform } from '../src/embed/static/svd.js';
import type { Article } from '../src/ingest/types.js';
import { addUpload, removeArticles, settingsFor, toNewArticle, updateIndex } from '../src/index/update.js';
import { openStore } from '../src/store/open.js';
import { SHARED, type Store } from '../src/store/types.js';
import { HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M } from '../src/store/sqlite/hnsw.js';
import { startPglite } from '../test/pglite.js';
import { newsSite } from '../test/news-site.js';
import { followFeed, pollDue } from '../src/feeds/poll.js';
import type { Engine } from '../src/engine.js';
import { evalEmbedder, tempDir } from './lib/harness.js';
import { synthetic } from './lib/synthetic.js';
import { bundle } from '../bin/bundle.mjs';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SIZES = opt('sizes', '10000,100000').split(',').filter(Boolean).map(Number);
const RUNS = Number(opt('runs', '3'));
const KILLS = Number(opt('kills', '50'));
const PGLITE = Number(opt('pglite', '0'));
const FEEDS = Number(opt('feeds', '20'));
const rows: [string, string][] = [];
const log = (s: string) => process.stderr.write(s + '\n');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const now = () => performance.now();
const record = (k: string, v: string) => {
  rows.push([k, v]);
  log(`${k}: ${v}`);
};
const fmt = (n: number) => n.toLocaleString('en');

const config = loadConfig();
const embedder = await evalEmbedder();
const squad = JSON.parse(fs.readFileSync(path.resolve('../shared/eval/squad/dev-v2.0-3articles.json'), 'utf8')) as {
  data: { title: string; paragraphs: { context: string; qas: { question: string }[] }[] }[];
};
const paragraphs = squad.data.flatMap((d) => d.paragraphs.map((p) => p.context));
const questions = squad.data.flatMap((d) => d.paragraphs.flatMap((p) => p.qas.map((q) => q.question))).slice(0, 200);

// ——— synthetic text and vectors ———
const dims = embedder.dims;
const synth = synthetic(path.join(config.modelsDir, embedder.modelId, 'vocab.txt'), dims);
const synthVector = synth.vector;
const synthArticle = synth.article;
const uniform = seededUniform(7); // the moments of the kills

const SYNTH = 'guild:100000000000000000'; // a server's library: articles that live only in the store

/**
 * A store of `n` passages: synthetic articles with synthetic vectors (fast at any size), committed through
 * the store's own API in batches, plus the SQuAD paragraphs embedded for real so that real questions have
 * real answers. Entity tags are skipped for synthetic text (they cost time and mean nothing there).
 */
async function synthStore(store: Store, n: number): Promise<number> {
  const t0 = now();
  // The SQuAD paragraphs, embedded for real; then synthetic ones. Nothing reads the store meanwhile, so the
  // vector index is built once at the end, as after `verbatim index` of an archive.
  const squadNew = toNewArticle(squadArticle(), SYNTH, { hash: 'squad', size: 0, mtimeMs: 0 });
  const real = await embedder.embedPassages(squadNew.passages.map((p) => p.searchText));
  await store.cacheVectors(embedder.modelId, new Map(squadNew.passages.map((p, i) => [p.hash, real[i]])));
  await store.commit({ libraries: [{ key: SYNTH }], addArticles: [squadNew] });
  let reported = 0;
  await synth.fill(store, SYNTH, n - paragraphs.length, embedder.modelId, (done) => {
    if (done - reported < 200_000 && done < n - paragraphs.length) return;
    reported = done;
    log(`  … ${fmt(done)} passages (${((now() - t0) / 1000).toFixed(0)} s)`);
  });
  const tRows = now();
  await store.refresh(); // builds and saves the vector index
  log(`  rows ${((tRows - t0) / 1000).toFixed(0)} s, vector index ${((now() - tRows) / 1000).toFixed(0)} s`);
  return (now() - t0) / 1000;
}

function squadArticle(): Article {
  const file = 'squad.txt';
  let at = 0;
  const passages = paragraphs.map((text, i) => {
    const p = { docId: file, file, paragraph: i + 1, part: 0, start: at, end: at + text.length, text, searchText: text };
    at += text.length + 2;
    return p;
  });
  return { docId: file, file, format: 'txt', title: 'SQuAD paragraphs', titleIsFallback: false, source: null, date: null, url: null, byline: null, passages, warnings: [] };
}

const serveBundle = await bundle('scripts/bench-serve.ts');

/** Start-up and question latency in a fresh process, as the bot would start on this store. */
function serve(env: Record<string, string>): { sinceProcessStart: number; codeMs: number; engineMs: number; latencies: number[]; timelineLatencies: number[]; answered: number; maxRssMb: number } {
  // Run as the `verbatim` command runs: bundled, not through tsx.
  const r = spawnSync(process.execPath, [serveBundle], {
    input: questions.join('\n'),
    env: { ...process.env, ...env, BENCH_SCOPE: `${SHARED},${SYNTH}`, BENCH_RUNS: String(RUNS), LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`bench-serve failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Adds and removes one 20-paragraph article, as /article add and /article remove do. */
async function addRemove(store: Store, n: number, label: string): Promise<void> {
  const add: number[] = [];
  const del: number[] = [];
  const embedded: number[] = [];
  const opts = { store, embedder, corpusDir: tempDir('verbatim-bench-empty-'), maxFileBytes: 1e8 };
  for (let r = 0; r < RUNS; r++) {
    // New text (never embedded before), so the figure includes embedding it.
    const fresh = paragraphs.slice(r * 20, r * 20 + 20).map((p) => `${p} (Update ${r}-${Date.now()}.)`);
    const bytes = Buffer.from(`New article ${r}\n\n${fresh.join('\n\n')}\n`);
    let t = now();
    const s = await addUpload(opts, SYNTH, `new-${r}.txt`, bytes);
    await store.refresh();
    add.push(now() - t);
    embedded.push(s.embedded);
    t = now();
    await removeArticles(opts, SYNTH, [`new-${r}.txt`]);
    await store.refresh();
    del.push(now() - t);
  }
  record(`${label}: add one 20-paragraph article at ${fmt(n)} (clean, embed, commit, vector index)`, `${median(add).toFixed(0)} ms (${median(embedded)} passages embedded)`);
  record(`${label}: remove it again at ${fmt(n)}`, `${median(del).toFixed(0)} ms`);
}

/**
 * `verbatim index` as an admin runs it on this store: a fresh process that adds one new 20-paragraph
 * article from the corpus folder, and one that removes it again; wall time from the parent.
 */
function cliAddRemove(dir: string, n: number): void {
  const cli = path.resolve('bin/verbatim.mjs');
  const corpus = tempDir('verbatim-bench-cli-corpus-');
  const env = { ...process.env, CORPUS_DIR: corpus, EMBEDDINGS_DIR: dir, LOG_LEVEL: 'silent' };
  const index = () => {
    const t = now();
    const r = spawnSync(process.execPath, [cli, 'index'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`verbatim index failed: ${r.stderr}`);
    return { ms: now() - t, line: r.stdout.trim().split('\n')[0] };
  };
  index(); // the shared library's first index (an empty folder), as after setting up
  const add: number[] = [];
  const del: number[] = [];
  let line = '';
  for (let r = 0; r < RUNS; r++) {
    const fresh = Array.from({ length: 20 }, (_, i) => `${paragraphs[(60 + r * 20 + i) % paragraphs.length]} (Filed ${r}-${Date.now()}.)`);
    fs.writeFileSync(path.join(corpus, `cli-${r}.txt`), `CLI article ${r}\n\n${fresh.join('\n\n')}\n`);
    const a = index();
    add.push(a.ms);
    line = a.line;
    fs.rmSync(path.join(corpus, `cli-${r}.txt`));
    del.push(index().ms);
  }
  record(`SQLite: \`verbatim index\` adding a 20-paragraph article at ${fmt(n)}, wall (a fresh process: start, read, clean, tag, embed, commit)`, `${median(add).toFixed(0)} ms (${add.map((x) => x.toFixed(0)).join(', ')}; "${line}")`);
  record(`SQLite: \`verbatim index\` removing it at ${fmt(n)}, wall`, `${median(del).toFixed(0)} ms`);
  fs.rmSync(corpus, { recursive: true, force: true });
}

/** Recall@10 of the store's vector search against exact search, for synthetic queries near the data. */
async function recall(store: Store, n: number, label: string): Promise<void> {
  const queries = Array.from({ length: n >= 1e6 ? 100 : 200 }, () => synthVector());
  const exact: Set<number>[] = queries.map(() => new Set());
  const best = queries.map(() => [] as { id: number; s: number }[]);
  // Exact search over every stored vector, streamed from the store in id order.
  let scanned = 0;
  for (let from = 1; scanned < n && from < n * 2 + 10_000; from += 20_000) {
    const ids = Array.from({ length: 20_000 }, (_, i) => from + i);
    const ps = await store.passages(ids);
    const vs = await store.cachedVectors(embedder.modelId, [...ps.values()].map((p) => p.hash));
    for (const p of ps.values()) {
      const v = vs.get(p.hash);
      if (!v) continue;
      scanned++;
      queries.forEach((q, i) => {
        let s = 0;
        for (let k = 0; k < dims; k++) s += q[k] * v[k];
        const b = best[i];
        if (b.length < 10 || s > b[b.length - 1].s) {
          b.push({ id: p.id, s });
          b.sort((x, y) => y.s - x.s);
          if (b.length > 10) b.pop();
        }
      });
    }
  }
  best.forEach((b, i) => b.forEach((x) => exact[i].add(x.id)));
  let hit = 0;
  for (const [i, q] of queries.entries()) for (const nb of await store.nearest([SYNTH], q, 10)) if (exact[i].has(nb.id)) hit++;
  record(`${label}: vector recall@10 vs exact search at ${fmt(n)} (M=${HNSW_M}, efConstruction=${HNSW_EF_CONSTRUCTION}, ef=${HNSW_EF_SEARCH})`, (hit / (queries.length * 10)).toFixed(3));
}

// ——— 1. embedding throughput: worker threads (as the product embeds) vs one session on this thread ———
if (!args.includes('--skip-embed')) {
  const texts = Array.from({ length: 2000 }, (_, i) => paragraphs[i % paragraphs.length]);
  const single = await loadEmbedder(embedder.modelId, { modelsDir: config.modelsDir, allowRemote: false, threads: 0 });
  const rate = async (e: Embedder) => {
    const t = now();
    await e.embedPassages(texts);
    return texts.length / ((now() - t) / 1000);
  };
  await rate(embedder); // warm-up (starts the threads)
  const d: number[] = [];
  const p: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    d.push(await rate(single));
    p.push(await rate(embedder));
  }
  await single.close();
  record(`Embedding throughput, one single-threaded session on the calling thread (passages/s, SQuAD paragraphs, ${embedder.modelId})`, median(d).toFixed(0));
  record('Embedding throughput as the product embeds: a worker thread per core (passages/s)', `${median(p).toFixed(0)} (${(median(p) / median(d)).toFixed(2)}×)`);

  // A corpus folder of 20,000 passages through the product's updater (read, clean, tag, embed, commit).
  const corpus = tempDir('verbatim-bench-corpus-');
  for (let a = 0; a < 1000; a++) {
    const art = synthArticle(a, 20, 'full');
    fs.writeFileSync(path.join(corpus, art.file), `${art.title}\n\n${art.passages.map((x) => x.text).join('\n\n')}\n`);
  }
  const t2: number[] = [];
  for (let r = 0; r < Math.min(RUNS, 2); r++) {
    const store = await openStore({ embeddingsDir: tempDir('verbatim-bench-emb-'), storeUrl: undefined });
    const s = await updateIndex({ store, corpusDir: corpus, maxFileBytes: 1e8, embedder });
    t2.push(s.seconds);
    await store.close();
  }
  record('Full index, 20,000 passages from 1,000 files (read, clean, entity tags, embed, commit)', `${median(t2).toFixed(1)} s (${(20000 / median(t2)).toFixed(0)} passages/s)`);
}

// ——— 2. per size ———
for (const n of SIZES) {
  log(`building a ${fmt(n)}-passage store…`);
  const keep = opt('keep', '');
  const dir = keep ? path.resolve(keep, `store-${n}`) : tempDir('verbatim-bench-store-');
  fs.mkdirSync(dir, { recursive: true });
  const reuse = !!keep && args.includes('--reuse') && fs.existsSync(path.join(dir, 'verbatim.db'));
  const store = await openStore({ embeddingsDir: dir, storeUrl: undefined }, { onStatus: log });
  if (reuse) {
    await store.refresh();
    log(`reusing the store kept in ${dir}`);
  } else {
    await store.commit({ settings: settingsFor(embedder) });
    const built = await synthStore(store, n);
    record(`SQLite: build ${fmt(n)} passages (rows, keyword index, vectors; then the vector index)`, `${built.toFixed(0)} s`);
  }
  const bytes = fs.readdirSync(dir).reduce((s, f) => s + (fs.statSync(path.join(dir, f)).isFile() ? fs.statSync(path.join(dir, f)).size : 0), 0);
  record(`SQLite: database size at ${fmt(n)}`, `${(bytes / 1048576).toFixed(0)} MB`);
  await addRemove(store, n, 'SQLite');
  await recall(store, n, 'SQLite');
  await store.close();
  const starts: number[] = [];
  let served!: ReturnType<typeof serve>;
  for (let r = 0; r < RUNS; r++) {
    served = serve({ EMBEDDINGS_DIR: dir });
    starts.push(served.sinceProcessStart);
  }
  record(`SQLite: start-up at ${fmt(n)}, a fresh process until model and index are ready`, `${(median(starts) / 1000).toFixed(2)} s (${(served.codeMs / 1000).toFixed(2)} s until the engine opens, then ${(served.engineMs / 1000).toFixed(2)} s loading the model (and its code) and the store together)`);
  record(`SQLite: question latency at ${fmt(n)}, whole ask path (p50 / p95)`, `${pct(served.latencies, 0.5).toFixed(1)} ms / ${pct(served.latencies, 0.95).toFixed(1)} ms`);
  record(`SQLite: timeline latency at ${fmt(n)} (p50 / p95)`, `${pct(served.timelineLatencies, 0.5).toFixed(1)} ms / ${pct(served.timelineLatencies, 0.95).toFixed(1)} ms`);
  record(`SQLite: peak memory (max RSS) of that serving process at ${fmt(n)}`, `${served.maxRssMb} MB`);
  cliAddRemove(dir, n);
  if (keep) log(`kept the store in ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

// ——— 3. kill -9 during add, remove and re-index ———
if (KILLS > 0) {
  const corpus = tempDir('verbatim-bench-kill-');
  const dir = tempDir('verbatim-bench-kill-emb-');
  const write = (tag: string, count: number) => {
    for (let i = 0; i < count; i++) {
      const paras = Array.from({ length: 8 }, (_, j) => `Report ${tag}-${i} paragraph ${j}: the council of district ${i} approved ${j + 3} new schools and a ${tag} bridge.`);
      fs.writeFileSync(path.join(corpus, `${tag}-${i}.txt`), `${tag} report ${i}\n\n${paras.join('\n\n')}\n`);
    }
  };
  write('base', 30);
  const cli = path.resolve('bin/verbatim.mjs');
  const env = { ...process.env, CORPUS_DIR: corpus, EMBEDDINGS_DIR: dir, LOG_LEVEL: 'silent' };
  spawnSync(process.execPath, [cli, 'index'], { env });
  let lost = 0;
  let mixed = 0;
  let broken = 0;
  const t0 = now();
  for (let k = 0; k < KILLS; k++) {
    const store = await openStore({ embeddingsDir: dir, storeUrl: undefined });
    await store.refresh();
    const before = (await store.articles([SHARED])).map((a) => a.file).sort();
    await store.close();
    // Alternate: add a batch, remove a batch, change the model settings' chunker (a full re-index).
    const kind = k % 3;
    if (kind === 0) write(`add${k}`, 20);
    if (kind === 1) for (const f of fs.readdirSync(corpus).filter((x) => x.startsWith('add')).slice(0, 15)) fs.rmSync(path.join(corpus, f));
    if (kind === 2) for (const f of fs.readdirSync(corpus).slice(0, 10)) fs.appendFileSync(path.join(corpus, f), `\nAn added line ${k} about the ${k} ferries.\n`);
    const after = fs.readdirSync(corpus).sort();
    const child = spawn(process.execPath, [cli, 'index'], { env, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await Promise.race([exited, new Promise((r) => setTimeout(r, 700 + uniform() * 2500))]);
    child.kill('SIGKILL');
    await exited;
    const store2 = await openStore({ embeddingsDir: dir, storeUrl: undefined });
    const report = await store2.check();
    if (!report.ok) {
      broken++;
      log(report.lines.filter((l) => l.startsWith('FAIL')).join('\n'));
    }
    const files = (await store2.articles([SHARED])).map((a) => a.file).sort();
    await store2.close();
    const same = (x: string[], y: string[]) => x.length === y.length && x.every((f, i) => f === y[i]);
    if (!same(files, before) && !same(files, after)) mixed++;
    if (before.some((f) => after.includes(f) && !files.includes(f))) lost++;
    // Let the next run start from a completed index half of the time, from the killed state otherwise.
    if (k % 2 === 1) spawnSync(process.execPath, [cli, 'index'], { env });
  }
  record(`kill -9 at random moments of ${KILLS} add / remove / re-index runs`, `${lost} committed articles lost, ${mixed} mixed states, ${broken} failed checks (${((now() - t0) / 1000).toFixed(0)} s)`);
}

// ——— 4. PostgreSQL (PGlite) ———
if (PGLITE > 0) {
  const server = await startPglite();
  try {
    log(`building a ${fmt(PGLITE)}-passage store on PGlite…`);
    const store = await openStore({ embeddingsDir: tempDir('verbatim-bench-pg-'), storeUrl: server.url });
    await store.commit({ settings: settingsFor(embedder) });
    const built = await synthStore(store, PGLITE);
    record(`PGlite: build ${fmt(PGLITE)} passages`, `${built.toFixed(0)} s`);
    await addRemove(store, PGLITE, 'PGlite');
    await recall(store, PGLITE, 'PGlite');
    await store.close();
    const served = serve({ STORE_URL: server.url });
    record(`PGlite: start-up at ${fmt(PGLITE)}, a fresh process until model and store are ready`, `${(served.sinceProcessStart / 1000).toFixed(2)} s`);
    record(`PGlite: question latency at ${fmt(PGLITE)}, whole ask path (p50 / p95)`, `${pct(served.latencies, 0.5).toFixed(1)} ms / ${pct(served.latencies, 0.95).toFixed(1)} ms`);
  } finally {
    await server.stop();
  }
}

// ——— 5. articles from feeds: importing pages, and polling with nothing new ———
if (FEEDS > 0) {
  const site = await newsSite(FEEDS * 50);
  const dir = tempDir('verbatim-bench-feeds-');
  const store = await openStore({ embeddingsDir: dir, storeUrl: undefined });
  await store.commit({ settings: settingsFor(embedder) });
  const feedConfig = loadConfig({ ...process.env, EMBEDDINGS_DIR: dir, CORPUS_DIR: tempDir('verbatim-bench-feeds-corpus-'), FETCH_ALLOW_HOSTS: '127.0.0.1', FETCH_HOST_INTERVAL_MS: '0', GUILD_MAX_FEEDS: '1000', GUILD_MAX_FEED_ARTICLES_PER_DAY: '1000000', GUILD_MAX_ARTICLES: '1000000' });
  const engine: Engine = { config: feedConfig, embedder, store };
  const library = 'guild:900000000000000000';
  const t0 = now();
  let imported = 0;
  let passages = 0;
  for (let k = 0; k < FEEDS; k++) {
    const r = await followFeed(engine, library, `${site.url}/feeds/${k}.xml`);
    imported += r.articles.length;
    passages += r.articles.reduce((n, a) => n + (a.passages ?? 0), 0);
  }
  const seconds = (now() - t0) / 1000;
  record(`Feeds: following ${FEEDS} feeds of 50 entries, ${fmt(imported)} new article pages from a local site (fetch, extract, clean, tag, embed, commit; ${fmt(passages)} passages)`, `${seconds.toFixed(1)} s (${(imported / seconds).toFixed(1)} pages/s)`);
  const cpuOf = async (fn: () => Promise<unknown>) => {
    const c = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1e6;
  };
  const conditional: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const before = site.requests.length;
    conditional.push(await cpuOf(() => pollDue(engine, { all: true })));
    if (site.requests.slice(before).some((p) => p.startsWith('/news/'))) throw new Error('a poll with nothing new fetched an article page');
    // The same, from a server that never answers 304: every feed read and its 50 entries compared.
    for (const f of await store.feeds()) await store.updateFeed(f.id, { etag: null, lastModified: null });
    full.push(await cpuOf(() => pollDue(engine, { all: true })));
  }
  record(`Feeds: polling ${FEEDS} feeds of 50 entries with nothing new, CPU of the whole process (the local site's included)`, `${median(conditional).toFixed(2)} s with 304 Not Modified; ${median(full).toFixed(2)} s when every feed is read again`);
  await engine.web?.close();
  await store.close();
  await site.close();
}

const table = ['| measure | median of runs |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
console.log(table);
if (!args.includes('--no-write')) {
  const doc = path.resolve('docs/benchmarks.md');
  const text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '# Benchmarks\n';
  const key = `${SIZES.join(',')}${PGLITE ? ` pglite ${PGLITE}` : ''}`;
  const stamp = `Command: \`npm run bench -- ${args.join(' ')}\` (${new Date().toISOString().slice(0, 10)}, ${process.version}, model ${embedder.modelId}, 2 cores).\n\n`;
  const start = `<!-- BENCH:START ${key} -->`;
  const block = `${start}\n${stamp}${table}\n<!-- BENCH:END -->`;
  const re = new RegExp(`<!-- BENCH:START ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} -->[\\s\\S]*?<!-- BENCH:END -->`);
  fs.writeFileSync(doc, re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`);
  log(`written to ${doc}`);
}
process.exit(0); // at once, rather than wait for a heap of several GB to be torn down
