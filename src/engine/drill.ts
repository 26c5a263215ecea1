/**
 * The restore drill: proves a backup brings volume data back, not only objects. A file with a
 * fresh random stamp is written to a PersistentVolumeClaim in a scratch namespace, the namespace
 * is backed up the way the daily Schedule backs up (CSI snapshots with their data moved, or
 * file-system backup), deleted, restored into a new namespace, and the file read back there must
 * hold the same stamp. The pod that wrote the file is gone before the backup, so nothing in the
 * restored namespace can write the stamp again: only restored data can make the drill pass.
 */
import { randomBytes } from 'node:crypto';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { Kubectl } from '../adapters/kubectl.js';
import { toYaml, toYamlStream } from '../render/template.js';
import { probePod } from './probe-objects.js';

const drillNamespace = 'kubestrap-drill';
const drillRestoredNamespace = 'kubestrap-drill-restored';
const drillClaim = 'drill-data';
const drillFile = '/data/drill.txt';
const writer = 'drill-writer';
const holder = 'drill-holder';
const reader = 'drill-reader';

interface VolumePolicy {
  snapshotVolumes: boolean;
  snapshotMoveData: boolean;
  defaultVolumesToFsBackup: boolean;
}

type Obj = Record<string, unknown>;

function withClaim(pod: IPod, readOnly: boolean, restartPolicy: 'Never' | 'Always' = 'Never'): IPod {
  const spec = pod.spec ?? { containers: [] };
  return {
    ...pod,
    spec: {
      ...spec,
      restartPolicy,
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: drillClaim, readOnly } }],
      // fsGroup makes the volume writable for the non-root user where the volume plugin supports it.
      securityContext: { runAsNonRoot: true, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: spec.containers.map((c) => ({ ...c, volumeMounts: [{ name: 'data', mountPath: '/data', readOnly }] })),
    },
  };
}

/** Namespace, claim and the pod that writes the stamp and exits. */
export function drillSourceObjects(stamp: string): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: drillNamespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } } },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: drillClaim, namespace: drillNamespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
    },
    withClaim(probePod(drillNamespace, writer, ['sh', '-c', `echo ${stamp} > ${drillFile} && sync && cat ${drillFile}`]), false),
  ];
}

/**
 * A pod that only keeps the volume mounted: file-system backup copies volumes of running pods.
 * Its command writes nothing, so restoring it cannot recreate the file.
 */
export function drillHolderPod(): IPod {
  return withClaim(probePod(drillNamespace, holder, ['sleep', '3600']), true, 'Always');
}

/** The pod that reads the restored file and succeeds only if it holds the stamp. */
export function drillReaderPod(stamp: string): IPod {
  return withClaim(
    probePod(drillRestoredNamespace, reader, [
      'sh',
      '-c',
      `got=$(cat ${drillFile} 2>&1); if [ "$got" = "${stamp}" ]; then echo identical; else echo "restored file differs: $got"; exit 1; fi`,
    ]),
    true,
  );
}

export function drillBackup(name: string, veleroNamespace: string, policy: VolumePolicy): Obj {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: veleroNamespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    spec: { includedNamespaces: [drillNamespace], ttl: '1h0m0s', storageLocation: 'default', ...policy },
  };
}

export function drillRestore(name: string, veleroNamespace: string): Obj {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Restore',
    metadata: { name, namespace: veleroNamespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    spec: { backupName: name, namespaceMapping: { [drillNamespace]: drillRestoredNamespace }, restorePVs: true },
  };
}

