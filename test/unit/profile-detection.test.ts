// What the preflight and doctor say when they compare spec.cluster.profile with the nodes: the evidence
// each detection names (the node and the label or providerID, a visible control-plane node), and which
// contradictions are errors and which are hints; plus the Gateway Service's annotations per profile and
// the Cilium gateway warning that depends on them. Written against the mutants StrykerJS found surviving
// or uncovered in src/config/profile.ts and rules.ts (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { compareProfile, detectProfile, gatewayServiceAnnotations, type NodeFacts } from '../../src/config/profile.js';
import { evaluateRules } from '../../src/config/rules.js';

const node = (name: string, providerID: string | undefined, labels: Record<string, string> = {}): NodeFacts => ({
  name,
  providerID,
  labels,
});
const controlPlane = { 'node-role.kubernetes.io/control-plane': '' };
const gkeLabel = { 'cloud.google.com/gke-nodepool': 'pool' };
const eksLabel = { 'eks.amazonaws.com/nodegroup': 'ng' };

describe('detection: the evidence it names', () => {
  it('no nodes at all', () => {
    expect(detectProfile([])).toEqual({ byLabel: false, selfManaged: false, evidence: 'the cluster has no nodes' });
  });

  it('nodes that carry nothing a provider sets', () => {
    expect(detectProfile([node('w1', 'kind://docker/kind/w1'), node('w2', undefined)])).toEqual({
      byLabel: false,
      selfManaged: false,
      evidence: 'no node carries a provider label, a known providerID prefix or the control-plane role',
    });
  });

  it('a control-plane node only: self-managed, no provider', () => {
    expect(detectProfile([node('w1', undefined), node('cp1', undefined, controlPlane)])).toEqual({
      byLabel: false,
      selfManaged: true,
      evidence: 'node cp1 is a control-plane node (a self-managed control plane: kubeadm or generic)',
    });
  });

  it('a providerID, with the control-plane node named too', () => {
    expect(detectProfile([node('n1', 'aws:///eu-west-1a/i-1'), node('cp1', 'aws:///eu-west-1a/i-2', controlPlane)])).toEqual({
      profile: 'eks',
      byLabel: false,
      selfManaged: true,
      evidence: 'node n1 has providerID aws:///eu-west-1a/i-1; node cp1 is a control-plane node',
    });
  });

  it('a provider label wins over providerIDs, naming the node and the label', () => {
    expect(detectProfile([node('n1', 'aws:///z/i-1'), node('n2', 'gce://p/z/n2', gkeLabel)])).toEqual({
      profile: 'gke',
      byLabel: true,
      selfManaged: false,
      evidence: 'node n2 has label cloud.google.com/gke-nodepool',
    });
  });
});

describe('the configured profile against the nodes', () => {
  it('another managed provider by its label is an error even when a control-plane node is visible', () => {
    const d = detectProfile([node('n1', 'gce://p/z/n1', gkeLabel), node('cp1', undefined, controlPlane)]);
    expect(compareProfile('eks', d)).toEqual({
      severity: 'error',
      message: 'detected gke, config says eks (node n1 has label cloud.google.com/gke-nodepool; node cp1 is a control-plane node)',
    });
  });

  it('a managed provider by its label on a self-managed profile is an error, control-plane node or not', () => {
    const d = detectProfile([node('n1', 'aws:///z/i-1', eksLabel), node('cp1', undefined, controlPlane)]);
    expect(compareProfile('kubeadm', d)).toEqual({
      severity: 'error',
      message: 'detected eks, config says kubeadm (node n1 has label eks.amazonaws.com/nodegroup; node cp1 is a control-plane node)',
    });
  });

  it('a managed profile with a visible control plane', () => {
    const d = detectProfile([node('cp1', undefined, controlPlane)]);
    expect(compareProfile('aks', d)).toEqual({
      severity: 'error',
      message:
        'detected a self-managed control plane, config says aks (node cp1 is a control-plane node (a self-managed control plane: kubeadm or generic))',
    });
  });

  it('another managed provider by providerID alone is an error for a managed profile', () => {
    expect(compareProfile('eks', detectProfile([node('n1', 'gce://p/z/n1')]))).toEqual({
      severity: 'error',
      message: 'detected gke, config says eks (node n1 has providerID gce://p/z/n1)',
    });
  });

  it('a providerID alone on a self-managed profile is a hint (a self-managed cluster on that cloud has it too)', () => {
    expect(compareProfile('generic', detectProfile([node('n1', 'azure:///subscriptions/s/vm1')]))).toEqual({
      severity: 'warning',
      message: 'detected aks, config says generic (node n1 has providerID azure:///subscriptions/s/vm1)',
    });
  });

  it('a managed profile where no node looks like it is a hint', () => {
    expect(compareProfile('gke', detectProfile([node('n1', undefined)]))).toEqual({
      severity: 'warning',
      message:
        'config says gke, but no node looks like Google GKE (no node carries a provider label, a known providerID prefix or the control-plane role)',
    });
  });
});

const existing = (profile: string, networking = '') =>
  parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n  cluster: { provider: existing, context: prod, profile: ${profile} }\n  networking: { ${networking} }\n`,
    '/x/kubestrap.yaml',
  ).config;

describe('the profile in force', () => {
  it('kind for a kind cluster that names none, named in what the rules say', () => {
    const kind = parseConfigText(
      'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n  backup: { enabled: true, storage: { type: s3, bucket: b-1, region: eu-west-1, workloadIdentity: { awsRoleArn: "arn:aws:iam::123456789012:role/v" } } }\n',
      '/x/kubestrap.yaml',
    ).config;
    const rule = evaluateRules(kind).find((r) => r.rule === 'backup-identity-profile');
    expect(rule?.message).toBe(
      'spec.backup.storage.workloadIdentity.awsRoleArn is Amazon EKS workload identity, but spec.cluster.profile is kind, which has no workload identity kubestrap can wire.',
    );
  });
});

describe("the Gateway Service's annotations", () => {
  it('eks: an internal NLB when asked', () => {
    expect(gatewayServiceAnnotations(existing('eks', 'loadBalancer: { internal: true }'))).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'service.beta.kubernetes.io/aws-load-balancer-internal': 'true',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
    });
  });

  it("Cilium's own gateway is warned about where the profile sets annotations on a public load balancer (eks), not where it sets them only for an internal one (gke, aks)", () => {
    const cilium = 'cni: cilium, kubeProxyReplacement: true, gateway: cilium';
    const warned = (profile: string) => evaluateRules(existing(profile, cilium)).some((r) => r.rule === 'load-balancer-annotations-cilium');
    expect(warned('eks')).toBe(true);
    expect(warned('gke')).toBe(false);
    expect(warned('aks')).toBe(false);
  });
});
