// The encoder at work: WordPiece tokens in (transformers.js's tokenizer), one vector per passage and one
// per sentence out, from a single run of the ONNX graph (onnxruntime-node, the runtime under
// transformers.js). A sentence's vector is the mean of its tokens' output states within the passage, so it
// is read in the context of its passage and costs nothing beyond the passage's own run.
//
// Passages are embedded by helper processes, one per core, each with a single-threaded session: on two
// cores that is 1.6× the throughput of one session using both (small batches of similar length keep padding
// and the attention's memory traffic low), and the main thread stays free to answer questions while an
// index is built. Questions are embedded on the main thread (a few milliseconds). If a helper cannot start
// or stops, the main thread does the work: slower, never wrong.
//
// Processes, not worker threads: onnxruntime-node (1.14, under transformers.js) keeps the JavaScript
// constructor of its session class in one C++ static, so every JavaScript environment that loads the addon
// (the main thread and each worker thread) overwrites, and frees from its own thread, the handle another
// environment made. That corrupted the heap of about one process in thirty that embedded on threads
// ("free(): unaligned chunk detected in tcache", "Check failed: node->IsInUse()", segmentation faults,
// docs/benchmarks.md "Crashes at exit"). One environment per process is what the addon supports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawn, type ChildProcess } from 'node:child_process';
import type * as Ort from 'onnxruntime-node';
import { sentenceSpans, type Span } from '../text/sentences.js';

export interface Embedded {
  /** The passage's unit vector. */
  vector: Float32Array;
  /** One unit vector per sentence of the text (text/sentences.ts), in order. */
  sentences: Float32Array[];
}

/** Token ids of a run of texts, packed for a worker: each item's ids and its sentences' token spans. */
export interface Packed {
  ids: Int32Array;
  lengths: Int32Array;
  /** [start, end) of each sentence within its item's ids, items one after another. */
  spans: Int32Array;
  spanCounts: Int32Array;
}

/**
 * Runs one batch and pools it: for each item, its mean (or first-token) vector, then one mean vector per
 * sentence span, all L2-normalised, concatenated. Self-contained (no imports, no closures) because its
 * source is also what the worker threads run.
 */
export async function encodeBatch(ort: typeof Ort, session: Ort.InferenceSession, batch: Packed, cls: boolean): Promise<Float32Array> {
  const n = batch.lengths.length;
  let width = 0;
  for (let i = 0; i < n; i++) width = Math.max(width, batch.lengths[i]);
  const ids = new BigInt64Array(n * width);
  const mask = new BigInt64Array(n * width);
  for (let i = 0, at = 0; i < n; i++) {
    for (let j = 0; j < batch.lengths[i]; j++) {
      ids[i * width + j] = BigInt(batch.ids[at + j]);
      mask[i * width + j] = 1n;
    }
    at += batch.lengths[i];
  }
  const feeds: Record<string, Ort.Tensor> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', ids, [n, width]);
    else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', mask, [n, width]);
    else if (name === 'token_type_ids') feeds[name] = new ort.Tensor('int64', new BigInt64Array(n * width), [n, width]);
  }
  const result = await session.run(feeds);
  const hidden = (result.last_hidden_state ?? result.token_embeddings ?? Object.values(result)[0]) as Ort.Tensor;
  const h = hidden.data as Float32Array;
  const dims = hidden.dims[2];
  let vectors = n;
  for (let i = 0; i < n; i++) vectors += batch.spanCounts[i];
  const out = new Float32Array(vectors * dims);
  let o = 0;
  const mean = (item: number, from: number, to: number) => {
    const v = out.subarray(o * dims, (o + 1) * dims);
    for (let j = from; j < to; j++) {
      const row = (item * width + j) * dims;
      for (let k = 0; k < dims; k++) v[k] += h[row + k];
    }
    let norm = 0;
    for (let k = 0; k < dims; k++) norm += v[k] * v[k];
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < dims; k++) v[k] /= norm;
    o++;
  };
  for (let i = 0, s = 0; i < n; i++) {
    if (cls) mean(i, 0, 1);
    else mean(i, 0, batch.lengths[i]);
    for (let c = 0; c < batch.spanCounts[i]; c++, s += 2) mean(i, batch.spans[s], Math.max(batch.spans[s] + 1, batch.spans[s + 1]));
  }
  return out;
}

interface Tokenizer {
  encode(text: string, pair?: string | null, opts?: { add_special_tokens?: boolean }): number[];
}

export interface EncoderSpec {
  /** The folder with tokenizer.json and tokenizer_config.json. */
  dir: string;
  /** The ONNX graph. */
  model: string;
  maxTokens: number;
  pooling: 'mean' | 'cls';
  /** Helper processes for passages (0: embed on the main thread). Default: one per core. */
  threads?: number;
  /**
   * Passages only, no questions (an indexer): this thread needs no session, and every helper starts on
   * `warm()` or the first batch, whatever its size.
   */
  passagesOnly?: boolean;
}