/** The daily Schedule's volume policy, so the drill tests what the nightly backups do. */
export function policyOf(schedule: { spec?: { template?: Partial<VolumePolicy> } } | undefined): VolumePolicy {
  const t = schedule?.spec?.template ?? {};
  return {
    snapshotVolumes: t.snapshotVolumes ?? false,
    snapshotMoveData: t.snapshotMoveData ?? false,
    defaultVolumesToFsBackup: t.defaultVolumesToFsBackup ?? true,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function podEnds(kubectl: Kubectl, namespace: string, name: string, timeoutMs: number): Promise<'Succeeded' | string> {
  const deadline = Date.now() + timeoutMs;
  let phase: string | undefined;
  while (Date.now() < deadline) {
    phase = (await kubectl.get<IPod>('pod', name, namespace))?.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return phase;
    await sleep(2000);
  }
  return `still ${phase ?? 'missing'} after ${Math.round(timeoutMs / 1000)}s`;
}

/** Waits for a Velero Backup or Restore to reach a final phase; returns it. */
async function veleroPhase(kubectl: Kubectl, resource: string, name: string, namespace: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let phase: string | undefined;
  while (Date.now() < deadline) {
    phase = (await kubectl.get<{ status?: { phase?: string } }>(resource, name, namespace))?.status?.phase;
    if (phase && ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'].includes(phase)) return phase;
    await sleep(3000);
  }
  return `still ${phase ?? 'New'} after ${Math.round(timeoutMs / 1000)}s`;
}

type DrillResult = { message: string; diagnose?: string } | undefined;

export async function restoreDrill(kubectl: Kubectl, veleroNamespace: string, scheduleName: string): Promise<DrillResult> {
  const stamp = randomBytes(12).toString('hex');
  const name = `drill-${Date.now().toString(36)}`;
  try {
    // 1. Known data on a volume, written by a pod that is gone before the backup.
    await kubectl.applyStdin(toYamlStream(drillSourceObjects(stamp)));
    const wrote = await podEnds(kubectl, drillNamespace, writer, 180_000);
    if (wrote !== 'Succeeded')
      return {
        message: `the drill could not write its file to a volume (pod ${writer} ${wrote}): ${await kubectl.logsTail(drillNamespace, writer, 'probe', 3)}`,
        diagnose: drillNamespace,
      };
    await kubectl.delete('pod', writer, drillNamespace, '60s');
    await kubectl.applyStdin(toYaml(drillHolderPod()));
    await kubectl.waitFor(`pod/${holder}`, 'condition=Ready', '120s', drillNamespace);

    // 2. Backed up as the daily Schedule backs up.
    const policy = policyOf(await kubectl.get('schedules.velero.io', scheduleName, veleroNamespace));
    await kubectl.applyStdin(toYaml(drillBackup(name, veleroNamespace, policy)));
    const backedUp = await veleroPhase(kubectl, 'backups.velero.io', name, veleroNamespace, 600_000);
    if (backedUp !== 'Completed')
      return {
        message: `drill backup ${veleroNamespace}/${name} ended ${backedUp} (velero backup describe ${name} --details)`,
        diagnose: veleroNamespace,
      };

    // 3. The namespace is lost, then restored under another name.
    await kubectl.delete('namespace', drillNamespace, undefined, '3m');
    await kubectl.applyStdin(toYaml(drillRestore(name, veleroNamespace)));
    const restored = await veleroPhase(kubectl, 'restores.velero.io', name, veleroNamespace, 600_000);
    if (restored !== 'Completed')
      return {
        message: `drill restore ${veleroNamespace}/${name} ended ${restored} (velero restore describe ${name} --details)`,
        diagnose: veleroNamespace,
      };

    // 4. The restored claim holds the same file. The restored holder pod is removed first, so the
    // reader can mount the ReadWriteOnce claim on any node.
    await kubectl.delete('pod', holder, drillRestoredNamespace, '60s');
    await kubectl.applyStdin(toYaml(drillReaderPod(stamp)));
    const read = await podEnds(kubectl, drillRestoredNamespace, reader, 180_000);
    if (read !== 'Succeeded')
      return {
        message: `the restored volume does not hold the drill's file (pod ${reader} ${read}): ${await kubectl.logsTail(drillRestoredNamespace, reader, 'probe', 3)}`,
        diagnose: drillRestoredNamespace,
      };
    return undefined;
  } finally {
    await kubectl.delete('namespace', drillNamespace, undefined, '3m');
    await kubectl.delete('namespace', drillRestoredNamespace, undefined, '3m');
  }
}
