import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Native addons (hnswlib, onnxruntime) are happiest in separate processes.
    pool: 'forks',
    // --expose-gc lets the load test measure memory after garbage collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
