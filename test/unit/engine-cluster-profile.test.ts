// What an existing cluster says about itself against the config (src/engine/cluster-profile.ts): the
// profile read from the nodes, the default StorageClass and the add-ons the provider runs. Every kubectl
// child process is faked here (fake-cluster.ts). Written against StrykerJS's mutants in src/engine
// (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { parseConfigText } from '../../src/config/load.js';
import { checkClusterProfile } from '../../src/engine/cluster-profile.js';
import { lock } from '../../src/lock.js';
import type { StepId } from '../../src/roadmap/types.js';
import { FakeCluster } from './fake-cluster.js';

const config = (spec: string) =>
  parseConfigText(`apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n${spec}`, '/x/k.yaml').config;
const existing = (profile?: string) => `  cluster: { provider: existing, context: prod${profile ? `, profile: ${profile}` : ''} }\n`;

function cluster(nodes: { name: string; labels?: Record<string, string>; providerID?: string }[]): FakeCluster {
  const c = new FakeCluster();
  for (const k of [...c.objects.keys()]) if (k.startsWith('node|')) c.objects.delete(k);
  for (const n of nodes)
    c.put({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels: n.labels ?? {} }, spec: { providerID: n.providerID } });
  return c;
}
const storageClass = (name: string, isDefault?: boolean) => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, annotations: isDefault === undefined ? {} : { 'storageclass.kubernetes.io/is-default-class': String(isDefault) } },
});
const check = (c: FakeCluster, spec: string, steps: StepId[] = []) =>
  checkClusterProfile(new Kubectl(c.exec, c.target), config(spec), steps);

describe('the profile, read from the nodes (kubectl faked)', () => {
  it('kind clusters are not inspected', async () => {
    const c = cluster([]);
    expect(await check(c, '  cluster: {}\n', ['storage', 'monitoring', 'gateway'])).toEqual([]);
    expect(c.exec.calls).toEqual([]);
  });

  it('agreeing nodes: an info line with the evidence', async () => {
    const findings = await check(cluster([{ name: 'n1', labels: { 'eks.amazonaws.com/nodegroup': 'ng' } }]), existing('eks'));
    expect(findings).toEqual([{ severity: 'info', what: 'cluster profile eks: node n1 has label eks.amazonaws.com/nodegroup', fix: '' }]);
  });

  it('a provider label against the default profile: an error saying the profile was the default, and the flag to set', async () => {
    const [f] = await check(cluster([{ name: 'n1', labels: { 'cloud.google.com/gke-nodepool': 'p' } }]), existing());
    expect(f).toEqual({
      severity: 'error',
      what: 'cluster profile: detected gke, config says generic (the default; spec.cluster.profile is not set) (node n1 has label cloud.google.com/gke-nodepool)',
      fix: 'set spec.cluster.profile: gke (or --profile gke), or check that the context names the cluster you mean',
    });
  });

  it('a managed profile that no node looks like: a warning, and the self-managed profiles to choose from', async () => {
    const [f] = await check(cluster([{ name: 'n1' }]), existing('aks'));
    expect(f!.severity).toBe('warning');
    expect(f!.what).toMatch(/^cluster profile: config says aks, but no node looks like Azure AKS/);
    expect(f!.fix).toBe('set spec.cluster.profile to kubeadm or generic, or check that the context names the cluster you mean');
  });
});

