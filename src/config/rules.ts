/**
 * Cross-step rules, checked before anything renders or runs. Each says what is wrong and how to
 * fix it. Errors stop the run (exit 2); warnings are shown and the run goes on.
 */
import { RuleError } from '../errors.js';
import { kubestrapNamespace } from '../names.js';
import { clusterProfile, profileFacts } from './profile.js';
import type { Config } from './schema.js';

export interface RuleResult {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  fix: string;
}

type Rule = (c: Config['spec']) => Omit<RuleResult, 'rule'> | undefined;

const profileOf = (s: Config['spec']) => clusterProfile({ spec: s } as Config);
const identityKeys = { awsRoleArn: 'eks', gcpServiceAccount: 'gke', azureClientId: 'aks' } as const;
type Identity = Partial<Record<keyof typeof identityKeys, string>>;
/** The identity key set, and the profile whose webhook understands it. */
const identityOf = (w: Identity | undefined) => {
  const key = w && (Object.keys(identityKeys) as (keyof typeof identityKeys)[]).find((k) => w[k]);
  return key ? { key, profile: identityKeys[key] } : undefined;
};
/** An identity key that the cluster's profile cannot honour. */
function identityMismatch(s: Config['spec'], w: Identity | undefined, where: string): Omit<RuleResult, 'rule'> | undefined {
  const id = identityOf(w);
  const profile = profileOf(s);
  if (!id || id.profile === profile) return undefined;
  const right = profileFacts[profile].identity;
  return {
    severity: 'error',
    message: `${where}.workloadIdentity.${id.key} is ${profileFacts[id.profile].title} workload identity, but spec.cluster.profile is ${profile}${right ? '' : ', which has no workload identity kubestrap can wire'}.`,
    fix: right
      ? `use ${where}.workloadIdentity.${right} instead`
      : `remove ${where}.workloadIdentity and use static credentials (credentialsSecret), or set spec.cluster.profile to the cluster's provider`,
  };
}

const systemNamespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', kubestrapNamespace]);

