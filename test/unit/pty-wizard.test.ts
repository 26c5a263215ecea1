/**
 * The built CLI driven through a REAL pseudo-terminal, like a person: python3's standard `pty`
 * module (test/pty/drive.py) types answers, arrow keys, Enter and Ctrl-C. Chosen because it works
 * from a fresh clone in CI with no native build (node-pty needs a compiler); python3 is on every
 * CI image kubestrap targets. Asserts on the written files and on what was on the screen.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { tempDir } from './temp-dir.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const keys = { enter: '\r', down: '\x1b[B', ctrlC: '\x03' };

interface Drive {
  exitCode: number | null;
  screen: string;
  failedStep: number | null;
}

function drive(cwd: string, args: string[], steps: { expect: string; send: string }[]): Drive {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? cwd,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
  };
  const script = {
    argv: [process.execPath, path.join(root, 'bin/kubestrap.js'), ...args],
    cwd,
    env,
    steps,
    timeout: 40,
    cols: 200,
    rows: 50,
  };
  const out = execFileSync('python3', [path.join(root, 'test/pty/drive.py')], {
    input: JSON.stringify(script),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as Drive;
}

beforeAll(() => {
  // The test drives the built CLI; build it when dist is missing or older than the sources.
  const built = path.join(root, 'dist/commands/init.js');
  const newest = ['src/commands/init.ts', 'src/wizard/wizard.ts', 'src/wizard/questions.ts', 'src/prompts.ts', 'src/cli.ts'].map(
    (f) => statSync(path.join(root, f)).mtimeMs,
  );
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...newest)) {
    execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', root], { stdio: 'inherit' });
  }
}, 120_000);

describe('wizard through a real pseudo-terminal (python3 pty, no native build)', () => {
  it('happy path: kind, Enter for most defaults, arrow key to Calico, types a tenant; writes a valid config and shows the plan per phase', async () => {
    const cwd = tempDir('kubestrap-pty-');
    const r = drive(
      cwd,
      ['init'],
      [
        { expect: 'Where should the cluster run\\?[^\\n]*\\n❯ kind on this machine \\(recommended\\)', send: keys.enter },
        { expect: 'Kubernetes version\\?', send: keys.enter },
        { expect: 'Pod networking \\(CNI\\)\\?', send: keys.down + keys.enter },
        { expect: 'Storage provisioner\\?', send: keys.enter },
        { expect: 'Gateway API implementation', send: keys.enter },
        { expect: 'Pod Security level', send: keys.enter },
        { expect: 'Tenant teams', send: `payments${keys.enter}` },
        { expect: 'CPU quota per tenant', send: keys.enter },
        { expect: 'Memory quota per tenant', send: keys.enter },
        { expect: 'Install monitoring', send: keys.enter },
        { expect: 'Also collect logs', send: keys.enter },
        { expect: 'Vertical Pod Autoscaler', send: keys.enter },
        { expect: 'Back up the cluster', send: keys.enter },
        { expect: 'Where should backups go', send: keys.enter },
        { expect: 'Enforce quotas', send: keys.enter },
        { expect: 'Install OpenCost', send: keys.enter },
      ],
    );
    expect(r.failedStep, r.screen).toBeNull();
    expect(r.exitCode, r.screen).toBe(0);
    // the screen: the arrow key moved the selection, the answer was echoed, summary and plan shown
    expect(r.screen).toMatch(/✔ Pod networking \(CNI\)\?.* Calico/);
    expect(r.screen).toContain('wrote kubestrap.yaml');
    expect(r.screen).toContain('wrote docs/decisions.md');
    expect(r.screen).toMatch(/Summary\n\s+target\s+kind cluster kubestrap/);
    expect(r.screen).toMatch(/networking\s+calico/);
    // a per-phase summary, not the whole plan (that stays one `kubestrap plan` away)
    expect(r.screen).toMatch(/foundation\s+cluster, networking, storage/);
    expect(r.screen).toContain('Every file, command and check: kubestrap plan');
    expect(r.screen).not.toContain('Phase foundation');
    expect(r.screen).toContain('Next: review the files, then run kubestrap up');
    // the files
    const text = readFileSync(path.join(cwd, 'kubestrap.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=/);
    const { config } = await loadConfigFile(path.join(cwd, 'kubestrap.yaml'));
    expect(config.spec.cluster.provider).toBe('kind');
    expect(config.spec.networking.cni).toBe('calico');
    expect(config.spec.tenants).toEqual([
      expect.objectContaining({ name: 'payments', quota: expect.objectContaining({ cpu: '4', memory: '8Gi' }) }),
    ]);
    expect(readFileSync(path.join(cwd, 'docs/decisions.md'), 'utf8')).toMatch(/\*\*Chosen:\*\* calico/);

    // The same answers as flags, with no terminal: byte-for-byte the same files, no prompt.
    const ci = tempDir('kubestrap-ci-');
    execFileSync(
      process.execPath,
      [path.join(root, 'bin/kubestrap.js'), 'init', '--yes', '--provider', 'kind', '--cni', 'calico', '--tenants', 'payments'],
      { cwd: ci, env: { PATH: process.env.PATH ?? '', CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    expect(readFileSync(path.join(ci, 'kubestrap.yaml'), 'utf8')).toBe(text);
    expect(readFileSync(path.join(ci, 'docs/decisions.md'), 'utf8')).toBe(readFileSync(path.join(cwd, 'docs/decisions.md'), 'utf8'));
  }, 90_000);

  it('Ctrl-C in the middle of the questions exits 130 and leaves no file behind', () => {
    const cwd = tempDir('kubestrap-pty-');
    const r = drive(
      cwd,
      ['init'],
      [
        { expect: 'Where should the cluster run\\?', send: keys.enter },
        { expect: 'Kubernetes version\\?', send: keys.enter },
        { expect: 'Pod networking \\(CNI\\)\\?', send: keys.down },
        { expect: 'Calico', send: keys.ctrlC },
      ],
    );
    expect(r.failedStep, r.screen).toBeNull();
    expect(r.exitCode, r.screen).toBe(130);
    expect(r.screen).toContain('Interrupted; nothing was written.');
    expect(readdirSync(cwd)).toEqual([]); // no kubestrap.yaml, no docs/, no temporary file
  }, 90_000);

  it('`kubestrap` with no arguments on a terminal starts the wizard and asks whether to run the roadmap (answered no)', () => {
    const cwd = tempDir('kubestrap-pty-');
    const r = drive(
      cwd,
      [],
      [
        ...[
          'Where should the cluster run',
          'Kubernetes version',
          'Pod networking',
          'Storage provisioner',
          'Gateway API implementation',
          'Pod Security level',
          'Tenant teams',
          'Install monitoring',
          'Also collect logs',
          'Vertical Pod Autoscaler',
          'Back up the cluster',
          'Where should backups go',
          'Enforce quotas',
          'Install OpenCost',
        ].map((q) => ({ expect: q, send: keys.enter })),
        { expect: 'Run the roadmap now \\(kubestrap up\\)\\?', send: `n${keys.enter}` },
      ],
    );
    expect(r.failedStep, r.screen).toBeNull();
    expect(r.exitCode, r.screen).toBe(0);
    expect(existsSync(path.join(cwd, 'kubestrap.yaml'))).toBe(true);
    expect(r.screen).toContain('Next: review the files, then run kubestrap up');
  }, 90_000);
});
