// Run by `npm run build` after tsc: bundles dist/cli.js and everything it imports (zod, yaml,
// commander, execa, ...) into dist/bundled/, which bin/kubestrap.js runs. Issue 12: loading the
// ~240 separate modules of `plan` (95 of them zod, most of those locales it never uses) cost about
// a quarter of its CPU; one bundle per command (dynamic imports stay separate chunks) loads a
// handful, and unused exports are left out. The tsc output in dist/ stays as it is (tests and
// scripts import it), and the bundle's modules find their files (templates/, package.json) through
// URLs relative to where tsc put them.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const outDir = path.join(dist, 'bundled');

/** `import.meta.url` of a module in dist/, as the URL of its tsc output file (not of the chunk it lands in). */
const keepModuleUrls = {
  name: 'keep-module-urls',
  transform(code, id) {
    if (!id.startsWith(dist) || id.startsWith(outDir) || !code.includes('import.meta.url')) return null;
    const relative = path.relative(outDir, id).split(path.sep).join('/');
    return code.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`);
  },
};

// Written next to dist/bundled/ first, then moved in file by file with cli.js last: a kubestrap
// started meanwhile (a test, another shell) never finds the folder empty or half written. Chunk
// names carry a content hash, so the chunks of the previous build stay readable by a run still
// using them; those not rewritten are removed once they are an hour old.
const staging = path.join(dist, `.bundled-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
const bundle = await rolldown({
  input: path.join(dist, 'cli.js'),
  platform: 'node',
  external: [/^node:/],
  plugins: [keepModuleUrls],
  logLevel: 'warn',
});
await bundle.write({ dir: staging, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' });
await bundle.close();
mkdirSync(outDir, { recursive: true });
const written = readdirSync(staging).sort((a, b) => Number(a === 'cli.js') - Number(b === 'cli.js'));
for (const file of written) renameSync(path.join(staging, file), path.join(outDir, file));
rmSync(staging, { recursive: true, force: true });
const hourAgo = Date.now() - 3_600_000;
for (const file of readdirSync(outDir)) {
  const at = path.join(outDir, file);
  if (!written.includes(file) && statSync(at).mtimeMs < hourAgo) rmSync(at, { force: true });
}
