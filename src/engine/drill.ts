/**
 * The restore drill: proves a backup brings volume data back, not only objects. A file with a
 * fresh random stamp is written to a PersistentVolumeClaim in a scratch namespace, the namespace
 * is backed up the way the daily Schedule backs up (CSI snapshots with their data moved, or
 * file-system backup), deleted, restored into a new namespace, and the file read back there must
 * hold the same stamp. The pod that wrote the file is gone before the backup, so nothing in the
 * restored namespace can write the stamp again: only restored data can make the drill pass.
 */
import { randomBytes } from 'node:crypto';
import type { IPersistentVolume } from 'kubernetes-models/v1/PersistentVolume';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
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
 * Its command writes nothing, so restoring it cannot recreate the file. The mount is read-write:
 * Velero restores the data into the restored copy of this pod's volume mount, and a read-only one
 * fails the restore ("read-only file system", seen on a real kind node).
 */
export function drillHolderPod(): IPod {
  return withClaim(probePod(drillNamespace, holder, ['sleep', '3600']), false, 'Always');
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

/**
 * Velero backs up no hostPath volume (file-system backup skips them; they have no CSI snapshots),
 * so a drill on one could only fail later, at the read, without saying why. Says so when the
 * drill's claim is bound to a hostPath PersistentVolume (local-path's default type).
 */
async function hostPathVolume(kubectl: Kubectl): Promise<string | undefined> {
  const claim = await kubectl.get<IPersistentVolumeClaim>('persistentvolumeclaim', drillClaim, drillNamespace);
  const volume = claim?.spec?.volumeName;
  if (!volume) return undefined;
  const pv = await kubectl.get<IPersistentVolume>('persistentvolume', volume);
  if (!pv?.spec?.hostPath) return undefined;
  const storageClass = claim.spec?.storageClassName ?? pv.spec.storageClassName ?? '(none)';
  return (
    `the drill's volume (PersistentVolume ${volume}, StorageClass ${storageClass}) is a hostPath volume, which Velero does not back up: ` +
    `a backup would hold none of its data. Use a StorageClass that provisions local or CSI volumes ` +
    `(local-path: annotate the class with defaultVolumeType=local, as kubestrap does on kind when it backs up volumes)`
  );
}

/**
 * What a backup that did not complete says about itself: its error count, and, for a file-system
 * backup, a node agent with no ready pod (the backup then copies no volume, and Velero's reason is
 * only in the backup's log in the bucket).
 */
async function backupHint(kubectl: Kubectl, veleroNamespace: string, name: string, policy: VolumePolicy): Promise<string> {
  const backup = await kubectl.get<{ status?: { errors?: number; failureReason?: string } }>('backups.velero.io', name, veleroNamespace);
  const hints: string[] = [];
  if (backup?.status?.failureReason) hints.push(backup.status.failureReason);
  if (backup?.status?.errors) hints.push(`${backup.status.errors} error(s): velero backup logs ${name}`);
  if (policy.defaultVolumesToFsBackup || policy.snapshotMoveData) {
    const agents = await kubectl.get<{ status?: { numberReady?: number } }>('daemonset', 'node-agent', veleroNamespace);
    if (!agents?.status?.numberReady)
      hints.push(`Velero's node agent (DaemonSet ${veleroNamespace}/node-agent) has no ready pod, and it is what copies volume data`);
  }
  return hints.length ? `: ${hints.join('; ')}` : '';
}

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
    const hostPath = await hostPathVolume(kubectl);
    if (hostPath) return { message: hostPath, diagnose: drillNamespace };
    await kubectl.delete('pod', writer, drillNamespace, '60s');
    await kubectl.applyStdin(toYaml(drillHolderPod()));
    await kubectl.waitFor(`pod/${holder}`, 'condition=Ready', '120s', drillNamespace);

    // 2. Backed up as the daily Schedule backs up.
    const policy = policyOf(await kubectl.get('schedules.velero.io', scheduleName, veleroNamespace));
    await kubectl.applyStdin(toYaml(drillBackup(name, veleroNamespace, policy)));
    const backedUp = await veleroPhase(kubectl, 'backups.velero.io', name, veleroNamespace, 600_000);
    if (backedUp !== 'Completed')
      return {
        message: `drill backup ${veleroNamespace}/${name} ended ${backedUp} (velero backup describe ${name} --details)${await backupHint(kubectl, veleroNamespace, name, policy)}`,
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