export interface Encoder {
  dims: number;
  /** Batches embedded so far by the helper processes and on the calling thread. */
  stats: { threaded: number; here: number };
  /** Unit vectors for each text and each of its sentences; `prefix` (a model's passage instruction) goes before the first. */
  embed(texts: string[], opts?: { prefix?: string; sentences?: boolean; onProgress?: (done: number) => void }): Promise<Embedded[]>;
  /** Passages are coming: an indexer's helpers start loading the graph now, beside the reading and cleaning. */
  warm(): void;
  close(): Promise<void>;
}

async function loadTokenizer(dir: string, maxTokens: number): Promise<Tokenizer> {
  // transformers.js's tokenizers alone: half the load time of the whole library, which start-up waits for.
  const { AutoTokenizer } = (await import('@xenova/transformers/src/tokenizers.js' as string)) as typeof import('@xenova/transformers');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as unknown;
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as { tokenizer_class?: string };
  const mapping = (AutoTokenizer as unknown as { TOKENIZER_CLASS_MAPPING: Record<string, new (j: unknown, c: unknown) => Tokenizer> }).TOKENIZER_CLASS_MAPPING;
  const Cls = mapping[(config.tokenizer_class ?? 'BertTokenizer').replace(/Fast$/, '')] ?? mapping.BertTokenizer;
  return new Cls(json, { ...config, model_max_length: maxTokens });
}

const BATCH_ITEMS = 4;
const BATCH_TOKENS = 1024;

// A helper process's whole program: it loads the runtime and the graph once, then embeds each batch sent.
// It ends when the parent goes (its channel closes), however the parent ends.
const HELPER = `
  // The parent may have gone (or let go of this helper) while it was starting: then nothing is sent.
  const send = (m) => { if (process.connected) process.send(m); };
  process.once('message', (init) => {
    const ort = require(init.ort);
    // The function's source may come from tsx, whose output names functions through this helper.
    globalThis.__name = (f) => f;
    const encodeBatch = (0, eval)('(' + init.encodeBatch + ')');
    const ready = ort.InferenceSession.create(init.model, init.session);
    // A first run of one token: it tells the width of the vectors, and the first real batch runs warm.
    const probe = { ids: Int32Array.of(0), lengths: Int32Array.of(1), spans: new Int32Array(0), spanCounts: Int32Array.of(0) };
    ready.then((s) => encodeBatch(ort, s, probe, init.cls)).then((v) => send({ ready: true, dims: v.length }), (e) => send({ failed: String((e && e.message) || e) }));
    process.on('message', async (m) => {
      try {
        const out = await encodeBatch(ort, await ready, m.batch, init.cls);
        send({ id: m.id, out });
      } catch (e) {
        send({ id: m.id, error: String((e && e.message) || e) });
      }
    });
  });
  process.on('disconnect', () => process.exit(0));`;

/** Below this many texts, and while no helper runs yet, embedding here beats starting one (~0.3 s). */
const HELPERS_FROM = 48;

interface Helper {
  child: ChildProcess;
  busy: number;
  alive: boolean;
  /** The width of its vectors, from its first run. */
  dims: number;
  calls: Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>;
  /** The end of what it wrote to stderr, to say why it stopped. */
  stderr: string;
}

/** A helper neither keeps the parent alive nor is waited for while idle. */
function hold(h: Helper, held: boolean): void {
  const channel = h.child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
  if (held) {
    h.child.ref();
    channel?.ref?.();
  } else {
    h.child.unref();
    channel?.unref?.();
  }
}

interface Words {
  /** A text's token ids (special tokens around, `prefix` first) and its sentences' token spans. */
  tokenize(text: string, sentences: boolean, prefix?: string): { ids: number[]; spans: number[] };
  pack(items: { ids: number[]; spans: number[] }[]): Packed;
}

