// The preflight on the real test cluster (issue 8): with Secrets the roadmap reads missing, the
// built CLI refuses `up` before anything is applied, naming every missing Secret at once; doctor
// names them too, and a Secret lacking its key. And `down` on this existing cluster asks first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env.ts';
import { assembleKwokCharts } from '../real-charts/kwok-charts.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/kubestrap.js');

describe('preflight on the test cluster', () => {
  const env = clusterEnv();
  const work = mkdtempSync(path.join(tmpdir(), 'kubestrap-e2e-preflight-'));
  const configFile = path.join(work, 'kubestrap.yaml');
  const childEnv = { ...process.env, KUBECONFIG: env.kubeconfig, PATH: `${env.binDir}:${process.env.PATH}`, CI: 'true', NO_COLOR: '1' };
  // Names no other test uses, so their absence is certain.
  const backupSecret = 'preflight-e2e-backup';
  const alertSecret = 'preflight-e2e-alerts';

  const cli = async (...args: string[]) => {
    const r = await execa(process.execPath, [bin, ...args, '--config', configFile], {
      cwd: work,
      env: childEnv,
      reject: false,
      stdin: 'ignore',
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const kubectl = async (...args: string[]) => (await execa(env.kubectl, ['--context', env.context, ...args], { env: childEnv })).stdout;
  /** What a run could have changed: namespaces, helm releases, kubestrap's state and lease. */
  const clusterPicture = async () => {
    // Active only: namespaces another test file deleted may still be terminating and vanish meanwhile,
    // and with them the releases they hold.
    const namespaces = await kubectl('get', 'namespaces', '--field-selector', 'status.phase=Active', '--output', 'name');
    const active = new Set(namespaces.split('\n').map((n) => n.replace(/^namespace\//, '')));
    const releases = JSON.parse(
      (await execa(env.helm, ['list', '--all-namespaces', '--output', 'json', '--kube-context', env.context], { env: childEnv })).stdout,
    ) as { namespace: string }[];
    return {
      namespaces,
      releases: releases.filter((r) => active.has(r.namespace)),
      state: await kubectl(
        'get',
        'configmaps,leases',
        '--all-namespaces',
        '--selector',
        'app.kubernetes.io/managed-by=kubestrap',
        '--output',
        'name',
      ),
      kubestrapConfigMaps: await kubectl('get', 'configmaps', '--namespace', 'kubestrap-system', '--ignore-not-found', '--output', 'name'),
    };
  };

  beforeAll(() => {
    const charts = path.join(work, 'charts');
    assembleKwokCharts(charts);
    const doc = parse(readFileSync(path.join(repo, 'examples/test-cluster.yaml'), 'utf8'));
    doc.metadata.name = 'preflight-e2e';
    doc.spec.charts.localDir = charts;
    doc.spec.verification.timeout = '30s';
    doc.spec.backup.storage.credentialsSecret = backupSecret;
    doc.spec.monitoring.alertReceivers = [{ name: 'oncall', type: 'webhook', secretRef: { name: alertSecret, key: 'url' } }];
    writeFileSync(configFile, stringify(doc));
  });

  afterAll(async () => {
    await kubectl('delete', 'secret', backupSecret, '--namespace', 'velero', '--ignore-not-found');
    await kubectl('delete', 'secret', alertSecret, '--namespace', 'monitoring', '--ignore-not-found');
    rmSync(work, { recursive: true, force: true });
  });

  it('up refuses before anything is applied, naming every missing Secret with its fix (exit 2)', async () => {
    const before = await clusterPicture();
    const r = await cli('up', '--yes', '--output', 'json');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('preflight found 2 problems; nothing was applied');
    expect(r.stderr).toContain(`Secret velero/${backupSecret} does not exist`);
    expect(r.stderr).toContain(`Secret monitoring/${alertSecret} does not exist`);
    expect(r.stderr).toContain(`create secret generic ${alertSecret} --from-file=url=`);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    const events = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string });
    expect(events.filter((e) => e.event.startsWith('step.'))).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: false, exitCode: 2 });
    expect(await clusterPicture()).toEqual(before);
    expect(existsSync(path.join(work, '.kubestrap', 'clusters'))).toBe(false);
  });

  it('doctor names the same missing Secrets', async () => {
    const r = await cli('doctor', '--output', 'json');
    const findings = (JSON.parse(r.stdout) as { findings: { check: string; status: string; detail: string }[] }).findings;
    expect(findings.filter((f) => f.check === 'secret').map((f) => f.detail)).toEqual([
      expect.stringContaining(`Secret monitoring/${alertSecret} does not exist`),
      expect.stringContaining(`Secret velero/${backupSecret} does not exist`),
    ]);
    expect(r.exitCode).not.toBe(0);
  });

  it('down on this existing cluster without a terminal needs --yes (exit 2), and removes nothing', async () => {
    const before = await clusterPicture();
    const r = await cli('down', '--purge', '--output', 'json');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`refusing to run down --purge on context ${env.context} without confirmation`);
    expect(r.stderr).toContain('--yes');
    expect(await clusterPicture()).toEqual(before);
  });

  it('down --purge on a terminal shows what it deletes and wants the context name typed back (through a real PTY)', async () => {
    const before = await clusterPicture();
    const script = {
      argv: [process.execPath, bin, 'down', '--purge', '--config', configFile],
      cwd: work,
      env: { ...childEnv, CI: '', TERM: 'xterm-256color' },
      timeout: 60,
      steps: [{ expect: 'Type the context name to confirm', send: 'not-the-context\r' }],
    };
    const out = execFileSync('python3', [path.join(repo, 'test/pty/drive.py')], {
      input: JSON.stringify(script),
      encoding: 'utf8',
      timeout: 90_000,
    });
    const run = JSON.parse(out) as { exitCode: number; screen: string; failedStep: number | null };
    expect(run.failedStep).toBeNull();
    expect(run.screen).toContain(`kubestrap down removes what roadmap preflight-e2e applied to the cluster of context "${env.context}"`);
    expect(run.screen).toMatch(/--purge deletes (these \d+ volume claim|volume claims too)/);
    expect(run.exitCode).toBe(130);
    expect(run.screen).toContain('nothing was removed');
    expect(await clusterPicture()).toEqual(before);
  });

  it('a Secret without the key the roadmap reads is named with the keys it has', async () => {
    await kubectl('create', 'namespace', 'monitoring', '--dry-run=client', '--output', 'yaml').then((y) =>
      execa(env.kubectl, ['--context', env.context, 'apply', '-f', '-'], { input: y, env: childEnv }),
    );
    await kubectl('create', 'namespace', 'velero', '--dry-run=client', '--output', 'yaml').then((y) =>
      execa(env.kubectl, ['--context', env.context, 'apply', '-f', '-'], { input: y, env: childEnv }),
    );
    await kubectl(
      'create',
      'secret',
      'generic',
      alertSecret,
      '--namespace',
      'monitoring',
      '--from-literal=webhook=https://example.invalid/hook',
    );
    await kubectl('create', 'secret', 'generic', backupSecret, '--namespace', 'velero', '--from-literal=cloud=[default]');
    const r = await cli('doctor', '--output', 'json');
    const findings = (JSON.parse(r.stdout) as { findings: { check: string; detail: string }[] }).findings.filter(
      (f) => f.check === 'secret',
    );
    expect(findings.map((f) => f.detail)).toEqual([
      `Secret monitoring/${alertSecret} has no key "url" (the webhook URL of alert receiver oncall, spec.monitoring.alertReceivers.0.secretRef); it has "webhook"`,
    ]);
    // Values are never read: the one given is nowhere in the output.
    expect(r.stdout + r.stderr).not.toContain('example.invalid');
  });
});
