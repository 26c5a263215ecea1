import { lock } from '../lock.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources } from '../render/addons.js';
import { commonLabels } from '../render/common.js';
import { renderObject } from '../render/template.js';
import type { Step } from '../roadmap/types.js';
import { smokeName, smokeNamespace } from './integration.js';

/**
 * The VPA's components run where the upstream project installs them: kube-system, whose Pod
 * Security level (system) and policy exclusions already fit cluster components.
 */
export const vpaNamespace = 'kube-system';
/** The smoke-test workload the integration step deploys; autoscaling attaches an HPA and a VPA to it. */
const smokeWorkload = { namespace: smokeNamespace, name: smokeName } as const;

/**
 * Autoscaling: HPA defaults shown on the smoke-test workload, the Vertical Pod Autoscaler
 * (Fairwinds chart), and cluster-autoscaler where a provider has node groups to scale.
 */
export const autoscalingStep: Step = {
  id: 'autoscaling',
  phase: 'observability',
  title: 'Autoscaling',
  needs: ['monitoring', 'integration'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    const b = new PlanBuilder(ctx, 'observability', 'autoscaling');
    const { config } = ctx;
    const { cluster, autoscaling } = config.spec;
    const isKind = cluster.provider === 'kind';
    const labels = commonLabels(config, 'autoscaling');

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
                          labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'admission-controller', 'app.kubernetes.io/instance': 'vpa' } },
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
      b.helm(
        'clusterAutoscaler',
        'cluster-autoscaler',
        'kube-system',
        renderObject('autoscaling/cluster-autoscaler-values.yaml', {
          cloudProvider: provider,
          clusterName: autoscaling.clusterAutoscaler.clusterName ?? cluster.name,
          imageTag: lock.clusterAutoscalerImageTags[cluster.kubernetesVersion],
          awsRegion: provider === 'aws' ? autoscaling.clusterAutoscaler.region : undefined,
          resources: addonResources(config, 'cluster-autoscaler'),
        }),
      );
      b.rollout('kube-system', ['deployment', 'cluster-autoscaler']);
    }

    // The smoke-test Deployment exists since the integration step; scaling objects follow it.
    const hpa = renderObject('autoscaling/smoke-hpa.yaml', { ...smokeWorkload, labels, hpa: autoscaling.hpa });
    b.manifest('smoke-hpa.yaml', [hpa], 'HorizontalPodAutoscaler for the smoke-test workload');
    b.check({ type: 'exists', resource: 'horizontalpodautoscalers.autoscaling', namespace: smokeWorkload.namespace, name: smokeWorkload.name });
    if (autoscaling.vpa.enabled) {
      // The VerticalPodAutoscaler CRD comes with the vpa chart above, so this is applied after it.
      const { updateMode } = autoscaling.vpa;
      const vpa = renderObject('autoscaling/smoke-vpa.yaml', {
        ...smokeWorkload,
        labels,
        updateMode,
        // Recommend-only may look at both; an acting VPA leaves CPU to the HPA.
        controlledResources: updateMode === 'Off' ? ['cpu', 'memory'] : ['memory'],
      });
      b.manifest('smoke-vpa.yaml', [vpa], 'VerticalPodAutoscaler for the smoke-test workload');
      b.check({ type: 'exists', resource: 'verticalpodautoscalers.autoscaling.k8s.io', namespace: smokeWorkload.namespace, name: smokeWorkload.name });
    }
    b.check({ type: 'probe', probe: 'hpa-metrics', namespace: smokeWorkload.namespace, description: `an HPA on a CPU-loaded probe workload in ${smokeWorkload.namespace} reads its CPU utilisation from metrics-server` });
    return b.build();
  },
};
