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

/**
 * kube-prometheus-stack's Prometheus and Alertmanager Services (release and fullnameOverride
 * `kube-prometheus-stack`), whose HTTP APIs the alert checks read through the API server's
 * service proxy.
 */
export const prometheusApi = { namespace: monitoringNamespace, service: 'kube-prometheus-stack-prometheus', port: 9090 } as const;
export const alertmanagerApi = { namespace: monitoringNamespace, service: 'kube-prometheus-stack-alertmanager', port: 9093 } as const;

/**
 * The alert-delivery check: an alert labelled `<label>="<value>"` is routed (first route, no
 * continue, so it never reaches the team's receivers) to a webhook on a receiver pod the check
 * runs behind this Service in the monitoring namespace while it runs.
 */
export const alertProbe = {
  label: 'kubestrap_probe',
  value: 'alert-delivery',
  receiver: 'kubestrap-alert-probe',
  service: 'kubestrap-alert-probe',
  port: 8080,
  path: '/cgi-bin/alert',
} as const;
export const alertProbeUrl = `http://${alertProbe.service}.${monitoringNamespace}.svc:${alertProbe.port}${alertProbe.path}`;
