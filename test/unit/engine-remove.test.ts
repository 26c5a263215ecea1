// `down` (src/engine/remove.ts) with every kubectl/helm child process faked in memory
// (fake-cluster.ts; only openSession is replaced, to hand out the fake): what is removed, in which
// order, what is kept without --purge, what the state then records, and the events, including a
// failed down, which ends its stream with run.end like a failed up.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.js';
import type { RunEvent } from '../../src/engine/events.js';
import { removeRoadmap, type DownResult } from '../../src/engine/remove.js';
import { FakeCluster } from './fake-cluster.js';

const h = vi.hoisted(() => ({ cluster: undefined as unknown as FakeCluster }));
vi.mock('../../src/engine/session.js', async (original) => ({
  ...(await original<object>()),
  openSession: async () => h.cluster.session(),
}));

const config = `apiVersion: kubestrap.dev/v1alpha1
kind: Roadmap
metadata:
  name: demo
spec:
  cluster:
    provider: existing
    name: fake
    context: fake
    kubernetesVersion: "1.36"
`;

let dir: string;
let loaded: LoadedConfig;
const identity = { context: 'fake', server: 'https://127.0.0.1:6443', kubeSystemUid: 'kube-system-uid-1' };
const ref = (kind: string, name: string, namespace?: string, apiVersion = 'v1') => ({
  apiVersion,
  kind,
  name,
  ...(namespace ? { namespace } : {}),
});

/** A cluster after `up`: four steps' objects, releases and secrets, and their record in state. */
function appliedCluster(): FakeCluster {
  const c = new FakeCluster();
  const steps = {
    storage: [
      { type: 'objects', refs: [ref('StorageClass', 'standard', undefined, 'storage.k8s.io/v1')] },
      { type: 'release', release: 'snapshot-controller', namespace: 'kube-system' },
    ],
    security: [
      {
        type: 'objects',
        refs: [
          ref('Namespace', 'team-a'),
          ref('NetworkPolicy', 'default-deny', 'team-a', 'networking.k8s.io/v1'),
          ref('RoleBinding', 'devs', 'team-a', 'rbac.authorization.k8s.io/v1'),
        ],
      },
    ],
    monitoring: [
      { type: 'secret', name: 'grafana-admin', namespace: 'monitoring' },
      { type: 'release', release: 'kube-prometheus-stack', namespace: 'monitoring' },
    ],
    'disaster-recovery': [{ type: 'objects', refs: [ref('Namespace', 'velero'), ref('PersistentVolumeClaim', 'backups', 'velero')] }],
  };
  for (const units of Object.values(steps)) {
    for (const u of units as any[]) {
      if (u.type === 'objects')
        for (const r of u.refs)
          c.put({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) } });
      if (u.type === 'secret') c.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: u.name, namespace: u.namespace } });
      if (u.type === 'release') c.releases.set(`${u.namespace}/${u.release}`, { release: u.release, namespace: u.namespace, revision: 1 });
    }
  }
  const state = {
    version: 1,
    roadmap: 'demo',
    identity,
    updatedAt: new Date().toISOString(),
    steps: Object.fromEntries(Object.entries(steps).map(([id, applied]) => [id, { hash: `h-${id}`, status: 'verified', applied }])),
  };
  c.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubestrap-system' } });
  c.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubestrap-state', namespace: 'kubestrap-system' },
    data: { 'state.json': JSON.stringify(state) },
  } as any);
  return c;
}

async function down(purge: boolean, volumes?: string[]): Promise<{ events: RunEvent[]; error?: Error; result?: DownResult }> {
  const events: RunEvent[] = [];
  try {
    const result = await removeRoadmap({
      loaded,
      purge,
      sinks: [{ emit: (e) => events.push(e) }],
      env: {},
      ...(volumes ? { volumes } : {}),
    });
    return { events, result };
  } catch (error) {
    return { events, error: error as Error };
  }
}

