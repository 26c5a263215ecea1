import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources, platformPriorityClass } from '../render/addons.js';
import { commonLabels, namespaceObject } from '../render/common.js';
import { renderObject } from '../render/template.js';
import { globalDefaultPriorityClass } from '../names.js';
import type { Step } from '../roadmap/types.js';
import { prometheusService } from './monitoring.js';

export const opencostNamespace = 'opencost';
export const tenantQuotaName = 'tenant-quota';
export const tenantLimitRangeName = 'tenant-defaults';
/** Created by the cluster step (foundation), so every add-on can name its class from the start. */
export const priorityClassNames = [platformPriorityClass, 'tenant-high', globalDefaultPriorityClass, 'batch-low'] as const;

/** Multiplies a Kubernetes quantity (e.g. `2`, `500m`, `4Gi`, `1.5`) keeping its suffix. */
export function scaleQuantity(quantity: string, factor: number): string {
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(quantity);
  if (!m) throw new Error(`not a quantity: ${quantity}`);
  const value = Math.round(Number(m[1]) * factor * 1e6) / 1e6;
  return `${value}${m[2]}`;
}

/**
 * Cost optimization: a ResourceQuota and LimitRange per tenant namespace and OpenCost reading usage
 * from Prometheus. (The PriorityClasses that decide who is preempted first are created by the
 * cluster step, before the first add-on.)
 */
export const costStep: Step = {
  id: 'cost',
  phase: 'operations',
  title: 'Cost optimization',
  needs: ['security', 'monitoring'],
  enabled: (config) => {
    const { cost, tenants } = config.spec;
    return (cost.quotas && tenants.length > 0) || cost.opencost
      ? { enabled: true }
      : { enabled: false, reason: 'spec.cost turns off quotas (or lists no tenants) and OpenCost' };
  },
  render(ctx) {
    const b = new PlanBuilder(ctx, 'operations', 'cost');
    const { config } = ctx;
    const { cost, tenants, cluster } = config.spec;
    const labels = commonLabels(config, 'cost');

    // Tenant namespaces are created by the security step (with their Pod Security labels).
    if (cost.quotas && tenants.length > 0) {
      const objects = tenants.flatMap((t) => [
        renderObject('cost/resource-quota.yaml', {
          namespace: t.name,
          labels,
          requests: { cpu: t.quota.cpu, memory: t.quota.memory, storage: t.quota.storage },
          limits: { cpu: scaleQuantity(t.quota.cpu, 2), memory: scaleQuantity(t.quota.memory, 2) },
          pods: String(t.quota.pods),
          persistentVolumeClaims: String(t.quota.persistentVolumeClaims),
          loadBalancers: String(t.quota.loadBalancers),
        }),
        renderObject('cost/limit-range.yaml', { namespace: t.name, labels, ...cost.limitRange }),
      ]);
      b.manifest('tenant-quotas.yaml', objects, `ResourceQuota and LimitRange for ${tenants.length} tenant namespace(s)`);
      for (const t of tenants) {
        b.check(
          { type: 'exists', resource: 'resourcequotas', namespace: t.name, name: tenantQuotaName },
          { type: 'exists', resource: 'limitranges', namespace: t.name, name: tenantLimitRangeName },
        );
      }
    }

    if (cost.opencost) {
      b.manifest(
        'namespaces.yaml',
        [namespaceObject(config, 'cost', opencostNamespace, config.spec.security.podSecurity.platform)],
        `${opencostNamespace} namespace`,
      );
      b.helm(
        'opencost',
        'opencost',
        opencostNamespace,
        renderObject('cost/opencost-values.yaml', {
          clusterId: cluster.name,
          prometheus: prometheusService,
          priorityClassName: addonPriorityClass(config),
          resources: { exporter: addonResources(config, 'opencost'), ui: addonResources(config, 'opencost-ui') },
        }),
      );
      b.rollout(opencostNamespace, ['deployment', 'opencost']);
    }
    return b.build();
  },
};
