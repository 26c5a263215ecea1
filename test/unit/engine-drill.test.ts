// The restore drill (src/engine/drill.ts) with kubectl's child processes faked (fake-cluster.ts stores
// what is applied; the test answers as the kubelet and Velero would: pod phases, Backup and Restore
// phases). Asserted: the objects applied, the order the cluster sees (write, backup, lose, restore,
// read), the verdict and its message, and that both scratch namespaces are always deleted. The pods'
// shell commands run for real under /bin/sh against a temporary file. The real drill runs on a kind
// cluster with Velero in test/e2e-real.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Kubectl } from '../../src/adapters/kubectl.js';
import {
  drillBackup,
  drillHolderPod,
  drillReaderPod,
  drillRestore,
  drillSourceObjects,
  policyOf,
  restoreDrill,
} from '../../src/engine/drill.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec, type FakeResult } from './fake-exec.js';
import { tempDir } from './temp-dir.js';

type Answer = (argv: readonly string[], input: string | undefined) => FakeResult | undefined;
type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: any; [k: string]: any };

const velero = 'velero';
const source = 'kubestrap-drill';
const restored = 'kubestrap-drill-restored';

interface Phases {
  /** Phase of a pod (drill-writer, drill-reader) on its n-th read. */
  pod?: (name: string, n: number) => string | undefined;
  backup?: (n: number) => string | undefined;
  restore?: (n: number) => string | undefined;
}

