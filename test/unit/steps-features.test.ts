import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { lock } from '../../src/lock.js';
import type { Action, RenderContext, Step, StepPlan } from '../../src/roadmap/types.js';
import { gatewayStep } from '../../src/steps/gateway.js';
import { integrationStep } from '../../src/steps/integration.js';
import { certificatesStep } from '../../src/steps/certificates.js';
import { securityStep } from '../../src/steps/security.js';

const root = path.resolve(import.meta.dirname, '../..');
const examples = ['kind-dev.yaml', 'production.yaml'] as const;
const steps = [certificatesStep, securityStep, gatewayStep, integrationStep];

async function load(example: string): Promise<{ config: Config; baseDir: string }> {
  const { config, baseDir } = await loadConfigFile(path.join(root, 'examples', example));
  return { config, baseDir };
}

function ctxFor(config: Config, baseDir = path.join(root, 'examples')): RenderContext {
  return { config, baseDir, outDir: '/tmp/kubestrap-test-plan' };
}

/** A deep copy of a loaded config with a change applied (configs are plain data). */
function variant(config: Config, change: (c: Config) => void): Config {
  const copy = structuredClone(config);
  change(copy);
  return copy;
}

function objectsOf(plan: StepPlan, file: string): Record<string, any>[] {
  const artifact = plan.artifacts.find((a) => a.path.endsWith(`/${file}`));
  if (!artifact) throw new Error(`no artifact ${file} in ${plan.artifacts.map((a) => a.path).join(', ')}`);
  const docs = parseAllDocuments(artifact.content);
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS());
}

function allObjects(plan: StepPlan): Record<string, any>[] {
  return plan.artifacts
    .filter((a) => !path.basename(a.path).startsWith('values-'))
    .flatMap((a) => parseAllDocuments(a.content).map((d) => d.toJS() as Record<string, any>));
}

/** Index of the first action matching, for ordering assertions. */
function indexOf(plan: StepPlan, match: (a: Action) => boolean): number {
  const i = plan.actions.findIndex(match);
  expect(i, 'action not found').toBeGreaterThanOrEqual(0);
  return i;
}
const helmRelease = (name: string) => (a: Action) => a.type === 'helm' && a.release.release === name;
const applies = (file: string) => (a: Action) => a.type === 'apply' && a.manifest.endsWith(`/${file}`);

