/** Names that several modules must spell the same way: kubestrap's namespace, its labels, its config file. */
import path from 'node:path';

/** kubestrap's own namespace: run state, the Lease, the scorecard and the probes' pods. */
export const kubestrapNamespace = 'kubestrap-system';

/** Label naming the roadmap (metadata.name) an object belongs to. */
export const roadmapLabel = 'kubestrap.dev/roadmap';
/** Label naming the step that created an object. */
export const stepLabel = 'kubestrap.dev/step';
/** The `app.kubernetes.io/managed-by` label on everything kubestrap creates. */
export const managedByLabel = { 'app.kubernetes.io/managed-by': 'kubestrap' } as const;

/** The config file read and written when neither --config nor KUBESTRAP_CONFIG names one. */
export const defaultConfigFile = 'kubestrap.yaml';

/** Where `kubestrap verify` writes its results; the KubestrapStepDrift alert reads its drift label. */
export const scorecard = { namespace: kubestrapNamespace, name: 'kubestrap-scorecard', driftLabel: 'kubestrap.dev/drift' } as const;

/** Add-on namespaces the engine looks at too (preflight), beside the steps that create them. */
export const monitoringNamespace = 'monitoring';
export const veleroNamespace = 'velero';
/** The global default PriorityClass (templates/cluster/priority-classes.yaml). */
export const globalDefaultPriorityClass = 'tenant-default';

/** Where the kind cluster's encryption-at-rest key lives on the host (absolute): the cluster step mounts it, `down` deletes it. */
export function encryptionKeyFile(baseDir: string, cluster: string): string {
  return path.join(baseDir, '.kubestrap', 'secrets', `kind-${cluster}-encryption-config.yaml`);
}