describe('the default StorageClass (kubectl faked)', () => {
  const storage = async (classes: ReturnType<typeof storageClass>[], spec = '') => {
    const c = cluster([{ name: 'n1' }]);
    for (const sc of classes) c.put(sc);
    const findings = await check(c, `${existing('generic')}${spec}`, ['storage']);
    return findings.slice(1);
  };

  it('none marked default: an error listing the classes, and the command that marks one', async () => {
    expect(await storage([storageClass('a'), storageClass('b', false)])).toEqual([
      {
        severity: 'error',
        what: 'no StorageClass carries the default annotation; the volumes of Prometheus, Grafana and backups would stay Pending (classes: a, b)',
        fix: 'mark one default: kubectl --context fake annotate storageclass a storageclass.kubernetes.io/is-default-class=true',
      },
    ]);
  });

  it('none marked default, with one configured: the message and the command name it', async () => {
    const [f] = await storage([storageClass('a')], '  storage: { defaultClass: fast }\n');
    expect(f!.what).toContain('(spec.storage.defaultClass is fast)');
    expect(f!.fix).toContain('annotate storageclass fast ');
  });

  it('no class at all: says so, and the command has a placeholder', async () => {
    const [f] = await storage([]);
    expect(f!.what).toContain('(the cluster has no StorageClass)');
    expect(f!.fix).toContain('annotate storageclass <class> ');
  });

  it('two defaults: an error naming both', async () => {
    expect(await storage([storageClass('a', true), storageClass('b', true), storageClass('c')])).toEqual([
      {
        severity: 'error',
        what: '2 StorageClasses carry the default annotation (a, b); a PVC without a class gets an arbitrary one',
        fix: 'remove the annotation from all but one (storageclass.kubernetes.io/is-default-class=false)',
      },
    ]);
  });

  it('a default other than the configured one: an error with both ways out', async () => {
    expect(await storage([storageClass('a', true)], '  storage: { defaultClass: b }\n')).toEqual([
      {
        severity: 'error',
        what: 'detected default StorageClass a, config says b (spec.storage.defaultClass)',
        fix: "set spec.storage.defaultClass: a, or make b the cluster's default",
      },
    ]);
  });

  it('the configured default, or one found when none is configured: info', async () => {
    expect(await storage([storageClass('a', true)], '  storage: { defaultClass: a }\n')).toEqual([
      { severity: 'info', what: 'default StorageClass: a', fix: '' },
    ]);
    expect(await storage([storageClass('a', true)])).toEqual([
      { severity: 'info', what: 'default StorageClass: a (detected; spec.storage.defaultClass names none)', fix: '' },
    ]);
  });

  it('not looked at without the storage step, or with Longhorn (which brings its own class)', async () => {
    const c = cluster([{ name: 'n1' }]);
    expect(await check(c, existing('generic'), ['monitoring'])).toHaveLength(1);
    expect(await check(c, `${existing('generic')}  storage: { provisioner: longhorn }\n`, ['storage'])).toHaveLength(1);
    expect(c.exec.calls.some((a) => a.includes('storageclasses'))).toBe(false);
  });
});

