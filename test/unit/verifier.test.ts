// The in-cluster verifier as rendered: a CronJob whose RBAC reads exactly what its checks name,
// checks the Go verifier (verifier/main.go) understands, and the stale/drift alerts.
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { loadConfigFile } from '../../src/config/load.js';
import { lock } from '../../src/lock.js';
import { describeCheck } from '../../src/plan/plan.js';
import { continuousVerificationStep } from '../../src/steps/continuous-verification.js';
import { toInClusterCheck, verifierRules } from '../../src/steps/verifier.js';

const examples = path.resolve(import.meta.dirname, '../../examples');

async function render(file: string, inCluster: Record<string, unknown>, prometheus?: boolean) {
  const { config, baseDir } = await loadConfigFile(path.join(examples, file));
  const c = structuredClone(config);
  Object.assign(c.spec.verification.inCluster, inCluster);
  if (prometheus !== undefined) c.spec.monitoring.prometheus.enabled = prometheus;
  const plan = continuousVerificationStep.render({ config: c, baseDir, outDir: '/tmp/kubestrap-unit-verifier' });
  const objects = (name: string) =>
    plan.artifacts
      .filter((a) => a.path.endsWith(`/${name}`))
      .flatMap((a) => parseAllDocuments(a.content).map((d) => d.toJS() as Record<string, any>));
  return { plan, objects };
}

describe('in-cluster verifier', () => {
  it('off by default: no CronJob, no RBAC, no alerts', async () => {
    const { plan, objects } = await render('production.yaml', {});
    expect(objects('verifier.yaml')).toEqual([]);
    expect(objects('verifier-alerts.yaml')).toEqual([]);
    expect(plan.checks.some((c) => c.type === 'probe' && c.probe === 'in-cluster-verifier')).toBe(false);
  });

  it('enabled: a restricted CronJob, read-only RBAC naming each object, one writable results ConfigMap', async () => {
    const { plan, objects } = await render('production.yaml', {
      enabled: true,
      schedule: '*/15 * * * *',
      image: 'registry.example.com/verifier:1',
    });
    const docs = objects('verifier.yaml');
    const cron = docs.find((d) => d.kind === 'CronJob')!;
    new CronJob(cron as never).validate();
    expect(cron.spec.schedule).toBe('*/15 * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].image).toBe('registry.example.com/verifier:1');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].resources.limits).toBeDefined();

    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    new ClusterRole(role as never).validate();
    for (const rule of role.rules) {
      expect(rule.verbs.every((v: string) => v === 'get' || v === 'list')).toBe(true);
      if (rule.verbs.includes('get')) expect(rule.resourceNames.length).toBeGreaterThan(0);
      expect(rule.resources).not.toContain('secrets');
      expect(rule.resources).not.toContain('*');
    }
    // list only for the StorageClass count.
    expect(role.rules.filter((r: any) => r.verbs.includes('list')).map((r: any) => r.resources)).toEqual([['storageclasses']]);
    const ns = docs.find((d) => d.kind === 'Role')!;
    expect(ns.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubestrap-verifier-checks'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubestrap-verifier-results'], verbs: ['get', 'patch'] },
    ]);

    const checks = JSON.parse(
      docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'kubestrap-verifier-checks')!.data['checks.json'],
    );
    // Every drift check, in order: the checks before the verifier's own (CronJob exists, the probe, the PrometheusRule exists).
    expect(checks.map((c: any) => c.description)).toEqual(plan.checks.slice(0, checks.length).map(describeCheck));
    expect(plan.checks.length - checks.length).toBe(3);
    for (const c of checks) {
      expect(['exists', 'labels', 'default-storageclass', 'phase', 'skipped']).toContain(c.expect);
      if (c.expect === 'skipped') expect(c.reason).toMatch(/only reads|kubestrap verify/);
      else expect(c.path).toMatch(/^\/apis?\//);
    }
    expect(checks.filter((c: any) => c.expect === 'skipped').length).toBeGreaterThan(0);
    expect(plan.checks).toContainEqual(
      expect.objectContaining({ type: 'probe', probe: 'in-cluster-verifier', namespace: 'kubestrap-system' }),
    );
  });

  it('with Prometheus: the stale alert is guarded for a CronJob that never ran or is gone; the drift alert reads the results label', async () => {
    const { objects } = await render('production.yaml', { enabled: true, staleAfter: '90m' }, true);
    const [rule] = objects('verifier-alerts.yaml');
    const rules = rule!.spec.groups[0].rules;
    const stale = rules.find((r: any) => r.alert === 'KubestrapVerificationStale');
    expect(stale.expr).toContain(
      'time() - max(kube_cronjob_status_last_successful_time{namespace="kubestrap-system", cronjob="kubestrap-verifier"}) > 5400',
    );
    expect(stale.expr).toContain('absent(kube_cronjob_created{namespace="kubestrap-system", cronjob="kubestrap-verifier"})');
    expect(stale.expr).toContain('absent(kube_cronjob_status_last_successful_time');
    const drift = rules.find((r: any) => r.alert === 'KubestrapVerificationDrift');
    expect(drift.expr).toBe(
      'max(kube_configmap_labels{namespace="kubestrap-system", configmap="kubestrap-verifier-results", label_kubestrap_dev_drift="true"}) == 1',
    );
    const { objects: none } = await render('production.yaml', { enabled: true }, false);
    expect(none('verifier-alerts.yaml')).toEqual([]);
    const cron = none('verifier.yaml').find((d) => d.kind === 'CronJob')!;
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].image).toBe(lock.images.verifier);
  });

  it('translates each check type; unknown resources and writes are skipped with the reason', () => {
    expect(toInClusterCheck({ type: 'exists', resource: 'resourcequotas', namespace: 'team-a', name: 'q' }, 'd')).toEqual({
      check: { description: 'd', path: '/api/v1/namespaces/team-a/resourcequotas/q', expect: 'exists' },
      read: { resource: 'resourcequotas', name: 'q' },
    });
    expect(toInClusterCheck({ type: 'exists', resource: 'priorityclasses.scheduling.k8s.io', name: 'p' }, 'd').check.path).toBe(
      '/apis/scheduling.k8s.io/v1/priorityclasses/p',
    );
    expect(toInClusterCheck({ type: 'exists', resource: 'widgets.example.com', name: 'w' }, 'd')).toEqual({
      check: { description: 'd', expect: 'skipped', reason: expect.stringContaining('widgets.example.com') },
    });
    expect(toInClusterCheck({ type: 'rejects-privileged-pod', namespace: 'team-a' }, 'd').read).toBeUndefined();
    expect(
      verifierRules([{ resource: 'namespaces', name: 'b' }, { resource: 'namespaces', name: 'a' }, { resource: 'storageclasses' }]),
    ).toEqual([
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['a', 'b'], verbs: ['get'] },
      { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['list'] },
    ]);
  });
});
