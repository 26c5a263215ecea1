// `plan --out` never deletes or overwrites anything kubestrap did not write. These run the built
// CLI in throw-away directories (HOME pointed into them too, so `--out ~` is safe to try).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PLAN_MARKER } from '../../src/plan/out-dir.js';
import { tempDir } from './temp-dir.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/kubestrap.js');

function workspace() {
  const dir = tempDir('ks-out-');
  const home = path.join(dir, 'home');
  const project = path.join(home, 'code', 'project');
  mkdirSync(project, { recursive: true });
  copyFileSync(path.join(root, 'examples/kind-dev.yaml'), path.join(project, 'kubestrap.yaml'));
  writeFileSync(path.join(project, 'notes.txt'), 'mine\n');
  writeFileSync(path.join(home, '.bashrc'), 'export A=1\n');
  return { dir, home, project };
}

function plan(cwd: string, home: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'plan', '--config', 'kubestrap.yaml', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const rel = `${prefix}${e.name}`;
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}/`);
      else out[rel] = readFileSync(path.join(d, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

describe('plan --out refuses to replace what kubestrap did not write', () => {
  const refused: [string, (w: ReturnType<typeof workspace>) => string, RegExp][] = [
    ['the current directory', () => '.', /current directory/],
    ['an empty string', () => '', /names no directory/],
    ['the home directory', (w) => w.home, /home directory/],
    ['a parent of the current directory', () => '..', /current directory/],
    ['the root directory', () => '/', /root directory/],
    ['the config file itself', () => 'kubestrap.yaml', /is a file, not a directory/],
    ['a file under a file', () => 'notes.txt/plan', /notes.txt is a file/],
    [
      '.kubestrap holding the kind encryption key',
      (w) => {
        mkdirSync(path.join(w.project, '.kubestrap/secrets'), { recursive: true });
        writeFileSync(path.join(w.project, '.kubestrap/secrets/encryption-key'), 'c2VjcmV0\n');
        return '.kubestrap';
      },
      /was not written by kubestrap .*secrets/,
    ],
    [
      "a directory of the user's files",
      (w) => {
        mkdirSync(path.join(w.project, 'docs'));
        writeFileSync(path.join(w.project, 'docs/adr-1.md'), '# ADR\n');
        return 'docs';
      },
      /was not written by kubestrap \(adr-1.md\)/,
    ],
    ['/proc', () => '/proc/self/kubestrap-plan', /pseudo file system/],
    ['/sys', () => '/sys/kubestrap-plan', /pseudo file system/],
  ];
  for (const [what, out, message] of refused) {
    it(`refuses ${what} with exit 2 and changes nothing`, () => {
      const w = workspace();
      const target = out(w);
      const before = snapshot(w.dir);
      const r = plan(w.project, w.home, '--out', target);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
      expect(r.code).toBe(2);
      expect(snapshot(w.dir)).toEqual(before);
    });
  }

  it('refuses a plan directory that an earlier run wrote once the user added a file to it', () => {
    const w = workspace();
    expect(plan(w.project, w.home, '--out', 'out').code).toBe(0);
    writeFileSync(path.join(w.project, 'out/my-patch.yaml'), 'keep: me\n');
    const r = plan(w.project, w.home, '--out', 'out');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds files kubestrap did not write \(my-patch.yaml\)/);
    expect(readFileSync(path.join(w.project, 'out/my-patch.yaml'), 'utf8')).toBe('keep: me\n');
  });

  // Mode bits do not bind root, so as root the directory is made immutable instead (chattr +i),
  // which refuses writes to root too; where the file system has no such attribute, it is skipped.
  const asRoot = process.getuid?.() === 0;
  const lockDir = (dir: string): boolean => {
    if (!asRoot) {
      chmodSync(dir, 0o555);
      return true;
    }
    return spawnSync('chattr', ['+i', dir]).status === 0;
  };
  const unlockDir = (dir: string) => (asRoot ? spawnSync('chattr', ['-i', dir]) : chmodSync(dir, 0o755));
  const probe = tempDir('ks-immutable-');
  const canLock = lockDir(probe);
  unlockDir(probe);
  it.skipIf(!canLock)('refuses a directory it cannot write into with exit 2 and a reason, leaving nothing behind', () => {
    const w = workspace();
    const locked = path.join(w.project, 'locked');
    mkdirSync(locked);
    expect(lockDir(locked)).toBe(true);
    try {
      const r = plan(w.project, w.home, '--out', 'locked/plan');
      expect(r.stderr).toMatch(/Could not write the plan to locked\/plan: (permission denied|operation not permitted)/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(r.code).toBe(2);
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      unlockDir(locked);
    }
  });
});

describe('plan --out replaces what kubestrap wrote', () => {
  it('writes a marker, and a second plan replaces its own directory', () => {
    const w = workspace();
    expect(plan(w.project, w.home, '--out', 'out').code).toBe(0);
    const marker = JSON.parse(readFileSync(path.join(w.project, 'out', PLAN_MARKER), 'utf8')) as { files: string[] };
    expect(marker.files.length).toBeGreaterThan(3);
    for (const f of marker.files) expect(existsSync(path.join(w.project, 'out', f))).toBe(true);
    const r = plan(w.project, w.home, '--out', 'out');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(w.project, 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  it('accepts a new or empty directory', () => {
    const w = workspace();
    mkdirSync(path.join(w.project, 'empty'));
    expect(plan(w.project, w.home, '--out', 'empty').code).toBe(0);
    expect(plan(w.project, w.home, '--out', 'new/nested').code).toBe(0);
    expect(existsSync(path.join(w.project, 'new/nested', PLAN_MARKER))).toBe(true);
  });

  it('accepts a plan directory written by an older kubestrap (no marker) holding only plan files', () => {
    const w = workspace();
    expect(plan(w.project, w.home, '--out', 'out').code).toBe(0);
    rmSync(path.join(w.project, 'out', PLAN_MARKER));
    expect(plan(w.project, w.home, '--out', 'out').code).toBe(0);
  });
});
