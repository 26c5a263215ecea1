// The packed package, as a newcomer gets it: `npm pack`, install the tarball into an empty folder,
// run `npx kubestrap` there. Needs the npm registry for the runtime dependencies.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';

const repo = path.resolve(import.meta.dirname, '../..');

describe('the packed tarball in an empty folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-packed-'));
  const env = { ...process.env, CI: 'true', PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, npm_config_update_notifier: 'false' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs, writes a valid config with init --yes, and plans it', async () => {
    // dist/ is already built by `npm test`; --ignore-scripts keeps pack from rebuilding it under running tests.
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: repo, env });
    const tarball = path.join(dir, JSON.parse(pack.stdout)[0].filename);
    const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/kubestrap.js', 'dist/cli.js', 'templates/common/namespace.yaml', 'schema/kubestrap.schema.json']));
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);

    const app = path.join(dir, 'app');
    await execa('mkdir', ['-p', app]);
    await execa('npm', ['init', '-y'], { cwd: app, env });
    await execa('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env });

    const version = await execa('npx', ['kubestrap', '--version'], { cwd: app, env });
    expect(version.stdout).toBe(JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).version);

    const init = await execa('npx', ['kubestrap', 'init', '--yes', '--provider', 'kind', '--cni', 'calico', '--tenants', 'payments'], { cwd: app, env, reject: false });
    expect(init.exitCode).toBe(0);
    const loaded = await loadConfigFile(path.join(app, 'kubestrap.yaml'));
    expect(loaded.config.spec.networking.cni).toBe('calico');
    expect(loaded.config.spec.tenants.map((t) => t.name)).toEqual(['payments']);
    expect(readFileSync(path.join(app, 'docs/decisions.md'), 'utf8')).toContain('calico');

    const plan = await execa('npx', ['kubestrap', 'plan', '--output', 'json'], { cwd: app, env });
    const steps = JSON.parse(plan.stdout).phases.flatMap((p: { steps: { id: string }[] }) => p.steps.map((s) => s.id));
    expect(steps).toHaveLength(11);
  });
});
