// The run state record (src/engine/state.ts) against a Kubernetes API faked in memory (every
// kubectl child process faked, fake-cluster.ts).
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { ensureStateNamespace, readState, writeState, type RunState } from '../../src/engine/state.js';
import { FakeCluster } from './fake-cluster.js';

const state = (): RunState => ({
  version: 1,
  roadmap: 'demo',
  identity: { context: 'fake', server: 'https://127.0.0.1:6443', kubeSystemUid: 'u-1' },
  steps: {
    storage: {
      hash: 'h1',
      status: 'verified',
      appliedAt: '2026-12-01T10:00:00.000Z',
      applied: [{ type: 'release', release: 'snapshot-controller', namespace: 'kube-system' }],
    },
  },
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('run state (kubectl child processes faked)', () => {
  it('a cluster without a record reads as undefined', async () => {
    const c = new FakeCluster();
    expect(await readState(new Kubectl(c.exec, c.target))).toBeUndefined();
  });

  it('is written whole, in one server-side apply fed on stdin, and reads back as written', async () => {
    const c = new FakeCluster();
    const kubectl = new Kubectl(c.exec, c.target);
    const s = state();
    const before = Date.now();
    await writeState(kubectl, s);
    expect(c.exec.calls).toHaveLength(1);
    const argv = c.exec.calls[0]!;
    expect(argv).toEqual([
      'kubectl',
      '--context',
      'fake',
      'apply',
      '--server-side',
      '--field-manager',
      'kubestrap',
      '--force-conflicts',
      '-f',
      '-',
    ]);
    expect(Date.parse(s.updatedAt)).toBeGreaterThanOrEqual(before);
    const cm = c.get('configmap', 'kubestrap-system', 'kubestrap-state') as any;
    expect(cm.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kubestrap', 'kubestrap.dev/roadmap': 'demo' });
    expect(Object.keys(cm.data)).toEqual(['state.json']);
    expect(await readState(kubectl)).toEqual(s);
  });

  it('a later write replaces the whole record (a step removed from state is gone from the cluster too)', async () => {
    const c = new FakeCluster();
    const kubectl = new Kubectl(c.exec, c.target);
    const s = state();
    s.steps.security = { hash: 'h2', status: 'failed', error: 'x', applied: [] };
    await writeState(kubectl, s);
    delete s.steps.security;
    await writeState(kubectl, s);
    expect(Object.keys((await readState(kubectl))!.steps)).toEqual(['storage']);
  });

  it("kubestrap-system is labelled as kubestrap's and enforces the restricted Pod Security level", async () => {
    const c = new FakeCluster();
    await ensureStateNamespace(new Kubectl(c.exec, c.target), 'demo');
    const ns = c.get('namespace', undefined, 'kubestrap-system') as any;
    expect(ns.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'kubestrap',
      'kubestrap.dev/roadmap': 'demo',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });
});
