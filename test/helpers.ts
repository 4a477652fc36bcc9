import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { loadEmbedder, type Embedder } from '../src/embed/model.js';
import { STATIC_MODEL_ID } from '../src/embed/presets.js';

export const ROOT = path.resolve(__dirname, '..');
export const SEED_CORPUS = path.join(ROOT, 'corpus');
export const SHARED_EVAL = path.resolve(ROOT, '../shared/eval');

export function tmp(prefix = 'verbatim-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

let embedder: Promise<Embedder> | null = null;

/** The real offline model, loaded once per test file. */
export function realEmbedder(): Promise<Embedder> {
  embedder ??= loadEmbedder(STATIC_MODEL_ID, { modelsDir: loadConfig().modelsDir, allowRemote: false });
  return embedder;
}

/** Wraps an embedder to count how many passages it is asked to embed. */
export function counting(inner: Embedder): Embedder & { embedded: string[] } {
  const embedded: string[] = [];
  return {
    ...inner,
    embedded,
    async embedPassages(texts, onBatch) {
      embedded.push(...texts);
      return inner.embedPassages(texts, onBatch);
    },
  };
}

export function readJsonl<T>(file: string): T[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}
