import { PlanBuilder } from '../roadmap/builders.js';
import { commonLabels } from '../render/common.js';
import { renderObject } from '../render/template.js';
import type { Step } from '../roadmap/types.js';
import { smokeName, smokeNamespace } from '../names.js';

/** The smoke-test workload the integration step deploys; autoscaling attaches an HPA and a VPA to it. */
const smokeWorkload = { namespace: smokeNamespace, name: smokeName } as const;

/**
 * Autoscaling shown on the smoke-test workload: an HPA with the configured defaults and, with the
 * VPA on, a VerticalPodAutoscaler (its controllers come from the autoscalers step); then proof that
 * the HPA reads CPU from metrics-server.
 */
export const autoscalingStep: Step = {
  id: 'autoscaling',
  phase: 'observability',
  title: 'Autoscaling',
  needs: ['monitoring', 'integration', 'autoscalers'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    const b = new PlanBuilder(ctx, 'observability', 'autoscaling');
    const { config } = ctx;
    const { autoscaling } = config.spec;
    const labels = commonLabels(config, 'autoscaling');

    // The smoke-test Deployment exists since the integration step; scaling objects follow it.
    const hpa = renderObject('autoscaling/smoke-hpa.yaml', { ...smokeWorkload, labels, hpa: autoscaling.hpa });
    b.manifest('smoke-hpa.yaml', [hpa], 'HorizontalPodAutoscaler for the smoke-test workload');
    b.check({
      type: 'exists',
      resource: 'horizontalpodautoscalers.autoscaling',
      namespace: smokeWorkload.namespace,
      name: smokeWorkload.name,
    });
    if (autoscaling.vpa.enabled) {
      // The VerticalPodAutoscaler CRD comes with the vpa chart of the autoscalers step.
      const { updateMode } = autoscaling.vpa;
      const vpa = renderObject('autoscaling/smoke-vpa.yaml', {
        ...smokeWorkload,
        labels,
        updateMode,
        // Recommend-only may look at both; an acting VPA leaves CPU to the HPA.
        controlledResources: updateMode === 'Off' ? ['cpu', 'memory'] : ['memory'],
      });
      b.manifest('smoke-vpa.yaml', [vpa], 'VerticalPodAutoscaler for the smoke-test workload');
      b.check({
        type: 'exists',
        resource: 'verticalpodautoscalers.autoscaling.k8s.io',
        namespace: smokeWorkload.namespace,
        name: smokeWorkload.name,
      });
    }
    b.check({
      type: 'probe',
      probe: 'hpa-metrics',
      namespace: smokeWorkload.namespace,
      description: `an HPA on a CPU-loaded probe workload in ${smokeWorkload.namespace} reads its CPU utilisation from metrics-server`,
    });
    return b.build();
  },
};
