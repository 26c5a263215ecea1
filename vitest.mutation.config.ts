import { defineConfig } from 'vitest/config';

// The unit project as Stryker runs it (npm run mutation, stryker.config.mjs). Stryker mutates src/ in a
// sandbox and runs the tests that cover each mutant in-process. Left out: test files that run the built CLI
// (dist/, compiled from the unmutated sources, so they cannot see a mutant and would only compare it with
// themselves) or real external programs (helm, a pty, shells, tsc), which take minutes per run.
const notForMutation = [
  'test/unit/bundle.test.ts', // bin/kubestrap.js bundle + real helm
  'test/unit/events-typed.test.ts', // the real tsc over snippets: types, which no mutant changes
  'test/unit/gateway-envoy-crds.test.ts', // real helm show crds
  'test/unit/images-mirror-plan.test.ts', // bin/kubestrap.js plan
  'test/unit/images-mirror.test.ts', // real helm template of every chart
  'test/unit/output.test.ts', // bin/kubestrap.js schema --events
  'test/unit/plan-shell-quoting.test.ts', // every plan command line through real POSIX shells
  'test/unit/plan-json-contract.test.ts', // bin/kubestrap.js plan --output json
  'test/unit/plan-out-dir.test.ts', // bin/kubestrap.js plan --out
  'test/unit/production-grade-charts.test.ts', // real helm template of every chart
  'test/unit/pty-wizard.test.ts', // bin/kubestrap.js in a pty
  'test/unit/real-charts-values.test.ts', // real helm template of every chart
  'test/unit/startup-modules.test.ts', // bin/kubestrap.js start-up
];

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: notForMutation,
    testTimeout: 30_000,
  },
});
