import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { enforceRules, evaluateRules } from '../../src/config/rules.js';
import { RuleError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/plan.js';

function config(spec: string) {
  return parseConfigText(`apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n${spec}`, '/x/k.yaml').config;
}
const fired = (spec: string) => evaluateRules(config(spec)).map((r) => `${r.severity}:${r.rule}`);

describe('cross-step rules', () => {
  it('the defaults break no rule', () => {
    expect(fired('  cluster: {}\n')).toEqual([]);
  });

  it.each([
    ['  networking: { cni: calico, kubeProxyReplacement: true }\n', 'error:kube-proxy-replacement-needs-cilium'],
    ['  monitoring: { metricsServer: false }\n', 'error:vpa-needs-metrics-server'],
    ['  monitoring: { prometheus: { enabled: false }, grafana: false }\n', 'error:opencost-needs-prometheus'],
    ['  autoscaling: { clusterAutoscaler: { provider: aws } }\n', 'error:cluster-autoscaler-provider'],
    ['  cluster: { provider: existing }\n', 'error:existing-needs-context'],
    ['  cluster: { provider: existing, context: prod }\n  networking: { cni: cilium }\n', 'warning:cni-on-existing'],
    ['  networking: { gateway: cilium }\n', 'error:cilium-gateway-needs-kpr'],
    [
      '  cluster: { provider: existing, context: prod }\n  networking: { cni: default }\n  autoscaling: { clusterAutoscaler: { provider: aws } }\n',
      'error:aws-autoscaler-region',
    ],
    ['  autoscaling: { hpa: { minReplicas: 5, maxReplicas: 3 } }\n', 'error:hpa-min-max'],
    ['  backup: { storage: { type: s3, credentialsSecret: c } }\n', 'error:s3-region'],
    ['  backup: { storage: { type: gcs } }\n', 'error:backup-credentials'],
    ['  backup: { storage: { type: azure, credentialsSecret: c } }\n', 'error:azure-location'],
    ['  charts: { source: local }\n', 'error:local-charts-need-dir'],
    ['  tenants: [{ name: kube-system }]\n', 'error:tenant-names'],
    ['  security: { policyEngine: { validationFailureAction: Enforce } }\n', 'warning:enforce-needs-ha-policy-engine'],
    [
      '  monitoring: { prometheus: { enabled: false }, grafana: false, deadMansSwitch: { secretRef: { name: d, key: url } } }\n  cost: { opencost: false }\n',
      'error:dead-mans-switch-needs-prometheus',
    ],
    ['  cluster: { provider: existing, context: prod }\n  networking: { cni: default }\n', 'warning:no-dead-mans-switch'],
    ['  monitoring: { controlPlaneMetrics: { scheduler: true } }\n', 'warning:control-plane-metrics-on-kind'],
  ])('%s', (spec, rule) => {
    expect(fired(spec)).toContain(rule);
  });

  it('errors stop the plan with every violation and its fix; warnings do not', () => {
    const broken = config('  networking: { cni: calico, kubeProxyReplacement: true }\n  monitoring: { metricsServer: false }\n');
    expect(() => enforceRules(broken)).toThrow(RuleError);
    try {
      buildPlan({ config: broken, baseDir: '/x', outDir: '/tmp/p' });
      expect.unreachable('buildPlan should refuse the broken combination');
    } catch (error) {
      expect((error as RuleError).violations.map((v) => v.rule)).toEqual([
        'kube-proxy-replacement-needs-cilium',
        'vpa-needs-metrics-server',
      ]);
      expect((error as RuleError).violations.every((v) => v.fix.length > 10)).toBe(true);
    }
    const warned = config('  security: { policyEngine: { validationFailureAction: Enforce } }\n');
    expect(enforceRules(warned).map((w) => w.rule)).toEqual(['enforce-needs-ha-policy-engine']);
  });

  it('Azure backups carry the resource group and storage account into the location', () => {
    const c = config(
      '  backup: { storage: { type: azure, bucket: velero, credentialsSecret: c, azure: { resourceGroup: rg-backups, storageAccount: acmebackups } } }\n',
    );
    const plan = buildPlan({ config: c, baseDir: '/x', outDir: '/tmp/p' });
    const dr = plan.phases.flatMap((p) => p.steps).find((s) => s.id === 'disaster-recovery')!;
    const bsl = dr.rendered.artifacts.map((a) => a.content).find((t) => t.includes('kind: BackupStorageLocation'))!;
    expect(bsl).toContain('resourceGroup: rg-backups');
    expect(bsl).toContain('storageAccount: acmebackups');
  });
});
