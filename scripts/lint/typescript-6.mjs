// typescript-eslint and dependency-cruiser read TypeScript through its JavaScript API, which
// TypeScript 7 (the compiler this project builds with) no longer ships. Inside the lint processes
// only (and StrykerJS, which reads tsconfig.json with it: scripts/mutation.mjs), every import of
// 'typescript' resolves to the 6.0 release installed as 'typescript-6'.
// Loaded with `node --import`; the build and the tests never load it.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'typescript' || specifier.startsWith('typescript/')) {
      return nextResolve(`typescript-6${specifier.slice('typescript'.length)}`, context);
    }
    return nextResolve(specifier, context);
  },
});
