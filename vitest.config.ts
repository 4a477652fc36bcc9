import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Two passes over one suite: everything against the embedded store, then the store, search, CLI and bot
// end-to-end tests again against PostgreSQL (PGlite with pgvector, started by the tests themselves; or
// TEST_POSTGRES_URL when it is set).
const common = {
  globalSetup: ['test/global-setup.ts'],
  // Native addons (hnswlib, onnxruntime, better-sqlite3) are happiest in separate processes.
  pool: 'forks' as const,
  // --expose-gc lets the load test measure memory after garbage collection.
  poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  testTimeout: 120_000,
  hookTimeout: 300_000,
  // The tests use the offline model; none of them may wait on a model hub (one test fakes one).
  env: { ALLOW_REMOTE_MODELS: 'false' },
};

// Seconds each file took in CI (a clean clone, so no timings of its own yet; two workers). Longest first
// lets the two workers finish together instead of one running the slowest file alone at the end (about
// 35 s of a run). A checkout that has recorded its own timings sorts by those.
const MEASURED: Record<string, number> = {
  'sqlite:test/faults-crash.test.ts': 83,
  'postgres:test/index.test.ts': 50,
  'sqlite:test/parity.test.ts': 32,
  'sqlite:test/cli.test.ts': 31,
  'sqlite:test/shutdown.test.ts': 30,
  'postgres:test/libraries.e2e.test.ts': 24,
  'postgres:test/cli.test.ts': 24,
  'postgres:test/store.test.ts': 20,
  'sqlite:test/faults-files.test.ts': 18,
  'postgres:test/processes.e2e.test.ts': 18,
  'sqlite:test/faults-bot.test.ts': 18,
  'sqlite:test/processes.e2e.test.ts': 13,
  'sqlite:test/libraries.e2e.test.ts': 11,
  'sqlite:test/index.test.ts': 9,
  'postgres:test/bot.e2e.test.ts': 8,
  'sqlite:test/bot.e2e.test.ts': 8,
  'sqlite:test/store.test.ts': 7,
};

class LongestFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (f: TestSpecification) => {
      const key = `${f.project.name}:${path.relative(this.ctx.config.root, f.moduleId)}`;
      const recorded = this.ctx.cache.getFileTestResults(key)?.duration;
      return recorded !== undefined ? recorded / 1000 : (MEASURED[key] ?? 5);
    };
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}

export const POSTGRES_PASS = ['test/store.test.ts', 'test/processes.e2e.test.ts', 'test/index.test.ts', 'test/retrieval.test.ts', 'test/cli.test.ts', 'test/bot.e2e.test.ts', 'test/libraries.e2e.test.ts'];

export default defineConfig({
  test: {
    // Vitest's default on a 2-core machine is one file at a time; most files wait on child processes (the
    // CLI, bots, PGlite), so two at a time keeps both cores busy and the run well inside CI's ten minutes.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    // Pool options are read from here, not from a project (there they were silently ignored).
    poolOptions: common.poolOptions,
    projects: [
      { test: { ...common, name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        test: { ...common, name: 'postgres', include: POSTGRES_PASS, globalSetup: [...common.globalSetup, 'test/global-setup-pglite.ts'], env: { ...common.env, VERBATIM_TEST_STORE: 'pglite' } },
      },
    ],
  },
});
