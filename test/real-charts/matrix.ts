/**
 * The configurations the real-chart tests render: every shipped example, and `kubestrap init --yes`
 * runs whose flags together reach every choice init offers (each provider, CNI, gateway, storage
 * provisioner, policy engine, backup storage, cluster-autoscaler provider, Kubernetes minor,
 * monitoring/logs/VPA/backup/OpenCost/quotas on and off). init runs in-process into a temporary
 * folder exactly as the CLI would, so every file it writes (kubestrap.yaml, the decision record and
 * the plan's artifacts) is what the tests read.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initCommand } from '../../src/commands/init.js';
import { loadConfigFile } from '../../src/config/load.js';
import { optionKey } from '../../src/config/overrides.js';
import { lock, type ChartKey } from '../../src/lock.js';
import { buildPlan, type Plan } from '../../src/plan/plan.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** `init --yes` flag sets; the comment after each says which choices it is there to reach. */
export const initMatrix: Record<string, string[]> = {
  // kind, Cilium with its gateway (kube-proxy replacement derived), Loki, minio backups, 1.37
  'kind-cilium-gateway': [
    '--provider',
    'kind',
    '--profile',
    'kind',
    '--cni',
    'cilium',
    '--gateway',
    'cilium',
    '--logs',
    'true',
    '--log-shipper',
    'external',
    '--tenants',
    'team-a,team-b',
    '--kubernetes-version',
    '1.37',
  ],
  // kind, Calico, Envoy Gateway, no monitoring (so no logs/OpenCost), no VPA, no backups, no policy engine, 1.35
  'kind-calico-minimal': [
    '--provider',
    'kind',
    '--cni',
    'calico',
    '--gateway',
    'envoy-gateway',
    '--monitoring',
    'false',
    '--vpa',
    'false',
    '--backup',
    'false',
    '--policy-engine',
    'none',
    '--quotas',
    'false',
    '--kubernetes-version',
    '1.35',
    '--tenant-security',
    'baseline',
  ],
  // kind with its own CNI (kindnet) and kube-router enforcing NetworkPolicies, a mirrored node image, Traefik, the smoke-test workload kept
  'kind-kindnet-kube-router': [
    '--provider',
    'kind',
    '--cni',
    'default',
    '--policy-controller',
    'kube-router',
    '--node-image',
    'registry.example.com/kindest/node:v1.36.4',
    '--gateway',
    'traefik',
    '--tenants',
    'team-a',
    '--keep-smoke',
    'true',
  ],
  // Provider profiles (one init --yes configuration each): eks, gke, aks, kubeadm, generic.
  // EKS: own CNI, Traefik (NLB annotations), Longhorn, cluster-autoscaler aws with IRSA, S3 backups with IRSA
  'existing-aws': [
    '--provider',
    'existing',
    '--profile',
    'eks',
    '--autoscaler-identity',
    'arn:aws:iam::123456789012:role/cluster-autoscaler',
    '--backup-identity',
    'arn:aws:iam::123456789012:role/velero',
    '--context',
    'prod-aws',
    '--cni',
    'default',
    '--gateway',
    'traefik',
    '--storage-provisioner',
    'longhorn',
    '--cluster-autoscaler',
    'aws',
    '--autoscaler-region',
    'eu-west-1',
    '--backup-storage',
    's3',
    '--backup-bucket',
    'prod-backups',
    '--backup-region',
    'eu-west-1',
    '--logs',
    'true',
    '--log-shipper',
    'external',
    '--tenants',
    'payments',
  ],
  // existing cluster on GCP: Cilium without kube-proxy replacement, no gateway, GCS backups, no OpenCost
  // GKE: provider's metrics-server, snapshot controller and Gateway API CRDs adopted; node pools by MIG prefix; Workload Identity for both
  'existing-gce': [
    '--provider',
    'existing',
    '--profile',
    'gke',
    '--storage-class',
    'standard-rwo',
    '--autoscaler-node-groups',
    'gke-prod-pool-1:1:10,gke-prod-pool-2:0:5',
    '--autoscaler-identity',
    'cluster-autoscaler@prod-project.iam.gserviceaccount.com',
    '--backup-identity',
    'velero@prod-project.iam.gserviceaccount.com',
    '--context',
    'prod-gke',
    '--cni',
    'cilium',
    '--kube-proxy-replacement',
    'false',
    '--gateway',
    'none',
    '--cluster-autoscaler',
    'gce',
    '--backup-storage',
    'gcs',
    '--backup-bucket',
    'gke-backups',
    '--opencost',
    'false',
    '--tenant-security',
    'privileged',
    '--chart-source',
    'oci',
    '--oci-mirror',
    'oci://registry.example.com/charts',
  ],
  // existing cluster on Azure: Calico, Envoy Gateway, Azure backups, no monitoring
  // AKS: provider's metrics-server; cluster-autoscaler on VM scale sets with Azure Workload Identity; backups with static keys (the fallback)
  'existing-azure': [
    '--provider',
    'existing',
    '--profile',
    'aks',
    '--storage-class',
    'managed-csi',
    '--autoscaler-identity',
    '0f8fad5b-d9cb-469f-a165-70867728950e',
    '--autoscaler-azure-subscription',
    '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    '--autoscaler-azure-resource-group',
    'MC_rg-prod_aks-prod_westeurope',
    '--context',
    'prod-aks',
    '--cni',
    'calico',
    '--gateway',
    'envoy-gateway',
    '--cluster-autoscaler',
    'azure',
    '--backup-storage',
    'azure',
    '--backup-bucket',
    'aks-backups',
    '--backup-azure-resource-group',
    'rg-backups',
    '--backup-azure-storage-account',
    'aksbackups01',
    '--backup-credentials-secret',
    'velero-cloud',
    '--monitoring',
    'false',
  ],
  // existing cluster with Cluster API node groups, in-cluster MinIO backups, Longhorn
  // kubeadm: self-managed control plane
  'existing-clusterapi': [
    '--provider',
    'existing',
    '--profile',
    'kubeadm',
    '--context',
    'capi-mgmt',
    '--cni',
    'default',
    '--gateway',
    'traefik',
    '--storage-provisioner',
    'longhorn',
    '--cluster-autoscaler',
    'clusterapi',
    '--backup-storage',
    'minio',
    '--tenants',
    'web',
  ],
  // generic: no provider assumptions, the cluster's own default StorageClass, no cluster-autoscaler
  'existing-generic': [
    '--provider',
    'existing',
    '--profile',
    'generic',
    '--context',
    'onprem',
    '--cni',
    'default',
    '--gateway',
    'envoy-gateway',
    '--backup-storage',
    's3',
    '--backup-bucket',
    'onprem-backups',
    '--backup-region',
    'us-east-1',
    '--backup-credentials-secret',
    'velero-cloud',
    '--tenants',
    'team-x',
  ],
};

