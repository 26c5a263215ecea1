import type { Config } from '../config/schema.js';
import { lock } from '../lock.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources } from '../render/addons.js';
import { needsNodeAgent, volumeBackup } from '../render/backup-volumes.js';
import { commonLabels, defaultStorageClass, namespaceObject } from '../render/common.js';
import { identityWiring } from '../render/identity.js';
import { renderObject, renderObjects } from '../render/template.js';
import { backupScheduleName, veleroNamespace } from '../names.js';
import type { Step } from '../roadmap/types.js';
import { monitoringNamespace } from './monitoring.js';

export { veleroNamespace };
export const minioCredentialsSecret = 'minio-credentials';
export const veleroCredentialsSecret = 'velero-credentials';
/** The VolumeSnapshotClass Velero uses (label velero.io/csi-volumesnapshot-class) in snapshot mode. */
export const veleroSnapshotClass = 'kubestrap-velero';
const minioEndpoint = `http://minio.${veleroNamespace}.svc:9000`;

/** Namespaces a back-up-everything schedule leaves out: the cluster's own and Velero's. */
const excludedSystemNamespaces = ['kube-system', 'kube-public', 'kube-node-lease', veleroNamespace];

type BackupStorage = Config['spec']['backup']['storage'];

/** Velero's object-store provider and its plugin image, per storage type. */
function provider(type: BackupStorage['type']): { name: string; plugin: string; image: string } {
  switch (type) {
    case 'minio':
    case 's3':
      return { name: 'aws', plugin: 'velero-plugin-for-aws', image: lock.images.veleroPluginForAws };
    case 'gcs':
      return { name: 'gcp', plugin: 'velero-plugin-for-gcp', image: lock.images.veleroPluginForGcp };
    case 'azure':
      return { name: 'azure', plugin: 'velero-plugin-for-microsoft-azure', image: lock.images.veleroPluginForAzure };
  }
}

/** The BackupStorageLocation's `config` map (all values are strings, as Velero wants). */
function locationConfig(storage: BackupStorage): Record<string, string> | undefined {
  switch (storage.type) {
    case 'minio':
      return { region: 'minio', s3ForcePathStyle: 'true', s3Url: minioEndpoint };
    case 's3':
      return {
        ...(storage.region ? { region: storage.region } : {}),
        // A custom endpoint means an S3-compatible store, which wants path-style bucket URLs.
        ...(storage.s3Url ? { s3Url: storage.s3Url, s3ForcePathStyle: 'true' } : {}),
      };
    case 'gcs':
      // With GKE Workload Identity the plugin signs download URLs as this account (no key file).
      return storage.workloadIdentity?.gcpServiceAccount ? { serviceAccount: storage.workloadIdentity.gcpServiceAccount } : undefined;
    case 'azure':
      return {
        resourceGroup: storage.azure?.resourceGroup ?? '',
        storageAccount: storage.azure?.storageAccount ?? '',
        // Workload identity: Entra ID (not the account's shared key), the subscription named here.
        ...(storage.workloadIdentity?.azureClientId
          ? { useAAD: 'true', ...(storage.azure?.subscriptionId ? { subscriptionId: storage.azure.subscriptionId } : {}) }
          : {}),
      };
  }
}

/** Velero chart values for workload identity: the server ServiceAccount's annotation and the pod label (Azure). */
function veleroIdentity(w: BackupStorage['workloadIdentity']): { serviceAccount: unknown; podLabels?: Record<string, string> } | undefined {
  const wiring = identityWiring(w);
  if (!wiring) return undefined;
  return {
    serviceAccount: { server: { annotations: wiring.serviceAccountAnnotations } },
    ...(Object.keys(wiring.podLabels).length ? { podLabels: wiring.podLabels } : {}),
  };
}

/**
 * Roughly how often a five-field cron expression fires, in seconds: enough to tell "no backup for
 * two periods" without a cron library. Day-of-month or weekday restrictions count as weekly.
 */
export function cronPeriodSeconds(cron: string): number {
  const [minute = '*', hour = '*', dom = '*', , dow = '*'] = cron.trim().split(/\s+/);
  const step = (field: string) => /^\*\/(\d+)$/.exec(field)?.[1];
  if (dom !== '*' || dow !== '*') return 7 * 86400;
  if (hour === '*') {
    const everyMinutes = step(minute);
    return everyMinutes ? Number(everyMinutes) * 60 : 3600;
  }
  const everyHours = step(hour);
  if (everyHours) return Number(everyHours) * 3600;
  if (hour.includes(',')) return Math.ceil(86400 / hour.split(',').length);
  return 86400;
}

