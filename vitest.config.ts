import { defineConfig } from 'vitest/config';

// Two projects: unit tests (pure, fast, no cluster) and end-to-end tests, which share ONE real
// test control plane per run, started by the e2e global setup and stopped after the run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 10 * 60_000,
          hookTimeout: 90 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
