/**
 * The wizard's questions, in roadmap order. Each one IS a setting of the override table
 * (`flag` names the overrideDefs row), so every question has a flag and an environment variable,
 * and the same validation (the zod schema of kubestrap.yaml) judges a typed answer and a flag.
 */
import { kubernetesMinors, defaultKubernetesMinor } from '../lock.js';
import type { PromptChoice } from '../prompts.js';

/** Answers keyed by flag name, in the form a flag or env var gives them. */
export type AnswerValue = string | boolean;
export type Answers = Record<string, AnswerValue>;

export interface QuestionContext {
  /** Kube contexts from the kubeconfig, or undefined when kubectl is missing or fails. */
  contexts: () => Promise<string[] | undefined>;
  /**
   * What the chosen context's cluster says about itself (read-only: nodes and StorageClasses), for
   * the recommended profile and StorageClass; undefined when it cannot be read. Interactive only.
   */
  clusterFacts?: (context: string) => Promise<ClusterFacts | undefined>;
}

export interface ClusterFacts {
  /** The profile the nodes point to (eks, gke, aks; kubeadm for a visible control plane), and why. */
  profile?: string;
  evidence: string;
  /** The one StorageClass carrying the default annotation, if exactly one does. */
  defaultClass?: string;
}

interface Base {
  flag: string;
  title: string;
  why: string;
  /** Asked only when this holds for the answers so far. */
  when?: (a: Answers) => boolean;
}

export interface SelectDef extends Base {
  type: 'select';
  choices: (a: Answers) => PromptChoice[];
  recommended: (a: Answers) => string;
}

export interface InputDef extends Base {
  type: 'input';
  /** undefined: no sensible default; the answer is required (a usage error in CI without the flag). */
  recommended: (a: Answers) => string | undefined;
  /** Extra check beyond the schema, e.g. cross-field rules. */
  check?: (value: string, a: Answers) => true | string;
}

export interface ConfirmDef extends Base {
  type: 'confirm';
  recommended: (a: Answers) => boolean;
}

/** The kube context: a choice from the kubeconfig, or typed when kubectl cannot list them. */
export interface ContextDef extends Base {
  type: 'context';
}

export type QuestionDef = SelectDef | InputDef | ConfirmDef | ContextDef;

const isKind = (a: Answers) => a.provider !== 'existing';
const on = (v: AnswerValue | undefined, dflt: boolean) =>
  v === undefined ? dflt : v === true || (typeof v === 'string' && /^(true|1|yes|on)$/i.test(v));
const hasTenants = (a: Answers) => typeof a.tenants === 'string' && a.tenants.split(',').some((s) => s.trim() !== '');

