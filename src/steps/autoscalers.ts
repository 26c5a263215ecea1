import type { Config } from '../config/schema.js';
import { lock } from '../lock.js';
import { identityWiring } from '../render/identity.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources } from '../render/addons.js';
import { renderObject } from '../render/template.js';
import type { Step } from '../roadmap/types.js';

/**
 * The VPA's components run where the upstream project installs them: kube-system, whose Pod
 * Security level (system) and policy exclusions already fit cluster components.
 */
export const vpaNamespace = 'kube-system';

/**
 * The values context of cluster-autoscaler per cloud, with every value the chart needs to find node
 * groups there, and its identity: workload identity, else the user's Secret of static keys, else
 * (aws, gce) the nodes' own.
 */
export function clusterAutoscalerValues(config: Config): { context: Record<string, unknown>; describe: string } {
  const { cluster, autoscaling } = config.spec;
  const ca = autoscaling.clusterAutoscaler;
  const clusterName = ca.clusterName ?? cluster.name;
  const wiring = identityWiring(ca.workloadIdentity);
  const context: Record<string, unknown> = {
    cloudProvider: ca.provider,
    clusterName,
    imageTag: lock.clusterAutoscalerImageTags[cluster.kubernetesVersion],
    resources: addonResources(config, 'cluster-autoscaler'),
    rbac: wiring ? { serviceAccount: { annotations: wiring.serviceAccountAnnotations } } : undefined,
    podLabels: wiring && Object.keys(wiring.podLabels).length ? wiring.podLabels : undefined,
  };
  let discovery: string;
  if (ca.provider === 'aws') {
    context.aws = { region: ca.region };
    discovery = `Auto Scaling groups in ${ca.region ?? '?'} tagged k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/${clusterName}`;
    if (!wiring && ca.credentialsSecret) {
      context.extraEnvSecrets = {
        AWS_ACCESS_KEY_ID: { name: ca.credentialsSecret, key: 'AwsAccessKeyId' },
        AWS_SECRET_ACCESS_KEY: { name: ca.credentialsSecret, key: 'AwsSecretAccessKey' },
      };
    }
  } else if (ca.provider === 'gce') {
    context.gce = { nodeGroups: ca.nodeGroups.map((g) => ({ name: g.namePrefix, minSize: g.minSize, maxSize: g.maxSize })) };
    discovery = `managed instance groups ${ca.nodeGroups.map((g) => `${g.namePrefix}* (${g.minSize}-${g.maxSize})`).join(', ')}; GKE's own autoscaler must be off for these node pools`;
  } else if (ca.provider === 'azure') {
    if (wiring) {
      context.azure = {
        subscriptionId: ca.azure?.subscriptionId,
        resourceGroup: ca.azure?.resourceGroup,
        clientId: ca.workloadIdentity?.azureClientId,
        vmType: 'vmss',
        workloadIdentity: true,
      };
    } else {
      // Every ID and the client secret come from the user's Secret; the chart renders none.
      context.secretKeyRefNameOverride = ca.credentialsSecret;
    }
    discovery = `VM scale sets tagged cluster-autoscaler-enabled=true and cluster-autoscaler-name=${clusterName}; AKS's own autoscaler must be off for these node pools`;
  } else {
    discovery = `Cluster API MachineDeployments/MachineSets of cluster ${clusterName} annotated with their min/max size`;
  }
  const identity = wiring
    ? wiring.describe
    : ca.credentialsSecret
      ? `static credentials from Secret kube-system/${ca.credentialsSecret} (the fallback; workload identity keeps keys out of the cluster)`
      : ca.provider === 'aws'
        ? "the nodes' instance role (no workloadIdentity.awsRoleArn)"
        : ca.provider === 'gce'
          ? "the nodes' service account (no workloadIdentity.gcpServiceAccount)"
          : 'its ServiceAccount';
  return { context, describe: `scales ${discovery}; identity: ${identity}` };
}

/**
 * The autoscalers themselves: the Vertical Pod Autoscaler (Fairwinds chart) and cluster-autoscaler
 * where a provider has node groups to scale. A step apart from `autoscaling` (the HPA and VPA on the
 * smoke-test workload) because these controllers need nothing but a pod network: they install while
 * security, the gateway and monitoring do, instead of after the integration test.
 */
export const autoscalersStep: Step = {
  id: 'autoscalers',
  phase: 'observability',
  title: 'Autoscalers (VPA, cluster-autoscaler)',
  needs: ['networking'],
  enabled: (config) =>
    config.spec.autoscaling.vpa.enabled || config.spec.autoscaling.clusterAutoscaler.provider !== 'none'
      ? { enabled: true }
      : { enabled: false, reason: 'spec.autoscaling turns off the VPA and has no cluster-autoscaler provider' },
  render(ctx) {
    const b = new PlanBuilder(ctx, 'observability', 'autoscalers');
    const { config } = ctx;
    const { cluster, autoscaling } = config.spec;
    const isKind = cluster.provider === 'kind';

    if (autoscaling.vpa.enabled) {
      const replicas = isKind ? 1 : 2;
      b.helm(
        'vpa',
        'vpa',
        vpaNamespace,
        renderObject('autoscaling/vpa-values.yaml', {
          replicas: { recommender: 1, updater: 1, admissionController: replicas },
          priorityClassName: addonPriorityClass(config),
          resources: {
            recommender: addonResources(config, 'vpa-recommender'),
            updater: addonResources(config, 'vpa-updater'),
            admissionController: addonResources(config, 'vpa-admission-controller'),
            certGen: addonResources(config, 'helper-jobs'),
          },
          admissionAffinity:
            replicas >= 2
              ? {
                  podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                      {
                        weight: 100,
                        podAffinityTerm: {
                          topologyKey: 'kubernetes.io/hostname',
                          labelSelector: {
                            matchLabels: { 'app.kubernetes.io/component': 'admission-controller', 'app.kubernetes.io/instance': 'vpa' },
                          },
                        },
                      },
                    ],
                  },
                }
              : {},
        }),
      );
      // Release `vpa` → the chart's fullname is `vpa` (its _helpers.tpl drops a repeated chart name).
      b.rollout(vpaNamespace, ['deployment', 'vpa-recommender'], ['deployment', 'vpa-updater'], ['deployment', 'vpa-admission-controller']);
      b.check(
        { type: 'crd-established', name: 'verticalpodautoscalers.autoscaling.k8s.io' },
        { type: 'crd-established', name: 'verticalpodautoscalercheckpoints.autoscaling.k8s.io' },
      );
    }

    const { provider } = autoscaling.clusterAutoscaler;
    if (provider !== 'none') {
      const values = clusterAutoscalerValues(config);
      b.helm(
        'clusterAutoscaler',
        'cluster-autoscaler',
        'kube-system',
        renderObject('autoscaling/cluster-autoscaler-values.yaml', values.context),
      );
      b.note(`cluster-autoscaler (${provider}): ${values.describe}`);
      b.rollout('kube-system', ['deployment', 'cluster-autoscaler']);
    }
    return b.build();
  },
};
