/** Names that several modules must spell the same way: kubestrap's namespace, its labels, its config file. */

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