export const rules = {
  'existing-needs-context': (s) =>
    s.cluster.provider === 'existing' && !s.cluster.context
      ? {
          severity: 'error',
          message: 'spec.cluster.provider is existing but no kube context is named; kubestrap never guesses the target cluster.',
          fix: 'set spec.cluster.context (or pass --context <name>); `kubectl config get-contexts` lists them',
        }
      : undefined,
  'kind-takes-no-context': (s) =>
    s.cluster.provider === 'kind' && s.cluster.context
      ? {
          severity: 'error',
          message: `spec.cluster.context is set but provider is kind, whose context is always kind-${s.cluster.name}.`,
          fix: 'remove spec.cluster.context, or set spec.cluster.provider: existing to adopt that cluster',
        }
      : undefined,
  'kube-proxy-replacement-needs-cilium': (s) =>
    s.networking.kubeProxyReplacement && s.networking.cni !== 'cilium'
      ? {
          severity: 'error',
          message: `kube-proxy replacement is a Cilium feature, but spec.networking.cni is ${s.networking.cni}.`,
          fix: 'set spec.networking.cni: cilium, or spec.networking.kubeProxyReplacement: false',
        }
      : undefined,
  'kube-proxy-replacement-on-existing': (s) =>
    s.networking.kubeProxyReplacement && s.cluster.provider === 'existing'
      ? {
          severity: 'warning',
          message:
            'Cilium kube-proxy replacement on an existing cluster needs kube-proxy removed by its provider (on kind kubestrap sets kubeProxyMode: none itself).',
          fix: 'remove kube-proxy on the provider first, or set kubeProxyReplacement: false',
        }
      : undefined,
  'cni-on-existing': (s) =>
    s.networking.cni !== 'default' && s.cluster.provider === 'existing'
      ? {
          severity: 'warning',
          message: `installing ${s.networking.cni} on an existing cluster assumes it was created without a CNI (kind does this with disableDefaultCNI); two CNIs on one cluster break pod networking.`,
          fix: "set spec.networking.cni: default to keep the cluster's CNI",
        }
      : undefined,
  'cilium-gateway-needs-kpr': (s) =>
    s.networking.gateway === 'cilium' && (s.networking.cni !== 'cilium' || !s.networking.kubeProxyReplacement)
      ? {
          severity: 'error',
          message: "Cilium's Gateway API implementation needs Cilium with kube-proxy replacement.",
          fix: 'set spec.networking.cni: cilium and kubeProxyReplacement: true, or choose gateway: envoy-gateway',
        }
      : undefined,
  'policy-controller-needs-default-cni': (s) =>
    s.networking.policyController !== 'none' && s.networking.cni !== 'default'
      ? {
          severity: 'error',
          message: `${s.networking.cni} enforces NetworkPolicies itself; a second policy controller (${s.networking.policyController}) would filter the same traffic twice.`,
          fix: 'set spec.networking.policyController: none, or spec.networking.cni: default',
        }
      : undefined,
  'kind-default-cni-policies': (s) =>
    s.cluster.provider === 'kind' &&
    s.networking.cni === 'default' &&
    s.networking.policyController === 'none' &&
    s.security.defaultDenyNetworkPolicies &&
    s.tenants.length > 0
      ? {
          severity: 'warning',
          message:
            "kind's default CNI (kindnet) enforces NetworkPolicies only where the kernel has NFT_QUEUE; elsewhere the tenants' default-deny policies let everything through.",
          fix: 'set spec.networking.policyController: kube-router (or cni: cilium / calico)',
        }
      : undefined,
  'vpa-needs-metrics-server': (s) =>
    s.autoscaling.vpa.enabled && !s.monitoring.metricsServer
      ? {
          severity: 'error',
          message: 'the VPA recommender reads resource metrics from metrics-server, which is disabled.',
          fix: 'set spec.monitoring.metricsServer: true, or spec.autoscaling.vpa.enabled: false',
        }
      : undefined,
  'hpa-needs-metrics-server': (s) =>
    !s.monitoring.metricsServer
      ? {
          severity: 'warning',
          message: 'HorizontalPodAutoscalers (the smoke test and tenant defaults) cannot read CPU metrics without metrics-server.',
          fix: 'set spec.monitoring.metricsServer: true',
        }
      : undefined,
  'hpa-min-max': (s) =>
    s.autoscaling.hpa.minReplicas > s.autoscaling.hpa.maxReplicas
      ? {
          severity: 'error',
          message: `spec.autoscaling.hpa.minReplicas (${s.autoscaling.hpa.minReplicas}) is above maxReplicas (${s.autoscaling.hpa.maxReplicas}).`,
          fix: 'make minReplicas <= maxReplicas',
        }
      : undefined,
  'cluster-autoscaler-provider': (s) =>
    s.cluster.provider === 'kind' && ['aws', 'gce', 'azure'].includes(s.autoscaling.clusterAutoscaler.provider)
      ? {
          severity: 'error',
          message: `cluster-autoscaler with provider ${s.autoscaling.clusterAutoscaler.provider} cannot add nodes to a kind cluster (kind has no node groups).`,
          fix: 'set spec.autoscaling.clusterAutoscaler.provider: none on kind',
        }
      : undefined,
  'cluster-autoscaler-profile': (s) => {
    const ca = s.autoscaling.clusterAutoscaler.provider;
    const profile = profileOf(s);
    if (s.cluster.provider !== 'existing' || !['aws', 'gce', 'azure'].includes(ca)) return undefined;
    const fits = profileFacts[profile].clusterAutoscaler;
    if (fits === ca) return undefined;
    return {
      severity: 'error',
      message: fits
        ? `cluster-autoscaler provider ${ca} cannot scale a ${profileFacts[profile].title} cluster, whose node groups are ${fits}'s.`
        : `cluster-autoscaler provider ${ca} needs the cloud's node groups (Auto Scaling groups, managed instance groups, VM scale sets), which a ${profile} cluster does not give kubestrap to scale.`,
      fix: fits
        ? `set spec.autoscaling.clusterAutoscaler.provider: ${fits}, or correct spec.cluster.profile`
        : 'set spec.autoscaling.clusterAutoscaler.provider: none (or clusterapi when Cluster API manages the machines), or set spec.cluster.profile to eks, gke or aks if that is what the cluster is',
    };
  },
  'gce-autoscaler-node-groups': (s) =>
    s.autoscaling.clusterAutoscaler.provider === 'gce' && s.autoscaling.clusterAutoscaler.nodeGroups.length === 0
      ? {
          severity: 'error',
          message:
            'cluster-autoscaler on GCE finds node groups only by managed instance group name prefix, and spec.autoscaling.clusterAutoscaler.nodeGroups is empty: it would scale nothing.',
          fix: 'list each node pool: nodeGroups: [{ namePrefix: gke-<cluster>-<pool>, minSize: 1, maxSize: 10 }]',
        }
      : undefined,
  'autoscaler-node-group-sizes': (s) => {
    const bad = s.autoscaling.clusterAutoscaler.nodeGroups.find((g) => g.minSize > g.maxSize);
    return bad
      ? {
          severity: 'error',
          message: `node group ${bad.namePrefix}: minSize (${bad.minSize}) is above maxSize (${bad.maxSize}).`,
          fix: 'make minSize <= maxSize',
        }
      : undefined;
  },
  'azure-autoscaler-identity': (s) => {
    const ca = s.autoscaling.clusterAutoscaler;
    if (ca.provider !== 'azure') return undefined;
    if (!ca.workloadIdentity && !ca.credentialsSecret) {
      return {
        severity: 'error',
        message: 'cluster-autoscaler on Azure needs an identity: neither workloadIdentity.azureClientId nor a credentialsSecret is set.',
        fix: 'set spec.autoscaling.clusterAutoscaler.workloadIdentity.azureClientId (and .azure), or a credentialsSecret in kube-system with ClientID, ClientSecret, TenantID, SubscriptionID, ResourceGroup, VMType',
      };
    }
    if (ca.workloadIdentity && !ca.azure) {
      return {
        severity: 'error',
        message: 'cluster-autoscaler on Azure with workload identity needs the subscription and node resource group of the VM scale sets.',
        fix: 'set spec.autoscaling.clusterAutoscaler.azure.subscriptionId and .resourceGroup (the MC_... node resource group)',
      };
    }
    return undefined;
  },
  'autoscaler-identity-profile': (s) =>
    s.autoscaling.clusterAutoscaler.provider === 'none'
      ? undefined
      : identityMismatch(s, s.autoscaling.clusterAutoscaler.workloadIdentity, 'spec.autoscaling.clusterAutoscaler'),
  'autoscaler-static-keys': (s) =>
    s.autoscaling.clusterAutoscaler.credentialsSecret && s.autoscaling.clusterAutoscaler.workloadIdentity
      ? {
          severity: 'error',
          message: 'cluster-autoscaler has both workloadIdentity and a credentialsSecret; static keys are only the fallback.',
          fix: 'remove spec.autoscaling.clusterAutoscaler.credentialsSecret',
        }
      : undefined,
  'aws-autoscaler-region': (s) =>
    s.autoscaling.clusterAutoscaler.provider === 'aws' && !s.autoscaling.clusterAutoscaler.region
      ? {
          severity: 'error',
          message: 'cluster-autoscaler on AWS needs the region of the Auto Scaling groups.',
          fix: 'set spec.autoscaling.clusterAutoscaler.region, e.g. eu-west-1',
        }
      : undefined,
  'opencost-needs-prometheus': (s) =>
    s.cost.opencost && !s.monitoring.prometheus.enabled
      ? {
          severity: 'error',
          message: 'OpenCost reads usage from Prometheus, which is disabled.',
          fix: 'set spec.monitoring.prometheus.enabled: true, or spec.cost.opencost: false',
        }
      : undefined,
  'grafana-needs-prometheus': (s) =>
    s.monitoring.grafana && !s.monitoring.prometheus.enabled
      ? {
          severity: 'error',
          message: 'Grafana is installed as part of kube-prometheus-stack, which is disabled.',
          fix: 'set spec.monitoring.prometheus.enabled: true, or spec.monitoring.grafana: false',
        }
      : undefined,
  'alerts-need-prometheus': (s) =>
    s.monitoring.alertReceivers.length > 0 && !s.monitoring.prometheus.enabled
      ? {
          severity: 'error',
          message: 'alert receivers need Alertmanager from kube-prometheus-stack, which is disabled.',
          fix: 'set spec.monitoring.prometheus.enabled: true, or remove spec.monitoring.alertReceivers',
        }
      : undefined,
  'no-alert-receivers': (s) =>
    s.monitoring.prometheus.enabled && s.monitoring.alertReceivers.length === 0 && s.cluster.provider === 'existing'
      ? {
          severity: 'warning',
          message: 'alerts fire but reach nobody: spec.monitoring.alertReceivers is empty.',
          fix: 'add a receiver (slack, webhook or pagerduty) whose URL lives in a Secret',
        }
      : undefined,
  'dead-mans-switch-needs-prometheus': (s) =>
    s.monitoring.deadMansSwitch && !s.monitoring.prometheus.enabled
      ? {
          severity: 'error',
          message:
            "the dead man's switch is pinged by Prometheus' Watchdog alert through Alertmanager, and kube-prometheus-stack is disabled.",
          fix: 'set spec.monitoring.prometheus.enabled: true, or remove spec.monitoring.deadMansSwitch',
        }
      : undefined,
  'no-dead-mans-switch': (s) =>
    s.monitoring.prometheus.enabled && !s.monitoring.deadMansSwitch && s.cluster.provider === 'existing'
      ? {
          severity: 'warning',
          message: "no dead man's switch: if Prometheus or Alertmanager stops, no alert says so.",
          fix: 'set spec.monitoring.deadMansSwitch.secretRef to a Secret holding a healthchecks-style URL (pinged every 5 minutes)',
        }
      : undefined,
  'control-plane-metrics-on-kind': (s) =>
    s.cluster.provider === 'kind' && Object.values(s.monitoring.controlPlaneMetrics).some(Boolean)
      ? {
          severity: 'warning',
          message:
            'spec.monitoring.controlPlaneMetrics is ignored on kind: its etcd, controller manager, scheduler and kube-proxy serve metrics on localhost only.',
          fix: 'remove spec.monitoring.controlPlaneMetrics',
        }
      : undefined,
  'backup-credentials': (s) =>
    s.backup.enabled && s.backup.storage.type !== 'minio' && !s.backup.storage.credentialsSecret && !s.backup.storage.workloadIdentity
      ? {
          severity: 'error',
          message: `backups to ${s.backup.storage.type} need an identity: neither spec.backup.storage.workloadIdentity nor credentialsSecret is set.`,
          fix: `${profileFacts[profileOf(s)].identity ? `set spec.backup.storage.workloadIdentity.${profileFacts[profileOf(s)].identity} (no key stored in the cluster), or ` : ''}create a Secret with a "cloud" key in the velero namespace and name it in spec.backup.storage.credentialsSecret`,
        }
      : undefined,
  'backup-identity-profile': (s) =>
    s.backup.enabled ? identityMismatch(s, s.backup.storage.workloadIdentity, 'spec.backup.storage') : undefined,
  'backup-identity-storage': (s) => {
    const id = identityOf(s.backup.storage.workloadIdentity);
    if (!s.backup.enabled || !id) return undefined;
    const wants = { awsRoleArn: 's3', gcpServiceAccount: 'gcs', azureClientId: 'azure' }[id.key];
    if (s.backup.storage.type === wants) return undefined;
    return {
      severity: 'error',
      message: `spec.backup.storage.workloadIdentity.${id.key} grants access to ${wants} storage, but spec.backup.storage.type is ${s.backup.storage.type}.`,
      fix: `set spec.backup.storage.type: ${wants}, or remove workloadIdentity`,
    };
  },
  'backup-static-keys': (s) =>
    s.backup.enabled && s.backup.storage.credentialsSecret && s.backup.storage.workloadIdentity
      ? {
          severity: 'error',
          message: 'spec.backup.storage has both workloadIdentity and a credentialsSecret; static keys are only the fallback.',
          fix: 'remove spec.backup.storage.credentialsSecret',
        }
      : s.backup.enabled && s.backup.storage.type !== 'minio' && s.backup.storage.credentialsSecret && profileFacts[profileOf(s)].identity
        ? {
            severity: 'warning',
            message: `Velero reads static cloud keys from Secret ${s.backup.storage.credentialsSecret}; on ${profileFacts[profileOf(s)].title} workload identity keeps keys out of the cluster.`,
            fix: `set spec.backup.storage.workloadIdentity.${profileFacts[profileOf(s)].identity} and remove credentialsSecret`,
          }
        : undefined,
  'azure-backup-subscription': (s) =>
    s.backup.enabled &&
    s.backup.storage.type === 'azure' &&
    s.backup.storage.workloadIdentity &&
    s.backup.storage.azure &&
    !s.backup.storage.azure.subscriptionId
      ? {
          severity: 'error',
          message:
            "Velero's Azure plugin with workload identity reads the storage account's subscription from the backup location (no credentials file names it).",
          fix: 'set spec.backup.storage.azure.subscriptionId',
        }
      : undefined,
  'control-plane-metrics-managed': (s) => {
    const profile = profileOf(s);
    const m = s.monitoring.controlPlaneMetrics;
    const asked = (['etcd', 'controllerManager', 'scheduler'] as const).filter((k) => m[k]);
    return profileFacts[profile].managedControlPlane && asked.length
      ? {
          severity: 'error',
          message: `${profileFacts[profile].title} runs the control plane where pods cannot reach it, so scraping ${asked.join(', ')} would only page "down" forever.`,
          fix: `set spec.monitoring.controlPlaneMetrics.${asked[0]}: false (the provider's own monitoring covers it)`,
        }
      : undefined;
  },
  'load-balancer-annotations-cilium': (s) =>
    s.networking.gateway === 'cilium' &&
    s.cluster.provider === 'existing' &&
    (s.networking.loadBalancer.internal ||
      Object.keys(s.networking.loadBalancer.annotations).length > 0 ||
      Object.keys(profileFacts[profileOf(s)].loadBalancerAnnotations(false)).length > 0)
      ? {
          severity: 'warning',
          message:
            "Cilium creates the Gateway's LoadBalancer Service itself; kubestrap puts the profile's and spec.networking.loadBalancer's annotations only on Envoy Gateway's and Traefik's Services.",
          fix: "set them on the Gateway's spec.infrastructure.annotations yourself, or choose gateway: envoy-gateway",
        }
      : undefined,
  'internal-load-balancer-profile': (s) =>
    s.networking.loadBalancer.internal &&
    s.networking.gateway !== 'none' &&
    Object.keys(profileFacts[profileOf(s)].loadBalancerAnnotations(true)).length === 0 &&
    Object.keys(s.networking.loadBalancer.annotations).length === 0
      ? {
          severity: 'error',
          message: `spec.networking.loadBalancer.internal is true, but the ${profileOf(s)} profile knows no annotation that makes a load balancer internal.`,
          fix: "set spec.networking.loadBalancer.annotations to your load balancer's own (e.g. MetalLB's metallb.io/address-pool), or set spec.cluster.profile",
        }
      : undefined,
  's3-region': (s) =>
    s.backup.enabled && s.backup.storage.type === 's3' && !s.backup.storage.region
      ? { severity: 'error', message: 'S3 backups need spec.backup.storage.region.', fix: 'set spec.backup.storage.region, e.g. eu-west-1' }
      : undefined,
  'azure-location': (s) =>
    s.backup.enabled && s.backup.storage.type === 'azure' && !s.backup.storage.azure
      ? {
          severity: 'error',
          message: 'Azure backups need the resource group and storage account of the container.',
          fix: 'set spec.backup.storage.azure.resourceGroup and .storageAccount',
        }
      : undefined,
  'minio-is-for-dev': (s) =>
    s.backup.enabled && s.backup.storage.type === 'minio' && s.cluster.provider === 'existing'
      ? {
          severity: 'warning',
          message: 'backups to an in-cluster MinIO live in the cluster they protect; losing the cluster loses them.',
          fix: 'use spec.backup.storage.type: s3, gcs or azure for a real cluster',
        }
      : undefined,
  'local-charts-need-dir': (s) =>
    s.charts.source === 'local' && !s.charts.localDir
      ? {
          severity: 'error',
          message: 'spec.charts.source is local but spec.charts.localDir is not set.',
          fix: 'set spec.charts.localDir to a directory with one sub-directory per chart (e.g. ./charts/cilium)',
        }
      : undefined,
  'oci-needs-mirror': (s) =>
    s.charts.source === 'oci' && !s.charts.ociMirror
      ? {
          severity: 'error',
          message: 'spec.charts.source is oci but spec.charts.ociMirror is not set.',
          fix: 'set spec.charts.ociMirror, e.g. oci://registry.example.com/charts',
        }
      : undefined,
  'snapshot-backups-need-a-driver': (s) =>
    s.backup.enabled &&
    s.backup.volumes === 'snapshot' &&
    s.storage.provisioner !== 'longhorn' &&
    !s.backup.snapshotDriver &&
    !profileFacts[profileOf(s)].csiDriver
      ? {
          severity: 'error',
          message: `spec.backup.volumes is snapshot, but kubestrap knows no CSI driver for the volumes of a ${profileOf(s)} cluster.`,
          fix: 'set spec.backup.snapshotDriver (e.g. ebs.csi.aws.com, pd.csi.storage.gke.io, disk.csi.azure.com), or spec.cluster.profile eks, gke or aks, or spec.backup.volumes: file-system',
        }
      : undefined,
  'tenant-names': (s) => {
    const seen = new Set<string>();
    for (const t of s.tenants) {
      if (systemNamespaces.has(t.name))
        return { severity: 'error', message: `tenant "${t.name}" would take over a system namespace.`, fix: 'choose another tenant name' };
      if (seen.has(t.name)) return { severity: 'error', message: `tenant "${t.name}" is listed twice.`, fix: 'list each tenant once' };
      seen.add(t.name);
    }
    return undefined;
  },
  'enforce-needs-ha-policy-engine': (s) =>
    s.security.policyEngine.name === 'kyverno' &&
    s.security.policyEngine.validationFailureAction === 'Enforce' &&
    s.security.policyEngine.replicas < 3
      ? {
          severity: 'warning',
          message: 'Kyverno enforces policies with fewer than 3 admission replicas; if they are down, admission requests fail.',
          fix: 'set spec.security.policyEngine.replicas: 3',
        }
      : undefined,
  'longhorn-on-kind': (s) =>
    s.storage.provisioner === 'longhorn' && s.cluster.provider === 'kind'
      ? {
          severity: 'warning',
          message: 'Longhorn needs open-iscsi on every node, which kind node images lack.',
          fix: 'keep spec.storage.provisioner: builtin on kind',
        }
      : undefined,
} satisfies Record<string, Rule>;

export function evaluateRules(config: Config): RuleResult[] {
  const out: RuleResult[] = [];
  for (const [rule, check] of Object.entries(rules)) {
    const r = check(config.spec);
    if (r) out.push({ rule, ...r });
  }
  return out;
}

/** Throws RuleError listing every broken rule; returns the warnings otherwise. */
export function enforceRules(config: Config): RuleResult[] {
  const results = evaluateRules(config);
  const errors = results.filter((r) => r.severity === 'error');
  if (errors.length) throw new RuleError(errors);
  return results.filter((r) => r.severity === 'warning');
}
