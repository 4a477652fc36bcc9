// npm run bench [-- --sizes 2000,100000,1000000 --runs 3 --no-write]
// Speed and scale: embedding throughput (pipeline vs the ONNX session called directly), full and
// incremental indexing, start-up, whole-path query latency, HNSW recall against exact search, peak memory.
// Every figure is a median over --runs runs (this machine is shared and noisy). Writes a table to
// docs/benchmarks.md between BENCH markers.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { AutoTokenizer } from '@xenova/transformers';
import { loadConfig } from '../src/config.js';
import { ask, type Engine } from '../src/engine.js';
import { pool, type Embedder } from '../src/embed/model.js';
import { CHUNKER_VERSION } from '../src/ingest/article.js';
import { emptyStore, HNSW_EF_SEARCH, HNSW_M, loadStore, newHnsw, saveStore, sha256, type Store } from '../src/index/store.js';
import { passageTokenBudget, updateIndex } from '../src/index/update.js';
import { gaussian, uniform as seededUniform } from '../src/embed/static/svd.js';
import { openSearchIndex } from '../src/search/search.js';
import { denseNeighbours } from '../src/search/retrieve.js';
import { analyze } from '../src/text/terms.js';
import { unglue } from '../src/ingest/glued.js';
import { evalEmbedder, storeFromArticles, tempDir } from './lib/harness.js';
import type { Article } from '../src/ingest/types.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SIZES = opt('sizes', '2000,100000').split(',').map(Number);
const RUNS = Number(opt('runs', '3'));
const rows: [string, string][] = [];
const log = (s: string) => process.stderr.write(s + '\n');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const now = () => performance.now();
const record = (k: string, v: string) => {
  rows.push([k, v]);
  log(`${k}: ${v}`);
};
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);

const config = loadConfig();
const embedder = await evalEmbedder();
const squad = JSON.parse(fs.readFileSync(path.resolve('../shared/eval/squad/dev-v2.0-3articles.json'), 'utf8')) as {
  data: { title: string; paragraphs: { context: string; qas: { question: string }[] }[] }[];
};
const paragraphs = squad.data.flatMap((d) => d.paragraphs.map((p) => p.context));
const questions = squad.data.flatMap((d) => d.paragraphs.flatMap((p) => p.qas.map((q) => q.question)));

// ——— synthetic text and vectors ———
const vocab = fs
  .readFileSync(path.join(config.modelsDir, embedder.modelId, 'vocab.txt'), 'utf8')
  .split('\n')
  .slice(1996, 22000)
  .filter((w) => /^[a-z]{3,}$/.test(w));
const rand = gaussian(1234);
const uniform = seededUniform(99); // mulberry32: an earlier float LCG overflowed 2^53 and fell into a short cycle
const zipfWord = () => vocab[Math.min(vocab.length - 1, Math.floor(Math.exp(uniform() * Math.log(vocab.length))))];
const synthText = (n = 60) => {
  const words = Array.from({ length: n }, zipfWord);
  return words.join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
};
const dims = embedder.dims;
const CENTERS = Array.from({ length: 2000 }, () => {
  const v = new Float32Array(dims);
  for (let k = 0; k < dims; k++) v[k] = rand();
  return v;
});
function synthVector(): Float32Array {
  const c = CENTERS[Math.floor(uniform() * CENTERS.length)];
  const v = new Float32Array(dims);
  let n = 0;
  for (let k = 0; k < dims; k++) {
    v[k] = c[k] + 0.6 * rand();
    n += v[k] * v[k];
  }
  n = Math.sqrt(n);
  for (let k = 0; k < dims; k++) v[k] /= n;
  return v;
}

function synthArticles(passages: number, perArticle = 20, tag = 'syn'): Article[] {
  const out: Article[] = [];
  for (let a = 0; a * perArticle < passages; a++) {
    const file = `${tag}-${a}.txt`;
    let at = 0;
    const ps = Array.from({ length: Math.min(perArticle, passages - a * perArticle) }, (_, i) => {
      const text = synthText();
      const p = { docId: file, file, paragraph: i + 1, part: 0, start: at, end: at + text.length, text, searchText: text };
      at += text.length + 2;
      return p;
    });
    out.push({ docId: file, file, format: 'txt', title: `Synthetic ${a}`, titleIsFallback: false, source: null, date: null, url: null, byline: null, passages: ps, warnings: [] });
  }
  return out;
}

