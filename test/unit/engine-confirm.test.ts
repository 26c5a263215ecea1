// firstBinding (src/engine/confirm.ts) where no cluster answers: a kind cluster and an existing cluster
// already bound (identity record beside the config) are decided before anything is asked; for an
// unbound one, kubectl is named as a path that does not exist (KUBESTRAP_KUBECTL), so asking fails the
// way an unreachable cluster does. No real kubectl runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { firstBinding } from '../../src/engine/confirm.js';
import { identityRecordPath, writeIdentityRecord } from '../../src/engine/identity.js';
import { FakeCluster } from './fake-cluster.js';

// When a test sets h.cluster, the kubectl firstBinding creates runs against that cluster faked in memory.
const h = vi.hoisted(() => ({ cluster: undefined as { exec: unknown } | undefined }));
vi.mock('../../src/adapters/exec.js', async (original) => {
  const real = await original<typeof import('../../src/adapters/exec.js')>();
  return { ...real, createExec: (...args: Parameters<typeof real.createExec>) => (h.cluster ? h.cluster.exec : real.createExec(...args)) };
});
afterEach(() => {
  h.cluster = undefined;
});

const dir = mkdtempSync(path.join(tmpdir(), 'ks-confirm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const loaded = (cluster: string) => {
  const { config } = parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: shop\nspec:\n  cluster: ${cluster}\n`,
    path.join(dir, 'k.yaml'),
  );
  return { config, file: path.join(dir, 'k.yaml'), baseDir: dir };
};
const noKubectl = { KUBESTRAP_KUBECTL: path.join(dir, 'no-such-kubectl'), PATH: '' };

describe('first binding to an existing cluster', () => {
  it('a kind cluster needs no confirmation', async () => {
    expect(await firstBinding(loaded('{}'), noKubectl)).toBeUndefined();
  });

  it('an existing cluster already bound (record beside the config) needs none either', async () => {
    await writeIdentityRecord(identityRecordPath(dir, 'shop'), { context: 'prod', server: 'https://x:6443', kubeSystemUid: 'u' });
    expect(await firstBinding(loaded('{ provider: existing, context: prod }'), noKubectl)).toBeUndefined();
  });

  it('an existing cluster that cannot be reached is left to the run to report (no confirmation asked)', async () => {
    const other = { ...loaded('{ provider: existing, context: prod }'), baseDir: path.join(dir, 'elsewhere') };
    expect(await firstBinding(other, noKubectl)).toBeUndefined();
  });
});

describe('first binding to an existing cluster that answers (kubectl faked in memory)', () => {
  const unbound = () => ({ ...loaded('{ provider: existing, context: prod }'), baseDir: path.join(dir, 'unbound') });

  it('a cluster kubestrap never touched is to be confirmed: the context named in the config and its API server', async () => {
    const c = new FakeCluster();
    h.cluster = c;
    expect(await firstBinding(unbound(), {})).toEqual({ context: 'prod', server: 'https://127.0.0.1:6443' });
    expect(c.exec.calls.every((a) => a[0] !== 'kubectl' || a.includes('prod'))).toBe(true);
    expect(c.changes).toEqual([]);
  });

  it('a cluster that already holds kubestrap state needs no confirmation (the run then checks it is the same cluster)', async () => {
    const c = new FakeCluster();
    c.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kubestrap-state', namespace: 'kubestrap-system' },
      data: { 'state.json': JSON.stringify({ version: 1, roadmap: 'shop', identity: {}, steps: {}, updatedAt: 'x' }) },
    } as any);
    h.cluster = c;
    expect(await firstBinding(unbound(), {})).toBeUndefined();
  });
});

describe('first binding: no question for kind or a bound cluster even when the cluster answers (kubectl faked in memory)', () => {
  it('kind, and an existing cluster with an identity record, are not asked about', async () => {
    h.cluster = new FakeCluster();
    expect(await firstBinding(loaded('{}'), {})).toBeUndefined();
    const bound = { ...loaded('{ provider: existing, context: prod }'), baseDir: path.join(dir, 'bound') };
    await writeIdentityRecord(identityRecordPath(bound.baseDir, 'shop'), { context: 'prod', server: 'https://x:6443', kubeSystemUid: 'u' });
    expect(await firstBinding(bound, {})).toBeUndefined();
    expect((h.cluster as FakeCluster).exec.calls).toEqual([]);
  });
});