describe.each(examples)('features phase for examples/%s', (example) => {
  it.each(steps.map((s) => [s.id, s] as [string, Step]))(
    '%s renders labelled Kubernetes objects, artifacts for every apply, and checks',
    async (_id, step) => {
      const { config, baseDir } = await load(example);
      expect(step.enabled(config)).toEqual({ enabled: true });
      const plan = step.render(ctxFor(config, baseDir));
      expect(plan.actions.length).toBeGreaterThan(0);
      expect(plan.checks.length).toBeGreaterThan(0);
      const paths = new Set(plan.artifacts.map((a) => a.path));
      for (const a of plan.actions) {
        if (a.type === 'apply' && !a.absolute) expect(paths).toContain(a.manifest);
        if (a.type === 'helm') expect(paths).toContain(a.release.values);
      }
      for (const o of allObjects(plan)) {
        expect(o.apiVersion, JSON.stringify(o)).toBeTypeOf('string');
        expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('kubestrap');
        expect(o.metadata.labels['kubestrap.dev/step']).toBe(step.id);
      }
    },
  );

  it('security: PSA namespaces per tenant, default-deny with DNS, RoleBindings, charts and checks', async () => {
    const { config } = await load(example);
    const plan = securityStep.render(ctxFor(config));
    const namespaces = objectsOf(plan, 'namespaces.yaml');
    // kubestrap-system belongs to the engine (state, Lease), which creates it before any step.
    expect(namespaces.map((n) => n.metadata.name)).toEqual([...config.spec.tenants.map((t) => t.name), 'kyverno']);
    for (const t of config.spec.tenants) {
      const ns = namespaces.find((n) => n.metadata.name === t.name)!;
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(t.podSecurity ?? config.spec.security.podSecurity.tenants);
      expect(plan.checks).toContainEqual(expect.objectContaining({ type: 'namespace-labels', namespace: t.name }));
    }

    const policies = objectsOf(plan, 'network-policies.yaml');
    // default-deny, DNS, same-namespace; ingress from Prometheus and from the gateway.
    expect(policies).toHaveLength(5 * config.spec.tenants.length);
    const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = policies.find((p) => p.metadata.name === 'allow-dns-egress')!;
    expect(dns.spec.egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(dns.spec.egress[0].to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });

    const bindings = objectsOf(plan, 'rbac.yaml').filter((o) => o.kind === 'RoleBinding');
    expect(bindings.map((b) => b.metadata.namespace)).toEqual(config.spec.tenants.map((t) => t.name));
    expect(bindings[0]!.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubestrap-tenant-admin' });

    const kyvernoValues = objectsOf(plan, 'values-kyverno.yaml')[0]!;
    expect(kyvernoValues.admissionController.replicas).toBe(config.spec.security.policyEngine.replicas);
    const policyValues = objectsOf(plan, 'values-kyverno-policies.yaml')[0]!;
    expect(policyValues).toMatchObject({
      policyType: 'ValidatingPolicy',
      podSecurityStandard: config.spec.security.podSecurity.tenants,
      validationFailureAction: config.spec.security.policyEngine.validationFailureAction,
    });
    expect(policyValues.vpolExclude.excludeNamespaces).toContain('kube-system');
    expect(policyValues.vpolExclude.excludeNamespaces).not.toContain(config.spec.tenants[0]!.name);

    for (const name of [
      'kyverno-admission-controller',
      'kyverno-background-controller',
      'kyverno-cleanup-controller',
      'kyverno-reports-controller',
    ]) {
      expect(plan.checks).toContainEqual({ type: 'rollout', namespace: 'kyverno', kind: 'deployment', name });
    }
    expect(plan.checks).toContainEqual({ type: 'crd-established', name: 'clusterpolicies.kyverno.io' });
    // cert-manager is the certificates step's, not security's.
    expect(plan.actions.some(helmRelease('cert-manager'))).toBe(false);
    expect(plan.checks.filter((c) => JSON.stringify(c).includes('cert-manager'))).toEqual([]);
    expect(plan.checks).toContainEqual({ type: 'rejects-privileged-pod', namespace: config.spec.tenants[0]!.name });
  });

  it('security: the namespaces first, policies after Kyverno', async () => {
    const { config } = await load(example);
    const plan = securityStep.render(ctxFor(config));
    expect(indexOf(plan, helmRelease('kyverno-policies'))).toBeGreaterThan(indexOf(plan, helmRelease('kyverno')));
    expect(indexOf(plan, applies('namespaces.yaml'))).toBe(0);
  });

  it('certificates: its namespace, then the cert-manager chart with its CRDs, then the ClusterIssuers; rollouts and CRDs checked', async () => {
    const { config } = await load(example);
    const plan = certificatesStep.render(ctxFor(config));
    expect(objectsOf(plan, 'namespaces.yaml').map((o) => o.metadata.name)).toEqual(['cert-manager']);
    expect(indexOf(plan, applies('namespaces.yaml'))).toBe(0);
    expect(objectsOf(plan, 'values-cert-manager.yaml')[0]!.crds.enabled).toBe(true);
    expect(objectsOf(plan, 'cluster-issuer.yaml')[0]).toMatchObject({ kind: 'ClusterIssuer', spec: { selfSigned: {} } });
    expect(indexOf(plan, applies('cluster-issuer.yaml'))).toBeGreaterThan(indexOf(plan, helmRelease('cert-manager')));
    for (const name of ['cert-manager', 'cert-manager-webhook', 'cert-manager-cainjector']) {
      expect(plan.checks).toContainEqual({ type: 'rollout', namespace: 'cert-manager', kind: 'deployment', name });
    }
    for (const name of ['certificates.cert-manager.io', 'clusterissuers.cert-manager.io']) {
      expect(plan.checks).toContainEqual({ type: 'crd-established', name });
    }
    expect(certificatesStep.needs).toEqual(['networking']);
    expect(certificatesStep.enabled(variant(config, (c) => void (c.spec.security.certManager = false)))).toEqual({
      enabled: false,
      reason: expect.stringContaining('spec.security.certManager is false'),
    });
  });

  it('gateway: CRDs, then the implementation, then GatewayClass and the shared Gateway', async () => {
    const { config } = await load(example);
    const plan = gatewayStep.render(ctxFor(config));
    const crds = indexOf(plan, (a) => a.type === 'apply-url' && a.url === lock.manifests.gatewayApi.url);
    const chart = indexOf(plan, helmRelease('envoy-gateway'));
    const gateway = indexOf(plan, applies('gateway.yaml'));
    expect(crds).toBeLessThan(chart);
    expect(chart).toBeLessThan(gateway);
    const [proxy, gatewayClass, certificate, shared, redirect] = objectsOf(plan, 'gateway.yaml');
    // The data plane's shape, which the GatewayClass points at.
    expect(proxy).toMatchObject({ kind: 'EnvoyProxy', metadata: { name: 'kubestrap', namespace: 'envoy-gateway-system' } });
    expect(gatewayClass).toMatchObject({
      kind: 'GatewayClass',
      spec: {
        controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
        parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'kubestrap', namespace: 'envoy-gateway-system' },
      },
    });
    expect(shared).toMatchObject({
      kind: 'Gateway',
      metadata: { name: 'kubestrap', namespace: 'kubestrap-gateway' },
      spec: { gatewayClassName: gatewayClass!.metadata.name },
    });
    // HTTPS with cert-manager's certificate; HTTP takes only the redirect route from the Gateway's namespace.
    const fromAccessLabel = {
      kinds: [{ kind: 'HTTPRoute' }],
      namespaces: { from: 'Selector', selector: { matchLabels: { 'kubestrap.dev/gateway-access': 'true' } } },
    };
    expect(shared!.spec.listeners).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }], namespaces: { from: 'Same' } } },
      {
        name: 'https',
        protocol: 'HTTPS',
        port: 443,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: 'kubestrap-gateway-tls' }] },
        allowedRoutes: fromAccessLabel,
      },
    ]);
    expect(certificate).toMatchObject({
      kind: 'Certificate',
      metadata: { name: 'kubestrap-gateway-tls', namespace: 'kubestrap-gateway' },
      spec: { secretName: 'kubestrap-gateway-tls', issuerRef: { kind: 'ClusterIssuer', name: 'kubestrap-ca' } },
    });
    expect(certificate!.spec.dnsNames).toEqual([`gateway.${config.spec.cluster.name}.internal`]);
    expect(redirect).toMatchObject({ kind: 'HTTPRoute', metadata: { name: 'kubestrap-https-redirect', namespace: 'kubestrap-gateway' } });
    expect(redirect!.spec.parentRefs).toEqual([{ name: 'kubestrap', namespace: 'kubestrap-gateway', sectionName: 'http' }]);
    expect(redirect!.spec.rules).toEqual([
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ]);
    expect(plan.checks).toContainEqual({
      type: 'exists',
      resource: 'certificates.cert-manager.io',
      namespace: 'kubestrap-gateway',
      name: 'kubestrap-gateway-tls',
    });
    for (const crd of ['gateways', 'gatewayclasses', 'httproutes'])
      expect(plan.checks).toContainEqual({ type: 'crd-established', name: `${crd}.gateway.networking.k8s.io` });
    expect(plan.checks).toContainEqual({ type: 'rollout', namespace: 'envoy-gateway-system', kind: 'deployment', name: 'envoy-gateway' });
  });

  it('integration: a restricted-compliant smoke workload routed through the Gateway, reachable past default-deny', async () => {
    const { config } = await load(example);
    const plan = integrationStep.render(ctxFor(config));
    const [ns] = objectsOf(plan, 'namespace.yaml');
    expect(ns!.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'kubestrap.dev/gateway-access': 'true',
    });
    const [deployment, service, pdb] = objectsOf(plan, 'workload.yaml');
    expect(deployment).toMatchObject({ kind: 'Deployment', metadata: { name: 'smoke', namespace: 'kubestrap-smoke' } });
    expect(deployment!.spec).not.toHaveProperty('replicas');
    const pod = deployment!.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].image).toBe(lock.images.smokeTest);
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].resources.requests).toBeDefined();
    expect(pod.containers[0].resources.limits).toBeDefined();
    expect(deployment!.spec.template.metadata.labels).toMatchObject(deployment!.spec.selector.matchLabels);
    expect(service).toMatchObject({ kind: 'Service', spec: { selector: deployment!.spec.selector.matchLabels } });
    expect(pdb).toMatchObject({ kind: 'PodDisruptionBudget', spec: { selector: { matchLabels: deployment!.spec.selector.matchLabels } } });

    const [route] = objectsOf(plan, 'httproute.yaml');
    // Routes attach to the HTTPS listener; HTTP only redirects.
    expect(route!.spec.parentRefs).toEqual([{ name: 'kubestrap', namespace: 'kubestrap-gateway', sectionName: 'https' }]);
    expect(route!.spec.rules[0].backendRefs).toEqual([{ name: 'smoke', port: 80 }]);

    const policies = objectsOf(plan, 'network-policies.yaml');
    const fromGateway = policies.find((p) => p.metadata.name === 'allow-from-gateway')!;
    expect(fromGateway.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'envoy-gateway-system',
    });
    expect(policies.map((p) => p.metadata.name)).toEqual([
      'default-deny',
      'allow-dns-egress',
      'allow-same-namespace',
      'allow-from-gateway',
    ]);

    expect(plan.checks).toContainEqual({ type: 'rollout', namespace: 'kubestrap-smoke', kind: 'deployment', name: 'smoke' });
    expect(plan.checks.filter((c) => c.type === 'probe').map((c) => c.type === 'probe' && c.probe)).toEqual([
      'dns',
      'pod-to-pod',
      'smoke-http',
    ]);
    // The smoke workload answers HTTP: busybox httpd serves the page the smoke-http probe expects, from an emptyDir.
    expect(pod.containers[0].command).toEqual(['sh', '-c', 'echo kubestrap-smoke-ok > /www/index.html && exec httpd -f -p 8080 -h /www']);
    expect(pod.containers[0].readinessProbe).toEqual({ httpGet: { path: '/', port: 'http' }, periodSeconds: 5 });
    expect(pod.volumes).toEqual([{ name: 'www', emptyDir: { sizeLimit: '1Mi' } }]);
    expect(integrationStep.needs).toEqual(['security', 'gateway']);
  });
});