/** A store with synthetic vectors (fast to build at any size); `efConstruction` as the product uses. */
function synthStore(articles: Article[], efConstruction?: number): Store {
  const store = emptyStore(embedder.modelId, dims, CHUNKER_VERSION, passageTokenBudget(embedder));
  const total = articles.reduce((n, a) => n + a.passages.length, 0);
  store.hnsw = newHnsw(dims, total + 64, efConstruction);
  const t = now();
  for (const a of articles) {
    const labels: number[] = [];
    for (const p of a.passages) {
      const label = store.passages.length;
      store.hnsw.addPoint(Array.from(synthVector()), label);
      const stored = { ...p, label, hash: sha256(p.searchText) };
      store.passages.push(stored);
      store.keyword.add(stored);
      labels.push(label);
      if (label % 100000 === 99999) {
        log(`  … ${label + 1} vectors (${((now() - t) / 1000).toFixed(0)} s)`);
      }
    }
    const { passages: _p, ...meta } = a;
    store.manifest.articles[a.file] = { ...meta, hash: '', size: 0, mtimeMs: 0, labels };
    store.keyword.setTitle(a.docId, a.title);
  }
  return store;
}

// ——— 1. embedding throughput: pipeline vs direct onnxruntime-node ———
{
  const texts = Array.from({ length: 2000 }, (_, i) => paragraphs[i % paragraphs.length]);
  const require = createRequire(import.meta.url);
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const dir = path.join(config.modelsDir, embedder.modelId);
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx/model_quantized.onnx'), { executionProviders: ['cpu'] });
  const tokenizer = await AutoTokenizer.from_pretrained(embedder.modelId);
  async function direct(batch: string[]): Promise<Float32Array[]> {
    const enc = tokenizer(batch, { padding: true, truncation: true }) as { input_ids: { data: BigInt64Array; dims: number[] }; attention_mask: { data: BigInt64Array; dims: number[] } };
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const name of session.inputNames) {
      const t = name === 'input_ids' ? enc.input_ids : name === 'attention_mask' ? enc.attention_mask : { data: new BigInt64Array(enc.input_ids.data.length), dims: enc.input_ids.dims };
      feeds[name] = new ort.Tensor('int64', t.data, t.dims);
    }
    const out = (await session.run(feeds))[session.outputNames[0]];
    return pool({ data: out.data as Float32Array, dims: out.dims as number[] }, enc.attention_mask, 'mean', true);
  }
  const sorted = [...texts].sort((a, b) => a.length - b.length);
  const runDirect = async () => {
    const t = now();
    for (let i = 0; i < sorted.length; i += 32) await direct(sorted.slice(i, i + 32));
    return texts.length / ((now() - t) / 1000);
  };
  const runPipeline = async () => {
    const t = now();
    await embedder.embedPassages(texts);
    return texts.length / ((now() - t) / 1000);
  };
  await runDirect();
  await runPipeline(); // warm-up
  const d: number[] = [];
  const p: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    d.push(await runDirect());
    p.push(await runPipeline());
  }
  record('Embedding throughput, direct onnxruntime-node session (passages/s)', median(d).toFixed(0));
  record('Embedding throughput, transformers.js pipeline as used (passages/s)', `${median(p).toFixed(0)} (${((median(p) / median(d)) * 100).toFixed(0)}% of direct)`);
}

// ——— 2. full index: SQuAD paragraphs and 20,000 synthetic passages (real model) ———
{
  const squadArticles: Article[] = squad.data.map((d) => {
    const file = `${d.title}.txt`;
    let at = 0;
    return {
      docId: file, file, format: 'txt', title: d.title, titleIsFallback: false, source: null, date: null, url: null, byline: null, warnings: [],
      passages: d.paragraphs.map((p, i) => {
        const r = { docId: file, file, paragraph: i + 1, part: 0, start: at, end: at + p.context.length, text: p.context, searchText: p.context };
        at += p.context.length + 2;
        return r;
      }),
    };
  });
  const t1: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = now();
    const store = await storeFromArticles(squadArticles, embedder);
    saveStore(tempDir('verbatim-bench-'), store);
    t1.push((now() - t) / 1000);
  }
  record(`Full index, SQuAD paragraphs (${paragraphs.length}; embed + HNSW + save)`, `${median(t1).toFixed(2)} s`);

  const corpus = tempDir('verbatim-bench-corpus-');
  for (const a of synthArticles(20000, 20, 'full')) fs.writeFileSync(path.join(corpus, a.file), `${a.title}\n\n${a.passages.map((p) => p.text).join('\n\n')}\n`);
  const t2: number[] = [];
  for (let r = 0; r < Math.min(RUNS, 3); r++) {
    const { summary } = await updateIndex({ corpusDir: corpus, embeddingsDir: tempDir('verbatim-bench-emb-'), maxFileBytes: 1e8, embedder });
    t2.push(summary.seconds);
  }
  record('Full index, 20,000 synthetic passages from 1,000 files (read, clean, embed, HNSW, save)', `${median(t2).toFixed(1)} s (${(20000 / median(t2)).toFixed(0)} passages/s)`);
}