function setup(phases: Phases = {}) {
  const c = new FakeCluster();
  // Velero's node agent, ready (what file-system backup needs).
  c.put({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-agent', namespace: velero }, status: { numberReady: 1 } });
  const cluster = (c as unknown as { answer: Answer }).answer.bind(c);
  const applied: Obj[] = [];
  const reads = new Map<string, number>();
  const read = (what: string) => {
    reads.set(what, (reads.get(what) ?? 0) + 1);
    return reads.get(what)!;
  };
  const exec = fakeExec([], (argv, input) => {
    const a = argv.slice(3);
    if (a[0] === 'apply' && input) applied.push(...parseAllDocuments(input).map((d) => d.toJS() as Obj));
    if (a[0] === 'logs') return `log of ${a[3]}`;
    if (a[0] === 'get') {
      const status =
        a[1] === 'pod'
          ? phases.pod?.(a[2]!, read(`pod/${a[2]}`))
          : a[1] === 'backups.velero.io'
            ? phases.backup?.(read('backup'))
            : a[1] === 'restores.velero.io'
              ? phases.restore?.(read('restore'))
              : undefined;
      if (status !== undefined) return JSON.stringify({ status: { phase: status } });
    }
    return cluster(argv, input);
  });
  const kubectl = new Kubectl(exec, c.target);
  const calls = () => exec.calls.map((x) => x.slice(3));
  return { c, exec, kubectl, applied, calls, reads };
}

/** Every mutating call in order: `apply Kind name`, `delete resource name ns timeout`, `wait pod/x ns timeout`. */
function timeline(s: ReturnType<typeof setup>): string[] {
  const objects = [...s.applied];
  return s.calls().flatMap((a) => {
    const ns = a.includes('--namespace') ? a[a.indexOf('--namespace') + 1] : '-';
    const timeout = a.includes('--timeout') ? a[a.indexOf('--timeout') + 1] : '';
    if (a[0] === 'apply') {
      // One apply per stream; the stream's objects were recorded in order.
      const out: string[] = [];
      while (objects.length) {
        const o = objects.shift()!;
        out.push(`apply ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`);
        if (o.kind !== 'Namespace' && o.kind !== 'PersistentVolumeClaim') break;
      }
      return out;
    }
    if (a[0] === 'delete') return [`delete ${a[1]} ${a[2]} ${ns} ${timeout}`];
    if (a[0] === 'wait') return [`wait ${a.find((x) => x.startsWith('pod/'))} ${a.find((x) => x.startsWith('--for='))} ${ns} ${timeout}`];
    return [];
  });
}

async function withFakeTime<T>(run: () => Promise<T>): Promise<T> {
  vi.useFakeTimers();
  const result = run();
  await vi.runAllTimersAsync();
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

const allGood: Phases = { pod: () => 'Succeeded', backup: () => 'Completed', restore: () => 'Completed' };
const cleanup = [`delete namespace ${source} - 3m`, `delete namespace ${restored} - 3m`];
const stampOf = (o: Obj) => /[0-9a-f]{24}/.exec((o.spec.containers[0].command as string[]).join(' '))?.[0];

describe('the drill objects', () => {
  it('a labelled scratch namespace, a 16Mi claim, and a writer that mounts it writable; all pods restricted and on the claim', () => {
    const [namespace, claim, writer] = drillSourceObjects('0123456789abcdef01234567') as Obj[];
    expect(namespace).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: source, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    });
    expect(claim).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'drill-data', namespace: source, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
    });
    for (const [pod, readOnly, ns, restart] of [
      [writer!, false, source, 'Never'],
      // The holder mounts it read-write: Velero restores into the restored holder's mount (bdc1a29).
      [drillHolderPod(), false, source, 'Always'],
      [drillReaderPod('x'), true, restored, 'Never'],
    ] as const) {
      new Pod(pod as never).validate();
      expect(pod.metadata!.namespace).toBe(ns);
      expect(pod.spec!.restartPolicy).toBe(restart);
      expect(pod.spec!.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'drill-data', readOnly } }]);
      expect(pod.spec!.containers[0]!.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly }]);
      expect(pod.spec!.securityContext).toEqual({ runAsNonRoot: true, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.spec!.containers[0]!.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    }
  });

  it('the holder only keeps the volume mounted: it writes nothing, so a restore cannot recreate the file', () => {
    expect(drillHolderPod().metadata!.name).toBe('drill-holder');
    expect(drillHolderPod().spec!.containers[0]!.command).toEqual(['sleep', '3600']);
  });

  /** Runs a drill pod's command under sh with /data/drill.txt moved to a temporary directory. */
  async function run(pod: { spec?: { containers: { command?: string[] }[] } }, dir: string) {
    const [shell, flag, script] = pod.spec!.containers[0]!.command!;
    return execa(shell!, [flag!, script!.replaceAll('/data/', `${dir}/`)], { reject: false });
  }

  it('the writer writes the stamp to the volume; the reader passes only when the restored file holds that stamp', async () => {
    const dir = tempDir('kubestrap-drill-');
    const stamp = 'a1b2c3';
    const wrote = await run((drillSourceObjects(stamp) as Obj[])[2]!, dir);
    expect(wrote.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'drill.txt'), 'utf8')).toBe(`${stamp}\n`);
    expect(await run(drillReaderPod(stamp), dir)).toMatchObject({ exitCode: 0, stdout: 'identical' });
    expect(await run(drillReaderPod('other'), dir)).toMatchObject({ exitCode: 1, stdout: `restored file differs: ${stamp}` });
    const empty = tempDir('kubestrap-drill-');
    mkdirSync(empty, { recursive: true });
    const missing = await run(drillReaderPod(stamp), empty);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toMatch(/^restored file differs: .*drill\.txt/);
    writeFileSync(path.join(empty, 'drill.txt'), `${stamp}x\n`);
    expect((await run(drillReaderPod(stamp), empty)).exitCode).toBe(1);
  });

  it('the Backup takes the scratch namespace with the policy given; the Restore maps it to the restored namespace with its volumes', () => {
    const policy = { snapshotVolumes: true, snapshotMoveData: true, defaultVolumesToFsBackup: false };
    expect(drillBackup('drill-x', velero, policy)).toEqual({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'drill-x', namespace: velero, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
      spec: { includedNamespaces: [source], ttl: '1h0m0s', storageLocation: 'default', ...policy },
    });
    expect(drillRestore('drill-x', velero)).toEqual({
      apiVersion: 'velero.io/v1',
      kind: 'Restore',
      metadata: { name: 'drill-x', namespace: velero, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
      spec: { backupName: 'drill-x', namespaceMapping: { [source]: restored }, restorePVs: true },
    });
  });

  it("the policy is the daily Schedule's; without one (or without a field) it is file-system backup", () => {
    expect(policyOf({})).toEqual({ snapshotVolumes: false, snapshotMoveData: false, defaultVolumesToFsBackup: true });
    expect(policyOf(undefined)).toEqual({ snapshotVolumes: false, snapshotMoveData: false, defaultVolumesToFsBackup: true });
    expect(policyOf({ spec: {} })).toEqual({ snapshotVolumes: false, snapshotMoveData: false, defaultVolumesToFsBackup: true });
    const csi = { snapshotVolumes: true, snapshotMoveData: true, defaultVolumesToFsBackup: false };
    expect(policyOf({ spec: { template: csi } })).toEqual(csi);
    expect(policyOf({ spec: { template: { snapshotVolumes: true } } })).toEqual({
      snapshotVolumes: true,
      snapshotMoveData: false,
      defaultVolumesToFsBackup: true,
    });
  });
});

