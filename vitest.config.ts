import { defineConfig } from 'vitest/config';

// Two passes over one suite: everything against the embedded store, then the store, search, CLI and bot
// end-to-end tests again against PostgreSQL (PGlite with pgvector, started by the tests themselves; or
// TEST_POSTGRES_URL when it is set).
const common = {
  globalSetup: ['test/global-setup.ts'],
  // Native addons (hnswlib, onnxruntime, better-sqlite3) are happiest in separate processes.
  pool: 'forks' as const,
  testTimeout: 120_000,
  hookTimeout: 300_000,
  // The tests use the offline model; none of them may wait on a model hub (one test fakes one).
  env: { ALLOW_REMOTE_MODELS: 'false' },
};

export const POSTGRES_PASS = ['test/store.test.ts', 'test/processes.e2e.test.ts', 'test/index.test.ts', 'test/retrieval.test.ts', 'test/cli.test.ts', 'test/bot.e2e.test.ts', 'test/libraries.e2e.test.ts', 'test/web.e2e.test.ts', 'test/feeds-bot.e2e.test.ts'];

export default defineConfig({
  test: {
    // Vitest's default on a 2-core machine is one file at a time; most files wait on child processes (the
    // CLI, bots, PGlite), so two at a time keeps both cores busy and the run well inside CI's ten minutes.
    maxWorkers: 2,
    // --expose-gc lets the load test measure memory after garbage collection. Pool options are read from
    // here, not from a project (there they were silently ignored).
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    projects: [
      { test: { ...common, name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        test: { ...common, name: 'postgres', include: POSTGRES_PASS, globalSetup: [...common.globalSetup, 'test/global-setup-pglite.ts'], env: { ...common.env, VERBATIM_TEST_STORE: 'pglite' } },
      },
    ],
  },
});
