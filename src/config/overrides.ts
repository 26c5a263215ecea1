/**
 * The settings that flags and environment variables can set. One table drives commander's options,
 * the env lookup and (later) the wizard's questions, so every question has a flag and a variable.
 * Precedence: defaults < config file < env < flags.
 */
import { schemaChoices } from './choices.js';
import { configSchema } from './schema.js';

export type OverrideKind = 'string' | 'integer' | 'boolean' | 'list';

export interface OverrideDef {
  /** Flag name without dashes, e.g. `cni` for `--cni`. */
  flag: string;
  env: string;
  path: string[];
  kind: OverrideKind;
  description: string;
  /** The allowed values: the schema's enum at `path`. */
  choices?: readonly string[];
  /**
   * `init`: only `kubestrap init` takes this setting (it shapes the file being written, e.g. one
   * quota for every tenant listed); plan/up/... neither offer the flag nor read the variable.
   */
  scope?: 'init';
}

const defs: readonly Omit<OverrideDef, 'choices'>[] = [
  { flag: 'name', env: 'KUBESTRAP_NAME', path: ['metadata', 'name'], kind: 'string', description: 'roadmap name (metadata.name)' },
  {
    flag: 'provider',
    env: 'KUBESTRAP_PROVIDER',
    path: ['spec', 'cluster', 'provider'],
    kind: 'string',
    description: 'create a kind cluster or adopt an existing one',
  },
  { flag: 'cluster-name', env: 'KUBESTRAP_CLUSTER_NAME', path: ['spec', 'cluster', 'name'], kind: 'string', description: 'cluster name' },
  {
    flag: 'context',
    env: 'KUBESTRAP_CONTEXT',
    path: ['spec', 'cluster', 'context'],
    kind: 'string',
    description: 'kube context of an existing cluster',
  },
  {
    flag: 'profile',
    env: 'KUBESTRAP_PROFILE',
    path: ['spec', 'cluster', 'profile'],
    kind: 'string',
    description: 'what the existing cluster is: eks, gke, aks, kubeadm or generic (kind for provider kind)',
  },
  {
    flag: 'kubeconfig',
    env: 'KUBESTRAP_KUBECONFIG',
    path: ['spec', 'cluster', 'kubeconfig'],
    kind: 'string',
    description: 'kubeconfig file holding the context',
  },
  {
    flag: 'kubernetes-version',
    env: 'KUBESTRAP_KUBERNETES_VERSION',
    path: ['spec', 'cluster', 'kubernetesVersion'],
    kind: 'string',
    description: 'Kubernetes minor',
  },
  {
    flag: 'node-image',
    env: 'KUBESTRAP_NODE_IMAGE',
    path: ['spec', 'cluster', 'nodeImage'],
    kind: 'string',
    description: 'kind node image instead of the pinned one (e.g. a private mirror)',
  },
  {
    flag: 'workers',
    env: 'KUBESTRAP_WORKERS',
    path: ['spec', 'cluster', 'nodes', 'workers'],
    kind: 'integer',
    description: 'kind worker nodes',
  },
  { flag: 'cni', env: 'KUBESTRAP_CNI', path: ['spec', 'networking', 'cni'], kind: 'string', description: 'CNI plugin' },
  {
    flag: 'policy-controller',
    env: 'KUBESTRAP_POLICY_CONTROLLER',
    path: ['spec', 'networking', 'policyController'],
    kind: 'string',
    description: 'NetworkPolicy controller next to a CNI that does not enforce policies',
  },
  {
    flag: 'kube-proxy-replacement',
    env: 'KUBESTRAP_KUBE_PROXY_REPLACEMENT',
    path: ['spec', 'networking', 'kubeProxyReplacement'],
    kind: 'boolean',
    description: 'Cilium replaces kube-proxy',
  },
  {
    flag: 'gateway',
    env: 'KUBESTRAP_GATEWAY',
    path: ['spec', 'networking', 'gateway'],
    kind: 'string',
    description: 'Gateway API implementation',
  },
  {
    flag: 'storage-provisioner',
    env: 'KUBESTRAP_STORAGE_PROVISIONER',
    path: ['spec', 'storage', 'provisioner'],
    kind: 'string',
    description: 'storage provisioner',
  },
  {
    flag: 'storage-class',
    env: 'KUBESTRAP_STORAGE_CLASS',
    path: ['spec', 'storage', 'defaultClass'],
    kind: 'string',
    description: "the cluster's default StorageClass (existing clusters; empty: the one the cluster marks default)",
  },
  {
    flag: 'tenant-security',
    env: 'KUBESTRAP_TENANT_SECURITY',
    path: ['spec', 'security', 'podSecurity', 'tenants'],
    kind: 'string',
    description: 'Pod Security level of tenant namespaces',
  },
  {
    flag: 'policy-engine',
    env: 'KUBESTRAP_POLICY_ENGINE',
    path: ['spec', 'security', 'policyEngine', 'name'],
    kind: 'string',
    description: 'policy engine',
  },
  {
    flag: 'tenants',
    env: 'KUBESTRAP_TENANTS',
    path: ['spec', 'tenants'],
    kind: 'list',
    description: 'comma-separated tenant team names (default quotas)',
  },
  {
    flag: 'tenant-cpu',
    env: 'KUBESTRAP_TENANT_CPU',
    path: ['spec', 'tenants', '*', 'quota', 'cpu'],
    kind: 'string',
    scope: 'init',
    description: 'CPU requests quota of each tenant namespace, e.g. 4',
  },
  {
    flag: 'tenant-memory',
    env: 'KUBESTRAP_TENANT_MEMORY',
    path: ['spec', 'tenants', '*', 'quota', 'memory'],
    kind: 'string',
    scope: 'init',
    description: 'memory requests quota of each tenant namespace, e.g. 8Gi',
  },
  {
    flag: 'monitoring',
    env: 'KUBESTRAP_MONITORING',
    path: ['spec', 'monitoring', 'prometheus', 'enabled'],
    kind: 'boolean',
    description: 'install kube-prometheus-stack',
  },
  {
    flag: 'logs',
    env: 'KUBESTRAP_LOGS',
    path: ['spec', 'monitoring', 'logs'],
    kind: 'boolean',
    description: 'install Loki (needs --log-shipper external)',
  },
  {
    flag: 'log-shipper',
    env: 'KUBESTRAP_LOG_SHIPPER',
    path: ['spec', 'monitoring', 'logShipper'],
    kind: 'string',
    description: 'who pushes logs to Loki: external = your own agent (kubestrap installs none yet)',
  },
  {
    flag: 'vpa',
    env: 'KUBESTRAP_VPA',
    path: ['spec', 'autoscaling', 'vpa', 'enabled'],
    kind: 'boolean',
    description: 'install the Vertical Pod Autoscaler',
  },
  {
    flag: 'cluster-autoscaler',
    env: 'KUBESTRAP_CLUSTER_AUTOSCALER',
    path: ['spec', 'autoscaling', 'clusterAutoscaler', 'provider'],
    kind: 'string',
    description: 'cluster-autoscaler provider',
  },
  {
    flag: 'autoscaler-region',
    env: 'KUBESTRAP_AUTOSCALER_REGION',
    path: ['spec', 'autoscaling', 'clusterAutoscaler', 'region'],
    kind: 'string',
    description: 'AWS region of the Auto Scaling groups (cluster-autoscaler aws)',
  },
  {
    flag: 'autoscaler-node-groups',
    env: 'KUBESTRAP_AUTOSCALER_NODE_GROUPS',
    path: ['spec', 'autoscaling', 'clusterAutoscaler', 'nodeGroups'],
    kind: 'list',
    description: 'gce: managed instance groups to scale, as namePrefix:min:max,... (e.g. gke-prod-pool-1:1:10)',
  },
  {
    flag: 'autoscaler-identity',
    env: 'KUBESTRAP_AUTOSCALER_IDENTITY',
    path: ['spec', 'autoscaling', 'clusterAutoscaler', 'workloadIdentity'],
    kind: 'string',
    description:
      "cluster-autoscaler's workload identity: an IAM role ARN (eks), a Google service account e-mail (gke) or a managed identity client ID (aks)",
  },
  {
    flag: 'autoscaler-azure-subscription',
    env: 'KUBESTRAP_AUTOSCALER_AZURE_SUBSCRIPTION',
    path: ['spec', 'autoscaling', 'clusterAutoscaler', 'azure', 'subscriptionId'],
    kind: 'string',
    description: 'azure: subscription ID of the VM scale sets',
  },
  {
    flag: 'autoscaler-azure-resource-group',
    env: 'KUBESTRAP_AUTOSCALER_AZURE_RESOURCE_GROUP',
    path: ['spec', 'autoscaling', 'clusterAutoscaler', 'azure', 'resourceGroup'],
    kind: 'string',
    description: 'azure: node resource group of the VM scale sets (MC_...)',
  },
  { flag: 'backup', env: 'KUBESTRAP_BACKUP', path: ['spec', 'backup', 'enabled'], kind: 'boolean', description: 'install Velero backups' },
  {
    flag: 'backup-storage',
    env: 'KUBESTRAP_BACKUP_STORAGE',
    path: ['spec', 'backup', 'storage', 'type'],
    kind: 'string',
    description: 'where backups go',
  },
  {
    flag: 'backup-bucket',
    env: 'KUBESTRAP_BACKUP_BUCKET',
    path: ['spec', 'backup', 'storage', 'bucket'],
    kind: 'string',
    description: 'backup bucket',
  },
  {
    flag: 'backup-region',
    env: 'KUBESTRAP_BACKUP_REGION',
    path: ['spec', 'backup', 'storage', 'region'],
    kind: 'string',
    description: 'backup bucket region (s3)',
  },
  {
    flag: 'backup-azure-resource-group',
    env: 'KUBESTRAP_BACKUP_AZURE_RESOURCE_GROUP',
    path: ['spec', 'backup', 'storage', 'azure', 'resourceGroup'],
    kind: 'string',
    description: 'Azure resource group of the backup storage account',
  },
  {
    flag: 'backup-azure-storage-account',
    env: 'KUBESTRAP_BACKUP_AZURE_STORAGE_ACCOUNT',
    path: ['spec', 'backup', 'storage', 'azure', 'storageAccount'],
    kind: 'string',
    description: 'Azure storage account holding the backup container',
  },
  {
    flag: 'backup-identity',
    env: 'KUBESTRAP_BACKUP_IDENTITY',
    path: ['spec', 'backup', 'storage', 'workloadIdentity'],
    kind: 'string',
    description:
      "Velero's workload identity instead of static keys: an IAM role ARN (eks), a Google service account e-mail (gke) or a managed identity client ID (aks)",
  },
  {
    flag: 'backup-credentials-secret',
    env: 'KUBESTRAP_BACKUP_CREDENTIALS_SECRET',
    path: ['spec', 'backup', 'storage', 'credentialsSecret'],
    kind: 'string',
    description: 'Secret in the velero namespace holding the object-store credentials',
  },
  {
    flag: 'quotas',
    env: 'KUBESTRAP_QUOTAS',
    path: ['spec', 'cost', 'quotas'],
    kind: 'boolean',
    description: 'ResourceQuota and LimitRange per tenant namespace',
  },
  { flag: 'opencost', env: 'KUBESTRAP_OPENCOST', path: ['spec', 'cost', 'opencost'], kind: 'boolean', description: 'install OpenCost' },
  {
    flag: 'chart-source',
    env: 'KUBESTRAP_CHART_SOURCE',
    path: ['spec', 'charts', 'source'],
    kind: 'string',
    description: 'where charts come from',
  },
  {
    flag: 'chart-dir',
    env: 'KUBESTRAP_CHART_DIR',
    path: ['spec', 'charts', 'localDir'],
    kind: 'string',
    description: 'local chart directory (air-gapped)',
  },
  {
    flag: 'oci-mirror',
    env: 'KUBESTRAP_OCI_MIRROR',
    path: ['spec', 'charts', 'ociMirror'],
    kind: 'string',
    description: 'OCI chart mirror prefix',
  },
  {
    flag: 'keep-smoke',
    env: 'KUBESTRAP_KEEP_SMOKE',
    path: ['spec', 'verification', 'keepSmoke'],
    kind: 'boolean',
    description: 'keep the smoke-test workload after up verified it (removed by default)',
  },
  {
    flag: 'image-registry',
    env: 'KUBESTRAP_IMAGE_REGISTRY',
    path: ['spec', 'images', 'registry'],
    kind: 'string',
    description: 'private registry every image is pulled from (air-gapped)',
  },
];

