import type { Config } from '../config/schema.js';
import { managedByLabel, roadmapLabel, stepLabel } from '../names.js';
import type { StepId } from '../roadmap/types.js';
import { renderObject } from './template.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Labels on every object kubestrap creates, so `down` and `status` can find them. */
export function commonLabels(config: Config, step: StepId): Record<string, string> {
  return {
    ...managedByLabel,
    [roadmapLabel]: config.metadata.name,
    [stepLabel]: step,
  };
}

/**
 * Labels for a chart's `commonLabels`-style value: kubestrap's labels without
 * `app.kubernetes.io/managed-by`, which charts already set to Helm (a second one is a duplicate key).
 */
export function chartLabels(config: Config, step: StepId): Record<string, string> {
  const { 'app.kubernetes.io/managed-by': _managedBy, ...rest } = commonLabels(config, step);
  void _managedBy;
  return rest;
}

export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  // Enforce the chosen level; audit and warn one level stricter where possible so teams see what
  // a tightening would break before it happens.
  const stricter = level === 'privileged' ? 'baseline' : 'restricted';
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/audit': stricter,
    'pod-security.kubernetes.io/warn': stricter,
  };
}

export function namespaceObject(
  config: Config,
  step: StepId,
  name: string,
  level: PodSecurityLevel,
  extraLabels: Record<string, string> = {},
): Record<string, unknown> {
  return renderObject('common/namespace.yaml', {
    name,
    labels: { ...commonLabels(config, step), ...podSecurityLabels(level), ...extraLabels },
  });
}

/** The kube context kubestrap targets: kind's `kind-<name>` or the one the user named. */
export function targetContext(config: Config): string {
  const { provider, name, context } = config.spec.cluster;
  return provider === 'kind' ? `kind-${name}` : (context ?? '');
}

/**
 * The one default StorageClass the storage step establishes: Longhorn's own, the configured one,
 * kind's `standard`, or undefined on an existing cluster whose config names none (volumes then name
 * no class and get the cluster's default, which the preflight finds and reports).
 */
export function defaultStorageClass(config: Config): string | undefined {
  if (config.spec.storage.provisioner === 'longhorn') return 'longhorn';
  return config.spec.storage.defaultClass ?? (config.spec.cluster.provider === 'kind' ? 'standard' : undefined);
}
