import { clusterProfile, profileFacts } from '../config/profile.js';
import type { Config } from '../config/schema.js';

type VolumeBackup =
  { mode: 'snapshot'; driver: string; reason: string } | { mode: 'file-system'; reason: string } | { mode: 'none'; reason: string };

/** CSI driver of the volumes kubestrap provisions itself. */
const longhornDriver = 'driver.longhorn.io';

/**
 * How Velero backs up volume data: CSI snapshots (their data moved to the bucket) where the
 * storage has a CSI driver that takes them, file-system backup by the node agent where it has
 * none (kind's local-path), or not at all. The schema refuses `snapshot` where it cannot work.
 */
export function volumeBackup(config: Config): VolumeBackup {
  const { backup, storage, cluster } = config.spec;
  // Longhorn's own, else the one named, else the managed provider's block-storage driver.
  const driver =
    storage.provisioner === 'longhorn' ? longhornDriver : (backup.snapshotDriver ?? profileFacts[clusterProfile(config)].csiDriver);
  switch (backup.volumes) {
    case 'none':
      return { mode: 'none', reason: 'spec.backup.volumes is none: backups hold Kubernetes objects only' };
    case 'file-system':
      return { mode: 'file-system', reason: 'spec.backup.volumes is file-system' };
    case 'snapshot':
      return { mode: 'snapshot', driver: driver ?? '', reason: 'spec.backup.volumes is snapshot' };
    case 'auto':
      if (!storage.snapshots)
        return { mode: 'file-system', reason: 'auto: storage.snapshots is false, so there is no snapshot controller' };
      if (driver) return { mode: 'snapshot', driver, reason: `auto: CSI driver ${driver} takes snapshots` };
      return {
        mode: 'file-system',
        reason:
          cluster.provider === 'kind'
            ? "auto: kind's local-path provisioner cannot take snapshots"
            : 'auto: no CSI driver known (set spec.backup.snapshotDriver to back up with CSI snapshots)',
      };
  }
}

/** Whether Velero's node agent runs: it copies files (file-system) and moves snapshot data (snapshot). */
export function needsNodeAgent(v: VolumeBackup): boolean {
  return v.mode !== 'none';
}

/**
 * kind's local-path provisioner creates hostPath PersistentVolumes unless its StorageClass asks
 * for `local` ones (annotation `defaultVolumeType`), and Velero's file-system backup skips hostPath
 * volumes: without this, nightly backups on kind would hold no volume data at all. So when kind's
 * volumes are backed up at file level, kind's class `standard` is annotated for `local` volumes;
 * volumes created before keep their type (and stay out of backups).
 */
export function kindLocalVolumes(config: Config): { storageClass: string; annotations: Record<string, string> } | undefined {
  const { cluster, storage, backup } = config.spec;
  if (cluster.provider !== 'kind' || storage.provisioner === 'longhorn' || !backup.enabled) return undefined;
  if (volumeBackup(config).mode !== 'file-system') return undefined;
  return { storageClass: 'standard', annotations: { defaultVolumeType: 'local' } };
}
