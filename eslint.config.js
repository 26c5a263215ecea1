// ESLint flat config: typescript-eslint's strict rules on the TypeScript sources and tests, the
// recommended JavaScript rules on the scripts. Formatting is Prettier's job (`npm run lint` runs both).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strict],
    // `const { a, ...rest } = x` is how an object is copied without `a`.
    rules: { '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: { 'no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Control characters in these patterns are the point: config text, YAML scalars and terminal
      // output are checked for, or stripped of, C0/C1 controls and ANSI escapes.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests index into fixtures they just built and read loosely typed JSON from kubectl and helm.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // PENDING (not an exemption by design): files other people were editing when the linter came in.
    // Their owners fix what these rules report there (mostly non-null assertions), then this block goes.
    files: [
      'src/bundle/bundle.ts',
      'src/bundle/images.ts',
      'src/config/load.ts',
      'src/config/profile.ts',
      'src/config/schema.ts',
      'src/config/text.ts',
      'src/engine/chart-crds.ts',
      'src/engine/probe-objects.ts',
      'src/engine/probes.ts',
      'src/steps/autoscaling.ts',
      'src/steps/gateway.ts',
      'src/steps/security.ts',
      'src/wizard/document.ts',
      'src/wizard/wizard.ts',
      'test/e2e/faults.test.ts',
    ],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
      'no-useless-assignment': 'off',
    },
  },
);