describe('add-ons the provider runs (kubectl faked)', () => {
  const gkeNode = { name: 'n1', labels: { 'cloud.google.com/gke-nodepool': 'p' } };
  const metricsApi = (release?: string) => ({
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.metrics.k8s.io', annotations: release ? { 'meta.helm.sh/release-name': release } : {} },
    spec: { service: { namespace: 'kube-system', name: 'metrics-server' } },
  });
  const crd = (name: string, annotations: Record<string, string> = {}) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name, annotations },
  });
  const all: StepId[] = ['monitoring', 'gateway'];

  it('adopted by the profile but missing: one error per add-on, naming what is missing', async () => {
    const findings = (await check(cluster([gkeNode]), existing('gke'), all)).slice(1);
    expect(findings.map((f) => f.severity)).toEqual(['error', 'error']);
    expect(findings[0]!.what).toBe(
      'metrics-server: the Google GKE profile expects the provider to run it (spec.cluster.providerAddons), but APIService v1beta1.metrics.k8s.io is missing',
    );
    expect(findings[0]!.fix).toBe(
      'turn it on at the provider, or set spec.cluster.providerAddons without metrics-server so kubestrap installs it',
    );
    expect(findings[1]!.what).toContain('but Gateway API CRDs is missing');
  });

  it('adopted and there: info with the detail', async () => {
    const c = cluster([gkeNode]);
    c.put(metricsApi());
    c.put(crd('gateways.gateway.networking.k8s.io', { 'gateway.networking.k8s.io/bundle-version': 'v9.9.9' }));
    c.put(crd('volumesnapshots.snapshot.storage.k8s.io'));
    c.put(storageClass('standard-rwo', true));
    const findings = (await check(c, existing('gke'), ['storage', ...all])).slice(2);
    expect(findings).toEqual([
      {
        severity: 'info',
        what: 'metrics-server: run by the provider (APIService v1beta1.metrics.k8s.io served by kube-system/metrics-server), adopted',
        fix: '',
      },
      {
        severity: 'info',
        what: 'snapshot-controller: run by the provider (CRD volumesnapshots.snapshot.storage.k8s.io), adopted',
        fix: '',
      },
      { severity: 'info', what: 'gateway-api-crds: run by the provider (Gateway API CRDs v9.9.9), adopted', fix: '' },
    ]);
  });

  it("not adopted but already there, not kubestrap's: an error for a second metrics-server, a warning for the CRDs", async () => {
    const c = cluster([{ name: 'n1' }]);
    c.put(metricsApi());
    c.put(crd('gateways.gateway.networking.k8s.io', { 'gateway.networking.k8s.io/bundle-version': 'v0.0.1' }));
    c.put(crd('volumesnapshots.snapshot.storage.k8s.io', { 'meta.helm.sh/release-name': 'someone-else' }));
    c.put(storageClass('a', true));
    const findings = (await check(c, existing('generic'), ['storage', ...all])).slice(2);
    expect(findings.map((f) => [f.severity, f.what.split(':')[0]])).toEqual([
      ['error', 'metrics-server'],
      ['error', 'snapshot-controller'],
      ['warning', 'gateway-api-crds'],
    ]);
    expect(findings[0]!.what).toBe(
      "metrics-server: the cluster already runs it (APIService v1beta1.metrics.k8s.io served by kube-system/metrics-server, not kubestrap's), and kubestrap would install a second one",
    );
    expect(findings[0]!.fix).toBe('adopt it: add metrics-server to spec.cluster.providerAddons');
    expect(findings[2]!.fix).toBe(
      `adopt it: add gateway-api-crds to spec.cluster.providerAddons (or let kubestrap apply Gateway API ${lock.manifests.gatewayApi.version} over it)`,
    );
  });

  it("kubestrap's own releases and its pinned Gateway API bundle are not someone else's", async () => {
    const c = cluster([{ name: 'n1' }]);
    c.put(metricsApi('metrics-server'));
    c.put(crd('gateways.gateway.networking.k8s.io', { 'gateway.networking.k8s.io/bundle-version': lock.manifests.gatewayApi.version }));
    c.put(crd('volumesnapshots.snapshot.storage.k8s.io', { 'meta.helm.sh/release-name': 'snapshot-controller' }));
    c.put(storageClass('a', true));
    expect((await check(c, existing('generic'), ['storage', ...all])).slice(2)).toEqual([]);
  });

  it('only add-ons the selected steps would install are looked at', async () => {
    const c = cluster([gkeNode]);
    const findings = await check(c, `${existing('gke')}  monitoring: { metricsServer: false }\n  networking: { gateway: none }\n`, all);
    expect(findings).toHaveLength(1);
    expect(c.exec.calls.some((a) => a.some((x) => x.includes('apiservices') || x.includes('customresourcedefinitions')))).toBe(false);
  });

  it('NodeLocal DNSCache, when it runs, is mentioned with the address tenant DNS egress allows', async () => {
    const c = cluster([{ name: 'n1' }]);
    c.put({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-local-dns', namespace: 'kube-system' } });
    const findings = await check(c, existing('generic'));
    expect(findings.at(-1)).toEqual({
      severity: 'info',
      what: 'NodeLocal DNSCache runs (kube-system/node-local-dns); tenant DNS egress allows 169.254.20.10',
      fix: '',
    });
  });
});

describe('objects as the API server returns them, without the optional parts (kubectl faked)', () => {
  it('nodes without labels or spec, a StorageClass without annotations, an APIService served locally and CRDs without annotations', async () => {
    const c = new FakeCluster();
    for (const key of [...c.objects.keys()]) if (key.startsWith('node|')) c.objects.delete(key);
    c.put({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'bare' } });
    c.put({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'plain' } });
    c.put(storageClass('standard', true));
    // An APIService served by the API server itself has no service, and nothing installed it with helm.
    c.put({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: {} });
    c.put({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gateways.gateway.networking.k8s.io' },
    });
    c.put({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'volumesnapshots.snapshot.storage.k8s.io' },
    });
    const findings = await check(c, existing('generic'), ['storage', 'monitoring', 'gateway']);
    expect(findings.map((f) => `${f.severity}: ${f.what}`)).toEqual([
      expect.stringMatching(/^info: cluster profile generic: /),
      'info: default StorageClass: standard (detected; spec.storage.defaultClass names none)',
      "error: metrics-server: the cluster already runs it (APIService v1beta1.metrics.k8s.io, not kubestrap's), and kubestrap would install a second one",
      "error: snapshot-controller: the cluster already runs it (CRD volumesnapshots.snapshot.storage.k8s.io, not kubestrap's), and kubestrap would install a second one",
      "warning: gateway-api-crds: the cluster already runs it (Gateway API CRDs, not kubestrap's), and kubestrap would install a second one",
    ]);
  });
});