// ——— 3. per size: start-up, incremental add, latency, recall ———
async function atSize(n: number): Promise<void> {
  const million = n >= 1_000_000;
  log(`building a ${n}-passage index…`);
  const t0 = now();
  const articles = synthArticles(n - paragraphs.length, 20, `s${n}`);
  const squadText = `SQuAD paragraphs\n\n${paragraphs.join('\n\n')}\n`;
  let index!: ReturnType<typeof openSearchIndex>;
  if (million) {
    // In memory only: a million passages with text do not fit the JSON files this layout writes.
    const store = synthStore(articles, 100);
    const real = await embedder.embedPassages(paragraphs);
    store.hnsw.resizeIndex(store.passages.length + paragraphs.length + 64);
    const labels: number[] = [];
    paragraphs.forEach((text, i) => {
      const label = store.passages.length;
      store.hnsw.addPoint(Array.from(real[i]), label);
      const stored = { docId: 'squad.txt', file: 'squad.txt', paragraph: i + 1, part: 0, start: 0, end: text.length, text, searchText: text, label, hash: sha256(text) };
      store.passages.push(stored);
      store.keyword.add(stored);
      labels.push(label);
    });
    store.manifest.articles['squad.txt'] = { docId: 'squad.txt', file: 'squad.txt', format: 'txt', title: 'SQuAD', titleIsFallback: false, source: null, date: null, url: null, byline: null, warnings: [], hash: '', size: 0, mtimeMs: 0, labels };
    record(`Build at ${n.toLocaleString('en')} in memory (M=${HNSW_M}, efConstruction=100, synthetic vectors; HNSW + BM25)`, `${((now() - t0) / 1000).toFixed(0)} s`);
    index = openSearchIndex(store);
  } else {
    // Through the product's own updater, from files, with synthetic vectors standing in for the model
    // (except for the SQuAD paragraphs, embedded for real so that real questions have real answers).
    const corpus = tempDir('verbatim-bench-corpus-');
    const synthetic = new Set<string>();
    for (const a of articles) {
      fs.writeFileSync(path.join(corpus, a.file), `${a.title}\n\n${a.passages.map((p) => p.text).join('\n\n')}\n`);
      for (const p of a.passages) synthetic.add(unglue(p.text)); // what the updater embeds is the search text
    }
    fs.writeFileSync(path.join(corpus, 'squad.txt'), squadText);
    const fast: Embedder = {
      ...embedder,
      async embedPassages(texts) {
        const realIdx = texts.map((t, i) => (synthetic.has(t) ? -1 : i)).filter((i) => i >= 0);
        const real = await embedder.embedPassages(realIdx.map((i) => texts[i]));
        const out = texts.map(() => synthVector());
        realIdx.forEach((i, j) => (out[i] = real[j]));
        return out;
      },
    };
    const dir = tempDir('verbatim-bench-store-');
    const built = await updateIndex({ corpusDir: corpus, embeddingsDir: dir, maxFileBytes: 1e8, embedder: fast });
    record(`Full index at ${n.toLocaleString('en')} from ${articles.length + 1} files (M=${HNSW_M}, efConstruction=200; synthetic vectors)`, `${built.summary.seconds.toFixed(0)} s`);
    const starts: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t = now();
      index = openSearchIndex(loadStore(dir)!);
      starts.push((now() - t) / 1000);
    }
    record(`Start-up at ${n.toLocaleString('en')}: load the index (vectors, passages, keyword index; model load excluded)`, `${median(starts).toFixed(2)} s`);
    if (n >= 100_000) {
      const times: number[] = [];
      const embedded: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        // New text (not already embedded), so the figure includes embedding it.
        const fresh = paragraphs.slice(r * 20, r * 20 + 20).map((p) => `${p} (Update ${r}.)`);
        fs.writeFileSync(path.join(corpus, `new-${r}.txt`), `New article ${r}\n\n${fresh.join('\n\n')}\n`);
        const { summary } = await updateIndex({ corpusDir: corpus, embeddingsDir: dir, maxFileBytes: 1e8, embedder });
        times.push(summary.seconds);
        embedded.push(summary.embedded);
      }
      record(`Incremental add of one 20-paragraph article to ${n.toLocaleString('en')} passages (scan, embed, add, save)`, `${median(times).toFixed(2)} s, ${median(embedded)} passages embedded`);
      index = openSearchIndex(loadStore(dir)!);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(corpus, { recursive: true, force: true });
  }
  const engine: Engine = { config, embedder, index };
  for (const q of questions.slice(0, 20)) await ask(engine, q); // warm-up
  const lat: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const q of questions.slice(0, 200)) {
      const t = now();
      await ask(engine, q);
      lat.push(now() - t);
    }
  }
  record(`Query latency, whole ask path at ${n.toLocaleString('en')} (p50 / p95)`, `${pct(lat, 0.5).toFixed(1)} ms / ${pct(lat, 0.95).toFixed(1)} ms`);
  // Where the time goes: each stage of the path alone.
  const stage = { embed: [] as number[], bm25: [] as number[], hnsw: [] as number[] };
  for (const q of questions.slice(0, 200)) {
    let t = now();
    const v = await embedder.embedQuery(q);
    stage.embed.push(now() - t);
    t = now();
    index.keyword.search(analyze(q), 50, (l) => index.store.passages[l]?.searchText);
    stage.bm25.push(now() - t);
    t = now();
    denseNeighbours(index.store, v, 50);
    stage.hnsw.push(now() - t);
  }
  record(`  of which (p50 / p95): embed question · BM25 · HNSW`, Object.values(stage).map((xs) => `${pct(xs, 0.5).toFixed(2)} / ${pct(xs, 0.95).toFixed(2)} ms`).join(' · '));

  // Recall@10 of HNSW against exact search, for queries near the data.
  const queries = Array.from({ length: million ? 100 : 200 }, () => synthVector());
  const all = index.store.passages.length;
  const vectors = new Float32Array(all * dims);
  for (let l = 0; l < all; l++) vectors.set(index.store.hnsw.getPoint(l), l * dims);
  const exact = queries.map((q) => {
    const scores = new Float32Array(all);
    for (let l = 0; l < all; l++) {
      let s = 0;
      const o = l * dims;
      for (let k = 0; k < dims; k++) s += q[k] * vectors[o + k];
      scores[l] = s;
    }
    return new Set(Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, 10));
  });
  const recallAt: string[] = [];
  let chosen = 0;
  for (const ef of [10, 16, 32, 64, 100, 200, 400]) {
    index.store.hnsw.setEf(ef);
    let hit = 0;
    queries.forEach((q, i) => {
      for (const l of index.store.hnsw.searchKnn(Array.from(q), 10).neighbors) if (exact[i].has(l)) hit++;
    });
    const recall = hit / (queries.length * 10);
    recallAt.push(`ef=${ef}: ${recall.toFixed(3)}`);
    if (!chosen && recall >= 0.99) chosen = ef;
  }
  index.store.hnsw.setEf(HNSW_EF_SEARCH);
  record(`HNSW recall@10 vs exact at ${n.toLocaleString('en')}`, `${recallAt.join(', ')}; ≥ 0.99 from ef=${chosen || '>400'}`);
  record(`Peak memory (max RSS) after ${n.toLocaleString('en')}`, `${mb()} MB`);
}

for (const n of SIZES) await atSize(n);

const table = ['| measure | median of runs |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
console.log(table);
if (!args.includes('--no-write')) {
  const doc = path.resolve('docs/benchmarks.md');
  const text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : '# Benchmarks\n\n<!-- BENCH:START -->\n<!-- BENCH:END -->\n';
  const stamp = `Command: \`npm run bench -- --sizes ${SIZES.join(',')} --runs ${RUNS}\` (${new Date().toISOString().slice(0, 10)}, ${process.version}, model ${embedder.modelId}, 2 cores).\n\n`;
  const start = `<!-- BENCH:START ${SIZES.join(',')} -->`;
  const block = `${start}\n${stamp}${table}\n<!-- BENCH:END -->`;
  const re = new RegExp(`<!-- BENCH:START ${SIZES.join(',')} -->[\\s\\S]*?<!-- BENCH:END -->`);
  fs.writeFileSync(doc, re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`);
  log(`written to ${doc}`);
}
process.exit(0); // exit at once rather than wait for a heap of several GB to be torn down