/**
 * Disaster recovery with Velero: an object store (in-cluster MinIO for kind, or the user's
 * S3/GCS/Azure bucket), the Velero chart with the matching plugin, kubestrap's own
 * BackupStorageLocation and Schedule, and a restore drill in verify.
 */
export const disasterRecoveryStep: Step = {
  id: 'disaster-recovery',
  phase: 'operations',
  title: 'Disaster recovery',
  needs: ['storage', 'monitoring'],
  enabled: (config) =>
    config.spec.backup.enabled ? { enabled: true } : { enabled: false, reason: 'spec.backup.enabled is false: no Velero, no backups' },
  render(ctx) {
    const b = new PlanBuilder(ctx, 'operations', 'disaster-recovery');
    const { config } = ctx;
    const { backup, monitoring, security } = config.spec;
    const { storage } = backup;
    const labels = commonLabels(config, 'disaster-recovery');
    const isMinio = storage.type === 'minio';

    const volumes = volumeBackup(config);
    const nodeAgent = needsNodeAgent(volumes);
    const fileSystemBackup = volumes.mode === 'file-system';
    const snapshots = volumes.mode === 'snapshot';
    b.note(
      volumes.mode === 'snapshot'
        ? `volume data: CSI snapshots (driver ${volumes.driver}, VolumeSnapshotClass ${veleroSnapshotClass}), their data moved to the bucket by the node agent (${volumes.reason})`
        : volumes.mode === 'file-system'
          ? `volume data: file-system backup by Velero's node agent from running pods (${volumes.reason})`
          : `volume data: not backed up (${volumes.reason})`,
    );
    // The node agent mounts the kubelet's pod directories from the host: system level.
    const level = nodeAgent ? security.podSecurity.system : security.podSecurity.platform;
    b.manifest(
      'namespaces.yaml',
      [namespaceObject(config, 'disaster-recovery', veleroNamespace, level)],
      `${veleroNamespace} namespace (Pod Security ${level})`,
    );

    let credentialsSecret: string | undefined;
    if (isMinio) {
      b.action({
        type: 'secret',
        secret: { namespace: veleroNamespace, name: minioCredentialsSecret, random: { 'access-key': 20, 'secret-key': 40 } },
      });
      b.action({
        type: 'secret',
        secret: {
          namespace: veleroNamespace,
          name: veleroCredentialsSecret,
          random: {},
          derived: {
            cloud: { format: 'aws-credentials', accessKey: 'access-key', secretKey: 'secret-key', fromSecret: minioCredentialsSecret },
          },
        },
      });
      credentialsSecret = veleroCredentialsSecret;
      const selector = { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'kubestrap-backups' };
      b.manifest(
        'minio.yaml',
        renderObjects('disaster-recovery/minio.yaml', {
          namespace: veleroNamespace,
          labels: { ...labels, ...selector },
          selector,
          podLabels: { ...labels, ...selector },
          image: lock.images.minio,
          storageClass: defaultStorageClass(config),
          storageSize: config.spec.cluster.provider === 'kind' ? '10Gi' : '50Gi',
          credentialsSecret: minioCredentialsSecret,
          priorityClassName: addonPriorityClass(config),
          resources: addonResources(config, 'minio'),
        }),
        'MinIO object store for backups (PVC, Deployment, Service)',
      );
      b.manifest(
        'minio-bucket.yaml',
        renderObjects('disaster-recovery/minio-bucket-job.yaml', {
          namespace: veleroNamespace,
          labels,
          image: lock.images.minioClient,
          credentialsSecret: minioCredentialsSecret,
          priorityClassName: addonPriorityClass(config),
          bucketTarget: `backups/${storage.bucket}`,
          // Kubernetes expands $(VAR) from the variables declared before it; the keys are alphanumeric.
          mcHost: `http://$(ACCESS_KEY):$(SECRET_KEY)@minio.${veleroNamespace}.svc:9000`,
        }),
        `Job creating the bucket ${storage.bucket} in MinIO`,
      );
      b.rollout(veleroNamespace, ['deployment', 'minio']);
    } else if (storage.workloadIdentity) {
      credentialsSecret = undefined;
      b.note(`Velero's identity: ${identityWiring(storage.workloadIdentity)?.describe ?? ''}; no cloud key is stored in the cluster`);
    } else {
      // Required by the backup-credentials rule for s3/gcs/azure without workload identity.
      credentialsSecret = storage.credentialsSecret ?? '';
      b.note(
        `Velero's identity: static keys from Secret ${veleroNamespace}/${credentialsSecret} (the fallback; spec.backup.storage.workloadIdentity keeps keys out of the cluster)`,
      );
      b.check({ type: 'exists', resource: 'secrets', namespace: veleroNamespace, name: credentialsSecret });
    }

    const plugin = provider(storage.type);
    b.helm(
      'velero',
      'velero',
      veleroNamespace,
      renderObject('disaster-recovery/velero-values.yaml', {
        initContainers: [
          {
            name: plugin.plugin,
            image: plugin.image,
            imagePullPolicy: 'IfNotPresent',
            volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
            // Copies the plugin binary into the shared volume, then exits.
            resources: addonResources(config, 'helper-jobs'),
          },
        ],
        priorityClassName: addonPriorityClass(config),
        resources: {
          velero: addonResources(config, 'velero'),
          nodeAgent: addonResources(config, 'velero-node-agent'),
          job: addonResources(config, 'helper-jobs'),
        },
        credentials: { useSecret: credentialsSecret !== undefined, secret: credentialsSecret },
        identity: veleroIdentity(storage.workloadIdentity),
        nodeAgent,
        fileSystemBackup,
        // Velero 1.18 takes CSI snapshots itself, behind this feature flag.
        features: snapshots ? 'EnableCSI' : undefined,
        snapshotMoveData: snapshots,
        serviceMonitor: monitoring.prometheus.enabled,
      }),
    );
    b.rollout(veleroNamespace, ['deployment', 'velero']);
    if (nodeAgent) b.rollout(veleroNamespace, ['daemonset', 'node-agent']);
    for (const crd of ['backups', 'restores', 'schedules', 'backupstoragelocations']) {
      b.check({ type: 'crd-established', name: `${crd}.velero.io` });
    }

    // Custom resources, after the chart that installs their CRDs.
    const all = backup.includedNamespaces.length === 0;
    b.manifest(
      'backup-location.yaml',
      [
        renderObject('disaster-recovery/backup-storage-location.yaml', {
          namespace: veleroNamespace,
          labels,
          provider: plugin.name,
          bucket: storage.bucket,
          config: locationConfig(storage),
        }),
        renderObject('disaster-recovery/schedule.yaml', {
          namespace: veleroNamespace,
          labels,
          schedule: backup.schedule,
          ttl: backup.ttl,
          includedNamespaces: all ? ['*'] : backup.includedNamespaces,
          excludedNamespaces: all ? excludedSystemNamespaces : undefined,
          fileSystemBackup,
          snapshotVolumes: snapshots,
          snapshotMoveData: snapshots,
        }),
        ...(snapshots
          ? [
              renderObject('disaster-recovery/volume-snapshot-class.yaml', {
                name: veleroSnapshotClass,
                labels: { ...labels, 'velero.io/csi-volumesnapshot-class': 'true' },
                driver: volumes.driver,
              }),
            ]
          : []),
      ],
      `BackupStorageLocation default (${storage.type}) and Schedule ${backupScheduleName}${snapshots ? ` and VolumeSnapshotClass ${veleroSnapshotClass} for Velero` : ''}`,
    );
    if (snapshots) b.check({ type: 'exists', resource: 'volumesnapshotclasses.snapshot.storage.k8s.io', name: veleroSnapshotClass });
    b.check(
      { type: 'velero-bsl-available', namespace: veleroNamespace, name: 'default' },
      { type: 'exists', resource: 'schedules.velero.io', namespace: veleroNamespace, name: backupScheduleName },
    );

    if (monitoring.prometheus.enabled) {
      // Two schedule periods without a successful backup (at least two hours) page someone.
      const threshold = Math.max(2 * cronPeriodSeconds(backup.schedule), 7200);
      b.manifest(
        'backup-alerts.yaml',
        renderObjects('disaster-recovery/velero-alerts.yaml', {
          namespace: monitoringNamespace,
          labels,
          missingExpr: `time() - max(velero_backup_last_successful_timestamp{schedule="${backupScheduleName}"}) > ${threshold}`,
          absentExpr: `absent(velero_backup_last_successful_timestamp{schedule="${backupScheduleName}"})`,
          absentFor: `${threshold}s`,
        }),
        'backup alerts (PrometheusRule)',
      );
    }

    if (backup.restoreDrill) {
      b.check({
        type: 'probe',
        probe: 'backup-restore',
        namespace: veleroNamespace,
        description: `restore drill: a file written to a volume in a scratch namespace is backed up (${volumes.mode === 'none' ? 'objects only' : volumes.mode}), the namespace deleted, restored into a new one and the file read back identical`,
      });
    }
    return b.build();
  },
};
