// Each cross-step rule fires only when every part of its condition holds: for the rules below, one
// configuration that fires the rule and, beside it, configurations that each make one part false and
// must not fire it. Written against the mutants StrykerJS found surviving in src/config/rules.ts
// (a part of a condition replaced by `true`, a listed value emptied; docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { enforceRules, evaluateRules } from '../../src/config/rules.js';
import { RuleError } from '../../src/errors.js';

const load = (spec: string) =>
  parseConfigText(`apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n${spec}`, '/x/k.yaml').config;
const fired = (spec: string) => evaluateRules(load(spec)).map((r) => r.rule);
const existing = (profile: string) => `  cluster: { provider: existing, context: prod, profile: ${profile} }\n`;
const wiAws = 'arn:aws:iam::123456789012:role/r';
const wiGcp = 'velero@my-project.iam.gserviceaccount.com';
const wiAzure = '01234567-89ab-cdef-0123-456789abcdef';

interface Case {
  rule: string;
  fires: string;
  /** Each differs from `fires` in one part of the rule's condition. */
  not: Record<string, string>;
}

const cases: Case[] = [
  {
    rule: 'kind-default-cni-policies',
    fires: '  networking: { cni: default, policyController: none }\n  tenants: [{ name: team-a }]\n',
    not: {
      'an existing cluster': `${existing('generic')}  networking: { cni: default, policyController: none }\n  tenants: [{ name: team-a }]\n`,
      'Calico as the CNI': '  networking: { cni: calico, policyController: none }\n  tenants: [{ name: team-a }]\n',
      'kube-router enforcing': '  networking: { cni: default, policyController: kube-router }\n  tenants: [{ name: team-a }]\n',
      'no default-deny policies':
        '  networking: { cni: default, policyController: none }\n  security: { defaultDenyNetworkPolicies: false }\n  tenants: [{ name: team-a }]\n',
      'no tenants': '  networking: { cni: default, policyController: none }\n  tenants: []\n',
    },
  },
  {
    rule: 'cilium-gateway-needs-kpr',
    fires: '  networking: { cni: cilium, kubeProxyReplacement: false, gateway: cilium }\n',
    not: {
      'Cilium with kube-proxy replacement': '  networking: { cni: cilium, kubeProxyReplacement: true, gateway: cilium }\n',
      'another gateway': '  networking: { cni: cilium, kubeProxyReplacement: false, gateway: envoy-gateway }\n',
    },
  },
  {
    rule: 'cluster-autoscaler-provider',
    fires: '  autoscaling: { clusterAutoscaler: { provider: gce, nodeGroups: [{ namePrefix: p, minSize: 1, maxSize: 2 }] } }\n',
    not: {
      'an existing cluster': `${existing('gke')}  autoscaling: { clusterAutoscaler: { provider: gce, nodeGroups: [{ namePrefix: p, minSize: 1, maxSize: 2 }] } }\n`,
      'no autoscaler': '  autoscaling: { clusterAutoscaler: { provider: none } }\n',
    },
  },
  {
    rule: 'autoscaler-identity-profile',
    fires: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1, workloadIdentity: { gcpServiceAccount: ${wiGcp} } } }\n`,
    not: {
      'no autoscaler (its identity is then unused)': `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: none, workloadIdentity: { gcpServiceAccount: ${wiGcp} } } }\n`,
    },
  },
  {
    rule: 'control-plane-metrics-on-kind',
    fires: '  monitoring: { controlPlaneMetrics: { scheduler: true } }\n',
    not: {
      'an existing self-managed cluster': `${existing('kubeadm')}  monitoring: { controlPlaneMetrics: { scheduler: true } }\n`,
    },
  },
  {
    rule: 'backup-static-keys',
    fires: `${existing('eks')}  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
    not: {
      'backups off': `${existing('eks')}  backup: { enabled: false, storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
      'in-cluster MinIO': `${existing('eks')}  backup: { storage: { type: minio, credentialsSecret: c } }\n`,
      'a profile without workload identity': `${existing('kubeadm')}  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
    },
  },
  {
    rule: 'azure-backup-subscription',
    fires: `${existing('aks')}  backup: { storage: { type: azure, workloadIdentity: { azureClientId: ${wiAzure} }, azure: { resourceGroup: rg, storageAccount: acct1 } } }\n`,
    not: {
      'backups off': `${existing('aks')}  backup: { enabled: false, storage: { type: azure, workloadIdentity: { azureClientId: ${wiAzure} }, azure: { resourceGroup: rg, storageAccount: acct1 } } }\n`,
      'S3 storage': `${existing('eks')}  backup: { storage: { type: s3, region: eu-west-1, workloadIdentity: { awsRoleArn: "${wiAws}" }, azure: { resourceGroup: rg, storageAccount: acct1 } } }\n`,
    },
  },
  {
    rule: 'load-balancer-annotations-cilium',
    fires: `${existing('generic')}  networking: { cni: cilium, kubeProxyReplacement: true, gateway: cilium, loadBalancer: { internal: true } }\n`,
    not: {
      'Envoy Gateway': `${existing('generic')}  networking: { gateway: envoy-gateway, loadBalancer: { internal: true, annotations: { a: b } } }\n`,
    },
  },
  {
    rule: 'minio-is-for-dev',
    fires: `${existing('generic')}  backup: { storage: { type: minio } }\n`,
    not: {
      'S3 storage': `${existing('generic')}  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
      'backups off': `${existing('generic')}  backup: { enabled: false, storage: { type: minio } }\n`,
    },
  },
  {
    rule: 'enforce-needs-ha-policy-engine',
    fires: '  security: { policyEngine: { name: kyverno, validationFailureAction: Enforce, replicas: 1 } }\n',
    not: {
      'no policy engine': '  security: { policyEngine: { name: none, validationFailureAction: Enforce, replicas: 1 } }\n',
      'Audit only': '  security: { policyEngine: { name: kyverno, validationFailureAction: Audit, replicas: 1 } }\n',
      'three replicas': '  security: { policyEngine: { name: kyverno, validationFailureAction: Enforce, replicas: 3 } }\n',
    },
  },
];

describe('a rule fires only when every part of its condition holds', () => {
  for (const c of cases) {
    it(`${c.rule} fires`, () => {
      expect(fired(c.fires)).toContain(c.rule);
    });
    for (const [what, spec] of Object.entries(c.not)) {
      it(`${c.rule} does not fire with ${what}`, () => {
        expect(fired(spec)).not.toContain(c.rule);
      });
    }
  }

  it('cilium-gateway-needs-kpr fires for another CNI even with kube-proxy replacement on', () => {
    expect(fired('  networking: { cni: calico, kubeProxyReplacement: true, gateway: cilium }\n')).toContain('cilium-gateway-needs-kpr');
  });

  it('cluster-autoscaler on kind is refused for each cloud provider', () => {
    for (const provider of ['aws', 'gce', 'azure'])
      expect(
        fired(`  autoscaling: { clusterAutoscaler: { provider: ${provider}, nodeGroups: [{ namePrefix: p, minSize: 1, maxSize: 2 }] } }\n`),
      ).toContain('cluster-autoscaler-provider');
  });

  it('each system namespace is refused as a tenant name', () => {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kubestrap-system'])
      expect(evaluateRules(load(`  tenants: [{ name: ${name} }]\n`))).toContainEqual(
        expect.objectContaining({ rule: 'tenant-names', message: `tenant "${name}" would take over a system namespace.` }),
      );
  });
});

describe('enforceRules', () => {
  it('returns the warnings only; with any error it throws with the errors only', () => {
    const warnings = enforceRules(load(`${existing('generic')}  backup: { storage: { type: minio } }\n`));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => w.severity === 'warning')).toBe(true);
    try {
      enforceRules(load('  cluster: { provider: existing }\n  backup: { storage: { type: minio } }\n'));
      expect.unreachable('expected a RuleError');
    } catch (error) {
      expect(error).toBeInstanceOf(RuleError);
    }
  });
});