function wordsOf(tokenizer: Tokenizer, maxTokens: number): Words {
  // The special tokens around a text, as the tokenizer's template adds them ([CLS] … [SEP] for BERT).
  const bare = tokenizer.encode('a', null, { add_special_tokens: false });
  const full = tokenizer.encode('a');
  const at = full.indexOf(bare[0]);
  const head = full.slice(0, at);
  const tail = full.slice(at + bare.length);
  const room = maxTokens - head.length - tail.length;
  return {
    tokenize(text, sentences, prefix = '') {
      const limit = head.length + room;
      const ids = [...head, ...(prefix ? tokenizer.encode(prefix, null, { add_special_tokens: false }) : [])].slice(0, limit);
      const spans: number[] = [];
      const pieces: Span[] = sentences ? sentenceSpans(text) : [];
      // Sentence by sentence: BERT's tokenizer splits at spaces first, so this gives the text's own tokens.
      for (const p of pieces.length ? pieces : [{ start: 0, end: text.length }]) {
        const start = ids.length;
        ids.push(...tokenizer.encode(text.slice(p.start, p.end), null, { add_special_tokens: false }).slice(0, Math.max(0, limit - ids.length)));
        // A sentence cut off entirely by the limit is read as the passage it belongs to.
        spans.push(...(start < ids.length ? [start, ids.length] : [head.length, Math.max(head.length + 1, ids.length)]));
      }
      ids.push(...tail);
      return { ids, spans: sentences ? spans : [] };
    },
    pack(items) {
      return {
        ids: Int32Array.from(items.flatMap((i) => i.ids)),
        lengths: Int32Array.from(items.map((i) => i.ids.length)),
        spans: Int32Array.from(items.flatMap((i) => i.spans)),
        spanCounts: Int32Array.from(items.map((i) => i.spans.length / 2)),
      };
    },
  };
}

/** The hidden size a model's config.json states, if it states one. */
function configuredWidth(dir: string): number | null {
  try {
    const size = (JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { hidden_size?: unknown }).hidden_size;
    return typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : null;
  } catch {
    return null;
  }
}

const SESSION = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' } as const;

/**
 * Loads the tokenizer and the graph; passage batches go to helper processes started on first large use.
 * With `passagesOnly` this thread makes no session unless the helpers fail, and they start on `warm()`.
 */
