// The packed package, as a newcomer gets it: `npm pack`, install the tarball into an empty folder,
// run `npx kubestrap` there. Needs the npm registry for the runtime dependencies.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { roadmapLayout } from '../../src/roadmap/layout.js';

const repo = path.resolve(import.meta.dirname, '../..');

describe('the packed tarball in an empty folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-packed-'));
  const env = {
    ...process.env,
    CI: 'true',
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
    npm_config_update_notifier: 'false',
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs; init --yes and the wizard (bare npx kubestrap, through a PTY) write the same valid config; plan works', async () => {
    // dist/ is already built by `npm test`; --ignore-scripts keeps pack from rebuilding it under running tests.
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo, env });
    const tarball = path.join(dir, JSON.parse(pack.stdout)[0].filename);
    const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['bin/kubestrap.js', 'dist/cli.js', 'templates/common/namespace.yaml', 'schema/kubestrap.schema.json']),
    );
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);

    const app = path.join(dir, 'app');
    await execa('mkdir', ['-p', app]);
    await execa('npm', ['init', '-y'], { cwd: app, env });
    await execa('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env });

    const version = await execa('npx', ['kubestrap', '--version'], { cwd: app, env });
    expect(version.stdout).toBe(JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).version);

    const init = await execa('npx', ['kubestrap', 'init', '--yes', '--provider', 'kind', '--cni', 'calico', '--tenants', 'payments'], {
      cwd: app,
      env,
      reject: false,
    });
    expect(init.exitCode).toBe(0);
    const loaded = await loadConfigFile(path.join(app, 'kubestrap.yaml'));
    expect(loaded.config.spec.networking.cni).toBe('calico');
    expect(loaded.config.spec.tenants.map((t) => t.name)).toEqual(['payments']);
    expect(readFileSync(path.join(app, 'docs/decisions.md'), 'utf8')).toContain('calico');

    const plan = await execa('npx', ['kubestrap', 'plan', '--output', 'json'], { cwd: app, env });
    const steps = JSON.parse(plan.stdout).phases.flatMap((p: { steps: { id: string }[] }) => p.steps.map((s) => s.id));
    // Every step of the roadmap, in the roadmap's order, from the installed package.
    expect(steps).toEqual(roadmapLayout.flatMap((p) => p.steps));

    // A newcomer: `npx kubestrap` in an empty folder, on a terminal, answering like a person
    // (Enter for the recommended answers, an arrow key for Calico, a tenant name, then "no" to running now).
    const fresh = path.join(dir, 'newcomer');
    await execa('mkdir', ['-p', fresh]);
    const enter = '\r';
    const script = {
      argv: [path.join(app, 'node_modules/.bin/kubestrap')],
      cwd: fresh,
      env: { ...env, CI: '', TERM: 'xterm-256color' },
      timeout: 60,
      steps: [
        { expect: 'Where should the cluster run', send: enter },
        { expect: 'Kubernetes version', send: enter },
        { expect: 'Pod networking \\(CNI\\)\\?', send: `\u001b[B${enter}` },
        ...['Storage provisioner', 'Gateway API implementation', 'Pod Security level'].map((q) => ({ expect: q, send: enter })),
        { expect: 'Tenant teams', send: `payments${enter}` },
        ...[
          'CPU quota per tenant',
          'Memory quota per tenant',
          'Install monitoring',
          'Also collect logs',
          'Vertical Pod Autoscaler',
          'Back up the cluster',
          'Where should backups go',
          'Enforce quotas',
          'Install OpenCost',
        ].map((q) => ({ expect: q, send: enter })),
        { expect: 'Run the roadmap now', send: `n${enter}` },
      ],
    };
    const drive = await execa('python3', [path.join(repo, 'test/pty/drive.py')], { input: JSON.stringify(script), env });
    const result = JSON.parse(drive.stdout) as { exitCode: number; screen: string; failedStep: number | null };
    expect(result.failedStep, result.screen).toBeNull();
    expect(result.exitCode, result.screen).toBe(0);
    const wizard = await loadConfigFile(path.join(fresh, 'kubestrap.yaml'));
    expect(wizard.config.spec.networking.cni).toBe('calico');
    expect(readFileSync(path.join(fresh, 'docs/decisions.md'), 'utf8')).toContain('calico');
    // ...and the same answers as flags in CI give the identical file, but for the modeline: where
    // kubestrap is installed next to the config it points at the local schema, elsewhere at the URL.
    const body = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1).join('\n');
    expect(body(path.join(fresh, 'kubestrap.yaml'))).toBe(body(path.join(app, 'kubestrap.yaml')));
    expect(readFileSync(path.join(app, 'kubestrap.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/node_modules\/kubestrap\/schema\/kubestrap\.schema\.json\n/,
    );
  }, 180_000);
});
