// Start-up cost of the CLI (issue 12): `--version` and `--help` load only bin/kubestrap.js and
// node:fs, never commander or dist/cli.js. Measured as the module graph (a count of modules the
// ESM loader loads, through a module.registerHooks load hook), not as a time: the tests stay
// functional on a loaded machine. Runs the built CLI (dist/, `npm run build`); commands run the
// bundle scripts/build-bundle.mjs writes, so zod, yaml, commander... load as a few chunks.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repo, 'bin/kubestrap.js');
const hook = path.join(tempDir('kubestrap-modules-'), 'count.mjs');
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify(loaded) + '\\n'));
`,
);

/** Runs the built CLI with stdout on a pipe; returns its stdout and every module URL it loaded. */
function runWithModules(args: string[]): { stdout: string; modules: string[] } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('MODULES '));
  expect(line, `no module list in stderr: ${r.stderr}`).toBeDefined();
  return { stdout: r.stdout, modules: JSON.parse(line!.slice('MODULES '.length)) as string[] };
}

describe('CLI start-up module graph', () => {
  it('--version loads bin/kubestrap.js and node:fs only (no commander, no dist/)', () => {
    const { stdout, modules } = runWithModules(['--version']);
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(stdout).toBe(`${pkg.version}\n`);
    expect(modules.some((m) => m.includes('/commander/') || m.includes('/dist/'))).toBe(false);
    expect(modules.length).toBeLessThanOrEqual(3);
  });

  it('-V is the same fast path', () => {
    const { modules } = runWithModules(['-V']);
    expect(modules.length).toBeLessThanOrEqual(3);
  });

  it.each([['--help'], ['-h'], ['help']])(
    '%s prints the captured help, byte for byte what commander prints, without loading commander',
    (flag) => {
      const fast = runWithModules([flag]);
      expect(
        fast.modules.some((m) => m.includes('/commander/')),
        'dist/root-help.json missing or stale: run `npm run build`',
      ).toBe(false);
      expect(fast.modules.length).toBeLessThanOrEqual(3);
      // The same build's commander path, stdout on a pipe as above.
      const viaCommander = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(repo, 'dist/cli.js')).href)}); process.exitCode = await main(['node', 'kubestrap', ${JSON.stringify(flag)}]);`,
        ],
        { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(viaCommander).toContain('Usage: kubestrap');
      expect(fast.stdout).toBe(viaCommander);
    },
  );

  it('a command loads the bundled CLI (scripts/build-bundle.mjs), no package module one by one', () => {
    const { stdout, modules } = runWithModules(['schema', '--events']);
    expect(JSON.parse(stdout)).toHaveProperty('$schema');
    expect(modules).toContain(pathToFileURL(path.join(repo, 'dist/bundled/cli.js')).href);
    expect(modules.filter((m) => m.includes('/node_modules/'))).toEqual([]);
  });

  it('plan of examples/production.yaml loads a few dozen modules, not the ~240 of the unbundled CLI', () => {
    const out = tempDir('kubestrap-modules-plan-');
    const { stdout, modules } = runWithModules([
      'plan',
      '--config',
      path.join(repo, 'examples/production.yaml'),
      '--out',
      path.join(out, 'plan'),
      '--output',
      'json',
    ]);
    expect(JSON.parse(stdout)).toHaveProperty('phases');
    expect(modules.filter((m) => m.includes('/node_modules/'))).toEqual([]);
    expect(modules.filter((m) => m.startsWith('file:')).length).toBeLessThanOrEqual(40);
  });
});