export async function loadEncoder(spec: EncoderSpec): Promise<Encoder> {
  // The runtime loads here only when this thread runs the graph: an indexer's helpers load their own.
  let ortReady: Promise<typeof Ort> | null = null;
  const runtime = () => (ortReady ??= import('onnxruntime-node').then((m) => (m as unknown as { default?: typeof Ort }).default ?? (m as unknown as typeof Ort)));
  const cls = spec.pooling === 'cls';
  // ——— helper processes ———
  const require = createRequire(import.meta.url);
  const wanted = spec.threads ?? Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
  const pool: Promise<Helper | null>[] = [];
  const started: Helper[] = [];
  let nextId = 0;
  const stats = { threaded: 0, here: 0 };
  function spawnHelper(): Promise<Helper | null> {
    return new Promise<Helper | null>((resolve) => {
      let child: ChildProcess;
      try {
        // Nothing of this process's environment (tokens, passwords) is needed there.
        child = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: {} });
      } catch {
        resolve(null);
        return;
      }
      const h: Helper = { child, busy: 0, alive: true, dims: 0, calls: new Map(), stderr: '' };
      started.push(h);
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => (h.stderr = (h.stderr + d).slice(-2000)));
      (child.stderr as { unref?: () => void } | null)?.unref?.();
      child.on('message', (m: { ready?: boolean; dims?: number; failed?: string; id?: number; out?: Float32Array; error?: string }) => {
        if (m.ready) {
          h.dims = m.dims ?? 0;
          if (h.busy === 0) hold(h, false);
          return resolve(h);
        }
        if (m.failed !== undefined) {
          h.alive = false;
          child.kill();
          return resolve(null);
        }
        const call = h.calls.get(m.id!);
        if (!call) return;
        h.calls.delete(m.id!);
        if (--h.busy === 0) hold(h, false); // an idle helper must not keep the process alive
        if (m.out) call.resolve(m.out);
        else call.reject(new Error(m.error ?? 'the embedding process failed'));
      });
      const fail = (e: Error) => {
        h.alive = false;
        resolve(null);
        for (const c of h.calls.values()) c.reject(e);
        h.calls.clear();
      };
      child.on('error', fail);
      child.on('exit', (code, signal) => fail(new Error(`the embedding process stopped (${signal ?? `exit ${code}`})${h.stderr ? `: ${h.stderr.trim().split('\n').pop()}` : ''}`)));
      child.send({ ort: require.resolve('onnxruntime-node'), model: spec.model, session: SESSION, cls, encodeBatch: encodeBatch.toString() });
    });
  }
  function startHelpers(count = wanted): Promise<Helper[]> {
    while (pool.length < count) pool.push(spawnHelper());
    return Promise.all(pool).then((hs) => hs.filter((h): h is Helper => h !== null && h.alive));
  }
  // An indexer's helpers load the graph while this thread reads and cleans articles, all of them: even a
  // 20-passage article is embedded sooner by one per core (0.92 s against 1.03 s for a `verbatim index`
  // adding one at a million passages, median of 10 runs each, interleaved). They start when the indexer
  // finds something to embed (`warm`), so a run that only removes articles, or finds nothing new, starts none.
  const lazy = !!spec.passagesOnly && wanted > 0;
  // An indexer's batches all go to the helpers, whatever their size (it has no session here).
  const helpersFrom = lazy ? 0 : HELPERS_FROM;

  let sessionReady: Promise<Ort.InferenceSession> | null = null;
  const session = () => (sessionReady ??= runtime().then((ort) => ort.InferenceSession.create(spec.model, SESSION)));
  // An indexer loads the tokenizer when it first embeds: a run that only removes articles never does.
  let wordsReady: Promise<Words> | null = null;
  const words = () => (wordsReady ??= loadTokenizer(spec.dir, spec.maxTokens).then((t) => wordsOf(t, spec.maxTokens)));
  if (!lazy) await Promise.all([words(), session()]);

  // The width of the vectors: as the model's configuration states it (checked at every batch), else from
  // a helper's first run or one here.
  const probe = async () => {
    const w = await words();
    return (await encodeBatch(await runtime(), await session(), w.pack([w.tokenize('dimension probe', false)]), cls)).length;
  };
  const dims = lazy ? configuredWidth(spec.dir) ?? (await startHelpers())[0]?.dims ?? (await probe()) : await probe();

  async function runBatch(batch: Packed, helpers: Helper[]): Promise<Float32Array> {
    const h = helpers.filter((x) => x.alive).sort((a, b) => a.busy - b.busy)[0];
    if (!h) {
      stats.here++;
      return encodeBatch(await runtime(), await session(), batch, cls);
    }
    const id = nextId++;
    if (h.busy++ === 0) hold(h, true); // a call in flight keeps the process alive until it is answered
    try {
      const out = await new Promise<Float32Array>((resolve, reject) => {
        h.calls.set(id, { resolve, reject });
        h.child.send({ id, batch });
      });
      stats.threaded++;
      return out;
    } catch {
      stats.here++;
      return encodeBatch(await runtime(), await session(), batch, cls); // the helper failed: this batch is done here
    }
  }

  return {
    dims,
    stats,
    async embed(texts, opts = {}) {
      const sentences = opts.sentences ?? true;
      const w = await words();
      const tokens = texts.map((t) => w.tokenize(t, sentences, opts.prefix));
      // Similar lengths together: less padding.
      const order = texts.map((_, i) => i).sort((a, b) => tokens[a].ids.length - tokens[b].ids.length);
      const batches: number[][] = [];
      for (const i of order) {
        const last = batches[batches.length - 1];
        const width = Math.max(tokens[i].ids.length, ...(last ?? []).map((j) => tokens[j].ids.length));
        if (last && last.length < BATCH_ITEMS && width * (last.length + 1) <= BATCH_TOKENS) last.push(i);
        else batches.push([i]);
      }
      const helpers = wanted > 0 && (pool.length || texts.length >= helpersFrom) ? await startHelpers(texts.length >= helpersFrom ? wanted : pool.length) : [];
      const result = new Array<Embedded>(texts.length);
      let done = 0;
      let next = 0;
      const lanes = Math.max(1, helpers.length * 2);
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < batches.length) {
            const b = batches[next++];
            const out = await runBatch(w.pack(b.map((i) => tokens[i])), helpers);
            const units = b.reduce((n, i) => n + 1 + tokens[i].spans.length / 2, 0);
            if (out.length !== units * dims) throw new Error(`the model's vectors are ${out.length / units} wide, not the ${dims} its configuration states`);
            let o = 0;
            for (const i of b) {
              const at = (k: number) => out.slice((o + k) * dims, (o + k + 1) * dims);
              const count = tokens[i].spans.length / 2;
              result[i] = { vector: at(0), sentences: Array.from({ length: count }, (_, k) => at(k + 1)) };
              o += 1 + count;
            }
            done += b.length;
            opts.onProgress?.(done);
          }
        }),
      );
      return result;
    },
    warm() {
      if (!lazy || pool.length) return; // called for each changed file: the first starts them
      startHelpers().catch(() => {});
      words().catch(() => {}); // awaited by the first batch, which reports a failure
    },
    async close() {
      pool.splice(0); // one still starting is stopped too: its ready message is never waited for
      // Disconnecting ends a helper (see HELPER); each is waited for, so none outlives this call.
      await Promise.all(started.splice(0).map((h) => new Promise<void>((resolve) => {
        if (h.child.exitCode !== null || h.child.signalCode !== null) return resolve();
        h.child.once('exit', () => resolve());
        hold(h, true); // waited for: its exit must keep this process up until it comes
        if (h.child.connected) h.child.disconnect();
        else h.child.kill();
      })));
    },
  };
}

