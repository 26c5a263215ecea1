// What each provider profile lets kubestrap assume, as the user meets it: the add-ons it adopts instead
// of installing, whether its control plane may be scraped, the node labels that identify it, the CSI
// driver its volume snapshots use, the titles the decision record shows, and a self-managed profile's
// Gateway Service without annotations of its own. Written against the profile table's mutants that a
// StrykerJS run with the table mutated before the modules load found surviving (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { detectProfile, gatewayServiceAnnotations, providerAddons } from '../../src/config/profile.js';
import { evaluateRules } from '../../src/config/rules.js';
import { decisionsFor } from '../../src/decisions/record.js';
import { buildPlan } from '../../src/plan/plan.js';

const load = (spec: string) =>
  parseConfigText(`apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n${spec}`, '/x/k.yaml').config;
const existing = (profile: string) => `  cluster: { provider: existing, context: prod, profile: ${profile} }\n`;
const rulesFired = (spec: string) => evaluateRules(load(spec)).map((r) => r.rule);
const profileDecision = (spec: string) => decisionsFor(load(spec)).find((d) => d.title === 'Provider profile');

describe('add-ons the provider runs', () => {
  it('kind, EKS, kubeadm and generic run none that kubestrap adopts; GKE and AKS run theirs', () => {
    expect(providerAddons(load('  cluster: { name: lab }\n'))).toEqual([]);
    for (const profile of ['eks', 'kubeadm', 'generic']) expect(providerAddons(load(existing(profile)))).toEqual([]);
    expect(providerAddons(load(existing('gke')))).toEqual(['metrics-server', 'snapshot-controller', 'gateway-api-crds']);
    expect(providerAddons(load(existing('aks')))).toEqual(['metrics-server']);
  });

  it('metrics-server adopted on kind is said to be run by kind, by its title', () => {
    const config = load('  cluster: { name: lab, providerAddons: [metrics-server] }\n');
    const plan = buildPlan({ config, baseDir: '/tmp', outDir: '/tmp/kubestrap-profile-facts-plan' });
    const notes = plan.phases.flatMap((ph) => ph.steps).flatMap((s) => s.rendered.notes ?? []);
    expect(notes).toContain(
      'metrics-server: run by the provider (kind; spec.cluster.providerAddons), not installed; its APIService is checked',
    );
  });

  it('the decision record says "none" for EKS, kubeadm and generic', () => {
    for (const profile of ['eks', 'kubeadm', 'generic'])
      expect(profileDecision(existing(profile))?.chosen).toContain('add-ons the provider runs (adopted, not installed): none;');
  });
});

describe('the control plane', () => {
  it('kind and generic control planes are self-managed: asking to scrape them is no managed-control-plane error', () => {
    expect(rulesFired('  monitoring: { controlPlaneMetrics: { scheduler: true } }\n')).not.toContain('control-plane-metrics-managed');
    expect(rulesFired(`${existing('generic')}  monitoring: { controlPlaneMetrics: { scheduler: true } }\n`)).not.toContain(
      'control-plane-metrics-managed',
    );
    expect(profileDecision(existing('generic'))?.chosen).toContain('self-managed control plane');
    expect(rulesFired(`${existing('eks')}  monitoring: { controlPlaneMetrics: { scheduler: true } }\n`)).toContain(
      'control-plane-metrics-managed',
    );
  });
});

describe('the nodes that identify a profile', () => {
  it('each EKS and AKS node label alone identifies the provider', () => {
    const only = (label: string) => detectProfile([{ name: 'n1', labels: { [label]: 'x' } }]);
    expect(only('eks.amazonaws.com/compute-type')).toMatchObject({ profile: 'eks', byLabel: true });
    expect(only('eks.amazonaws.com/nodegroup')).toMatchObject({ profile: 'eks', byLabel: true });
    expect(only('kubernetes.azure.com/agentpool')).toMatchObject({
      profile: 'aks',
      byLabel: true,
      evidence: 'node n1 has label kubernetes.azure.com/agentpool',
    });
    expect(only('kubernetes.azure.com/cluster')).toMatchObject({ profile: 'aks', byLabel: true });
  });
});

describe('volume snapshots', () => {
  it('EKS, GKE and AKS know their CSI driver, so snapshot backups need no snapshotDriver there; kubeadm does not', () => {
    const snapshots = '  backup: { volumes: snapshot, storage: { type: minio } }\n';
    for (const profile of ['eks', 'gke', 'aks'])
      expect(rulesFired(existing(profile) + snapshots)).not.toContain('snapshot-backups-need-a-driver');
    expect(rulesFired(existing('kubeadm') + snapshots)).toContain('snapshot-backups-need-a-driver');
  });
});

describe('the decision record', () => {
  it('names the other profiles an existing cluster could take by their titles', () => {
    expect(profileDecision(existing('eks'))?.alternatives).toEqual([
      { value: 'gke', note: 'Google GKE' },
      { value: 'aks', note: 'Azure AKS' },
      { value: 'kubeadm', note: 'kubeadm' },
      { value: 'generic', note: 'generic' },
    ]);
  });
});

describe('the Gateway Service on a self-managed cluster', () => {
  it('kubeadm adds no annotation; internal: true without annotations of its own is refused, not a crash', () => {
    expect(gatewayServiceAnnotations(load(existing('kubeadm')))).toEqual({});
    const results = evaluateRules(load(`${existing('kubeadm')}  networking: { loadBalancer: { internal: true } }\n`));
    expect(results).toContainEqual(
      expect.objectContaining({
        rule: 'internal-load-balancer-profile',
        message:
          'spec.networking.loadBalancer.internal is true, but the kubeadm profile knows no annotation that makes a load balancer internal.',
      }),
    );
    expect(rulesFired(`${existing('kubeadm')}  networking: { cni: cilium, kubeProxyReplacement: true, gateway: cilium }\n`)).not.toContain(
      'load-balancer-annotations-cilium',
    );
  });
});
