// An indexer (`verbatim index`, `feeds poll`) embeds in one helper process per core, started only when
// there is something to embed: a run that finds nothing new, or only removals, loads no model anywhere.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { loadEmbedder } from '../src/embed/model.js';
import { localPretrained } from '../src/embed/setup.js';
import { updateIndex } from '../src/index/update.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { SEED_CORPUS, tmp } from './helpers.js';

/** This process's live children (Linux: each thread's children list under /proc). */
function children(): number[] {
  const tasks = `/proc/${process.pid}/task`;
  return fs.readdirSync(tasks).flatMap((t) => {
    try {
      return fs.readFileSync(path.join(tasks, t, 'children'), 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

describe.skipIf(process.platform !== 'linux')('an indexer', () => {
  it('starts its embedding helpers only when a file needs embedding, and stops them when closed', async () => {
    const { modelsDir } = loadConfig();
    const id = localPretrained(modelsDir)[0];
    expect(id, 'the pretrained model (test/global-setup.ts installs it)').toBeTruthy();
    const dir = tmp('verbatim-helpers-store-');
    const corpus = tmp('verbatim-helpers-corpus-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    const before = new Set(children());
    const started = () => children().filter((c) => !before.has(c));

    const run = async (expectHelpers: boolean) => {
      const embedder = await loadEmbedder(id!, { modelsDir, allowRemote: false, passagesOnly: true, threads: 2 });
      const store = await openSqliteStore({ dir });
      try {
        expect(started()).toEqual([]);
        const summary = await updateIndex({ store, embedder, corpusDir: corpus, maxFileBytes: 1e7 });
        expect(started().length).toBe(expectHelpers ? 2 : 0);
        return { summary, stats: { ...embedder.stats } };
      } finally {
        await embedder.close();
        await store.close();
        expect(started()).toEqual([]);
      }
    };

    const first = await run(true);
    expect(first.summary.embedded).toBeGreaterThan(20);
    expect(first.stats.threaded).toBeGreaterThan(0);
    expect(first.stats.here).toBe(0);

    const unchanged = await run(false);
    expect(unchanged.summary.changed).toBe(false);

    const gone = fs.readdirSync(corpus).filter((f) => !f.startsWith('.')).sort()[0];
    fs.rmSync(path.join(corpus, gone));
    const removal = await run(false);
    expect(removal.summary.deleted).toEqual([gone]);
    expect(removal.stats).toEqual({ threaded: 0, here: 0 });
  });
});
