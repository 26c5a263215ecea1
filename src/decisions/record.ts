/**
 * The decision record (docs/decisions.md): for every choice in the roadmap, what was chosen, the
 * alternatives and the reason. Generated from the validated config, so `init --yes` writes the
 * same record the wizard does. Pure: the date is passed in.
 */
import { clusterProfile, profileFacts, providerAddons, type ClusterProfile } from '../config/profile.js';
import type { Config } from '../config/schema.js';
import { volumeBackup } from '../render/backup-volumes.js';
import { gatewayTls, noHttpsReason } from '../render/tls.js';
import { lock } from '../lock.js';
import { defaultStorageClass } from '../render/common.js';
import { identityWiring } from '../render/identity.js';
import { kindNodeImage } from '../steps/cluster.js';
import { controlPlaneScraping } from '../steps/monitoring.js';

interface Alternative {
  value: string;
  note: string;
}

export interface Decision {
  area: string;
  title: string;
  chosen: string;
  alternatives: Alternative[];
  reason: string;
}

type Spec = Config['spec'];

function others(chosen: string, all: Alternative[]): Alternative[] {
  return all.filter((a) => a.value !== chosen);
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

export function decisionsFor(config: Config): Decision[] {
  const s: Spec = config.spec;
  const kind = s.cluster.provider === 'kind';
  const out: Decision[] = [];

  out.push({
    area: 'foundation',
    title: 'Where the cluster runs',
    chosen: kind
      ? `kind cluster "${s.cluster.name}" on this machine (${s.cluster.nodes.controlPlanes} control plane, ${s.cluster.nodes.workers} workers)`
      : `existing cluster, kube context "${s.cluster.context ?? ''}"`,
    alternatives: others(s.cluster.provider, [
      { value: 'kind', note: 'a local kind cluster: fast to create and throw away, not for production traffic' },
      { value: 'existing', note: 'any conformant cluster (EKS, GKE, AKS, bare metal) adopted through its kube context' },
    ]),
    reason: kind
      ? 'Start small and measured: the whole roadmap runs on a laptop first, so the team sees every phase work before paying for infrastructure.'
      : 'The cluster already exists and is run by its provider; kubestrap binds the roadmap to that context (and the cluster identity) and never applies anywhere else.',
  });
  if (!kind) out.push(profileDecision(config));
  out.push({
    area: 'foundation',
    title: 'Kubernetes version',
    chosen: kind
      ? `${s.cluster.kubernetesVersion}, kind node image ${kindNodeImage(config)}${s.cluster.nodeImage ? ' (spec.cluster.nodeImage)' : ' (pinned)'}`
      : s.cluster.kubernetesVersion,
    alternatives:
      kind && s.cluster.nodeImage
        ? [
            {
              value: lock.kindNodeImages[s.cluster.kubernetesVersion],
              note: 'the node image kubestrap pins for this minor (digest-pinned, from Docker Hub)',
            },
          ]
        : [],
    reason:
      kind && s.cluster.nodeImage
        ? 'Every chart and manifest is pinned and checked against this minor; the node image comes from the configured source (e.g. a private mirror) and must be built for the same Kubernetes version.'
        : 'Every chart and manifest is pinned and checked against this minor; upgrade deliberately, one minor at a time.',
  });
  out.push({
    area: 'foundation',
    title: 'Pod networking (CNI)',
    chosen: `${s.networking.cni}${s.networking.kubeProxyReplacement ? ', replacing kube-proxy' : ''}${s.networking.encryption ? ', WireGuard encryption in transit' : ''}${s.networking.policyController === 'kube-router' ? '; NetworkPolicies enforced by kube-router (policy-only)' : ''}`,
    alternatives: others(s.networking.cni, [
      { value: 'cilium', note: 'eBPF data plane, NetworkPolicies, kube-proxy replacement, WireGuard' },
      { value: 'calico', note: 'mature NetworkPolicy engine with iptables or eBPF' },
      { value: 'default', note: "keep the cluster's own CNI (kindnet on kind enforces NetworkPolicies only on kernels with NFT_QUEUE)" },
      ...(s.networking.cni === 'default' && s.networking.policyController === 'none'
        ? [
            {
              value: 'policyController: kube-router',
              note: 'kube-router next to the CNI enforces NetworkPolicies with iptables and ipsets',
            },
          ]
        : []),
    ]),
    reason:
      s.networking.cni === 'default' && s.networking.policyController === 'kube-router'
        ? "The cluster keeps its own CNI for pod networking, and kube-router (policy-only) enforces NetworkPolicies next to it, so the tenants' default-deny policies really deny."
        : s.networking.cni === 'default'
          ? "The cluster's provider already runs a CNI; a second one would break pod networking. Check that it enforces NetworkPolicies, or the default-deny policies are decoration."
          : 'The CNI must enforce NetworkPolicies for default-deny tenant isolation to mean anything; it is chosen at creation because changing it later means rebuilding the cluster.',
  });
  out.push({
    area: 'foundation',
    title: 'Storage',
    chosen: `${s.storage.provisioner} provisioner, default StorageClass ${defaultStorageClass(config) ? `"${defaultStorageClass(config)}"` : "the cluster's own (none named; up's preflight reports which class carries the default annotation)"}${s.storage.snapshots ? `, CSI snapshots${providerAddons(config).includes('snapshot-controller') ? " (the provider's snapshot controller, adopted)" : ''}` : ''}`,
    alternatives: others(s.storage.provisioner, [
      { value: 'builtin', note: "the cluster's existing provisioner, made the single default" },
      { value: 'longhorn', note: 'replicated block storage; needs open-iscsi on every node' },
    ]),
    reason:
      'Stateful add-ons (Prometheus, backups) need exactly one default StorageClass; snapshots let backups capture volumes consistently.',
  });
  out.push({
    area: 'features',
    title: 'Pod Security for tenant namespaces',
    chosen: `${s.security.podSecurity.tenants} (platform namespaces ${s.security.podSecurity.platform}, system ${s.security.podSecurity.system})`,
    alternatives: others(s.security.podSecurity.tenants, [
      { value: 'restricted', note: 'non-root, no privilege escalation, seccomp: current hardening practice' },
      { value: 'baseline', note: 'blocks known escalations, runs most unmodified images' },
      { value: 'privileged', note: 'no restrictions' },
    ]),
    reason: 'Least privilege by default: teams run what they need, and exceptions are visible in the namespace labels instead of implicit.',
  });
  out.push({
    area: 'features',
    title: 'Security hardening',
    chosen: [
      `policy engine ${s.security.policyEngine.name}${s.security.policyEngine.name === 'kyverno' ? ` (${s.security.policyEngine.validationFailureAction})` : ''}`,
      `default-deny NetworkPolicies ${yesNo(s.security.defaultDenyNetworkPolicies)}`,
      `RBAC for tenants ${yesNo(s.security.rbac)}`,
      `cert-manager ${yesNo(s.security.certManager)}`,
      // On an existing cluster these are the provider's settings: kubestrap neither sets nor reads them.
      kind
        ? `audit log ${yesNo(s.security.auditLogging)}`
        : `audit log ${s.security.auditLogging ? 'wanted, but not configured or verified by kubestrap (see "What the team must check")' : 'not asked for'}`,
      kind
        ? `Secrets encrypted at rest ${yesNo(s.security.secretsEncryption)}`
        : `Secrets encrypted at rest ${s.security.secretsEncryption ? 'wanted, but not configured or verified by kubestrap (see "What the team must check")' : 'not asked for'}`,
    ].join('; '),
    alternatives: [
      { value: 'policyEngine: none', note: 'no admission policies beyond Pod Security' },
      { value: 'validationFailureAction: Enforce', note: 'block violations instead of reporting them' },
    ],
    reason: kind
      ? 'Access control and audit logging, encryption at rest and in transit: the guide asks for them from the start. On kind, kubestrap writes the audit policy and the encryption key into the API server configuration and verify proves both (a request in the audit log, a Secret stored k8s:enc: in etcd). Policies start in Audit so existing workloads are reported, not broken; switch to Enforce once the reports are clean.'
      : "Access control and audit logging, encryption at rest and in transit: the guide asks for them from the start. On an existing cluster the API server's flags belong to its provider, so kubestrap cannot set audit logging or encryption at rest there, and its verify reports both as not checkable. Policies start in Audit so existing workloads are reported, not broken; switch to Enforce once the reports are clean.",
  });
  out.push({
    area: 'features',
    title: 'Ingress (Gateway API)',
    chosen: s.networking.gateway,
    alternatives: others(s.networking.gateway, [
      { value: 'envoy-gateway', note: 'reference implementation, independent of the CNI' },
      { value: 'traefik', note: 'familiar proxy with Gateway API support' },
      { value: 'cilium', note: "the CNI's own implementation (needs kube-proxy replacement)" },
      { value: 'none', note: 'no ingress' },
    ]),
    reason:
      s.networking.gateway === 'none'
        ? 'No traffic needs to enter the cluster yet; add a Gateway when the first service is exposed.'
        : 'Gateway API is the successor of Ingress (ingress-nginx is retired); routes are portable between implementations.',
  });
  out.push(tlsDecision(config));
  out.push({
    area: 'features',
    title: 'Tenant teams',
    chosen: s.tenants.length
      ? s.tenants.map((t) => `${t.name} (cpu ${t.quota.cpu}, memory ${t.quota.memory}, ${t.quota.pods} pods)`).join(', ')
      : 'none yet',
    alternatives: [{ value: 'one shared namespace', note: 'simpler, but no isolation, quotas or ownership per team' }],
    reason:
      'One namespace per team gives each a boundary for RBAC, NetworkPolicies and quotas; requests quotas with limits at twice the requests keep one team from starving the others, and counts of PersistentVolumeClaims and LoadBalancer Services (0 by default: the shared Gateway is the way in) bound what costs money outside the quota. ' +
      "Teams' groups get the ClusterRole kubestrap-tenant-admin in their namespace, not the built-in admin: they run, configure and expose workloads but cannot rewrite their own NetworkPolicies, ResourceQuotas, LimitRanges or RoleBindings, so isolation and quota stay the platform's; `viewers` groups get the read-only built-in view role. Prometheus and the shared Gateway are let in past default-deny by policies the platform owns.",
  });
  out.push({
    area: 'observability',
    title: 'Monitoring and alerting',
    chosen: [
      `metrics-server ${yesNo(s.monitoring.metricsServer)}`,
      `kube-prometheus-stack ${yesNo(s.monitoring.prometheus.enabled)}${s.monitoring.prometheus.enabled ? ` (retention ${s.monitoring.prometheus.retention}, ${s.monitoring.prometheus.storageSize})` : ''}`,
      `Grafana ${yesNo(s.monitoring.grafana)}`,
      s.monitoring.logs
        ? `logs (Loki, kept ${s.monitoring.logRetention}, shipped by the team's own agent: kubestrap installs no shipper yet)`
        : 'logs (Loki) no',
      `alert receivers ${s.monitoring.alertReceivers.length ? s.monitoring.alertReceivers.map((r) => r.name).join(', ') : 'none yet'}`,
      ...(s.monitoring.prometheus.enabled
        ? [
            `dead man's switch ${s.monitoring.deadMansSwitch ? `Secret ${s.monitoring.deadMansSwitch.secretRef.name}` : 'none'}`,
            `control-plane components scraped: ${scrapedControlPlane(config)}`,
            `external label cluster="${s.cluster.name}"`,
          ]
        : []),
    ].join('; '),
    alternatives: [
      { value: 'no monitoring', note: 'nothing to see when something breaks' },
      { value: 'hosted monitoring', note: 'a vendor agent instead of kube-prometheus-stack' },
    ],
    reason:
      'Monitoring and alerting from the first deployment, and baselines tracked over time. Alert receivers read their URLs from Secrets, never from this file. ' +
      (s.monitoring.deadMansSwitch
        ? "The always-firing Watchdog alert pings the dead man's switch every 5 minutes; the outside check raises the alarm when the pings stop, i.e. when Prometheus or Alertmanager is down. "
        : "There is no dead man's switch yet: if Prometheus or Alertmanager dies, nobody is told. Set spec.monitoring.deadMansSwitch to a healthchecks-style URL (in a Secret). ") +
      (kind
        ? 'etcd, the controller manager, the scheduler and kube-proxy keep their metrics on localhost in kind, so they are not scraped: an unreachable target would only ever page.'
        : 'etcd, the controller manager, the scheduler and kube-proxy are scraped only where spec.monitoring.controlPlaneMetrics says the cluster exposes them: managed control planes never do and stock kubeadm binds them to 127.0.0.1, and an unreachable target pages (KubeSchedulerDown & co.) forever. Watch those components through the provider instead.'),
  });
  out.push({
    area: 'observability',
    title: 'Autoscaling',
    chosen: `HPA defaults ${s.autoscaling.hpa.minReplicas}-${s.autoscaling.hpa.maxReplicas} replicas at ${s.autoscaling.hpa.targetCPUUtilization}% CPU; VPA ${s.autoscaling.vpa.enabled ? `mode ${s.autoscaling.vpa.updateMode}` : 'no'}; cluster-autoscaler ${s.autoscaling.clusterAutoscaler.provider}${s.autoscaling.clusterAutoscaler.provider === 'none' ? '' : ` (identity: ${identityText(s.autoscaling.clusterAutoscaler.workloadIdentity, s.autoscaling.clusterAutoscaler.credentialsSecret, "the nodes' own")})`}`,
    alternatives: [
      { value: 'VPA updateMode Recreate/InPlaceOrRecreate', note: 'apply recommendations automatically' },
      { value: 'fixed replicas', note: 'no autoscaling' },
    ],
    reason: kind
      ? 'Recommendations first (VPA Off): measure before resizing. kind has no node groups, so no cluster-autoscaler.'
      : 'Recommendations first (VPA Off): measure before resizing; the cluster-autoscaler needs the node groups of the provider.',
  });
  out.push({
    area: 'operations',
    title: 'Backups and disaster recovery',
    chosen: s.backup.enabled
      ? `Velero to ${s.backup.storage.type}${s.backup.storage.type === 'minio' ? '' : ` bucket ${s.backup.storage.bucket} (identity: ${identityText(s.backup.storage.workloadIdentity, s.backup.storage.credentialsSecret, 'none')})`}, schedule "${s.backup.schedule}", kept ${s.backup.ttl}, volume data ${volumeText(config)}, Prometheus' TSDB left out, restore drill ${s.backup.restoreDrill ? '(a file on a volume, restored and compared)' : 'no'}`
      : 'no backups',
    alternatives: others(s.backup.enabled ? s.backup.storage.type : 'none', [
      { value: 'minio', note: 'in-cluster object store: lost with the cluster, development only' },
      { value: 's3', note: 'S3 or S3-compatible object storage outside the cluster' },
      { value: 'gcs', note: 'Google Cloud Storage' },
      { value: 'azure', note: 'Azure Blob Storage' },
      { value: 'none', note: 'no backups' },
    ]),
    reason: !s.backup.enabled
      ? 'Backups were turned off; nothing in the cluster can be restored after a loss. Revisit before production data arrives.'
      : s.backup.storage.type === 'minio'
        ? 'Design for failure, and prove restores with a drill. MinIO inside the cluster is acceptable for a laptop cluster only: losing the cluster loses the backups.'
        : `Design for failure: backups live outside the cluster they protect, and a restore drill proves they work. ${s.backup.storage.workloadIdentity ? 'Velero reaches the bucket with workload identity: no cloud key is stored in the cluster.' : 'Credentials come from a Secret, never from this file; workload identity (spec.backup.storage.workloadIdentity) would keep them out of the cluster.'}`,
  });
  out.push({
    area: 'operations',
    title: 'Cost controls',
    chosen: `quotas and LimitRanges ${yesNo(s.cost.quotas)}; PriorityClasses ${yesNo(s.cost.priorityClasses)}; OpenCost ${yesNo(s.cost.opencost)}`,
    alternatives: [
      { value: 'no quotas', note: 'unbounded requests; one team can consume the cluster' },
      { value: 'no OpenCost', note: 'costs visible only on the provider bill' },
    ],
    reason:
      'Every pod gets default requests and limits, every team a ceiling, and OpenCost shows what each namespace costs, so optimisation starts from numbers.',
  });
  out.push({
    area: 'operations',
    title: 'Add-on sizing, priority and availability',
    chosen: [
      `requests and limits on every add-on container, sized for ${kind ? 'a laptop (kind)' : 'a small production cluster'}${Object.keys(s.cost.addonResources).length ? `, overridden for ${Object.keys(s.cost.addonResources).join(', ')}` : ''}`,
      s.cost.priorityClasses
        ? "PriorityClasses created in the foundation phase; add-ons run as kubestrap-platform-critical (metrics-server and cluster-autoscaler keep their charts' system-cluster-critical); tenant-default is the global default"
        : 'no PriorityClasses: add-ons run at the priority of every other pod',
      kind
        ? 'one replica per add-on'
        : 'two or more replicas where the add-on supports it, each with a PodDisruptionBudget and spread over zones and nodes',
      'Grafana on a persistent volume',
    ].join('; '),
    alternatives: [
      {
        value: 'chart defaults',
        note: 'most charts set no requests or limits: the scheduler packs add-ons blindly and a leak takes the node down',
      },
      { value: 'no global default PriorityClass', note: 'leaves pods that name no class at priority 0, below batch-low' },
    ],
    reason:
      'Requests let the scheduler place add-ons where they fit, limits stop a leaking one from starving its node; PodDisruptionBudgets keep a quorum through node drains and upgrades. ' +
      'The platform class outranks every tenant class, so under pressure tenant pods are preempted before monitoring, policy or backups. tenant-default is the global default so that tenant pods that name no class rank above batch-low; it is never what an add-on runs at, because each names its class explicitly. ' +
      (kind
        ? ''
        : 'On an existing cluster the global default also applies to new pods of namespaces kubestrap does not manage; if the cluster already has a global default PriorityClass, the API server would refuse a second one, so the preflight stops the run before anything is applied: set spec.cost.priorityClasses false or make the other class an ordinary one. ') +
      "Not covered: the gateway's data-plane proxies (created by the gateway controller, not by a chart) run without kubestrap's class or sizes" +
      (s.networking.cni === 'calico' ? "; so do Calico's pods (created by the tigera operator from its Installation)" : '') +
      (s.storage.provisioner === 'longhorn' ? "; so do Longhorn's pods (it keeps its own PriorityClass)" : '') +
      '.',
  });
  out.push({
    area: 'operations',
    title: 'Where charts come from',
    chosen:
      s.charts.source === 'local'
        ? `local directory ${s.charts.localDir ?? ''}`
        : s.charts.source === 'oci'
          ? `OCI mirror ${s.charts.ociMirror ?? ''}`
          : 'public chart repositories',
    alternatives: others(s.charts.source, [
      { value: 'repository', note: 'public repositories, pinned versions' },
      { value: 'local', note: 'a directory of charts (air-gapped)' },
      { value: 'oci', note: 'a mirror registry' },
    ]),
    reason: 'Every chart version is pinned in one lock table, so a re-run installs exactly what was planned.',
  });
  if (!kind) out.push(providerChecks(config));
  return out;
}

function identityText(w: Parameters<typeof identityWiring>[0], secret: string | undefined, otherwise: string): string {
  const wiring = identityWiring(w);
  if (wiring) return wiring.describe;
  return secret ? `static keys from Secret ${secret}, the fallback` : otherwise;
}

/** What the provider profile decided, for an existing cluster. */
function profileDecision(config: Config): Decision {
  const profile = clusterProfile(config);
  const facts = profileFacts[profile];
  const adopted = providerAddons(config);
  return {
    area: 'foundation',
    title: 'Provider profile',
    chosen: [
      `${profile}${config.spec.cluster.profile ? '' : ' (default: spec.cluster.profile is not set)'}`,
      facts.managedControlPlane
        ? 'managed control plane, never scraped'
        : 'self-managed control plane, scraped only where spec.monitoring.controlPlaneMetrics says it is reachable',
      `add-ons the provider runs (adopted, not installed): ${adopted.length ? adopted.join(', ') : 'none'}`,
      `workload identity: ${facts.identity ?? 'none kubestrap can wire'}`,
      `cluster-autoscaler possible: ${facts.clusterAutoscaler ?? 'clusterapi only'}`,
    ].join('; '),
    alternatives: (['eks', 'gke', 'aks', 'kubeadm', 'generic'] as const)
      .filter((p) => p !== profile)
      .map((p) => ({ value: p, note: profileFacts[p].title })),
    reason:
      "A cluster kubestrap adopts was built by someone else: the profile says what can be assumed about it, so nothing is reinstalled that the provider runs, nothing is scraped that pods cannot reach, and cloud access uses the provider's workload identity. up's preflight and doctor compare it with the nodes (providerID, provider node labels, control-plane nodes) and refuse a contradiction.",
  };
}

function scrapedControlPlane(config: Config): string {
  const on = Object.entries(controlPlaneScraping(config))
    .filter(([, v]) => v)
    .map(([k]) => k);
  return on.length ? on.join(', ') : 'none';
}

/**
 * On an existing cluster, what kubestrap cannot configure (the API server's flags are the
 * provider's) and how the team checks it on the common providers.
 */
function providerChecks(config: Config): Decision {
  const s = config.spec;
  const profile = clusterProfile(config);
  const wanted = [
    s.security.auditLogging ? 'audit logging' : '',
    s.security.secretsEncryption ? 'encryption of Secrets at rest' : '',
  ].filter(Boolean);
  return {
    area: 'features',
    title: 'What the team must check (not configured by kubestrap on this cluster)',
    chosen: [
      wanted.length
        ? `${wanted.join(' and ')}: asked for in the config, neither configured nor verified by kubestrap here`
        : 'audit logging and encryption at rest: not asked for',
      'control-plane health (etcd, controller manager, scheduler): watched by the provider, not by this Prometheus unless spec.monitoring.controlPlaneMetrics says they are reachable',
    ].join('; '),
    alternatives: [
      { value: 'provider: kind', note: 'kubestrap writes the audit policy and the encryption key into the API server and verifies both' },
    ],
    reason: [
      ...providerCheckText[profile],
      'Record the answers here: kubestrap verify reports audit logging and encryption at rest as not checkable on this cluster.',
    ].join(' '),
  };
}

const selfManagedChecks = [
  'Check audit logging: `--audit-policy-file` and `--audit-log-path` (or `--audit-webhook-config-file`) in /etc/kubernetes/manifests/kube-apiserver.yaml on every control-plane node.',
  'Check encryption at rest: `--encryption-provider-config` on the API server, and a Secret read straight from etcd (etcdctl get /registry/secrets/<ns>/<name>) starts with k8s:enc:.',
  "Check NetworkPolicy enforcement: the cluster's CNI must enforce NetworkPolicies (Flannel alone does not), or the tenants' default-deny is decoration.",
];

/** Per profile: how the team checks what kubestrap cannot configure there. */
const providerCheckText: Record<ClusterProfile, string[]> = {
  kind: [],
  eks: [
    'Check audit logging: `aws eks describe-cluster --name <cluster> --query cluster.logging` shows the "audit" type enabled (control-plane logs go to CloudWatch).',
    'Check encryption at rest: `aws eks describe-cluster --name <cluster> --query cluster.encryptionConfig` names a KMS key of yours for envelope encryption of Secrets.',
    "Check IRSA: `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer` has an IAM OIDC provider, and each role's trust policy names its ServiceAccount (kube-system/cluster-autoscaler, velero/velero-server).",
    'Check NetworkPolicy enforcement: the VPC CNI enforces NetworkPolicies only with its network policy agent on (`enableNetworkPolicy: "true"` in the aws-node configuration), otherwise the tenants\' default-deny is decoration.',
  ],
  gke: [
    'Check audit logging: Admin Activity audit logs are always on; read one with `gcloud logging read \'logName:"cloudaudit.googleapis.com%2Factivity" AND resource.type="k8s_cluster"\' --limit 1`.',
    'Check encryption at rest: `gcloud container clusters describe <cluster> --format="value(databaseEncryption.state)"` is ENCRYPTED for application-layer encryption with a Cloud KMS key (GKE always encrypts storage; this adds your key).',
    'Check Workload Identity: `gcloud container clusters describe <cluster> --format="value(workloadIdentityConfig.workloadPool)"` is set, the node pools run the GKE metadata server, and each Google service account grants roles/iam.workloadIdentityUser to its Kubernetes ServiceAccount.',
    'Check NetworkPolicy enforcement: Dataplane V2 (`networkConfig.datapathProvider: ADVANCED_DATAPATH`) or network policy enforcement must be on.',
  ],
  aks: [
    'Check audit logging: `az monitor diagnostic-settings list --resource <cluster resource id>` has category kube-audit or kube-audit-admin going to a workspace or storage account.',
    'Check encryption at rest: `az aks show -g <resource group> -n <cluster> --query securityProfile.azureKeyVaultKms` is enabled for Key Vault KMS encryption of Secrets.',
    'Check Azure Workload Identity: `az aks show -g <resource group> -n <cluster> --query "[oidcIssuerProfile.enabled, securityProfile.workloadIdentity.enabled]"` is both true, and each managed identity has a federated credential for its ServiceAccount.',
    "Check NetworkPolicy enforcement: `az aks show --query networkProfile.networkPolicy` is azure, calico or cilium (none means the tenants' default-deny is decoration).",
  ],
  kubeadm: selfManagedChecks,
  generic: [
    ...selfManagedChecks,
    "On a managed cluster, set spec.cluster.profile (eks, gke, aks) to get the provider's own commands here.",
  ],
};

export function renderDecisions(config: Config, options: { configFile: string; date: string }): string {
  const lines = [
    `# Architecture decisions: roadmap ${config.metadata.name}`,
    '',
    `Recorded by \`kubestrap init\` on ${options.date} from \`${options.configFile}\`. The guide behind kubestrap asks teams to`,
    'document architectural decisions and their rationale; edit the reasons as your own understanding grows,',
    'and re-run `kubestrap init --force` (or edit the config) when a decision changes.',
    '',
  ];
  decisionsFor(config).forEach((d, i) => {
    lines.push(`## ${i + 1}. ${d.title} (${d.area})`, '', `- **Chosen:** ${d.chosen}`);
    if (d.alternatives.length) {
      lines.push('- **Alternatives:**');
      for (const a of d.alternatives) lines.push(`  - ${a.value}: ${a.note}`);
    }
    lines.push(`- **Why:** ${d.reason}`, '');
  });
  return lines.join('\n');
}

/** What backs up volume data, in the words of the record. */
function volumeText(config: Config): string {
  const v = volumeBackup(config);
  return v.mode === 'snapshot'
    ? `as CSI snapshots (${v.driver}) moved to the bucket`
    : v.mode === 'file-system'
      ? `copied file by file by the node agent (${v.reason})`
      : 'not backed up';
}

/** TLS for what users reach, and encryption between nodes. */
function tlsDecision(config: Config): Decision {
  const s = config.spec;
  const tls = gatewayTls(config);
  const issuer = s.security.tls.issuer;
  const issuerText =
    issuer === 'acme'
      ? `ACME (${s.security.tls.acme?.server ?? ''}, ${s.security.tls.acme?.solver === 'dns01' ? `DNS-01 via ${s.security.tls.acme?.dns01?.provider ?? ''}` : 'HTTP-01 through the Gateway'})`
      : issuer === 'ca'
        ? s.security.tls.ca.secretName
          ? `the team's CA (Secret cert-manager/${s.security.tls.ca.secretName})`
          : "kubestrap's private root CA (clients trust ca.crt of Secret cert-manager/kubestrap-root-ca)"
        : 'self-signed certificates (nothing for clients to trust)';
  return {
    area: 'features',
    title: 'TLS and encryption in transit',
    chosen: [
      s.security.certManager ? `issuer: ${issuerText}` : 'no cert-manager: no certificates',
      s.networking.gateway === 'none'
        ? 'no Gateway'
        : tls
          ? `Gateway HTTPS on 443 for ${tls.dnsNames.join(', ')}${tls.redirect ? ', HTTP redirected' : ', HTTP served too'}`
          : `Gateway HTTP only (${noHttpsReason(config) ?? ''})`,
      `pod-to-pod traffic between nodes ${s.networking.encryption ? `encrypted (${s.networking.cni === 'calico' ? 'Calico' : 'Cilium'} WireGuard)` : 'not encrypted by kubestrap'}`,
    ].join('; '),
    alternatives: [
      { value: 'issuer: acme', note: "a public CA (Let's Encrypt): browsers trust it; needs public DNS names" },
      { value: 'issuer: ca', note: 'a private CA: one certificate (ca.crt) for clients to trust' },
      {
        value: 'networking.encryption: true',
        note: "WireGuard between nodes (cilium or calico; the cluster's own CNI cannot be configured by kubestrap)",
      },
    ].filter((a) => !a.value.endsWith(issuer) && !(a.value.startsWith('networking') && s.networking.encryption)),
    reason:
      'Encryption in transit for everything users reach: certificates are issued and renewed by cert-manager, never copied by hand, and plain HTTP only answers with a redirect. ' +
      (s.networking.encryption
        ? 'Traffic between nodes is encrypted by the CNI, so a tapped node network shows nothing.'
        : "Traffic between nodes is not encrypted by kubestrap: rely on the provider's network, or turn on networking.encryption with cilium or calico."),
  };
}
