// What the restore drill (src/engine/drill.ts) says when its backup does not complete or its volume is a
// hostPath one: the Backup's own failure reason, a Backup Velero never created, whether the node agent
// matters for the Schedule's volume policy, and the StorageClass named in the hostPath message. kubectl's
// child processes are faked (fake-cluster.ts stores what is applied; the test answers as the kubelet and
// Velero would). Written against Stryker's surviving mutants of drill.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { restoreDrill } from '../../src/engine/drill.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

interface World {
  /** The PersistentVolume pvc-1's spec (the drill claim is bound to it). */
  pv?: Record<string, unknown>;
  /** Fields of the drill claim's spec besides volumeName. */
  claim?: Record<string, unknown>;
  /** The daily Schedule's template (its volume policy); no Schedule when undefined. */
  template?: Record<string, unknown>;
  /** The drill Backup's status on its n-th read; undefined: not found. */
  backup: (n: number) => Record<string, unknown> | undefined;
  /** Ready pods of Velero's node agent; no DaemonSet when undefined. */
  agentsReady?: number;
}

const notFound: FakeResult = { exitCode: 1, stderr: 'Error from server (NotFound): not found' };

async function drill(world: World): Promise<{ message: string; calls: string[][] }> {
  const c = new FakeCluster();
  c.put({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvc-1' }, spec: world.pv ?? { local: { path: '/x' } } });
  if (world.agentsReady !== undefined)
    c.put({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-agent', namespace: 'velero' },
      status: { numberReady: world.agentsReady },
    });
  if (world.template)
    c.put({
      apiVersion: 'velero.io/v1',
      kind: 'Schedule',
      metadata: { name: 'kubestrap-daily', namespace: 'velero' },
      spec: { template: world.template },
    });
  let backupReads = 0;
  const exec = fakeExec([], (argv, input) => {
    const args = argv.slice(3);
    if (args[0] === 'get' && args[1] === 'pod' && args[2] === 'drill-writer')
      return JSON.stringify({ ...c.get('pod', 'kubestrap-drill', 'drill-writer'), status: { phase: 'Succeeded' } });
    if (args[0] === 'get' && args[1] === 'persistentvolumeclaim') {
      const claim = c.get('persistentvolumeclaim', 'kubestrap-drill', 'drill-data') as { spec: Record<string, unknown> };
      return JSON.stringify({ ...claim, spec: { ...claim.spec, ...world.claim, volumeName: 'pvc-1' } });
    }
    if (args[0] === 'get' && args[1] === 'backups.velero.io') {
      const status = world.backup(++backupReads);
      return status ? JSON.stringify({ ...c.get('backup', 'velero', args[2]!), status }) : notFound;
    }
    return (c as unknown as { answer: typeof exec.run }).answer.call(c, argv, input) as never;
  });
  vi.useFakeTimers();
  const run = restoreDrill(new Kubectl(exec, c.target), 'velero', 'kubestrap-daily');
  await vi.runAllTimersAsync();
  return { message: ((await run) as { message: string }).message, calls: exec.calls };
}

describe('what a drill backup that does not complete says (kubectl faked)', () => {
  afterEach(() => vi.useRealTimers());

  it('a Backup not readable at first that then fails with a reason: the reason is given', async () => {
    const { message } = await drill({
      agentsReady: 1,
      backup: (n) => (n === 1 ? undefined : { phase: 'Failed', failureReason: 'unable to get the backup storage location' }),
    });
    expect(message).toMatch(
      /^drill backup velero\/drill-\w+ ended Failed \(velero backup describe drill-\w+ --details\): unable to get the backup storage location$/,
    );
  });

  it('a Backup Velero never takes up: still New after 600 s, and the node agent with no ready pod is named', async () => {
    const { message } = await drill({ agentsReady: 0, backup: () => undefined });
    expect(message).toMatch(
      /^drill backup velero\/drill-\w+ ended still New after 600s \(velero backup describe drill-\w+ --details\): Velero's node agent \(DaemonSet velero\/node-agent\) has no ready pod/,
    );
  });

  it('CSI snapshots without data movement do not need the node agent: it is not named, nor even read', async () => {
    const { message, calls } = await drill({
      template: { snapshotVolumes: true, snapshotMoveData: false, defaultVolumesToFsBackup: false },
      agentsReady: 0,
      backup: () => ({ phase: 'Failed' }),
    });
    expect(message).toMatch(/^drill backup velero\/drill-\w+ ended Failed \(velero backup describe drill-\w+ --details\)$/);
    expect(calls.some((a) => a.includes('daemonset'))).toBe(false);
  });
});

describe('the drill on a hostPath volume names its StorageClass (kubectl faked)', () => {
  afterEach(() => vi.useRealTimers());
  const hostPath = { hostPath: { path: '/var/local-path-provisioner/pvc-1', type: 'DirectoryOrCreate' } };

  it("a statically bound claim without a class: the volume's class; neither has one: (none); and what to do", async () => {
    const own = await drill({ pv: { ...hostPath, storageClassName: 'manual' }, backup: () => ({ phase: 'Completed' }) });
    expect(own.message).toContain('(PersistentVolume pvc-1, StorageClass manual) is a hostPath volume');
    expect(own.message).toContain(
      'a backup would hold none of its data. Use a StorageClass that provisions local or CSI volumes (local-path: annotate the class with defaultVolumeType=local',
    );
    const none = await drill({ pv: hostPath, backup: () => ({ phase: 'Completed' }) });
    expect(none.message).toContain('(PersistentVolume pvc-1, StorageClass (none)) is a hostPath volume');
    const claimed = await drill({
      pv: { ...hostPath, storageClassName: 'manual' },
      claim: { storageClassName: 'local-path' },
      backup: () => ({ phase: 'Completed' }),
    });
    expect(claimed.message).toContain('StorageClass local-path)');
  });
});
