// Run by `npm run build` after tsc: captures what `kubestrap --help` writes (commander's help plus
// the text added with addHelpText) into dist/root-help.json, once wrapped at 80 columns (pipes and
// non-TTY output) and once unwrapped (terminals wide enough that commander wraps nothing), so
// bin/kubestrap.js can print it without loading commander. The capture is keyed by the size and
// mtime of dist/bundled/cli.js (what bin/kubestrap.js runs; scripts/build-bundle.mjs writes it);
// a different file there makes bin/kubestrap.js ignore it.
import { statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const { buildProgram } = await import(new URL('cli.js', dist).href);

function capture(width) {
  let text = '';
  const program = buildProgram();
  program.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => width, getOutHasColors: () => false });
  program.outputHelp();
  return text;
}

const narrowWidth = 80;
const wide = capture(100_000);
const cli = statSync(new URL('bundled/cli.js', dist));
const out = {
  cli: { size: cli.size, mtimeMs: cli.mtimeMs },
  narrow: { width: narrowWidth, text: capture(narrowWidth) },
  wide: { longestLine: Math.max(...wide.split('\n').map((l) => l.length)), text: wide },
};
writeFileSync(fileURLToPath(new URL('root-help.json', dist)), `${JSON.stringify(out)}\n`);
