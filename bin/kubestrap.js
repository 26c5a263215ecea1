#!/usr/bin/env node
// `kubestrap --version` and `kubestrap --help` are answered here without loading the CLI: commander
// alone pulls in child_process, net and streams, which doubles the start time of a bare node.
// --help prints the text scripts/build-help.mjs captured from commander at build time (the exact
// bytes `--help` writes), only while dist/bundled/cli.js is the file it was captured from and the terminal
// width gives the same wrapping; otherwise, and for everything else, the CLI runs as usual.
import { readFileSync, statSync } from 'node:fs';

const args = process.argv.slice(2);

function cachedRootHelp() {
  try {
    const help = JSON.parse(readFileSync(new URL('../dist/root-help.json', import.meta.url), 'utf8'));
    const cli = statSync(new URL('../dist/bundled/cli.js', import.meta.url));
    if (help.cli.size !== cli.size || help.cli.mtimeMs !== cli.mtimeMs) return undefined;
    // commander wraps to the terminal's columns on a TTY and to 80 columns otherwise.
    if (!process.stdout.isTTY || process.stdout.columns === help.narrow.width) return help.narrow.text;
    if (process.stdout.columns >= help.wide.longestLine) return help.wide.text;
  } catch {
    // No capture (a build without scripts/build-help.mjs): commander prints the help.
  }
  return undefined;
}

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const help = args.length === 1 && (args[0] === '--help' || args[0] === '-h' || args[0] === 'help') ? cachedRootHelp() : undefined;
  if (help !== undefined) {
    // `kubestrap --help | head` closes the pipe early: not an error (as in src/cli.ts).
    process.stdout.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error;
    });
    process.stdout.write(help);
  } else {
    // V8's compile cache (Node 22.1+; in the OS temp directory, NODE_DISABLE_COMPILE_CACHE=1 turns it
    // off): the 230-420 modules of a command are compiled once, then read back as code (--cpu-prof
    // of `plan`: module compilation was the largest part of start-up; ~10 % less CPU measured).
    const { enableCompileCache } = await import('node:module');
    enableCompileCache?.();
    // V8 doubles its young generation when many objects survive a scavenge, as a plan's rendered
    // artifacts do: with 1000 tenants that alone was ~50 of 170 MiB peak RSS, for live data of
    // ~60 MiB. Kept at its start size, the peak was 131 MiB at the same CPU (issue 12). V8 reads
    // this flag whenever it resizes, so it applies although the heap already exists.
    const { setFlagsFromString } = await import('node:v8');
    setFlagsFromString('--semi-space-growth-factor=1');
    // The CLI as scripts/build-bundle.mjs bundled it: a few modules instead of ~240.
    const { main } = await import('../dist/bundled/cli.js');
    process.exitCode = await main(process.argv);
  }
}