export const examples = readdirSync(path.join(repoRoot, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/**
 * Configurations no example and no init flag reaches: TLS issuers and solvers, WireGuard on each
 * CNI, CSI-snapshot backups. Written as files and loaded like an example.
 */
export const extraConfigs: Record<string, string> = {
  // Calico with WireGuard, Envoy Gateway with ACME HTTP-01 for two names, Longhorn snapshots as backups
  'existing-calico-wireguard-acme-http01': `apiVersion: kubestrap.dev/v1alpha1
kind: Roadmap
metadata: { name: calico-acme }
spec:
  cluster: { provider: existing, context: prod }
  networking: { cni: calico, encryption: true, gateway: envoy-gateway, gatewayHostnames: [apps.example.com, www.example.com] }
  storage: { provisioner: longhorn }
  security: { tls: { issuer: acme, acme: { email: platform@example.com, solver: http01 } } }
  backup: { storage: { type: s3, bucket: prod-backups, region: eu-west-1, credentialsSecret: velero-cloud } }
`,
  // Cilium with WireGuard, Traefik with an ACME DNS-01 (Cloudflare) wildcard, snapshots of an EBS CSI driver, Loki
  'existing-cilium-wireguard-acme-dns01': `apiVersion: kubestrap.dev/v1alpha1
kind: Roadmap
metadata: { name: cilium-dns01 }
spec:
  cluster: { provider: existing, context: prod }
  networking: { cni: cilium, encryption: true, gateway: traefik, gatewayHostnames: ["*.apps.example.com", apps.example.com] }
  security: { tls: { issuer: acme, acme: { email: platform@example.com, server: "https://acme-staging-v02.api.letsencrypt.org/directory", solver: dns01, dns01: { provider: cloudflare, secretRef: { name: cloudflare-token, key: api-token } } } } }
  monitoring: { logs: true, logShipper: external, logRetention: 30d }
  backup: { volumes: snapshot, snapshotDriver: ebs.csi.aws.com, storage: { type: s3, bucket: prod-backups, region: eu-west-1, credentialsSecret: velero-cloud } }
`,
  // kind with the team's own CA, Traefik, no redirect; route53 and clouddns issuers are unit-tested
  'kind-own-ca-traefik': `apiVersion: kubestrap.dev/v1alpha1
kind: Roadmap
metadata: { name: own-ca }
spec:
  networking: { cni: cilium, gateway: traefik }
  security: { tls: { issuer: ca, ca: { secretName: corp-ca }, httpRedirect: false } }
`,
};

export interface RenderedRelease {
  configuration: string;
  key: ChartKey;
  release: string;
  namespace: string;
  /** Artifact path of the values file and its text. */
  valuesPath: string;
  valuesText: string;
}

export interface MatrixEntry {
  name: string;
  plan: Plan;
  /** Every file kubestrap wrote for this configuration (path relative to its folder → text). */
  files: Map<string, string>;
  releases: RenderedRelease[];
}

const chartKeyByName = new Map(Object.entries(lock.charts).map(([key, pin]) => [pin.chart, key as ChartKey]));

/**
 * The lock entry a helm action installs: the chart argument ends in the upstream chart name in
 * every source mode (or in `<chart>-<version>.tgz` for a packaged local chart).
 */
export function chartKeyOf(ref: string): ChartKey {
  const last = ref.split('/').at(-1)!;
  const packaged = Object.entries(lock.charts).find(([, pin]) => last === `${pin.chart}-${pin.version}.tgz`);
  const key = packaged ? (packaged[0] as ChartKey) : chartKeyByName.get(last);
  if (!key) throw new Error(`helm chart reference ${ref} names no chart of the lock`);
  return key;
}

function releasesOf(name: string, plan: Plan): RenderedRelease[] {
  const out: RenderedRelease[] = [];
  for (const step of plan.phases.flatMap((p) => p.steps)) {
    for (const action of step.rendered.actions) {
      if (action.type !== 'helm') continue;
      const { release, namespace, chart, values } = action.release;
      const artifact = step.rendered.artifacts.find((a) => a.path === values);
      if (!artifact) throw new Error(`${name}: values file ${values} of release ${release} is not among the artifacts`);
      out.push({ configuration: name, key: chartKeyOf(chart.ref), release, namespace, valuesPath: values, valuesText: artifact.content });
    }
  }
  return out;
}

function walkFiles(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) walkFiles(full, base, out);
    else out.set(path.relative(base, full), readFileSync(full, 'utf8'));
  }
  return out;
}

