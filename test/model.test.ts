// Which embedding model `auto` picks: a pretrained one when the hub answers (downloaded into MODELS_DIR on
// first use), the offline one otherwise — within seconds, and saying which. A different model rebuilds
// the index. The "hub" here is a local server that hands out the offline model's files under a
// pretrained model's name, so the whole download path runs for real.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { chooseModel, loadEmbedder } from '../src/embed/model.js';
import { AUTO_ORDER, STATIC_MODEL_ID } from '../src/embed/presets.js';
import { updateIndex } from '../src/index/update.js';
import { onCleanup, realEmbedder, SEED_CORPUS, testStore, tmp } from './helpers.js';

async function fakeHub(): Promise<{ url: string; requests: string[] }> {
  const source = path.join(loadConfig().modelsDir, STATIC_MODEL_ID);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/Xenova\/bge-small-en-v1\.5\/resolve\/main\/(.+)$/.exec(req.url ?? '');
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
    expect(choice.reason).toMatch(/built offline; the model hub http:\/\/127\.0\.0\.1:\d+ did not answer/);
    expect((await chooseModel('auto', { modelsDir: tmp(), allowRemote: false })).reason).toMatch(/ALLOW_REMOTE_MODELS=false/);
  });

  it('downloads the pretrained preset when the hub answers, and an index built by another model is rebuilt', async () => {
    const hub = await fakeHub();
    const modelsDir = tmp('verbatim-models-');
    const choice = await chooseModel('auto', { modelsDir, allowRemote: true, hubUrl: hub.url });
    expect(choice.modelId).toBe(AUTO_ORDER[0]);
    expect(choice.reason).toMatch(/pretrained, downloaded from http:\/\/127\.0\.0\.1/);
    const pretrained = await loadEmbedder(choice.modelId, { modelsDir, allowRemote: true, hubUrl: hub.url });
    expect(fs.existsSync(path.join(modelsDir, choice.modelId, 'onnx/model_quantized.onnx'))).toBe(true);
    expect(hub.requests.some((r) => r.includes('model_quantized.onnx'))).toBe(true);
    // Present now: `auto` picks it without asking the hub.
    expect((await chooseModel('auto', { modelsDir, allowRemote: false })).modelId).toBe(choice.modelId);

    const store = await (await testStore()).open();
    const offline = await realEmbedder();
    await updateIndex({ store, embedder: offline, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 });
    const switched = await updateIndex({ store, embedder: pretrained, corpusDir: SEED_CORPUS, maxFileBytes: 1e7 });
    expect(switched.rebuilt).toMatch(/the model changed \(verbatim\/static-wordnet-256 → Xenova\/bge-small-en-v1\.5\)/);
    expect(switched.embedded).toBe(55);
    expect((await store.settings())!.modelId).toBe(choice.modelId);
  });
});
