import type { Config } from '../config/schema.js';
import { lock } from '../lock.js';
import { commonLabels } from '../render/common.js';
import { renderObject, renderObjects, toYaml } from '../render/template.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { priorityClassNames } from './cost.js';
import { encryptionKeyFile } from '../names.js';
import type { Step } from '../roadmap/types.js';

const auditPolicyInNode = '/etc/kubernetes/kubestrap/audit-policy.yaml';
const encryptionConfigInNode = '/etc/kubernetes/kubestrap/encryption-config.yaml';
const auditLogDir = '/var/log/kubernetes/audit';

export { encryptionKeyFile };

/**
 * The PriorityClasses, applied as soon as the API server answers: every add-on of the later steps
 * names kubestrap-platform-critical, and a pod naming a class that does not exist is refused.
 */
function priorityClasses(b: PlanBuilder, config: Config): void {
  if (!config.spec.cost.priorityClasses) return;
  b.manifest(
    'priority-classes.yaml',
    renderObjects('cluster/priority-classes.yaml', { labels: commonLabels(config, 'cluster') }),
    'PriorityClasses (kubestrap-platform-critical for add-ons; tenant-default is the global default)',
  );
  for (const name of priorityClassNames) b.check({ type: 'exists', resource: 'priorityclasses.scheduling.k8s.io', name });
}

/**
 * The cluster itself: a kind cluster rendered from the config (with audit logging and encryption
 * at rest wired into the API server), or an existing cluster adopted through the named context.
 */
export const clusterStep: Step = {
  id: 'cluster',
  phase: 'foundation',
  title: 'Cluster',
  needs: [],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    const b = new PlanBuilder(ctx, 'foundation', 'cluster');
    const { cluster, networking, security } = ctx.config.spec;
    b.check({ type: 'api-ready' });
    // With the default CNI disabled, nodes turn Ready only after the networking step.
    if (cluster.provider === 'existing' || networking.cni === 'default') b.check({ type: 'nodes-ready' });
    if (cluster.provider === 'existing') {
      if (security.auditLogging) {
        b.check({
          type: 'not-checkable',
          description: 'API server audit logging',
          reason:
            'an existing cluster configures audit logging through its provider (e.g. EKS control plane logging); kubestrap cannot read the flag',
        });
      }
      if (security.secretsEncryption) {
        b.check({
          type: 'not-checkable',
          description: 'Secrets encryption at rest',
          reason: "an existing cluster's encryption at rest is set by its provider (KMS envelope encryption); kubestrap cannot read it",
        });
      }
      priorityClasses(b, ctx.config);
      return b.build();
    }

    const extraArgs: Record<string, string> = {};
    const extraVolumes: Record<string, unknown>[] = [];
    const mounts: Record<string, unknown>[] = [];
    if (security.auditLogging) {
      const policy = b.file('audit-policy.yaml', renderObject('cluster/audit-policy.yaml', {}));
      Object.assign(extraArgs, {
        'audit-policy-file': auditPolicyInNode,
        'audit-log-path': `${auditLogDir}/audit.log`,
        'audit-log-maxage': '7',
        'audit-log-maxbackup': '4',
        'audit-log-maxsize': '100',
      });
      extraVolumes.push(
        { name: 'audit-policy', hostPath: auditPolicyInNode, mountPath: auditPolicyInNode, readOnly: true, pathType: 'File' },
        { name: 'audit-logs', hostPath: auditLogDir, mountPath: auditLogDir, readOnly: false, pathType: 'DirectoryOrCreate' },
      );
      mounts.push({ hostPath: `${ctx.outDir}/${policy}`, containerPath: auditPolicyInNode, readOnly: true });
    }
    if (security.secretsEncryption) {
      // The key is generated when the cluster is created (`kubestrap up`) and written only there.
      // The key file is created once by `kubestrap up` (0600) next to the config, outside the plan
      // and work directories, and never rewritten: losing the key loses every Secret.
      extraArgs['encryption-provider-config'] = encryptionConfigInNode;
      extraVolumes.push({
        name: 'encryption-config',
        hostPath: encryptionConfigInNode,
        mountPath: encryptionConfigInNode,
        readOnly: true,
        pathType: 'File',
      });
      mounts.push({ hostPath: encryptionKeyFile(ctx.baseDir, cluster.name), containerPath: encryptionConfigInNode, readOnly: true });
    }

    const image = kindNodeImage(ctx.config);
    b.note(
      cluster.nodeImage
        ? `node image ${image} (spec.cluster.nodeImage; the lock pins ${lock.kindNodeImages[cluster.kubernetesVersion]})`
        : `node image ${image} (pinned for Kubernetes ${cluster.kubernetesVersion})`,
    );
    const patches = Object.keys(extraArgs).length
      ? [toYaml(renderObject('cluster/kubeadm-apiserver-patch.yaml', { extraArgs, extraVolumes }))]
      : [];
    const nodes: Record<string, unknown>[] = [];
    for (let i = 0; i < cluster.nodes.controlPlanes; i++) {
      nodes.push({
        role: 'control-plane',
        image,
        ...(patches.length ? { kubeadmConfigPatches: patches } : {}),
        ...(mounts.length ? { extraMounts: mounts } : {}),
      });
    }
    for (let i = 0; i < cluster.nodes.workers; i++) nodes.push({ role: 'worker', image, labels: { 'kubestrap.dev/pool': 'general' } });

    const disableDefaultCNI = networking.cni !== 'default';
    const kindConfig = renderObject('cluster/kind-config.yaml', {
      name: cluster.name,
      podSubnet: networking.podSubnet,
      serviceSubnet: networking.serviceSubnet,
      disableDefaultCNI,
      kubeProxyMode: networking.kubeProxyReplacement ? 'none' : 'iptables',
      nodes,
    });
    const configPath = b.file('kind-config.yaml', kindConfig);
    // `kind create cluster --wait` hangs while no CNI is installed; the networking step waits instead.
    b.action({
      type: 'kind-create',
      cluster: cluster.name,
      config: configPath,
      waitForNodes: !disableDefaultCNI,
      ...(security.secretsEncryption ? { encryptionConfig: encryptionKeyFile(ctx.baseDir, cluster.name) } : {}),
    });
    priorityClasses(b, ctx.config);
    return b.build();
  },
};

/** The kind node image: the configured override (e.g. a private mirror), else the lock's pin. */
export function kindNodeImage(config: Config): string {
  return config.spec.cluster.nodeImage ?? lock.kindNodeImages[config.spec.cluster.kubernetesVersion];
}