/** `--flag value` pairs to the flags object commander would give init. */
function explicitFlags(argv: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1]!;
    out[optionKey(argv[i]!.replace(/^--/, ''))] = value === 'true' ? true : value === 'false' ? false : value;
  }
  return out;
}

async function fromInit(name: string, argv: string[]): Promise<MatrixEntry> {
  const cwd = mkdtempSync(path.join(tmpdir(), `kubestrap-matrix-${name}-`));
  try {
    const configFile = path.join(cwd, 'kubestrap.yaml');
    await initCommand({
      cwd,
      env: {},
      explicit: explicitFlags(argv),
      config: configFile,
      yes: true,
      interactive: false,
      write: () => {},
      contexts: async () => undefined,
      now: () => new Date('2026-01-02T00:00:00Z'),
    });
    const loaded = await loadConfigFile(configFile);
    const plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: path.join(cwd, '.kubestrap/plan') });
    return { name: `init ${name}`, plan, files: walkFiles(cwd), releases: releasesOf(`init ${name}`, plan) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

async function fromExample(example: string): Promise<MatrixEntry> {
  const file = path.join(repoRoot, 'examples', example);
  const loaded = await loadConfigFile(file);
  const plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: '/tmp/kubestrap-matrix-plan' });
  const files = new Map<string, string>([[`examples/${example}`, readFileSync(file, 'utf8')]]);
  for (const step of plan.phases.flatMap((p) => p.steps)) for (const a of step.rendered.artifacts) files.set(a.path, a.content);
  return { name: `example ${example}`, plan, files, releases: releasesOf(`example ${example}`, plan) };
}

async function fromText(name: string, text: string): Promise<MatrixEntry> {
  const dir = mkdtempSync(path.join(tmpdir(), `kubestrap-matrix-${name}-`));
  try {
    const file = path.join(dir, 'kubestrap.yaml');
    writeFileSync(file, text);
    const loaded = await loadConfigFile(file);
    const plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: '/tmp/kubestrap-matrix-plan' });
    const files = new Map<string, string>([[`config ${name}`, text]]);
    for (const step of plan.phases.flatMap((p) => p.steps)) for (const a of step.rendered.artifacts) files.set(a.path, a.content);
    return { name: `config ${name}`, plan, files, releases: releasesOf(`config ${name}`, plan) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every configuration of the matrix, rendered. */
export async function renderMatrix(): Promise<MatrixEntry[]> {
  const out: MatrixEntry[] = [];
  for (const example of examples) out.push(await fromExample(example));
  for (const [name, text] of Object.entries(extraConfigs)) out.push(await fromText(name, text));
  for (const [name, argv] of Object.entries(initMatrix)) out.push(await fromInit(name, argv));
  return out;
}
