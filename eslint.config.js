// ESLint flat config: typescript-eslint's strict rules on the TypeScript sources and tests, the
// recommended JavaScript rules on the scripts. Formatting is Prettier's job (`npm run lint` runs both).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'reports/', '.stryker-tmp*/'] },
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
);
