/**
 * Provider profiles: what kubestrap may assume about a cluster it adopts. One table, read by the
 * rules, the steps that render provider-specific values, the preflight that confirms the profile
 * against the nodes, and the decision record.
 */
import type { Config } from './schema.js';
import type { ClusterProfile, ProviderAddon } from './profile-names.js';

export { clusterProfiles, providerAddonNames, type ClusterProfile, type ProviderAddon } from './profile-names.js';

type ClusterAutoscalerProvider = Config['spec']['autoscaling']['clusterAutoscaler']['provider'];
type IdentityKey = 'awsRoleArn' | 'gcpServiceAccount' | 'azureClientId';

export interface ProfileFacts {
  title: string;
  /** The provider runs etcd, the controller manager and the scheduler where pods cannot scrape them. */
  managedControlPlane: boolean;
  /** Add-ons the provider runs by default (spec.cluster.providerAddons overrides). */
  providerAddons: readonly ProviderAddon[];
  /** cluster-autoscaler provider that can scale this cluster's nodes; undefined: none can. */
  clusterAutoscaler?: ClusterAutoscalerProvider;
  /** The workload identity key this provider's webhook understands. */
  identity?: IdentityKey;
  /** Annotations on the Gateway's LoadBalancer Service. */
  loadBalancerAnnotations: (internal: boolean) => Record<string, string>;
  /** The provider's block-storage CSI driver (the VolumeSnapshotClass driver for CSI snapshots). */
  csiDriver?: string;
  /** providerID prefix of its nodes, and node labels only its nodes carry. */
  detect?: { providerIdPrefix: string; labels: readonly string[] };
}

