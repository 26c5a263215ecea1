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
import { removeRoadmap } from '../../src/engine/remove.js';
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

async function down(purge: boolean): Promise<{ events: RunEvent[]; error?: Error }> {
  const events: RunEvent[] = [];
  try {
    await removeRoadmap({ loaded, purge, sinks: [{ emit: (e) => events.push(e) }], env: {} });
    return { events };
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