const of = (events: RunEvent[], name: RunEvent['event']) => events.filter((e) => e.event === name) as any[];
const recordFile = () => path.join(dir, '.kubestrap/identity-demo.json');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-remove-'));
  loaded = { ...parseConfigText(config, path.join(dir, 'kubestrap.yaml')), baseDir: dir };
  mkdirSync(path.dirname(recordFile()));
  writeFileSync(recordFile(), JSON.stringify(identity));
  h.cluster = appliedCluster();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('down (kubectl/helm child processes faked in memory)', () => {
  it('removes steps in reverse roadmap order and each step in reverse apply order; keeps volumes and their namespaces without --purge', async () => {
    const { events, error } = await down(false);
    expect(error).toBeUndefined();
    expect(h.cluster.changes).toEqual([
      'create Lease kubestrap-system/kubestrap-run',
      // disaster-recovery: the PVC and the namespace holding it are kept; state still records them
      'apply ConfigMap kubestrap-system/kubestrap-state',
      'helm uninstall monitoring/kube-prometheus-stack',
      'delete secret monitoring/grafana-admin',
      'apply ConfigMap kubestrap-system/kubestrap-state',
      'delete rolebinding team-a/devs',
      'delete networkpolicy team-a/default-deny',
      'delete namespace team-a',
      'apply ConfigMap kubestrap-system/kubestrap-state',
      'helm uninstall kube-system/snapshot-controller',
      'delete storageclass standard',
      'apply ConfigMap kubestrap-system/kubestrap-state',
      'delete lease kubestrap-system/kubestrap-run',
    ]);
    expect(of(events, 'step.start').map((e) => e.step)).toEqual(['disaster-recovery', 'monitoring', 'security', 'storage']);
    const state = h.cluster.state();
    expect(Object.keys(state.steps)).toEqual(['disaster-recovery']);
    expect(state.steps['disaster-recovery'].applied).toEqual([
      { type: 'objects', refs: [ref('Namespace', 'velero'), ref('PersistentVolumeClaim', 'backups', 'velero')] },
    ]);
    expect(h.cluster.get('persistentvolumeclaim', 'velero', 'backups')).toBeDefined();
    expect(existsSync(recordFile())).toBe(true);
    expect(events.at(-1)).toMatchObject({
      event: 'run.end',
      ok: true,
      exitCode: 0,
      next: expect.stringContaining('kubestrap down --purge'),
    });
    expect(of(events, 'log').map((e) => e.message)).toEqual(
      expect.arrayContaining(['kept PVC velero/backups, namespace velero (holds 1 PVC)']),
    );
  });

  it('--purge removes the volumes too, then the state, the lease, kubestrap-system and the identity record', async () => {
    const { events, error } = await down(true);
    expect(error).toBeUndefined();
    expect(h.cluster.changes.slice(1, 4)).toEqual([
      'delete persistentvolumeclaim velero/backups',
      'delete namespace velero',
      'apply ConfigMap kubestrap-system/kubestrap-state',
    ]);
    expect(h.cluster.changes.slice(-3)).toEqual([
      'delete configmap kubestrap-system/kubestrap-state',
      'delete lease kubestrap-system/kubestrap-run',
      'delete namespace kubestrap-system',
    ]);
    expect(h.cluster.releases.size).toBe(0);
    expect([...h.cluster.objects.keys()].sort()).toEqual(['namespace||kube-system', 'node||node-1']);
    expect(existsSync(recordFile())).toBe(false);
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: true, exitCode: 0, next: 'everything kubestrap applied is gone.' });
  });

  it('a down that fails ends with run.end (ok false, exit 1), gives the lease up, and its state records what is still there', async () => {
    h.cluster.failWhen = (argv) =>
      argv.includes('delete') && argv.includes('NetworkPolicy.networking.k8s.io') ? 'error: the server is unavailable' : undefined;
    const { events, error } = await down(false);
    expect(error?.message).toContain('the server is unavailable');
    const end = of(events, 'run.end');
    expect(end).toHaveLength(1);
    expect(end[0]).toMatchObject({ ok: false, exitCode: 1, next: expect.stringContaining('run the same command again') });
    expect(events.at(-1)!.event).toBe('run.end');
    expect(h.cluster.get('lease', 'kubestrap-system', 'kubestrap-run')).toBeUndefined();
    // monitoring was removed before the failure; security (failed midway) and storage are still recorded.
    expect(Object.keys(h.cluster.state().steps).sort()).toEqual(['disaster-recovery', 'security', 'storage']);
    expect(of(events, 'step.ok').map((e) => e.step)).toEqual(['disaster-recovery', 'monitoring']);
  });

  it('a cluster with no kubestrap state: nothing is removed, and the run ends ok', async () => {
    h.cluster = new FakeCluster();
    const { events, error } = await down(false);
    expect(error).toBeUndefined();
    expect(h.cluster.changes).toEqual([]);
    expect(of(events, 'log').map((e) => e.message)).toContain('no kubestrap state on this cluster: nothing to remove');
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: true });
  });
});

