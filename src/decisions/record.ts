/**
 * The decision record (docs/decisions.md): for every choice in the roadmap, what was chosen, the
 * alternatives and the reason. Generated from the validated config, so `init --yes` writes the
 * same record the wizard does. Pure: the date is passed in.
 */
import type { Config } from '../config/schema.js';
import { lock } from '../lock.js';
import { kindNodeImage } from '../steps/cluster.js';

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
    chosen: kind ? `kind cluster "${s.cluster.name}" on this machine (${s.cluster.nodes.controlPlanes} control plane, ${s.cluster.nodes.workers} workers)` : `existing cluster, kube context "${s.cluster.context ?? ''}"`,
    alternatives: others(s.cluster.provider, [
      { value: 'kind', note: 'a local kind cluster: fast to create and throw away, not for production traffic' },
      { value: 'existing', note: 'any conformant cluster (EKS, GKE, AKS, bare metal) adopted through its kube context' },
    ]),
    reason: kind
      ? 'Start small and measured: the whole roadmap runs on a laptop first, so the team sees every phase work before paying for infrastructure.'
      : 'The cluster already exists and is run by its provider; kubestrap binds the roadmap to that context (and the cluster identity) and never applies anywhere else.',
  });
  out.push({
    area: 'foundation',
    title: 'Kubernetes version',
    chosen: kind ? `${s.cluster.kubernetesVersion}, kind node image ${kindNodeImage(config)}${s.cluster.nodeImage ? ' (spec.cluster.nodeImage)' : ' (pinned)'}` : s.cluster.kubernetesVersion,
    alternatives: kind && s.cluster.nodeImage ? [{ value: lock.kindNodeImages[s.cluster.kubernetesVersion], note: 'the node image kubestrap pins for this minor (digest-pinned, from Docker Hub)' }] : [],
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
      ...(s.networking.cni === 'default' && s.networking.policyController === 'none' ? [{ value: 'policyController: kube-router', note: 'kube-router next to the CNI enforces NetworkPolicies with iptables and ipsets' }] : []),
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
    chosen: `${s.storage.provisioner} provisioner, default StorageClass "${s.storage.defaultClass}"${s.storage.snapshots ? ', CSI snapshots' : ''}`,
    alternatives: others(s.storage.provisioner, [
      { value: 'builtin', note: "the cluster's existing provisioner, made the single default" },
      { value: 'longhorn', note: 'replicated block storage; needs open-iscsi on every node' },
    ]),
    reason: 'Stateful add-ons (Prometheus, backups) need exactly one default StorageClass; snapshots let backups capture volumes consistently.',
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
      `audit log ${yesNo(s.security.auditLogging)}`,
      `Secrets encrypted at rest ${yesNo(s.security.secretsEncryption)}`,
    ].join('; '),
    alternatives: [{ value: 'policyEngine: none', note: 'no admission policies beyond Pod Security' }, { value: 'validationFailureAction: Enforce', note: 'block violations instead of reporting them' }],
    reason: 'Access control and audit logging, encryption at rest and in transit: the guide asks for them from the start. Policies start in Audit so existing workloads are reported, not broken; switch to Enforce once the reports are clean.',
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
    reason: s.networking.gateway === 'none' ? 'No traffic needs to enter the cluster yet; add a Gateway when the first service is exposed.' : 'Gateway API is the successor of Ingress (ingress-nginx is retired); routes are portable between implementations.',
  });
  out.push({
    area: 'features',
    title: 'Tenant teams',
    chosen: s.tenants.length ? s.tenants.map((t) => `${t.name} (cpu ${t.quota.cpu}, memory ${t.quota.memory}, ${t.quota.pods} pods)`).join(', ') : 'none yet',
    alternatives: [{ value: 'one shared namespace', note: 'simpler, but no isolation, quotas or ownership per team' }],
    reason: 'One namespace per team gives each a boundary for RBAC, NetworkPolicies and quotas; requests quotas with limits at twice the requests keep one team from starving the others.',
  });
  out.push({
    area: 'observability',
    title: 'Monitoring and alerting',
    chosen: [
      `metrics-server ${yesNo(s.monitoring.metricsServer)}`,
      `kube-prometheus-stack ${yesNo(s.monitoring.prometheus.enabled)}${s.monitoring.prometheus.enabled ? ` (retention ${s.monitoring.prometheus.retention}, ${s.monitoring.prometheus.storageSize})` : ''}`,
      `Grafana ${yesNo(s.monitoring.grafana)}`,
      `logs (Loki) ${yesNo(s.monitoring.logs)}`,
      `alert receivers ${s.monitoring.alertReceivers.length ? s.monitoring.alertReceivers.map((r) => r.name).join(', ') : 'none yet'}`,
    ].join('; '),
    alternatives: [{ value: 'no monitoring', note: 'nothing to see when something breaks' }, { value: 'hosted monitoring', note: 'a vendor agent instead of kube-prometheus-stack' }],
    reason: 'Monitoring and alerting from the first deployment, and baselines tracked over time. Alert receivers read their URLs from Secrets, never from this file.',
  });
  out.push({
    area: 'observability',
    title: 'Autoscaling',
    chosen: `HPA defaults ${s.autoscaling.hpa.minReplicas}-${s.autoscaling.hpa.maxReplicas} replicas at ${s.autoscaling.hpa.targetCPUUtilization}% CPU; VPA ${s.autoscaling.vpa.enabled ? `mode ${s.autoscaling.vpa.updateMode}` : 'no'}; cluster-autoscaler ${s.autoscaling.clusterAutoscaler.provider}`,
    alternatives: [{ value: 'VPA updateMode Recreate/InPlaceOrRecreate', note: 'apply recommendations automatically' }, { value: 'fixed replicas', note: 'no autoscaling' }],
    reason: kind ? 'Recommendations first (VPA Off): measure before resizing. kind has no node groups, so no cluster-autoscaler.' : 'Recommendations first (VPA Off): measure before resizing; the cluster-autoscaler needs the node groups of the provider.',
  });
  out.push({
    area: 'operations',
    title: 'Backups and disaster recovery',
    chosen: s.backup.enabled ? `Velero to ${s.backup.storage.type}${s.backup.storage.type === 'minio' ? '' : ` bucket ${s.backup.storage.bucket}`}, schedule "${s.backup.schedule}", kept ${s.backup.ttl}, restore drill ${yesNo(s.backup.restoreDrill)}` : 'no backups',
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
        : 'Design for failure: backups live outside the cluster they protect, and a restore drill proves they work. Credentials come from a Secret, never from this file.',
  });
  out.push({
    area: 'operations',
    title: 'Cost controls',
    chosen: `quotas and LimitRanges ${yesNo(s.cost.quotas)}; PriorityClasses ${yesNo(s.cost.priorityClasses)}; OpenCost ${yesNo(s.cost.opencost)}`,
    alternatives: [{ value: 'no quotas', note: 'unbounded requests; one team can consume the cluster' }, { value: 'no OpenCost', note: 'costs visible only on the provider bill' }],
    reason: 'Every pod gets default requests and limits, every team a ceiling, and OpenCost shows what each namespace costs, so optimisation starts from numbers.',
  });
  out.push({
    area: 'operations',
    title: 'Where charts come from',
    chosen: s.charts.source === 'local' ? `local directory ${s.charts.localDir ?? ''}` : s.charts.source === 'oci' ? `OCI mirror ${s.charts.ociMirror ?? ''}` : 'public chart repositories',
    alternatives: others(s.charts.source, [
      { value: 'repository', note: 'public repositories, pinned versions' },
      { value: 'local', note: 'a directory of charts (air-gapped)' },
      { value: 'oci', note: 'a mirror registry' },
    ]),
    reason: 'Every chart version is pinned in one lock table, so a re-run installs exactly what was planned.',
  });
  return out;
}

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