export const questions: readonly QuestionDef[] = [
  // Phase 1: foundation
  {
    flag: 'provider',
    type: 'select',
    title: 'Where should the cluster run?',
    why: 'kubestrap creates a kind cluster on this machine, or adopts a cluster you already have through its kube context.',
    choices: () => [
      { value: 'kind', name: 'kind on this machine', description: 'A local cluster in Docker: the quickest way to try the whole roadmap.' },
      {
        value: 'existing',
        name: 'an existing cluster (kube context)',
        description: 'EKS, GKE, AKS, bare metal: any conformant cluster you can reach with kubectl.',
      },
    ],
    recommended: () => 'kind',
  },
  {
    flag: 'context',
    type: 'context',
    title: 'Which kube context?',
    why: 'kubestrap only ever talks to the context you name; it never guesses the target cluster.',
    when: (a) => a.provider === 'existing',
  },
  {
    flag: 'profile',
    type: 'select',
    title: 'What kind of cluster is it?',
    why: 'the profile decides what can be scraped, which add-ons the provider already runs, workload identity, load balancer annotations and cluster-autoscaler; up checks it against the nodes.',
    when: (a) => a.provider === 'existing',
    choices: () => [
      {
        value: 'eks',
        name: 'Amazon EKS',
        description: 'Managed control plane (not scraped); IRSA; NLB for the Gateway; cluster-autoscaler on Auto Scaling groups.',
      },
      {
        value: 'gke',
        name: 'Google GKE',
        description: 'Managed control plane; GKE runs metrics-server, the snapshot controller and the Gateway API CRDs; Workload Identity.',
      },
      {
        value: 'aks',
        name: 'Azure AKS',
        description: 'Managed control plane; AKS runs metrics-server; Azure Workload Identity; cluster-autoscaler on VM scale sets.',
      },
      {
        value: 'kubeadm',
        name: 'kubeadm',
        description: 'Self-managed control plane; its metrics are scraped only where you bind them beyond 127.0.0.1.',
      },
      { value: 'generic', name: 'another conformant cluster', description: 'Assumes nothing provider-specific.' },
    ],
    recommended: () => 'generic',
  },
  {
    flag: 'kubernetes-version',
    type: 'select',
    title: 'Kubernetes version?',
    why: 'selects the pinned kind node image and the API versions every manifest is checked against.',
    choices: () => kubernetesMinors.map((v) => ({ value: v, name: v })),
    recommended: () => defaultKubernetesMinor,
  },
  {
    flag: 'cni',
    type: 'select',
    title: 'Pod networking (CNI)?',
    why: 'the CNI carries all pod traffic and enforces NetworkPolicies; changing it later means rebuilding the cluster.',
    choices: (a) => [
      {
        value: 'cilium',
        name: 'Cilium',
        description: 'eBPF networking, NetworkPolicies, optional kube-proxy replacement and WireGuard encryption.',
      },
      { value: 'calico', name: 'Calico', description: 'Mature policy engine, iptables or eBPF data plane.' },
      {
        value: 'default',
        name: isKind(a) ? 'keep the default (kindnet)' : "keep the cluster's own",
        description: isKind(a)
          ? 'kindnet does not enforce NetworkPolicies.'
          : 'Your provider already installed a CNI; installing a second one breaks pod networking.',
      },
    ],
    recommended: (a) => (isKind(a) ? 'cilium' : 'default'),
  },
  {
    flag: 'storage-provisioner',
    type: 'select',
    title: 'Storage provisioner?',
    why: 'stateful workloads (Prometheus, backups) need one default StorageClass that really provisions volumes.',
    choices: (a) => [
      {
        value: 'builtin',
        name: isKind(a) ? "builtin (kind's local-path)" : "builtin (the cluster's own)",
        description: 'Keep the provisioner the cluster already has and make it the single default.',
      },
      {
        value: 'longhorn',
        name: 'Longhorn',
        description: 'Replicated block storage across nodes; needs open-iscsi on every node (kind images lack it).',
      },
    ],
    recommended: () => 'builtin',
  },
  {
    flag: 'storage-class',
    type: 'input',
    title: 'Default StorageClass of the cluster (empty: whichever the cluster marks default)?',
    why: 'Prometheus, Grafana and backups claim volumes of this class; kubestrap never assumes one, and up checks it is the one default.',
    when: (a) => a.provider === 'existing' && a['storage-provisioner'] !== 'longhorn',
    recommended: (a) => (a.profile === 'gke' ? 'standard-rwo' : a.profile === 'aks' ? 'default' : ''),
  },
  // Phase 2: features
  {
    flag: 'gateway',
    type: 'select',
    title: 'Gateway API implementation (ingress)?',
    why: 'routes outside traffic to services; ingress-nginx is retired, Gateway API is its successor.',
    choices: (a) => [
      { value: 'envoy-gateway', name: 'Envoy Gateway', description: 'The reference Gateway API implementation, independent of the CNI.' },
      { value: 'traefik', name: 'Traefik', description: 'A familiar proxy with Gateway API support.' },
      ...(a.cni === 'cilium'
        ? [{ value: 'cilium', name: 'Cilium Gateway', description: 'Uses the CNI itself; turns on Cilium kube-proxy replacement.' }]
        : []),
      { value: 'none', name: 'none', description: 'No ingress for now.' },
    ],
    recommended: () => 'envoy-gateway',
  },
  {
    flag: 'tenant-security',
    type: 'select',
    title: 'Pod Security level for tenant namespaces?',
    why: 'Pod Security Admission decides what pods your teams may run (root, host access, privilege escalation).',
    choices: () => [
      {
        value: 'restricted',
        name: 'restricted',
        description: 'Current hardening best practice: non-root, no privilege escalation, seccomp.',
      },
      { value: 'baseline', name: 'baseline', description: 'Blocks known privilege escalations; lets most unmodified images run.' },
      { value: 'privileged', name: 'privileged', description: 'No restrictions. Not recommended for tenants.' },
    ],
    recommended: () => 'restricted',
  },
  {
    flag: 'tenants',
    type: 'input',
    title: 'Tenant teams (comma-separated namespace names, empty for none)?',
    why: 'each team gets a namespace with RBAC, default-deny NetworkPolicies and a quota.',
    recommended: () => '',
  },
  {
    flag: 'tenant-cpu',
    type: 'input',
    title: 'CPU quota per tenant namespace (requests)?',
    why: 'a quota keeps one team from starving the others; limits are set to twice the requests.',
    when: hasTenants,
    recommended: () => '4',
  },
  {
    flag: 'tenant-memory',
    type: 'input',
    title: 'Memory quota per tenant namespace (requests)?',
    why: 'memory cannot be throttled like CPU; without a quota one team can get the others OOM-killed.',
    when: hasTenants,
    recommended: () => '8Gi',
  },
  // Phase 3: observability
  {
    flag: 'monitoring',
    type: 'confirm',
    title: 'Install monitoring (Prometheus, Alertmanager, Grafana)?',
    why: 'monitoring and alerting from the first deployment: you cannot run what you cannot see.',
    recommended: () => true,
  },
  {
    flag: 'logs',
    type: 'confirm',
    title: 'Also collect logs with Loki?',
    why: 'central logs outlive the pods that wrote them; costs storage and memory. kubestrap installs no log shipper yet: your own agent must push to Loki.',
    when: (a) => on(a.monitoring, true),
    recommended: () => false,
  },
  {
    flag: 'log-shipper',
    type: 'select',
    title: 'Who sends pod logs to Loki?',
    why: 'Loki only stores what an agent pushes to it; kubestrap pins no shipper chart yet, so without your own agent Loki would stay empty (answer no to logs instead).',
    when: (a) => on(a.monitoring, true) && on(a.logs, false),
    choices: () => [
      {
        value: 'external',
        name: 'my own agent',
        description: 'Grafana Alloy, Fluent Bit or Vector, run by the team, pushing to http://loki-gateway.monitoring.svc/loki/api/v1/push',
      },
    ],
    recommended: () => 'external',
  },
  {
    flag: 'vpa',
    type: 'confirm',
    title: 'Install the Vertical Pod Autoscaler (recommendations only)?',
    why: 'VPA recommends requests from real usage, so quotas and HPAs start from measured numbers.',
    recommended: () => true,
  },
  {
    flag: 'cluster-autoscaler',
    type: 'select',
    title: 'Cluster autoscaler provider?',
    why: 'adds and removes nodes with demand; it needs the node groups of your cloud provider.',
    when: (a) => !isKind(a),
    // Only the cloud that can scale this cluster's nodes (kubeadm and generic: Cluster API or none).
    choices: (a) => [
      { value: 'none', name: 'none', description: 'Node count is managed elsewhere (or fixed).' },
      ...(a.profile === 'eks' ? [{ value: 'aws', name: 'AWS (Auto Scaling groups)' }] : []),
      ...(a.profile === 'gke' ? [{ value: 'gce', name: "Google Cloud (managed instance groups; GKE's own autoscaler off for them)" }] : []),
      ...(a.profile === 'aks' ? [{ value: 'azure', name: "Azure (VM scale sets; AKS's own autoscaler off for them)" }] : []),
      { value: 'clusterapi', name: 'Cluster API' },
    ],
    recommended: () => 'none',
  },
  {
    flag: 'autoscaler-region',
    type: 'input',
    title: 'AWS region of the Auto Scaling groups (e.g. eu-west-1)?',
    why: 'cluster-autoscaler finds the node groups to scale in this region.',
    when: (a) => a['cluster-autoscaler'] === 'aws',
    recommended: () => undefined,
  },
  {
    flag: 'autoscaler-node-groups',
    type: 'input',
    title: 'Managed instance groups to scale (namePrefix:min:max, comma-separated)?',
    why: "on GCE cluster-autoscaler finds node groups only by name prefix; turn off GKE's own autoscaler for these node pools.",
    when: (a) => a['cluster-autoscaler'] === 'gce',
    recommended: () => undefined,
  },
  {
    flag: 'autoscaler-identity',
    type: 'input',
    title:
      "cluster-autoscaler's workload identity (IAM role ARN / Google service account / managed identity client ID; empty: the nodes' own)?",
    why: 'workload identity gives the autoscaler cloud access without a key stored in the cluster.',
    when: (a) => ['aws', 'gce', 'azure'].includes(String(a['cluster-autoscaler'])),
    recommended: (a) => (a['cluster-autoscaler'] === 'azure' ? undefined : ''),
  },
  {
    flag: 'autoscaler-azure-subscription',
    type: 'input',
    title: 'Subscription ID of the VM scale sets?',
    why: 'with workload identity no credentials file names the subscription.',
    when: (a) => a['cluster-autoscaler'] === 'azure',
    recommended: () => undefined,
  },
  {
    flag: 'autoscaler-azure-resource-group',
    type: 'input',
    title: 'Node resource group of the VM scale sets (MC_<group>_<cluster>_<region>)?',
    why: 'cluster-autoscaler looks for the scale sets in this resource group.',
    when: (a) => a['cluster-autoscaler'] === 'azure',
    recommended: () => undefined,
  },
  // Phase 4: operations
  {
    flag: 'backup',
    type: 'confirm',
    title: 'Back up the cluster with Velero?',
    why: 'design for failure: scheduled backups plus a restore drill that proves they work.',
    recommended: () => true,
  },
  {
    flag: 'backup-storage',
    type: 'select',
    title: 'Where should backups go?',
    why: 'a backup that lives inside the cluster it protects is lost with that cluster.',
    when: (a) => on(a.backup, true),
    choices: (a) => [
      {
        value: 'minio',
        name: 'in-cluster MinIO',
        description: isKind(a) ? 'Fine for a laptop cluster; lost with the cluster.' : 'Lost with the cluster: development only.',
      },
      { value: 's3', name: 'S3 (or S3-compatible)' },
      { value: 'gcs', name: 'Google Cloud Storage' },
      { value: 'azure', name: 'Azure Blob Storage' },
    ],
    recommended: (a) => (isKind(a) ? 'minio' : 's3'),
  },
  {
    flag: 'backup-bucket',
    type: 'input',
    title: 'Backup bucket name?',
    why: 'Velero writes every backup under this bucket.',
    when: (a) => on(a.backup, true) && a['backup-storage'] !== undefined && a['backup-storage'] !== 'minio',
    recommended: () => 'velero',
  },
  {
    flag: 'backup-region',
    type: 'input',
    title: 'Bucket region (e.g. eu-west-1)?',
    why: 'S3 needs the region of the bucket.',
    when: (a) => on(a.backup, true) && a['backup-storage'] === 's3',
    recommended: () => undefined,
  },
  {
    flag: 'backup-azure-resource-group',
    type: 'input',
    title: 'Azure resource group of the storage account?',
    why: "Velero's Azure plugin addresses the container through its resource group and storage account.",
    when: (a) => on(a.backup, true) && a['backup-storage'] === 'azure',
    recommended: () => undefined,
  },
  {
    flag: 'backup-azure-storage-account',
    type: 'input',
    title: 'Azure storage account holding the backup container?',
    why: 'the bucket name above is the container inside this storage account.',
    when: (a) => on(a.backup, true) && a['backup-storage'] === 'azure',
    recommended: () => undefined,
  },
  {
    flag: 'backup-identity',
    type: 'input',
    title:
      "Velero's workload identity (IAM role ARN / Google service account / managed identity client ID; empty: static keys in a Secret)?",
    why: 'workload identity keeps cloud keys out of the cluster; static keys are the fallback.',
    when: (a) =>
      on(a.backup, true) &&
      a['backup-storage'] !== undefined &&
      a['backup-storage'] !== 'minio' &&
      ['eks', 'gke', 'aks'].includes(String(a.profile)),
    recommended: () => '',
  },
  {
    flag: 'backup-credentials-secret',
    type: 'input',
    title: 'Secret (in namespace velero) with the object-store credentials?',
    why: 'credentials never go into kubestrap.yaml; create a Secret with a "cloud" key and name it here.',
    when: (a) => on(a.backup, true) && a['backup-storage'] !== undefined && a['backup-storage'] !== 'minio' && !a['backup-identity'],
    recommended: () => 'velero-credentials',
  },
  {
    flag: 'quotas',
    type: 'confirm',
    title: 'Enforce quotas and default limits in tenant namespaces?',
    why: 'cost controls: every pod gets requests and limits, every team a ceiling.',
    recommended: () => true,
  },
  {
    flag: 'opencost',
    type: 'confirm',
    title: 'Install OpenCost to show what each namespace costs?',
    why: 'you cannot optimise a cost you cannot see; OpenCost reads usage from Prometheus.',
    when: (a) => on(a.monitoring, true),
    recommended: () => true,
  },
];

export { on as answerIsOn };