/** Every setting, with the choices its schema enum allows (read from the schema, never listed twice). */
export const overrideDefs: readonly OverrideDef[] = defs.map((def) => {
  const choices = schemaChoices(configSchema, def.path);
  return choices ? { ...def, choices } : def;
});

export interface Override {
  path: string[];
  value: unknown;
  /** Where the value came from, for error messages: `flag --cni` or `env KUBESTRAP_CNI`. */
  source: string;
}

/** camelCase key commander gives a flag, e.g. `kube-proxy-replacement` → `kubeProxyReplacement`. */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function coerce(def: OverrideDef, raw: string | boolean): unknown {
  if (def.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    return raw; // left as a string so validation reports it with its source
  }
  if (def.kind === 'integer') return /^-?\d+$/.test(String(raw)) ? Number(raw) : raw;
  if (def.flag === 'autoscaler-identity' || def.flag === 'backup-identity') return workloadIdentityOf(String(raw));
  if (def.kind === 'list') {
    const names = String(raw)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (def.flag === 'autoscaler-node-groups') {
      return names.map((g) => {
        const [namePrefix, min, max] = g.split(':');
        const n = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : v);
        return { namePrefix, minSize: n(min), maxSize: n(max) };
      });
    }
    return def.flag === 'tenants' ? names.map((name) => ({ name })) : names;
  }
  return raw;
}

/**
 * One workload identity value to its key by its shape: an IAM role ARN, a Google service account
 * e-mail, else a client ID (the schema then judges it, with the source named).
 */
function workloadIdentityOf(raw: string): Record<string, string> {
  if (raw.startsWith('arn:')) return { awsRoleArn: raw };
  if (raw.includes('@')) return { gcpServiceAccount: raw };
  return { azureClientId: raw };
}

/** Overrides from the environment (lower precedence) then flags (higher). */
export function collectOverrides(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Override[] {
  const out: Override[] = [];
  for (const def of overrideDefs) {
    if (def.scope === 'init') continue;
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      out.push({ path: def.path, value: coerce(def, fromEnv), source: `env ${def.env}` });
    }
  }
  for (const def of overrideDefs) {
    if (def.scope === 'init') continue;
    const fromFlag = flags[optionKey(def.flag)];
    if (fromFlag !== undefined) {
      const source = `flag --${def.flag}`;
      out.push({ path: def.path, value: coerce(def, fromFlag as string | boolean), source });
    }
  }
  return out;
}