export const profileFacts: Record<ClusterProfile, ProfileFacts> = {
  kind: {
    title: 'kind',
    managedControlPlane: false,
    providerAddons: [],
    loadBalancerAnnotations: () => ({}),
  },
  eks: {
    title: 'Amazon EKS',
    managedControlPlane: true,
    providerAddons: [],
    clusterAutoscaler: 'aws',
    identity: 'awsRoleArn',
    csiDriver: 'ebs.csi.aws.com',
    // An NLB (the classic ELB is the in-tree default), internet-facing unless internal. With the AWS
    // Load Balancer Controller these are read by it; without it, by the in-tree controller.
    loadBalancerAnnotations: (internal) => ({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      ...(internal
        ? {
            'service.beta.kubernetes.io/aws-load-balancer-internal': 'true',
            'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
          }
        : { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' }),
    }),
    // EKS 1.30 and later mark no class as default; older clusters marked gp2.
    detect: { providerIdPrefix: 'aws://', labels: ['eks.amazonaws.com/nodegroup', 'eks.amazonaws.com/compute-type'] },
  },
  gke: {
    title: 'Google GKE',
    managedControlPlane: true,
    providerAddons: ['metrics-server', 'snapshot-controller', 'gateway-api-crds'],
    clusterAutoscaler: 'gce',
    identity: 'gcpServiceAccount',
    csiDriver: 'pd.csi.storage.gke.io',
    loadBalancerAnnotations: (internal): Record<string, string> => (internal ? { 'networking.gke.io/load-balancer-type': 'Internal' } : {}),
    detect: { providerIdPrefix: 'gce://', labels: ['cloud.google.com/gke-nodepool'] },
  },
  aks: {
    title: 'Azure AKS',
    managedControlPlane: true,
    providerAddons: ['metrics-server'],
    clusterAutoscaler: 'azure',
    identity: 'azureClientId',
    csiDriver: 'disk.csi.azure.com',
    loadBalancerAnnotations: (internal): Record<string, string> =>
      internal ? { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } : {},
    detect: { providerIdPrefix: 'azure://', labels: ['kubernetes.azure.com/cluster', 'kubernetes.azure.com/agentpool'] },
  },
  kubeadm: { title: 'kubeadm', managedControlPlane: false, providerAddons: [], loadBalancerAnnotations: () => ({}) },
  generic: { title: 'generic', managedControlPlane: false, providerAddons: [], loadBalancerAnnotations: () => ({}) },
};

/** The profile in force: the configured one, else kind for kind and generic for an existing cluster. */
export function clusterProfile(config: Config): ClusterProfile {
  return config.spec.cluster.profile ?? (config.spec.cluster.provider === 'kind' ? 'kind' : 'generic');
}

/** Add-ons the provider runs, which kubestrap adopts instead of installing. */
export function providerAddons(config: Config): readonly ProviderAddon[] {
  return config.spec.cluster.providerAddons ?? profileFacts[clusterProfile(config)].providerAddons;
}

export function providerRuns(config: Config, addon: ProviderAddon): boolean {
  return providerAddons(config).includes(addon);
}

/** The Gateway Service's annotations: the profile's, then the configured ones on top. */
export function gatewayServiceAnnotations(config: Config): Record<string, string> {
  const { internal, annotations } = config.spec.networking.loadBalancer;
  return { ...profileFacts[clusterProfile(config)].loadBalancerAnnotations(internal), ...annotations };
}

export interface NodeFacts {
  name: string;
  providerID?: string | undefined;
  labels: Record<string, string>;
}

/** What the nodes say about the cluster. */
export interface Detection {
  /** The managed provider the nodes point to, if any. */
  profile?: 'eks' | 'gke' | 'aks';
  /** By a label only that provider's nodes carry (certain), or by providerID alone (a self-managed cluster on that cloud has it too). */
  byLabel: boolean;
  /** A control-plane node is visible: the control plane is self-managed (kubeadm or generic). */
  selfManaged: boolean;
  evidence: string;
}

/** Reads the profile from the nodes' provider-only labels, providerID prefixes and control-plane nodes. */
export function detectProfile(nodes: readonly NodeFacts[]): Detection {
  const controlPlane = nodes.find((n) => 'node-role.kubernetes.io/control-plane' in n.labels);
  const selfManaged = controlPlane !== undefined;
  const cp = controlPlane ? `; node ${controlPlane.name} is a control-plane node` : '';
  const detectable = (['eks', 'gke', 'aks'] as const).flatMap((profile) => {
    const d = profileFacts[profile].detect;
    return d ? [{ profile, d }] : [];
  });
  for (const { profile, d } of detectable) {
    for (const node of nodes) {
      const label = d.labels.find((l) => l in node.labels);
      if (label) return { profile, byLabel: true, selfManaged, evidence: `node ${node.name} has label ${label}${cp}` };
    }
  }
  for (const { profile, d } of detectable) {
    const node = nodes.find((n) => n.providerID?.startsWith(d.providerIdPrefix));
    if (node) return { profile, byLabel: false, selfManaged, evidence: `node ${node.name} has providerID ${node.providerID}${cp}` };
  }
  if (controlPlane)
    return {
      byLabel: false,
      selfManaged,
      evidence: `node ${controlPlane.name} is a control-plane node (a self-managed control plane: kubeadm or generic)`,
    };
  return {
    byLabel: false,
    selfManaged,
    evidence: nodes.length
      ? 'no node carries a provider label, a known providerID prefix or the control-plane role'
      : 'the cluster has no nodes',
  };
}

/**
 * The configured profile against the detection: an error when they contradict each other, a
 * warning when the nodes only hint at something else, nothing when they agree or say nothing.
 */
export function compareProfile(configured: ClusterProfile, d: Detection): { severity: 'error' | 'warning'; message: string } | undefined {
  const managed = configured === 'eks' || configured === 'gke' || configured === 'aks';
  if (d.profile && d.byLabel && d.profile !== configured) {
    return { severity: 'error', message: `detected ${d.profile}, config says ${configured} (${d.evidence})` };
  }
  if (managed && d.selfManaged) {
    return { severity: 'error', message: `detected a self-managed control plane, config says ${configured} (${d.evidence})` };
  }
  if (managed && d.profile && d.profile !== configured) {
    return { severity: 'error', message: `detected ${d.profile}, config says ${configured} (${d.evidence})` };
  }
  if (managed && !d.profile) {
    return {
      severity: 'warning',
      message: `config says ${configured}, but no node looks like ${profileFacts[configured].title} (${d.evidence})`,
    };
  }
  if (!managed && d.profile && !d.selfManaged) {
    return { severity: d.byLabel ? 'error' : 'warning', message: `detected ${d.profile}, config says ${configured} (${d.evidence})` };
  }
  return undefined;
}
