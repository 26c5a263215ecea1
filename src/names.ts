/** Names that several modules must spell the same way: kubestrap's namespace, its labels, its config file. */
import path from 'node:path';

/**
 * kubestrap's own namespace: run state, the Lease, the scorecard and the probes' pods. The engine
 * creates it (with Pod Security enforced) before the first step, since state must exist from the
 * start; no step renders it, so there is one owner and no two applies fight over its labels.
 */
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

/** The smoke-test workload (integration step); later steps and the smoke-http probe target it by these names. */
export const smokeNamespace = 'kubestrap-smoke';
export const smokeName = 'smoke';
/** The smoke Service's port (its targetPort is the container's http port). */
export const smokeServicePort = 80;
/** The one line the smoke workload serves at `/`; the smoke-http probe must read exactly this. */
export const smokePage = 'kubestrap-smoke-ok';

/** Velero's daily Schedule (disaster-recovery step); the restore drill backs up as it does. */
export const backupScheduleName = 'kubestrap-daily';

/** The in-cluster verifier's objects (continuous-verification step); the verifier probe runs its CronJob. */
export const verifier = {
  name: 'kubestrap-verifier',
  cronJob: 'kubestrap-verifier',
  checks: 'kubestrap-verifier-checks',
  results: 'kubestrap-verifier-results',
} as const;

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