// Every wait is faked: a test still running after 4 s is a drill that hangs.
describe('restoreDrill (kubectl faked)', { timeout: 4_000 }, () => {
  it('writes, backs up as the Schedule does, loses the namespace, restores it under another name, reads the same stamp, cleans up', async () => {
    const s = setup(allGood);
    s.c.put({
      apiVersion: 'velero.io/v1',
      kind: 'Schedule',
      metadata: { name: 'daily', namespace: velero },
      spec: { template: { snapshotVolumes: true, snapshotMoveData: true, defaultVolumesToFsBackup: false } },
    });
    expect(await restoreDrill(s.kubectl, velero, 'daily')).toBeUndefined();
    const backup = s.applied.find((o) => o.kind === 'Backup')!;
    const name = backup.metadata.name;
    expect(name).toMatch(/^drill-[0-9a-z]+$/);
    expect(timeline(s)).toEqual([
      `apply Namespace -/${source}`,
      `apply PersistentVolumeClaim ${source}/drill-data`,
      `apply Pod ${source}/drill-writer`,
      `delete pod drill-writer ${source} 60s`,
      `apply Pod ${source}/drill-holder`,
      `wait pod/drill-holder --for=condition=Ready ${source} 120s`,
      `apply Backup ${velero}/${name}`,
      `delete namespace ${source} - 3m`,
      `apply Restore ${velero}/${name}`,
      `delete pod drill-holder ${restored} 60s`,
      `apply Pod ${restored}/drill-reader`,
      ...cleanup,
    ]);
    expect(backup.spec).toMatchObject({ snapshotVolumes: true, snapshotMoveData: true, defaultVolumesToFsBackup: false });
    expect(s.applied.find((o) => o.kind === 'Restore')!.spec.backupName).toBe(name);
    // The reader looks for exactly the stamp the writer wrote, and each run has its own.
    const stamp = stampOf(s.applied.find((o) => o.metadata.name === 'drill-writer')!);
    expect(stamp).toBeDefined();
    expect(stampOf(s.applied.find((o) => o.metadata.name === 'drill-reader')!)).toBe(stamp);
    const again = setup(allGood);
    await restoreDrill(again.kubectl, velero, 'daily');
    expect(stampOf(again.applied.find((o) => o.metadata.name === 'drill-writer')!)).not.toBe(stamp);
  });

  it('waits for the writer, the Backup and the Restore to finish, polling each', async () => {
    const s = setup({
      // Seen first without a status (just created), then Pending.
      pod: (_, n) => (n === 1 ? undefined : n < 3 ? 'Pending' : 'Succeeded'),
      backup: (n) => (n === 1 ? undefined : (['New', 'InProgress', 'WaitingForPluginOperations'][n - 2] ?? 'Completed')),
      restore: (n) => (n < 2 ? 'InProgress' : 'Completed'),
    });
    expect(await withFakeTime(() => restoreDrill(s.kubectl, velero, 'daily'))).toBeUndefined();
    expect(s.reads.get('pod/drill-writer')).toBe(3);
    expect(s.reads.get('backup')).toBe(5);
    expect(s.reads.get('restore')).toBe(2);
  });

  it('the writer failing: its last log lines, the scratch namespace to diagnose, nothing backed up, both namespaces deleted', async () => {
    const s = setup({ pod: () => 'Failed' });
    expect(await restoreDrill(s.kubectl, velero, 'daily')).toEqual({
      message: 'the drill could not write its file to a volume (pod drill-writer Failed): log of drill-writer',
      diagnose: source,
    });
    expect(s.calls().find((a) => a[0] === 'logs')).toEqual(
      expect.arrayContaining(['--namespace', source, '--container', 'probe', '--tail', '3']),
    );
    expect(s.applied.some((o) => o.kind === 'Backup')).toBe(false);
    expect(timeline(s).slice(-2)).toEqual(cleanup);
  });

  it('a writer that never ends is given 180 s (read every 2 s)', async () => {
    const s = setup({ pod: () => 'Pending' });
    expect(await withFakeTime(() => restoreDrill(s.kubectl, velero, 'daily'))).toMatchObject({
      message: 'the drill could not write its file to a volume (pod drill-writer still Pending after 180s): log of drill-writer',
    });
    expect(s.reads.get('pod/drill-writer')).toBe(90);
    const missing = setup();
    missing.c.failWhen = (argv) =>
      argv.includes('get') && argv.includes('drill-writer') ? 'Error from server (NotFound): pods "drill-writer" not found' : undefined;
    expect((await withFakeTime(() => restoreDrill(missing.kubectl, velero, 'daily')))?.message).toMatch(
      /\(pod drill-writer still missing after 180s\)/,
    );
  });

  it.each(['PartiallyFailed', 'Failed', 'FailedValidation'])(
    'a Backup that ends %s fails the drill at once, naming it and how to look closer',
    async (phase) => {
      const s = setup({ ...allGood, backup: () => phase });
      const result = await withFakeTime(() => restoreDrill(s.kubectl, velero, 'daily'));
      const name = s.applied.find((o) => o.kind === 'Backup')!.metadata.name;
      expect(result).toEqual({
        message: `drill backup ${velero}/${name} ended ${phase} (velero backup describe ${name} --details)`,
        diagnose: velero,
      });
      // Not polled again (a diagnosis of the failed Backup may read it once more).
      expect(s.reads.get('backup')).toBeLessThanOrEqual(2);
      expect(s.applied.some((o) => o.kind === 'Restore')).toBe(false);
      expect(timeline(s).slice(-2)).toEqual(cleanup);
    },
  );

  it('a Backup still running after 600 s (read every 3 s), or never seen, fails with its phase', async () => {
    const s = setup({ ...allGood, backup: () => 'InProgress' });
    expect((await withFakeTime(() => restoreDrill(s.kubectl, velero, 'daily')))?.message).toMatch(/ ended still InProgress after 600s \(/);
    // 200 polls (and possibly one more read to diagnose the failure).
    expect(s.reads.get('backup')).toBeGreaterThanOrEqual(200);
    expect(s.reads.get('backup')).toBeLessThanOrEqual(201);
    const unseen = setup({ ...allGood, backup: () => undefined });
    expect((await withFakeTime(() => restoreDrill(unseen.kubectl, velero, 'daily')))?.message).toMatch(/ ended still New after 600s \(/);
  });

  it('a Restore that does not complete fails with its phase; the restored namespace is deleted too', async () => {
    const s = setup({ ...allGood, restore: () => 'PartiallyFailed' });
    const result = await restoreDrill(s.kubectl, velero, 'daily');
    const name = s.applied.find((o) => o.kind === 'Restore')!.metadata.name;
    expect(result).toEqual({
      message: `drill restore ${velero}/${name} ended PartiallyFailed (velero restore describe ${name} --details)`,
      diagnose: velero,
    });
    expect(s.applied.some((o) => o.metadata.name === 'drill-reader')).toBe(false);
    expect(timeline(s).slice(-2)).toEqual(cleanup);
    const slow = setup({ ...allGood, restore: () => 'InProgress' });
    expect((await withFakeTime(() => restoreDrill(slow.kubectl, velero, 'daily')))?.message).toMatch(
      /^drill restore .* ended still InProgress after 600s/,
    );
    // Read every 3 s while under 600 s: 200 reads.
    expect(slow.reads.get('restore')).toBe(200);
  });

  it('the restored file not holding the stamp: the reader fails, its log is shown, the restored namespace is named', async () => {
    const s = setup({ ...allGood, pod: (name) => (name === 'drill-reader' ? 'Failed' : 'Succeeded') });
    expect(await restoreDrill(s.kubectl, velero, 'daily')).toEqual({
      message: "the restored volume does not hold the drill's file (pod drill-reader Failed): log of drill-reader",
      diagnose: restored,
    });
    expect(
      s
        .calls()
        .filter((a) => a[0] === 'logs')
        .at(-1),
    ).toEqual(expect.arrayContaining(['--namespace', restored, 'drill-reader', '--container', 'probe', '--tail', '3']));
    expect(timeline(s).slice(-2)).toEqual(cleanup);
  });

  it('a kubectl failure midway still deletes both namespaces, and the error reaches the caller', async () => {
    const s = setup(allGood);
    s.c.failWhen = (argv) => (argv.includes('wait') ? 'error: timed out waiting for the condition on pods/drill-holder' : undefined);
    await expect(restoreDrill(s.kubectl, velero, 'daily')).rejects.toThrow(/timed out waiting/);
    expect(timeline(s).slice(-2)).toEqual(cleanup);
  });
});
