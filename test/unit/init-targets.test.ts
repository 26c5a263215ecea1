// Where `init --force` writes (issue 8): a directory where a file is expected, a file where a
// directory is expected, one file named twice, kernel file systems — each a usage error (exit 2)
// before anything is asked or written.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initCommand, type InitOptions } from '../../src/commands/init.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/wizard/atomic.js';
import { tempDir } from './temp-dir.ts';

function project(): string {
  const dir = tempDir('kubestrap-init-targets-');
  mkdirSync(path.join(dir, 'adir'));
  writeFileSync(path.join(dir, 'afile'), 'mine\n');
  return dir;
}

const options = (cwd: string, over: Partial<InitOptions>): InitOptions => ({
  cwd,
  env: {},
  explicit: {},
  yes: true,
  force: true,
  interactive: false,
  write: () => undefined,
  contexts: async () => [],
  ...over,
});

/** Runs init, expects a usage error, and checks the project directory is exactly as it was. */
async function refused(over: Partial<InitOptions>): Promise<UsageError> {
  const cwd = project();
  const before = readdirSync(cwd, { recursive: true }).sort();
  const error = await initCommand(options(cwd, over)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  expect((error as UsageError).exitCode).toBe(ExitCode.usage);
  expect(readdirSync(cwd, { recursive: true }).sort()).toEqual(before);
  expect(readFileSync(path.join(cwd, 'afile'), 'utf8')).toBe('mine\n');
  return error as UsageError;
}

describe('init --force refuses unusable targets before writing anything', () => {
  it('--config naming a directory', async () => {
    const e = await refused({ config: 'adir' });
    expect(e.message).toBe('--config adir is a directory; init writes a file there');
    expect(e.suggestion).toContain('adir/kubestrap.yaml');
  });

  it('--decisions naming a directory (the config is not written either)', async () => {
    const e = await refused({ decisions: 'adir' });
    expect(e.message).toBe('--decisions adir is a directory; init writes a file there');
  });

  it('--decisions under a regular file', async () => {
    const e = await refused({ decisions: 'afile/decisions.md' });
    expect(e.message).toMatch(/^--decisions afile\/decisions\.md: .*afile is a file, not a directory/);
  });

  it('--config under a regular file (the reverse: a file where a directory is expected)', async () => {
    const e = await refused({ config: 'afile/sub/kubestrap.yaml' });
    expect(e.message).toMatch(/afile is a file, not a directory/);
  });

  it('--config X --decisions X', async () => {
    const e = await refused({ config: 'same.yaml', decisions: 'same.yaml' });
    expect(e.message).toContain('--config and --decisions both name same.yaml');
  });

  it('--config X --decisions ./d/../X (the same file spelled differently)', async () => {
    const e = await refused({ config: 'same.yaml', decisions: './adir/../same.yaml' });
    expect(e.message).toContain('both name');
  });

  it('the same file through a symbolic link', async () => {
    const cwd = project();
    const { symlinkSync } = await import('node:fs');
    writeFileSync(path.join(cwd, 'real.yaml'), 'x\n');
    symlinkSync('real.yaml', path.join(cwd, 'link.md'));
    const error = await initCommand(options(cwd, { config: 'real.yaml', decisions: 'link.md' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(readFileSync(path.join(cwd, 'real.yaml'), 'utf8')).toBe('x\n');
  });

  it('a device instead of a file', async () => {
    const e = await refused({ decisions: '/dev/null' });
    expect(e.message).toContain('is not a regular file');
  });

  it.each(['/proc/kubestrap-test/kubestrap.yaml', '/sys/kernel/kubestrap-test/kubestrap.yaml'])(
    '%s (a kernel file system), at once',
    async (config) => {
      const started = performance.now();
      const e = await refused({ config });
      expect(e.message).toMatch(/a kernel file system/);
      expect(performance.now() - started).toBeLessThan(5_000);
    },
  );

  it('still writes both files to a fresh nested directory', async () => {
    const cwd = project();
    await initCommand(options(cwd, { config: 'clusters/dev/kubestrap.yaml' }));
    expect(readdirSync(path.join(cwd, 'clusters/dev'))).toEqual(expect.arrayContaining(['kubestrap.yaml', 'docs']));
  });
});

describe('writeFileAtomic', () => {
  it('fails at once under /proc instead of retrying mkdir forever', async () => {
    const started = performance.now();
    await expect(writeFileAtomic('/proc/kubestrap-test/a/b.yaml', 'x')).rejects.toMatchObject({
      code: expect.stringMatching(/ENOENT|EACCES|EPERM/),
    });
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
