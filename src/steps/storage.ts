import { providerRuns } from '../config/profile.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources, spreadFor } from '../render/addons.js';
import { kindLocalVolumes } from '../render/backup-volumes.js';
import { commonLabels, defaultStorageClass, namespaceObject } from '../render/common.js';
import { renderObject } from '../render/template.js';
import { kubestrapNamespace } from '../names.js';
import type { Step } from '../roadmap/types.js';

/** Storage: exactly one default StorageClass (kind's local-path, the cluster's or Longhorn) and volume snapshots. */
export const storageStep: Step = {
  id: 'storage',
  phase: 'foundation',
  title: 'Storage',
  needs: ['networking'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    const b = new PlanBuilder(ctx, 'foundation', 'storage');
    const { storage } = ctx.config.spec;
    const labels = commonLabels(ctx.config, 'storage');
    if (storage.provisioner === 'longhorn') {
      b.manifest('namespaces.yaml', [namespaceObject(ctx.config, 'storage', 'longhorn-system', 'privileged')], 'longhorn-system namespace');
      b.helm('longhorn', 'longhorn', 'longhorn-system', renderObject('storage/longhorn-values.yaml', { replicas: storage.replicas }));
      b.rollout('longhorn-system', ['daemonset', 'longhorn-manager'], ['deployment', 'longhorn-driver-deployer']);
      b.check({ type: 'default-storageclass', name: 'longhorn' });
    } else {
      // kind nodes already run local-path-provisioner with the default class `standard`; an
      // existing cluster keeps its own provisioner and the class the config names (or its default).
      const name = defaultStorageClass(ctx.config);
      b.note(
        name
          ? `default StorageClass: ${name}${storage.defaultClass ? ' (spec.storage.defaultClass)' : " (kind's local-path)"}; volumes kubestrap creates name it`
          : "default StorageClass: the cluster's own (spec.storage.defaultClass names none; up's preflight reports which class carries the default annotation and refuses when none or several do); volumes kubestrap creates name no class",
      );
      b.check({ type: 'default-storageclass', name });
      const local = kindLocalVolumes(ctx.config);
      if (local) {
        b.note(
          `kind's StorageClass ${local.storageClass} is annotated to provision local PersistentVolumes: Velero's file-system backup skips the hostPath volumes local-path makes by default`,
        );
        b.action({
          type: 'annotate',
          resource: 'storageclass',
          name: local.storageClass,
          annotations: local.annotations,
          description: `StorageClass ${local.storageClass} (local volumes, which Velero backs up)`,
        });
      }
    }
    if (storage.snapshots && providerRuns(ctx.config, 'snapshot-controller')) {
      // The provider runs the snapshot controller and its CRDs (GKE with the PD CSI driver): adopted, not installed.
      b.note('CSI snapshot controller: run by the provider (spec.cluster.providerAddons), not installed; its CRDs are checked');
      for (const crd of ['volumesnapshotclasses', 'volumesnapshotcontents', 'volumesnapshots']) {
        b.check({ type: 'crd-established', name: `${crd}.snapshot.storage.k8s.io` });
      }
    } else if (storage.snapshots) {
      const replicas = ctx.config.spec.cluster.provider === 'kind' ? 1 : 2;
      b.helm(
        'snapshotController',
        'snapshot-controller',
        'kube-system',
        renderObject('storage/snapshot-controller-values.yaml', {
          replicas,
          priorityClassName: addonPriorityClass(ctx.config),
          resources: addonResources(ctx.config, 'snapshot-controller'),
          spread: spreadFor(replicas, {
            'app.kubernetes.io/name': 'snapshot-controller',
            'app.kubernetes.io/instance': 'snapshot-controller',
          }),
          pdb: replicas >= 2 ? { minAvailable: 1 } : {},
        }),
      );
      b.rollout('kube-system', ['deployment', 'snapshot-controller']);
      for (const crd of ['volumesnapshotclasses', 'volumesnapshotcontents', 'volumesnapshots']) {
        b.check({ type: 'crd-established', name: `${crd}.snapshot.storage.k8s.io` });
      }
      if (storage.provisioner === 'longhorn') {
        b.manifest(
          'snapshot-class.yaml',
          [renderObject('storage/longhorn-snapshot-class.yaml', { labels })],
          'Longhorn VolumeSnapshotClass',
        );
      }
    }
    b.check({
      type: 'probe',
      probe: 'pvc-binds',
      namespace: kubestrapNamespace,
      description: 'a PersistentVolumeClaim on the default class binds and a pod writes to it',
    });
    return b.build();
  },
};
