/**
 * What makes an add-on production-shaped, in one place: container requests and limits per
 * component, the platform PriorityClass every add-on pod names, and the spread of replicas over
 * nodes and zones. Each step puts these into its chart's own keys (checked against the real charts
 * at the pinned versions).
 */
import type { AddonComponent } from '../config/addon-components.js';
import type { Config } from '../config/schema.js';

/** The PriorityClass of kubestrap's add-ons; created in the foundation phase, before any of them. */
export const platformPriorityClass = 'kubestrap-platform-critical';

export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** [cpu request, memory request, cpu limit, memory limit] */
type Size = readonly [string, string, string, string];

/**
 * Sizes for a small production cluster (a few nodes, a few hundred pods) and for kind on a laptop,
 * where every node shares the host's cores. Memory limits leave headroom above the request (an
 * OOM kill of a platform component is worse than a little overcommit); CPU limits are generous,
 * so throttling only stops a runaway container. Prometheus grows with the number of series:
 * raise its memory with spec.cost.addonResources.prometheus when kube-state-metrics' series do.
 */
const sizes: Record<AddonComponent, { production: Size; kind: Size }> = {
  // The CNI: limits well above normal use, since an agent killed for memory cuts its node off.
  'cilium-agent': { production: ['100m', '512Mi', '2', '2Gi'], kind: ['50m', '128Mi', '1', '1Gi'] },
  'cilium-envoy': { production: ['50m', '64Mi', '1', '512Mi'], kind: ['10m', '32Mi', '500m', '256Mi'] },
  'cilium-operator': { production: ['50m', '128Mi', '1', '512Mi'], kind: ['10m', '64Mi', '500m', '256Mi'] },
  'hubble-relay': { production: ['20m', '64Mi', '500m', '256Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'hubble-ui': { production: ['10m', '32Mi', '200m', '128Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'metrics-server': { production: ['100m', '200Mi', '1', '400Mi'], kind: ['20m', '64Mi', '500m', '256Mi'] },
  'snapshot-controller': { production: ['20m', '64Mi', '200m', '256Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'cert-manager': { production: ['50m', '128Mi', '500m', '512Mi'], kind: ['10m', '64Mi', '200m', '256Mi'] },
  'cert-manager-webhook': { production: ['20m', '64Mi', '200m', '256Mi'], kind: ['10m', '32Mi', '100m', '128Mi'] },
  'cert-manager-cainjector': { production: ['50m', '128Mi', '500m', '512Mi'], kind: ['10m', '64Mi', '200m', '256Mi'] },
  'kyverno-admission-controller': { production: ['200m', '384Mi', '2', '1Gi'], kind: ['50m', '128Mi', '500m', '512Mi'] },
  'kyverno-background-controller': { production: ['100m', '128Mi', '1', '512Mi'], kind: ['20m', '64Mi', '500m', '256Mi'] },
  'kyverno-cleanup-controller': { production: ['50m', '64Mi', '500m', '256Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'kyverno-reports-controller': { production: ['100m', '128Mi', '1', '512Mi'], kind: ['20m', '64Mi', '500m', '256Mi'] },
  'envoy-gateway': { production: ['100m', '256Mi', '1', '1Gi'], kind: ['20m', '64Mi', '500m', '512Mi'] },
  'envoy-proxy': { production: ['100m', '128Mi', '2', '1Gi'], kind: ['20m', '64Mi', '500m', '512Mi'] },
  traefik: { production: ['100m', '128Mi', '1', '512Mi'], kind: ['20m', '64Mi', '500m', '256Mi'] },
  'prometheus-operator': { production: ['100m', '128Mi', '500m', '512Mi'], kind: ['20m', '64Mi', '200m', '256Mi'] },
  prometheus: { production: ['500m', '2Gi', '2', '4Gi'], kind: ['100m', '512Mi', '1', '1Gi'] },
  alertmanager: { production: ['50m', '128Mi', '500m', '256Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'config-reloader': { production: ['10m', '32Mi', '100m', '64Mi'], kind: ['10m', '32Mi', '100m', '64Mi'] },
  grafana: { production: ['100m', '256Mi', '1', '512Mi'], kind: ['20m', '128Mi', '500m', '256Mi'] },
  'grafana-sidecar': { production: ['10m', '64Mi', '100m', '128Mi'], kind: ['10m', '32Mi', '100m', '128Mi'] },
  'kube-state-metrics': { production: ['50m', '128Mi', '500m', '512Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'node-exporter': { production: ['50m', '64Mi', '250m', '128Mi'], kind: ['10m', '32Mi', '200m', '64Mi'] },
  loki: { production: ['200m', '512Mi', '1', '2Gi'], kind: ['50m', '128Mi', '500m', '512Mi'] },
  'loki-gateway': { production: ['50m', '64Mi', '500m', '256Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'loki-sidecar': { production: ['10m', '64Mi', '100m', '128Mi'], kind: ['10m', '32Mi', '100m', '128Mi'] },
  'vpa-recommender': { production: ['50m', '256Mi', '500m', '1Gi'], kind: ['10m', '64Mi', '200m', '256Mi'] },
  'vpa-updater': { production: ['50m', '128Mi', '500m', '512Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'vpa-admission-controller': { production: ['50m', '128Mi', '500m', '256Mi'], kind: ['10m', '32Mi', '200m', '128Mi'] },
  'cluster-autoscaler': { production: ['100m', '300Mi', '1', '600Mi'], kind: ['20m', '64Mi', '200m', '256Mi'] },
  velero: { production: ['100m', '256Mi', '1', '1Gi'], kind: ['20m', '64Mi', '500m', '512Mi'] },
  'velero-node-agent': { production: ['100m', '256Mi', '1', '1Gi'], kind: ['20m', '64Mi', '500m', '512Mi'] },
  opencost: { production: ['50m', '128Mi', '1', '1Gi'], kind: ['10m', '64Mi', '500m', '512Mi'] },
  'opencost-ui': { production: ['10m', '32Mi', '100m', '64Mi'], kind: ['10m', '32Mi', '100m', '64Mi'] },
  minio: { production: ['100m', '256Mi', '1', '1Gi'], kind: ['50m', '128Mi', '1', '1Gi'] },
  'helper-jobs': { production: ['10m', '64Mi', '200m', '256Mi'], kind: ['10m', '32Mi', '200m', '256Mi'] },
};

/** Requests and limits of one add-on container: kubestrap's size for the target, then the config's override. */
export function addonResources(config: Config, component: AddonComponent): ContainerResources {
  const [cpuRequest, memoryRequest, cpuLimit, memoryLimit] =
    sizes[component][config.spec.cluster.provider === 'kind' ? 'kind' : 'production'];
  const o = config.spec.cost.addonResources[component];
  return {
    requests: { cpu: o?.requests?.cpu ?? cpuRequest, memory: o?.requests?.memory ?? memoryRequest },
    limits: { cpu: o?.limits?.cpu ?? cpuLimit, memory: o?.limits?.memory ?? memoryLimit },
  };
}

/** The PriorityClass add-on pods name, or undefined (key left out) when PriorityClasses are off. */
export function addonPriorityClass(config: Config): string | undefined {
  return config.spec.cost.priorityClasses ? platformPriorityClass : undefined;
}

/**
 * Spread the replicas of one component over zones and nodes. Preferences (ScheduleAnyway), not
 * requirements: a single-zone cluster or fewer nodes than replicas must still schedule them all.
 */
export function spread(matchLabels: Record<string, string>): Record<string, unknown>[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels },
  }));
}

/** `spread` for a component with two or more replicas; nothing to spread for one. */
export function spreadFor(replicas: number, matchLabels: Record<string, string>): Record<string, unknown>[] {
  return replicas >= 2 ? spread(matchLabels) : [];
}
