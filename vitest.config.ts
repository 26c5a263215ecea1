import { defineConfig } from 'vitest/config';

// Unit tests (pure, fast, no cluster); end-to-end tests, which share ONE real test control plane
// per run, started by the e2e global setup and stopped after the run; and the real (kind) tier:
// real-harness, then e2e-real (npm run test:real), which need Docker (or Debian + root).
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
          // test/e2e/faults.test.ts included: its faults are held at fixed points (test/e2e/faults/hold.ts),
          // not waited for, so they land the same on an idle or a loaded machine.
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 10 * 60_000,
          hookTimeout: 90 * 60_000,
          fileParallelism: false,
        },
      },
      {
        // Real kind clusters (npm run test:real): globalSetup runs `up --real`, teardown `down --real`.
        test: {
          name: 'e2e-real',
          include: ['test/e2e-real/**/*.test.ts'],
          globalSetup: ['test/e2e-real/global-setup.ts'],
          testTimeout: 20 * 60_000,
          hookTimeout: 120 * 60_000,
          fileParallelism: false,
        },
      },
      {
        // The real tier's own proof (npm run test:real): up --real, a kind cluster, down --real, host as before.
        test: {
          name: 'real-harness',
          include: ['test/real-harness/**/*.test.ts'],
          testTimeout: 120 * 60_000,
          hookTimeout: 120 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
