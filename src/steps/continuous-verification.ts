import type { Config } from '../config/schema.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { commonLabels, defaultStorageClass, podSecurityLabels } from '../render/common.js';
import { renderObject, toYaml } from '../render/template.js';
import type { Check, Step } from '../roadmap/types.js';
import { priorityClassNames, tenantLimitRangeName, tenantQuotaName } from './cost.js';
import { veleroNamespace } from './disaster-recovery.js';
import { backupScheduleName } from '../names.js';
import { monitoringNamespace, scorecard } from './monitoring.js';
import { verifier, verifierAlerts, verifierManifests } from './verifier.js';
import { describeCheck } from '../roadmap/describe-check.js';
import { isolationChecks, tenantLevel } from './security.js';

/**
 * The invariants that drift after day one, re-verified on every `kubestrap verify`: exactly one
 * default StorageClass, Pod Security labels and default-deny policies on tenant namespaces, quotas
 * in place, and the backup location available. Only existing check types; no new components.
 */
export function driftChecks(config: Config): Check[] {
  const { tenants, security, cost, backup } = config.spec;
  const checks: Check[] = [{ type: 'default-storageclass', name: defaultStorageClass(config) }];
  for (const t of tenants) {
    const level = tenantLevel(config, t);
    checks.push({ type: 'namespace-labels', namespace: t.name, labels: podSecurityLabels(level) });
    // The labels alone prove nothing if admission does not act on them.
    if (level !== 'privileged') checks.push({ type: 'rejects-privileged-pod', namespace: t.name });
    if (security.defaultDenyNetworkPolicies) checks.push(...isolationChecks(t.name));
    if (cost.quotas) {
      checks.push(
        { type: 'exists', resource: 'resourcequotas', namespace: t.name, name: tenantQuotaName },
        { type: 'exists', resource: 'limitranges', namespace: t.name, name: tenantLimitRangeName },
      );
    }
  }
  if (cost.priorityClasses) {
    for (const name of priorityClassNames) checks.push({ type: 'exists', resource: 'priorityclasses.scheduling.k8s.io', name });
  }
  if (backup.enabled) {
    checks.push(
      { type: 'velero-bsl-available', namespace: veleroNamespace, name: 'default' },
      { type: 'exists', resource: 'schedules.velero.io', namespace: veleroNamespace, name: backupScheduleName },
    );
  }
  return checks;
}

export const continuousVerificationStep: Step = {
  id: 'continuous-verification',
  phase: 'operations',
  title: 'Continuous verification',
  // Everything before it; a disabled step counts as satisfied.
  needs: ['integration', 'monitoring', 'autoscaling', 'disaster-recovery', 'cost'],
  enabled: (config) =>
    config.spec.verification.scorecard
      ? { enabled: true }
      : { enabled: false, reason: 'spec.verification.scorecard is false: no scorecard, no drift checks' },
  render(ctx) {
    const b = new PlanBuilder(ctx, 'operations', 'continuous-verification');
    const { config } = ctx;
    const checks = driftChecks(config);
    // kubestrap-system is kubestrap's own namespace (created by the security step; state lives there).
    b.manifest(
      'scorecard-spec.yaml',
      [
        renderObject('continuous-verification/scorecard-spec.yaml', {
          namespace: scorecard.namespace,
          labels: commonLabels(config, 'continuous-verification'),
          roadmap: config.metadata.name,
          results: `${scorecard.namespace}/${scorecard.name}`,
          driftLabel: scorecard.driftLabel,
          checks: toYaml(checks),
        }),
      ],
      'scorecard spec: the drift checks verify repeats',
    );
    b.check(...checks);

    if (config.spec.verification.inCluster.enabled) {
      const labels = commonLabels(config, 'continuous-verification');
      b.manifest(
        'verifier.yaml',
        verifierManifests(
          config,
          scorecard.namespace,
          labels,
          scorecard.driftLabel,
          checks.map((check) => ({ check, description: describeCheck(check) })),
        ),
        `in-cluster verifier: CronJob (${config.spec.verification.inCluster.schedule}), read-only RBAC for its checks, results ConfigMap ${verifier.results}`,
      );
      b.check(
        { type: 'exists', resource: 'cronjobs.batch', namespace: scorecard.namespace, name: verifier.cronJob },
        {
          type: 'probe',
          probe: 'in-cluster-verifier',
          namespace: scorecard.namespace,
          description: `a run of the ${verifier.cronJob} CronJob completes and writes its results to ${scorecard.namespace}/${verifier.results}`,
        },
      );
      if (config.spec.monitoring.prometheus.enabled) {
        // The PrometheusRule CRD comes with kube-prometheus-stack (the monitoring step runs first).
        b.manifest(
          'verifier-alerts.yaml',
          [verifierAlerts(config, monitoringNamespace, scorecard.namespace, labels, scorecard.driftLabel)],
          'KubestrapVerificationStale and KubestrapVerificationDrift (PrometheusRule)',
        );
        b.check({
          type: 'exists',
          resource: 'prometheusrules.monitoring.coreos.com',
          namespace: monitoringNamespace,
          name: 'kubestrap-verification',
        });
      }
    }
    return b.build();
  },
};
