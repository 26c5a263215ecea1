// The whole roadmap on the real test cluster (real kube-apiserver, KWOK nodes, real kubectl and
// helm 4), through the built CLI, with examples/test-cluster.yaml and the real upstream charts
// (stand-ins only where a real chart cannot work on KWOK: test/real-charts/kwok-charts.ts).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env.ts';
import { assembleKwokCharts } from '../real-charts/kwok-charts.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/kubestrap.js');
const SENTINEL = 'SENTINEL-do-not-print-7f3a9c';

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  events: Record<string, any>[];
}

describe('kubestrap roadmap on the test cluster', () => {
  const env = clusterEnv();
  const work = mkdtempSync(path.join(tmpdir(), 'kubestrap-e2e-'));
  const charts = path.join(work, 'charts');
  const configFile = path.join(work, 'kubestrap.yaml');
  const outputs: string[] = [];
  const childEnv = { ...process.env, KUBECONFIG: env.kubeconfig, PATH: `${env.binDir}:${process.env.PATH}`, CI: 'true', NO_COLOR: '1' };
  const base = parse(readFileSync(path.join(repo, 'examples/test-cluster.yaml'), 'utf8'));

  function writeConfig(mutate: (spec: any) => void = () => {}): void {
    const doc = structuredClone(base);
    doc.spec.charts.localDir = charts;
    // The real kyverno and vpa charts need ~35 s to roll out on a loaded KWOK cluster.
    doc.spec.verification.timeout = '60s';
    mutate(doc.spec);
    writeFileSync(configFile, stringify(doc));
  }

  async function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
    const r = await execa(process.execPath, [bin, ...args, '--config', configFile], {
      cwd: work,
      env: { ...childEnv, ...extraEnv },
      reject: false,
      stdin: 'ignore',
    });
    outputs.push(r.stdout, r.stderr);
    const streams = ['up', 'verify', 'down', 'phase'].includes(args[0]!) && args.includes('json');
    const events = streams
      ? r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, events };
  }

  async function kubectl(...args: string[]): Promise<string> {
    return (await execa(env.kubectl, ['--context', env.context, ...args], { env: childEnv })).stdout;
  }

  const up = (...extra: string[]) => cli(['up', '--yes', '--output', 'json', ...extra]);
  const ofType = (r: Run, t: string) => r.events.filter((e) => e.event === t);

  beforeAll(async () => {
    // The real upstream charts wherever they work on KWOK nodes, stand-ins only where they cannot.
    assembleKwokCharts(charts);
    writeConfig();
    // The Secret kubestrap is told to use for backups (spec.backup.storage.credentialsSecret).
    await kubectl('create', 'namespace', 'velero');
    await kubectl('--namespace', 'velero', 'create', 'secret', 'generic', 'velero-s3-credentials', `--from-literal=cloud=${SENTINEL}`);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('an existing cluster is never changed without confirmation: no TTY and no --yes is refused', async () => {
    const r = await cli(['up', '--output', 'json']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('refusing to apply to the existing cluster of context kubestrap-test');
    expect(r.stderr).toContain('--yes');
    // Nor by verify (checks only) or by a phase whose earlier steps were never applied.
    expect((await cli(['verify', '--output', 'json'])).exitCode).toBe(3);
    const early = await cli(['phase', 'observability', '--yes', '--output', 'json']);
    expect(early.exitCode).toBe(2);
    expect(early.stderr).toContain('step monitoring needs step storage');
    expect(await kubectl('get', 'namespace', 'kubestrap-system', '--ignore-not-found', '--output', 'name')).toBe('');
  });

  it('on a terminal, the first run on an existing cluster asks to type the context name (through a real PTY)', async () => {
    const drive = (answer: string) => {
      const script = {
        argv: [process.execPath, bin, 'phase', 'foundation', 'cluster', '--config', configFile],
        cwd: work,
        env: { ...childEnv, CI: '', TERM: 'xterm-256color' },
        timeout: 60,
        steps: [{ expect: 'Type the context name to confirm', send: `${answer}\r` }],
      };
      const out = execFileSync('python3', [path.join(repo, 'test/pty/drive.py')], {
        input: JSON.stringify(script),
        encoding: 'utf8',
        timeout: 90_000,
      });
      return JSON.parse(out) as { exitCode: number; screen: string; failedStep: number | null };
    };
    const wrong = drive('not-the-context');
    expect(wrong.failedStep).toBeNull();
    expect(wrong.screen).toContain('kubestrap-test');
    expect(wrong.exitCode).toBe(130);
    expect(
      await kubectl('get', 'configmap', 'kubestrap-state', '--namespace', 'kubestrap-system', '--ignore-not-found', '--output', 'name'),
    ).toBe('');
    const right = drive('kubestrap-test');
    expect(right.exitCode).toBe(0);
    expect(right.screen).toMatch(/cluster/);
    expect(await kubectl('get', 'configmap', 'kubestrap-state', '--namespace', 'kubestrap-system', '--output', 'name')).toBe(
      'configmap/kubestrap-state',
    );
  });

  it('doctor checks the binaries and the cluster against the lock', async () => {
    const r = await cli(['doctor', '--output', 'json']);
    expect(r.exitCode).toBe(0);
    const findings = JSON.parse(r.stdout).findings;
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'kubectl', status: 'ok', detail: 'v1.36.3' }),
        expect.objectContaining({ check: 'helm', status: 'ok', detail: 'v4.3.1' }),
        expect.objectContaining({ check: 'context', status: 'ok' }),
        expect.objectContaining({ check: 'cluster', status: 'ok', detail: 'server v1.36.3' }),
      ]),
    );
  });

  it('a full up applies and verifies every enabled step', async () => {
    const r = await up();
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const end = ofType(r, 'run.end')[0]!;
    expect(end.ok).toBe(true);
    expect(ofType(r, 'step.fail')).toEqual([]);
    const status = JSON.parse((await cli(['status', '--output', 'json'])).stdout);
    const steps = status.phases.flatMap((p: any) => p.steps).filter((s: any) => s.enabled);
    expect(steps.length).toBeGreaterThanOrEqual(10);
    for (const s of steps) expect({ id: s.id, status: s.status }).toEqual({ id: s.id, status: 'verified' });
    // Checks that need real containers are reported as skipped with their reason, never ok.
    const probes = ofType(r, 'check.result').filter((c) => c.check === 'probe');
    expect(probes.length).toBeGreaterThan(0);
    for (const p of probes) expect(p).toMatchObject({ status: 'skipped', message: expect.stringMatching(/^skipped: .*simulated/) });
    // Verified, so the smoke workload is gone (spec.verification.keepSmoke is false); its namespace stays.
    expect(await kubectl('--namespace', 'kubestrap-smoke', 'get', 'deployments,services,hpa,pdb', '--output', 'name')).toBe('');
    expect(
      await kubectl(
        '--namespace',
        'kubestrap-system',
        'get',
        'configmap',
        'kubestrap-smoke-removed',
        '--output',
        'jsonpath={.data.removed}',
      ),
    ).toContain('deployments/smoke');
  });

  it('a second up changes nothing and skips every step', async () => {
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(ofType(r, 'step.start')).toEqual([]);
    expect(ofType(r, 'run.end')[0]!.changed).toEqual([]);
    const skipped = ofType(r, 'step.skip').map((e) => e.step);
    expect(skipped).toEqual(
      expect.arrayContaining([
        'cluster',
        'networking',
        'storage',
        'certificates',
        'security',
        'gateway',
        'integration',
        'monitoring',
        'autoscalers',
        'autoscaling',
        'disaster-recovery',
        'cost',
        'continuous-verification',
      ]),
    );
  });

  /** The run state kubestrap keeps in the cluster, as JSON. */
  const readState = async () =>
    JSON.parse(
      await kubectl('--namespace', 'kubestrap-system', 'get', 'configmap', 'kubestrap-state', '--output', 'jsonpath={.data.state\\.json}'),
    );
  /** Overwrites the run state, as an older kubestrap would have written it. */
  const writeState = async (state: unknown) => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kubestrap-state', namespace: 'kubestrap-system' },
      data: { 'state.json': JSON.stringify(state) },
    };
    const file = path.join(work, 'old-state.yaml');
    writeFileSync(file, stringify(configMap));
    await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager', 'kubestrap', '--filename', file);
  };
  const helmRevision = async (release: string, namespace: string) =>
    JSON.parse(
      (
        await execa(env.helm, ['--kube-context', env.context, 'status', release, '--namespace', namespace, '--output', 'json'], {
          env: childEnv,
        })
      ).stdout,
    ).version as number;

  it('state written before cert-manager had its own step: up moves it to the certificates step without reinstalling the release', async () => {
    const revision = () => helmRevision('cert-manager', 'cert-manager');
    // The shape an older kubestrap wrote: cert-manager's release, namespace and issuers under security.
    const state = await readState();
    const certificates = state.steps.certificates;
    expect(certificates.applied).toContainEqual(expect.objectContaining({ type: 'release', release: 'cert-manager' }));
    state.steps.security = {
      ...state.steps.security,
      hash: 'written-by-an-older-kubestrap',
      applied: [...certificates.applied, ...state.steps.security.applied],
    };
    delete state.steps.certificates;
    await writeState(state);
    const before = await revision();

    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(
      ofType(r, 'step.start')
        .map((e) => e.step)
        .sort(),
    ).toEqual(expect.arrayContaining(['certificates', 'security']));
    expect(await revision()).toBe(before);
    const after = await readState();
    expect(after.steps.certificates).toMatchObject({ status: 'verified', hash: expect.stringMatching(/./) });
    expect(after.steps.certificates.applied).toContainEqual(
      expect.objectContaining({ type: 'release', release: 'cert-manager', revision: before }),
    );
    expect(after.steps.security.status).toBe('verified');
    expect(after.steps.security.applied).not.toContainEqual(expect.objectContaining({ type: 'release', release: 'cert-manager' }));
    // And the next run is unchanged again.
    const again = await up();
    expect(ofType(again, 'step.start')).toEqual([]);
  });

  it('state written before the autoscalers had their own step: up moves the VPA release to the autoscalers step without reinstalling it', async () => {
    const revision = () => helmRevision('vpa', 'kube-system');
    // The shape an older kubestrap wrote: the VPA release under autoscaling, with the smoke-test objects.
    const state = await readState();
    const autoscalers = state.steps.autoscalers;
    expect(autoscalers.applied).toContainEqual(expect.objectContaining({ type: 'release', release: 'vpa' }));
    state.steps.autoscaling = { ...state.steps.autoscaling, applied: [...autoscalers.applied, ...state.steps.autoscaling.applied] };
    delete state.steps.autoscalers;
    await writeState(state);
    const before = await revision();

    const r = await up();
    expect(r.exitCode).toBe(0);
    // autoscaling's own hash is the current one: only the moved step, with an empty hash, runs again.
    expect(ofType(r, 'step.start').map((e) => e.step)).toEqual(['autoscalers']);
    expect(await revision()).toBe(before);
    const after = await readState();
    expect(after.steps.autoscalers).toMatchObject({ status: 'verified', hash: expect.stringMatching(/./) });
    expect(after.steps.autoscalers.applied).toEqual([expect.objectContaining({ type: 'release', release: 'vpa', revision: before })]);
    expect(after.steps.autoscaling.applied).not.toContainEqual(expect.objectContaining({ type: 'release' }));
    const again = await up();
    expect(ofType(again, 'step.start')).toEqual([]);
  });

  it('the removed smoke workload: verify reports its checks skipped with the reason; up --keep-smoke brings it back, a plain up removes it again', async () => {
    const v = await cli(['verify', '--output', 'json']);
    expect(v.exitCode).toBe(0);
    const smokeChecks = ofType(v, 'check.result').filter((c) =>
      /smoke workload|deployment\/smoke|kubestrap-smoke\/smoke/.test(c.description),
    );
    expect(smokeChecks.map((c) => c.description).join('\n')).toMatch(/answers HTTP/);
    expect(smokeChecks.length).toBeGreaterThanOrEqual(3);
    for (const c of smokeChecks)
      expect(c).toMatchObject({
        status: 'skipped',
        message: expect.stringMatching(/^skipped: the smoke-test workload was removed after verification at /),
      });

    const kept = await up('--keep-smoke');
    expect(kept.exitCode).toBe(0);
    expect(ofType(kept, 'step.start').map((e) => e.step)).toEqual(expect.arrayContaining(['integration', 'autoscaling']));
    expect((await kubectl('--namespace', 'kubestrap-smoke', 'get', 'deployment,hpa', 'smoke', '--output', 'name')).split('\n')).toEqual([
      'deployment.apps/smoke',
      'horizontalpodautoscaler.autoscaling/smoke',
    ]);
    expect(
      await kubectl(
        '--namespace',
        'kubestrap-system',
        'get',
        'configmap',
        'kubestrap-smoke-removed',
        '--ignore-not-found',
        '--output',
        'name',
      ),
    ).toBe('');

    const plain = await up();
    expect(plain.exitCode).toBe(0);
    expect(await kubectl('--namespace', 'kubestrap-smoke', 'get', 'deployments,hpa', '--output', 'name')).toBe('');
  });

  it('editing one value re-applies only that step', async () => {
    writeConfig((spec) => (spec.monitoring.prometheus.retention = '3d'));
    const before = JSON.parse((await cli(['status', '--output', 'json'])).stdout);
    const changed = before.phases
      .flatMap((p: any) => p.steps)
      .filter((s: any) => s.changedSinceApplied)
      .map((s: any) => s.id);
    expect(changed).toEqual(['monitoring']);
    const r = await up();
    expect(r.exitCode).toBe(0);
    expect(ofType(r, 'run.end')[0]!.changed).toEqual(['monitoring']);
    expect(ofType(r, 'step.start').map((e) => e.step)).toEqual(['monitoring']);
    const values = await execa(
      env.helm,
      ['get', 'values', 'kube-prometheus-stack', '--namespace', 'monitoring', '--output', 'json', '--kube-context', env.context],
      { env: childEnv },
    );
    expect(JSON.parse(values.stdout).prometheus.prometheusSpec.retention).toBe('3d');
  });

  it('a step that fails reports diagnostics, and the next up resumes there', async () => {
    // A chart whose pod can never be scheduled: helm's wait times out (60s in this config).
    const broken = path.join(charts, 'opencost/templates/zz-never-ready.yaml');
    writeFileSync(
      broken,
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: never-ready, namespace: {{ .Release.Namespace }} }',
        'spec:',
        '  selector: { matchLabels: { app: never-ready } }',
        '  template:',
        '    metadata: { labels: { app: never-ready } }',
        '    spec:',
        '      nodeSelector: { kubestrap.dev/no-such-node: "true" }',
        '      containers: [{ name: c, image: registry.k8s.io/pause:3.10 }]',
        '',
      ].join('\n'),
    );
    writeConfig((spec) => (spec.cost.limitRange = { defaultCpuRequest: '150m' }));
    try {
      const failed = await up();
      expect(failed.exitCode).toBe(1);
      const fail = ofType(failed, 'step.fail')[0]!;
      expect(fail.step).toBe('cost');
      expect(fail.error).toContain('helm failed');
      // Looked at while helm was still waiting (its rollback then removes the pods): the pending
      // pod and the scheduler's reason, and the scheduler's events.
      const diagnostics = fail.diagnostics.join('\n');
      expect(diagnostics).toMatch(
        /while waiting: pod opencost\/never-ready-\S+ Pending: unschedulable: 0\/3 nodes are available:.*didn't match Pod's node affinity\/selector/,
      );
      expect(diagnostics).toMatch(/event Pod\/never-ready-\S+: FailedScheduling/);
      const status = JSON.parse((await cli(['status', '--output', 'json'])).stdout);
      expect(status.phases.flatMap((p: any) => p.steps).find((s: any) => s.id === 'cost').status).toBe('failed');
    } finally {
      rmSync(broken);
    }
    const resumed = await up();
    expect(resumed.exitCode).toBe(0);
    expect(ofType(resumed, 'step.start').map((e) => e.step)).toEqual(['cost']);
    expect(ofType(resumed, 'step.skip').map((e) => e.step)).toContain('disaster-recovery');
  });

  it('a run is refused while another holds the lease, and a stale lease is taken over', async () => {
    const lease = (renewTime: string) =>
      stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'kubestrap-run', namespace: 'kubestrap-system' },
        spec: { holderIdentity: 'other-host/pid-1/abc', leaseDurationSeconds: 60, acquireTime: renewTime, renewTime },
      });
    const apply = (yaml: string) => execa(env.kubectl, ['--context', env.context, 'apply', '-f', '-'], { input: yaml, env: childEnv });
    await apply(lease(new Date().toISOString().replace('Z', '000Z')));
    const refused = await up();
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('another kubestrap run holds this cluster: other-host/pid-1/abc');

    await apply(lease(new Date(Date.now() - 5 * 60_000).toISOString().replace('Z', '000Z')));
    const takeover = await up();
    expect(takeover.exitCode).toBe(0);
    expect(
      ofType(takeover, 'log')
        .map((e) => e.message)
        .join('\n'),
    ).toContain('took over the run lease left by other-host/pid-1/abc');
  });

  it("two concurrent runs: the second is refused by the first one's lease", async () => {
    // The first run must have real work to do (an unchanged re-run ends in a few seconds, before the
    // second could start): drift in the security step makes it re-apply and re-check that step.
    await kubectl('--namespace', 'team-a', 'delete', 'networkpolicy', 'default-deny');
    const first = cli(['up', '--yes', '--output', 'json']);
    let holder = '';
    for (let i = 0; i < 200 && !holder; i++) {
      holder = await kubectl(
        '--namespace',
        'kubestrap-system',
        'get',
        'lease',
        'kubestrap-run',
        '--output',
        'jsonpath={.spec.holderIdentity}',
        '--ignore-not-found',
      );
      if (!holder) await new Promise((r) => setTimeout(r, 50));
    }
    expect(holder).toMatch(/pid-\d+/);
    const second = await up();
    const firstRun = await first;
    expect(firstRun.exitCode).toBe(0);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('another kubestrap run holds this cluster');
  });

  it('the identity guard refuses a cluster other than the one the roadmap is bound to', async () => {
    const record = path.join(work, '.kubestrap/identity-test-cluster.json');
    const original = readFileSync(record, 'utf8');
    const bound = JSON.parse(original);
    expect(bound.kubeSystemUid).toBe(await kubectl('get', 'namespace', 'kube-system', '--output', 'jsonpath={.metadata.uid}'));
    // Pretend the roadmap was bound to another cluster: a different kube-system UID and server.
    writeFileSync(
      record,
      JSON.stringify({ ...bound, kubeSystemUid: '00000000-0000-0000-0000-000000000000', server: 'https://10.0.0.1:6443' }),
    );
    try {
      const refused = await up();
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain('is bound to a different cluster');
      expect(refused.stderr).toContain('--rebind');
    } finally {
      writeFileSync(record, original);
    }
  });

  it('verify finds drift (exit 3, scorecard labelled), and up converges it again', async () => {
    expect((await cli(['verify', '--output', 'json'])).exitCode).toBe(0);
    await kubectl('--namespace', 'team-a', 'delete', 'networkpolicy', 'default-deny');
    const drifted = await cli(['verify', '--output', 'json']);
    expect(drifted.exitCode).toBe(3);
    const failed = ofType(drifted, 'check.result').filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.description).join('\n')).toContain('default-deny');
    expect(
      await kubectl(
        '--namespace',
        'kubestrap-system',
        'get',
        'configmap',
        'kubestrap-scorecard',
        '--output',
        'jsonpath={.metadata.labels.kubestrap\\.dev/drift}',
      ),
    ).toBe('true');
    const fixed = await up();
    expect(fixed.exitCode).toBe(0);
    // verify recorded the failing steps as failed, so up re-applies them (and only them).
    const reapplied = ofType(fixed, 'step.start').map((e) => e.step);
    expect(reapplied).toContain('security');
    expect(reapplied).not.toContain('monitoring');
    expect(await kubectl('--namespace', 'team-a', 'get', 'networkpolicy', 'default-deny', '--output', 'name')).toBe(
      'networkpolicy.networking.k8s.io/default-deny',
    );
    expect(
      await kubectl(
        '--namespace',
        'kubestrap-system',
        'get',
        'configmap',
        'kubestrap-scorecard',
        '--output',
        'jsonpath={.metadata.labels.kubestrap\\.dev/drift}',
      ),
    ).toBe('false');
  });

  it('never shows a secret value in output, state, events or rendered files', async () => {
    const grafana = await kubectl(
      '--namespace',
      'monitoring',
      'get',
      'secret',
      'grafana-admin',
      '--output',
      'jsonpath={.data.admin-password}',
    );
    const generated = Buffer.from(grafana, 'base64').toString('utf8');
    expect(generated.length).toBeGreaterThanOrEqual(16);
    const state = await kubectl('--namespace', 'kubestrap-system', 'get', 'configmap', 'kubestrap-state', '--output', 'yaml');
    const events = await kubectl('get', 'events', '--all-namespaces', '--output', 'yaml');
    const files = listFiles(path.join(work, '.kubestrap')).map((f) => readFileSync(f, 'utf8'));
    const haystacks = [...outputs, state, events, ...files];
    for (const secret of [SENTINEL, generated]) {
      for (const text of haystacks) expect(text.includes(secret)).toBe(false);
    }
    expect(outputs.length).toBeGreaterThan(10);
  });

  it('down removes every kubestrap namespace and release', async () => {
    const r = await cli(['down', '--yes', '--output', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(await kubectl('get', 'namespaces', '--selector', 'app.kubernetes.io/managed-by=kubestrap', '--output', 'name')).toBe('');
    const releases = await execa(env.helm, ['list', '--all-namespaces', '--output', 'json', '--kube-context', env.context], {
      env: childEnv,
    });
    expect(JSON.parse(releases.stdout)).toEqual([]);
    expect(await kubectl('get', 'namespace', 'kubestrap-system', '--ignore-not-found', '--output', 'name')).toBe('');
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}