/** Rewrites the state's recorded steps (the objects themselves are put by the caller). */
function recordSteps(c: FakeCluster, steps: Record<string, unknown[]>): void {
  c.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubestrap-system' } });
  c.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubestrap-state', namespace: 'kubestrap-system' },
    data: {
      'state.json': JSON.stringify({
        version: 1,
        roadmap: 'demo',
        identity,
        updatedAt: new Date().toISOString(),
        steps: Object.fromEntries(Object.entries(steps).map(([id, applied]) => [id, { hash: 'h', status: 'verified', applied }])),
      }),
    },
  } as any);
}

describe('down: kind, --purge, what is already gone, and what it reports (kubectl/helm/kind child processes faked in memory)', () => {
  function kindConfig(): string[][] {
    loaded = {
      ...parseConfigText(
        config.replace('provider: existing\n    name: fake', 'provider: kind\n    name: lab'),
        path.join(dir, 'kubestrap.yaml'),
      ),
      baseDir: dir,
    };
    const kindCalls: string[][] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv[0] !== 'kind') return run(argv, options);
      kindCalls.push([...argv]);
      return { stdout: argv[1] === 'get' ? 'other\nlab\n' : '', stderr: '', exitCode: 0 };
    };
    return kindCalls;
  }

  it('kind with --purge deletes the whole cluster, its encryption key and the identity record, and nothing through kubectl', async () => {
    const kindCalls = kindConfig();
    const key = path.join(dir, '.kubestrap', 'secrets', 'kind-lab-encryption-config.yaml');
    mkdirSync(path.dirname(key), { recursive: true });
    writeFileSync(key, 'key');
    const { events, result, error } = await down(true, ['PVC velero/backups (1Gi, standard)']);
    expect(error).toBeUndefined();
    expect(kindCalls.map((a) => a.slice(0, 3).join(' '))).toEqual(['kind get clusters', 'kind delete cluster']);
    expect(kindCalls[1]).toContain('lab');
    expect(h.cluster.changes).toEqual([]);
    expect(existsSync(key)).toBe(false);
    expect(existsSync(recordFile())).toBe(false);
    expect(result).toEqual({ removed: ['kind cluster lab'], kept: [] });
    expect(of(events, 'log').map((e) => e.message)).toEqual([
      '--purge deletes 1 volume claim(s) and their data: PVC velero/backups (1Gi, standard)',
      'deleting kind cluster lab (--purge)',
    ]);
    expect(events[0]).toMatchObject({ event: 'run.start', command: 'down', roadmap: 'demo', context: 'fake', steps: [] });
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: true, next: 'everything kubestrap applied is gone.' });
  });

  it('kind with --purge whose cluster is gone already deletes nothing but still removes the key and the record', async () => {
    const kindCalls = kindConfig();
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) =>
      argv[0] === 'kind' && argv[1] === 'get' ? { stdout: 'other\n', stderr: '', exitCode: 0 } : run(argv, options);
    const { result } = await down(true);
    expect(result).toEqual({ removed: [], kept: [] });
    expect(kindCalls.some((a) => a[1] === 'delete')).toBe(false);
    expect(existsSync(recordFile())).toBe(false);
  });

  it('kind without --purge removes what the roadmap applied, like an existing cluster, and keeps the cluster', async () => {
    const kindCalls = kindConfig();
    const { result } = await down(false);
    expect(kindCalls).toEqual([]);
    expect(result?.removed).toContain('helm release monitoring/kube-prometheus-stack');
  });

  it('without --purge the volumes listed are not announced for deletion', async () => {
    const { events } = await down(false, ['PVC velero/backups']);
    expect(of(events, 'log').some((e) => e.message.startsWith('--purge deletes'))).toBe(false);
  });

  it('what down reports: each removed unit by kind and name, and what it kept', async () => {
    const { result } = await down(false);
    expect(result).toEqual({
      removed: [
        'helm release monitoring/kube-prometheus-stack',
        'secret monitoring/grafana-admin',
        'Namespace team-a, NetworkPolicy team-a/default-deny, RoleBinding team-a/devs',
        'helm release kube-system/snapshot-controller',
        'StorageClass standard',
      ],
      kept: ['PVC velero/backups, namespace velero (holds 1 PVC)'],
    });
  });

  it('namespaces are deleted without waiting, then awaited together; a release already uninstalled and a custom resource whose CRD is gone count as removed', async () => {
    h.cluster = new FakeCluster();
    h.cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    h.cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-c' } });
    recordSteps(h.cluster, {
      security: [
        { type: 'objects', refs: [ref('Namespace', 'team-b'), ref('Namespace', 'team-c'), ref('Namespace', 'kubestrap-system')] },
        { type: 'objects', refs: [ref('ServiceMonitor', 'x', 'team-b', 'monitoring.coreos.com/v1')] },
      ],
      monitoring: [{ type: 'release', release: 'gone', namespace: 'monitoring' }],
    });
    h.cluster.failWhen = (argv) =>
      argv.includes('delete') && argv.includes('ServiceMonitor.monitoring.coreos.com')
        ? 'error: the server doesn\'t have a resource type "ServiceMonitor"'
        : undefined;
    const { events, result, error } = await down(false);
    expect(error).toBeUndefined();
    expect(result?.removed).toEqual([
      'helm release monitoring/gone',
      'ServiceMonitor team-b/x',
      'Namespace team-b, Namespace team-c, Namespace kubestrap-system',
      'namespace kubestrap-system',
    ]);
    const calls = h.cluster.exec.calls.map((a) => a.slice(3).join(' '));
    expect(calls.filter((c) => c.startsWith('delete namespace team'))).toEqual([
      'delete namespace team-c --ignore-not-found --wait=false',
      'delete namespace team-b --ignore-not-found --wait=false',
    ]);
    expect(calls).toContain('wait --for=delete namespace/team-c namespace/team-b --timeout 10m');
    expect(calls.findIndex((c) => c.startsWith('wait --for=delete'))).toBeGreaterThan(
      calls.findIndex((c) => c.startsWith('delete namespace team-b')),
    );
    expect(h.cluster.exec.calls.some((a) => a[1] === 'uninstall')).toBe(false);
    expect(of(events, 'log').map((e) => e.message)).toContain('waiting for 2 namespace(s) to finish terminating');
    expect(h.cluster.changes.filter((c) => c === 'delete namespace kubestrap-system')).toHaveLength(1);
    expect(h.cluster.changes.at(-1)).toBe('delete namespace kubestrap-system');
  });

  it('without --purge kubestrap-system stays while it holds a volume claim; a namespace with several claims says how many', async () => {
    h.cluster = new FakeCluster();
    h.cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'data' } });
    for (const n of ['a', 'b'])
      h.cluster.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: n, namespace: 'data' } });
    h.cluster.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'backup', namespace: 'kubestrap-system' } });
    recordSteps(h.cluster, { storage: [{ type: 'objects', refs: [ref('Namespace', 'data')] }] });
    const { result, events } = await down(false);
    expect(result?.kept).toEqual(['namespace data (holds 2 PVCs)']);
    expect(h.cluster.get('namespace', undefined, 'kubestrap-system')).toBeDefined();
    expect(of(events, 'log').map((e) => e.message)).toContain(
      'state kept in kubestrap-system/kubestrap-state: it still records what was kept',
    );

    h.cluster = new FakeCluster();
    h.cluster.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'backup', namespace: 'kubestrap-system' } });
    recordSteps(h.cluster, { storage: [{ type: 'objects', refs: [ref('StorageClass', 'fast', undefined, 'storage.k8s.io/v1')] }] });
    const all = await down(false);
    expect(all.result?.removed).toEqual(['StorageClass fast']);
    expect(h.cluster.get('namespace', undefined, 'kubestrap-system')).toBeDefined();
    expect(h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-state')).toBeUndefined();
    expect(existsSync(recordFile())).toBe(false);
  });

  it('a cluster bound to another roadmap instance is refused before anything is removed', async () => {
    writeFileSync(recordFile(), JSON.stringify({ ...identity, kubeSystemUid: 'another-cluster' }));
    const { error, events } = await down(true);
    expect(error?.message).toContain('roadmap "demo" is bound to a different cluster');
    expect(h.cluster.changes).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: false, exitCode: 2 });
  });

  it('a run lease left expired by a killed run is taken over, with a warning', async () => {
    const old = new Date(Date.now() - 600_000).toISOString();
    h.cluster.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'kubestrap-run', namespace: 'kubestrap-system' },
      spec: { holderIdentity: 'ci-7/pid-1/abc', leaseDurationSeconds: 60, renewTime: old, acquireTime: old },
    } as any);
    const { events, error } = await down(false);
    expect(error).toBeUndefined();
    expect(of(events, 'log').find((e) => e.message.startsWith('took over the run lease left by ci-7/pid-1/abc'))).toMatchObject({
      level: 'warn',
    });
  });

  it('each step removed is reported as a step of its phase, last phase first', async () => {
    const { events } = await down(false);
    expect(of(events, 'step.start').map((e) => [e.phase, e.step, e.title])).toEqual([
      ['operations', 'disaster-recovery', 'removing disaster-recovery'],
      ['observability', 'monitoring', 'removing monitoring'],
      ['features', 'security', 'removing security'],
      ['foundation', 'storage', 'removing storage'],
    ]);
    expect(of(events, 'step.ok').map((e) => [e.phase, e.step, e.changed])).toEqual([
      ['operations', 'disaster-recovery', true],
      ['observability', 'monitoring', true],
      ['features', 'security', true],
      ['foundation', 'storage', true],
    ]);
    expect(events[0]).toMatchObject({
      event: 'run.start',
      phases: expect.arrayContaining([expect.objectContaining({ id: 'operations' })]),
    });
  });
});

