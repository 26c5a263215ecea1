// StrykerJS (npm run mutation): mutation testing of the engine, the config and the renderer against the unit
// tests only (the e2e projects need clusters). Surviving mutants judged equivalent: docs/mutation.md.
import path from 'node:path';

// The tests find the real upstream charts beside the repository (../shared/upstream-charts); Stryker runs them
// from a sandbox copy under .stryker-tmp/, so the folder is named here, from the real repository.
process.env.KUBESTRAP_UPSTREAM_CHARTS ??= path.resolve('../shared/upstream-charts');

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/engine/**/*.ts', 'src/config/**/*.ts', 'src/render/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level code: the zod schemas, choice tables, constants) are covered by no single
  // test, so each would run every unit test: 72 % of src/config's mutants and an estimated 99 % of the time.
  // They are left out of the score; scripts/mutation.mjs prints how many per folder.
  ignoreStatic: true,
  // The machine is shared; one test process at a time.
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // Runs side by side each take their own --tempDirName (.stryker-tmp-<name>); Stryker leaves out only its
  // own, so without this each sandbox copied the others' sandboxes (slow, and copies failing mid-change).
  ignorePatterns: ['/.stryker-tmp-*'],
  // Added to 1.5 x the covering tests' own time before a mutant counts as hanging (an endless loop).
  timeoutMS: 5_000,
  thresholds: { high: 90, low: 80, break: null },
};