describe('features phase variants', () => {
  it('gateway is disabled when spec.networking.gateway is none; the smoke test then has no route', async () => {
    const { config } = await load('kind-dev.yaml');
    const none = variant(config, (c) => {
      c.spec.networking.gateway = 'none';
    });
    const enablement = gatewayStep.enabled(none);
    expect(enablement.enabled).toBe(false);
    expect(enablement).toHaveProperty('reason', expect.stringContaining('none'));
    const plan = integrationStep.render(ctxFor(none));
    expect(plan.artifacts.map((a) => path.basename(a.path))).not.toContain('httproute.yaml');
    expect(objectsOf(plan, 'network-policies.yaml').map((p) => p.metadata.name)).not.toContain('allow-from-gateway');
    expect(objectsOf(plan, 'namespace.yaml')[0]!.metadata.labels).not.toHaveProperty('kubestrap.dev/gateway-access');
    expect(plan.checks.some((c) => c.type === 'exists' && c.resource.startsWith('httproutes'))).toBe(false);
  });

  it('a hostile tenant group name stays one scalar in the rendered RoleBinding', async () => {
    const { config } = await load('kind-dev.yaml');
    const hostile = 'evil\nkind: ClusterRoleBinding\n---\napiVersion: v1: {{ .Values.x }}';
    // The schema refuses newlines in group names; render must be safe even without that guard.
    const cfg = variant(config, (c) => {
      c.spec.tenants[0]!.groups = [hostile, 'plain: group'];
    });
    const plan = securityStep.render(ctxFor(cfg));
    const artifact = plan.artifacts.find((a) => a.path.endsWith('/rbac.yaml'))!;
    const docs = parseAllDocuments(artifact.content);
    // The two ClusterRoles of kubestrap-tenant-admin, then the one RoleBinding.
    expect(docs).toHaveLength(3);
    for (const d of docs) expect(d.errors).toEqual([]);
    const binding = docs[2]!.toJS();
    expect(binding.kind).toBe('RoleBinding');
    expect(Object.keys(binding)).toEqual(['apiVersion', 'kind', 'metadata', 'roleRef', 'subjects']);
    expect(binding.subjects).toEqual([
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: hostile },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'plain: group' },
    ]);
  });

  it('with charts from a local directory, the Gateway API CRDs are applied from <localDir>/gateway-api', async () => {
    const { config } = await load('kind-dev.yaml');
    const local = variant(config, (c) => {
      c.spec.charts.source = 'local';
      c.spec.charts.localDir = 'charts';
    });
    const plan = gatewayStep.render(ctxFor(local, '/srv/mirror'));
    expect(plan.actions[0]).toMatchObject({
      type: 'apply',
      absolute: true,
      manifest: '/srv/mirror/charts/gateway-api/standard-install.yaml',
    });
    const chart = plan.actions.find(helmRelease('envoy-gateway'));
    expect(chart).toMatchObject({ release: { chart: { ref: '/srv/mirror/charts/gateway-helm' } } });
  });

  it('traefik: its own GatewayClass, a listener on its web entryPoint, and the gateway pods let in', async () => {
    const { config } = await load('kind-dev.yaml');
    const traefik = variant(config, (c) => {
      c.spec.networking.gateway = 'traefik';
    });
    const plan = gatewayStep.render(ctxFor(traefik));
    const values = objectsOf(plan, 'values-traefik.yaml')[0]!;
    expect(values.providers.kubernetesGateway.enabled).toBe(true);
    expect(values.gateway.enabled).toBe(false);
    const [gatewayClass, , gateway] = objectsOf(plan, 'gateway.yaml');
    expect(gatewayClass!.spec.controllerName).toBe('traefik.io/gateway-controller');
    // Traefik's web and websecure entryPoints (exposed as 80 and 443 by its Service).
    expect(gateway!.spec.listeners.map((l: { name: string; port: number }) => [l.name, l.port])).toEqual([
      ['http', 8000],
      ['https', 8443],
    ]);
    expect(plan.checks).toContainEqual({ type: 'rollout', namespace: 'traefik', kind: 'deployment', name: 'traefik' });
    const policies = objectsOf(integrationStep.render(ctxFor(traefik)), 'network-policies.yaml');
    expect(policies.at(-1)!.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'traefik' });
  });

  it('cilium: nothing installed, no GatewayClass rendered, a CiliumNetworkPolicy admits gateway traffic', async () => {
    const { config } = await load('kind-dev.yaml');
    const cilium = variant(config, (c) => {
      c.spec.networking.gateway = 'cilium';
    });
    const plan = gatewayStep.render(ctxFor(cilium));
    expect(plan.actions.some((a) => a.type === 'helm')).toBe(false);
    const objects = objectsOf(plan, 'gateway.yaml');
    expect(objects.map((o) => o.kind)).toEqual(['Certificate', 'Gateway', 'HTTPRoute']);
    expect(objects[1]!.spec.gatewayClassName).toBe('cilium');
    expect(plan.checks).toContainEqual({ type: 'exists', resource: 'gatewayclasses.gateway.networking.k8s.io', name: 'cilium' });
    const policies = objectsOf(integrationStep.render(ctxFor(cilium)), 'network-policies.yaml');
    expect(policies.at(-1)).toMatchObject({ kind: 'CiliumNetworkPolicy', spec: { ingress: [{ fromEntities: ['ingress'] }] } });
  });

  it('no policy engine, cert-manager, RBAC or default-deny: only namespaces and their checks', async () => {
    const { config } = await load('production.yaml');
    const bare = variant(config, (c) => {
      c.spec.security.policyEngine.name = 'none';
      c.spec.security.certManager = false;
      c.spec.security.rbac = false;
      c.spec.security.defaultDenyNetworkPolicies = false;
    });
    const plan = securityStep.render(ctxFor(bare));
    expect(plan.actions.map((a) => a.type === 'apply' && path.basename(a.manifest))).toEqual(['namespaces.yaml']);
    expect(objectsOf(plan, 'namespaces.yaml').map((n) => n.metadata.name)).toEqual(['payments', 'search']);
    expect(integrationStep.render(ctxFor(bare)).artifacts.map((a) => path.basename(a.path))).not.toContain('network-policies.yaml');
  });

  it('a tenant looser than the tenant standard is left out of the Kyverno policies; the privileged-pod check picks a guarded namespace', async () => {
    const { config } = await load('production.yaml');
    const mixed = variant(config, (c) => {
      c.spec.tenants[0]!.podSecurity = 'privileged';
      c.spec.tenants[1]!.podSecurity = 'baseline';
    });
    const plan = securityStep.render(ctxFor(mixed));
    const excluded = objectsOf(plan, 'values-kyverno-policies.yaml')[0]!.vpolExclude.excludeNamespaces;
    expect(excluded).toEqual(expect.arrayContaining(['payments', 'search']));
    expect(plan.checks).toContainEqual({ type: 'rejects-privileged-pod', namespace: 'search' });
    const payments = objectsOf(plan, 'namespaces.yaml').find((n) => n.metadata.name === 'payments')!;
    expect(payments.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    const noTenants = securityStep.render(ctxFor(variant(config, (c) => void (c.spec.tenants = []))));
    expect(noTenants.checks).toContainEqual({ type: 'rejects-privileged-pod', namespace: 'kubestrap-system' });
  });

  it('audit log and encryption at rest: probes on kind, nothing added for an existing cluster (the cluster step says why); the NetworkPolicy denial probe wherever tenants have default-deny', async () => {
    const kind = securityStep.render(ctxFor((await load('kind-dev.yaml')).config));
    expect(kind.checks.filter((c) => c.type === 'probe').map((c) => c.type === 'probe' && c.probe)).toEqual([
      'network-policy',
      'audit-log',
      'secrets-encrypted',
    ]);
    const existing = securityStep.render(ctxFor((await load('production.yaml')).config));
    expect(existing.checks.filter((c) => c.type === 'probe').map((c) => c.type === 'probe' && c.probe)).toEqual(['network-policy']);
  });
});