describe('down: what its events carry, and edge cases of what goes (kubectl/helm child processes faked in memory)', () => {
  it('run.end and step.ok carry their own durations and no changed or skipped steps; each removed unit is announced as progress of its step', async () => {
    const t0 = performance.now();
    const { events, error } = await down(false);
    const elapsed = Math.ceil(performance.now() - t0) + 1;
    expect(error).toBeUndefined();
    const end = events.at(-1) as any;
    expect(end.event).toBe('run.end');
    expect(end.changed).toEqual([]);
    expect(end.skipped).toEqual([]);
    expect(end.ms).toBeLessThanOrEqual(elapsed);
    for (const ok of of(events, 'step.ok')) expect(ok.ms).toBeLessThanOrEqual(elapsed);
    expect(of(events, 'step.progress').map((e) => [e.step, e.message])).toEqual([
      ['monitoring', 'helm uninstall kube-prometheus-stack'],
      ['security', 'deleting RoleBinding team-a/devs'],
      ['security', 'deleting NetworkPolicy team-a/default-deny'],
      ['security', 'deleting Namespace team-a'],
      ['storage', 'helm uninstall snapshot-controller'],
      ['storage', 'deleting StorageClass standard'],
    ]);
    // What was kept and why the state stays are information, not warnings.
    const logs = of(events, 'log');
    expect(logs.filter((e) => /^(kept |waiting for |state kept )/.test(e.message)).map((e) => e.level)).toEqual(['info', 'info', 'info']);
  });

  it('a failed down: run.end carries its own duration and no changed or skipped steps', async () => {
    h.cluster.failWhen = (argv) => (argv.includes('delete') && argv.includes('secret') ? 'error: the server is unavailable' : undefined);
    const t0 = performance.now();
    const { events, error } = await down(false);
    const elapsed = Math.ceil(performance.now() - t0) + 1;
    expect(error).toBeDefined();
    const end = events.at(-1) as any;
    expect(end).toMatchObject({ event: 'run.end', ok: false });
    expect(end.changed).toEqual([]);
    expect(end.skipped).toEqual([]);
    expect(end.ms).toBeLessThanOrEqual(elapsed);
  });

  it('--purge announces every volume claim it deletes, as a warning; kept units from several steps are all named in the hint', async () => {
    const { events } = await down(true, ['PVC velero/backups (1Gi, standard)', 'PVC data/db (5Gi, fast)']);
    expect(of(events, 'log').find((e) => e.message.startsWith('--purge deletes'))).toMatchObject({
      level: 'warn',
      message: expect.stringContaining('PVC velero/backups (1Gi, standard); PVC data/db (5Gi, fast)'),
    });

    h.cluster = new FakeCluster();
    recordSteps(h.cluster, {
      storage: [{ type: 'objects', refs: [ref('PersistentVolumeClaim', 'a', 'data')] }],
      monitoring: [{ type: 'objects', refs: [ref('PersistentVolumeClaim', 'b', 'monitoring')] }],
    });
    const { result, events: kept } = await down(false);
    expect(result?.kept).toEqual(['PVC monitoring/b', 'PVC data/a']);
    expect(kept.at(-1)).toMatchObject({ event: 'run.end', next: expect.stringContaining('kept: PVC monitoring/b; PVC data/a.') });
  });

  it('no namespace deleted: nothing is awaited', async () => {
    h.cluster = new FakeCluster();
    h.cluster.put({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' } });
    recordSteps(h.cluster, { storage: [{ type: 'objects', refs: [ref('StorageClass', 'fast', undefined, 'storage.k8s.io/v1')] }] });
    const { events, error } = await down(false);
    expect(error).toBeUndefined();
    expect(h.cluster.exec.calls.some((a) => a.includes('wait'))).toBe(false);
    expect(of(events, 'log').some((e) => e.message.startsWith('waiting for'))).toBe(false);
  });

  it('only the Namespace kubestrap-system waits for last, only Namespaces are kept for their claims, and --purge deletes a namespace with claims it did not record', async () => {
    h.cluster = new FakeCluster();
    // A namespace "data" holding a claim kubestrap did not create, and objects named like namespaces.
    h.cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'data' } });
    h.cluster.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'db', namespace: 'data' } });
    h.cluster.put({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'data' } });
    h.cluster.put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'kubestrap-system' } });
    const steps = {
      storage: [{ type: 'objects', refs: [ref('StorageClass', 'data', undefined, 'storage.k8s.io/v1')] }],
      security: [{ type: 'objects', refs: [ref('ClusterRole', 'kubestrap-system', undefined, 'rbac.authorization.k8s.io/v1')] }],
    };
    recordSteps(h.cluster, steps);
    const { result } = await down(false);
    expect(result?.removed).toEqual(['ClusterRole kubestrap-system', 'StorageClass data', 'namespace kubestrap-system']);
    expect(h.cluster.get('storageclass', undefined, 'data')).toBeUndefined();
    expect(h.cluster.get('clusterrole', undefined, 'kubestrap-system')).toBeUndefined();

    recordSteps(h.cluster, { storage: [{ type: 'objects', refs: [ref('Namespace', 'data')] }] });
    const purged = await down(true);
    expect(purged.result?.removed).toEqual(['Namespace data', 'namespace kubestrap-system']);
    expect(h.cluster.get('namespace', undefined, 'data')).toBeUndefined();
  });

  it('core objects are deleted by their kind alone (kubectl has no resource "Kind.v1")', async () => {
    h.cluster = new FakeCluster();
    h.cluster.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'apps' } });
    recordSteps(h.cluster, { storage: [{ type: 'objects', refs: [ref('ConfigMap', 'settings', 'apps')] }] });
    await down(false);
    const deletes = h.cluster.exec.calls.filter((a) => a[3] === 'delete' && a.includes('settings'));
    expect(deletes.map((a) => a[4])).toEqual(['ConfigMap']);
  });

  it('the run lease is deleted before its namespace even when giving it up failed', async () => {
    let leaseReads = 0;
    h.cluster.failWhen = (argv) =>
      argv.includes('get') && argv.includes('lease') && ++leaseReads === 2
        ? 'error: the server was unable to return a response'
        : undefined;
    const { events, error } = await down(true);
    expect(error).toBeUndefined();
    expect(of(events, 'log').some((e) => e.message.startsWith('could not release the run lease'))).toBe(true);
    expect(h.cluster.get('lease', 'kubestrap-system', 'kubestrap-run')).toBeUndefined();
    expect(h.cluster.changes.indexOf('delete lease kubestrap-system/kubestrap-run')).toBeLessThan(
      h.cluster.changes.indexOf('delete namespace kubestrap-system'),
    );
  });

  it('the run lease lasts 60 s unless KUBESTRAP_LEASE_SECONDS says otherwise', async () => {
    const durations: string[] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('create') && options?.input?.includes('kind: Lease'))
        durations.push(/leaseDurationSeconds: (\S+)/.exec(options.input)?.[1] ?? 'none');
      return run(argv, options);
    };
    const sinks = [{ emit: () => undefined }];
    await removeRoadmap({ loaded, purge: false, sinks, env: {} });
    h.cluster.objects.delete('lease|kubestrap-system|kubestrap-run');
    await removeRoadmap({ loaded, purge: false, sinks, env: { KUBESTRAP_LEASE_SECONDS: '15' } });
    expect(durations).toEqual(['60', '15']);
  });
});
