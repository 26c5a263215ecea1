// Issue 11, production-grade output: what the steps render for a team adopting kubestrap on day
// one (no false pages, a dead man's switch, add-ons sized and prioritised, tenants that cannot undo
// their own isolation, an honest decision record). Pure renders of the shipped examples and of
// variants of them; the real-chart side is in production-grade-charts.test.ts.
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { decisionsFor, renderDecisions } from '../../src/decisions/record.js';
import { buildPlan } from '../../src/plan/plan.js';
import type { RenderContext, Step, StepPlan } from '../../src/roadmap/types.js';
import { ClusterRole as ClusterRoleModel } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { costStep } from '../../src/steps/cost.js';
import { disasterRecoveryStep } from '../../src/steps/disaster-recovery.js';
import { gatewayStep } from '../../src/steps/gateway.js';
import { kubePrometheusStackWorkloads, monitoringStep } from '../../src/steps/monitoring.js';
import { securityStep } from '../../src/steps/security.js';

const root = path.resolve(import.meta.dirname, '../..');

async function load(example: string): Promise<Config> {
  return (await loadConfigFile(path.join(root, 'examples', example))).config;
}

function variant(config: Config, change: (c: Config) => void): Config {
  const copy = structuredClone(config);
  change(copy);
  return copy;
}

function render(step: Step, config: Config): StepPlan {
  const ctx: RenderContext = { config, baseDir: path.join(root, 'examples'), outDir: '/tmp/kubestrap-test-plan' };
  return step.render(ctx);
}

function artifact(plan: StepPlan, file: string): string {
  const a = plan.artifacts.find((x) => x.path.endsWith(`/${file}`));
  if (!a) throw new Error(`no artifact ${file} in ${plan.artifacts.map((x) => x.path).join(', ')}`);
  return a.content;
}

const values = (plan: StepPlan, release: string) => parse(artifact(plan, `values-${release}.yaml`)) as Record<string, any>;

export function docs(content: string): Record<string, any>[] {
  const parsed = parseAllDocuments(content);
  for (const d of parsed) expect(d.errors).toEqual([]);
  return parsed.map((d) => d.toJS() as Record<string, any>);
}

const scraped = (kps: Record<string, any>) => ({
  etcd: kps.kubeEtcd.enabled,
  controllerManager: kps.kubeControllerManager.enabled,
  scheduler: kps.kubeScheduler.enabled,
  kubeProxy: kps.kubeProxy.enabled,
});
const none = { etcd: false, controllerManager: false, scheduler: false, kubeProxy: false };
const all = { etcd: true, controllerManager: true, scheduler: true, kubeProxy: true };

describe('A. no false critical pages', () => {
  it('an existing cluster scrapes no control-plane component unless the config says it is reachable', async () => {
    const production = await load('production.yaml');
    const plan = render(monitoringStep, production);
    expect(scraped(values(plan, 'kube-prometheus-stack'))).toEqual(none);
    expect(plan.notes?.join('\n')).toMatch(/are not scraped.*spec\.monitoring\.controlPlaneMetrics/);

    const selfManaged = variant(production, (c) => {
      c.spec.cluster.profile = 'kubeadm';
      c.spec.monitoring.controlPlaneMetrics = { ...all };
    });
    expect(scraped(values(render(monitoringStep, selfManaged), 'kube-prometheus-stack'))).toEqual(all);

    // No kube-proxy to scrape where Cilium replaces it.
    const kpr = variant(selfManaged, (c) => {
      c.spec.networking.cni = 'cilium';
      c.spec.networking.kubeProxyReplacement = true;
    });
    expect(scraped(values(render(monitoringStep, kpr), 'kube-prometheus-stack'))).toEqual({ ...all, kubeProxy: false });
  });

  it('kind never scrapes them: its control plane and kube-proxy keep their metrics on localhost', async () => {
    const kind = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.networking.kubeProxyReplacement = false;
      c.spec.monitoring.controlPlaneMetrics = { ...all };
    });
    const plan = render(monitoringStep, kind);
    expect(scraped(values(plan, 'kube-prometheus-stack'))).toEqual(none);
    expect(plan.notes?.join('\n')).toContain('kind keeps their metrics on localhost');
  });

  it("Watchdog goes to a dead man's switch whose URL is read from a Secret, not to the discard receiver", async () => {
    const production = await load('production.yaml');
    const am = values(render(monitoringStep, production), 'kube-prometheus-stack').alertmanager;
    const routes = am.config.route.routes as Record<string, any>[];
    const watchdog = routes.filter((r) => ((r.matchers ?? []) as string[]).includes('alertname = "Watchdog"'));
    expect(watchdog).toEqual([
      {
        receiver: 'kubestrap-deadmansswitch',
        matchers: ['alertname = "Watchdog"'],
        group_wait: '0s',
        group_interval: '1m',
        repeat_interval: '5m',
      },
    ]);
    // First route after the alert-delivery check's own (which matches only its probe label), no
    // `continue`: the Watchdog reaches no person's receiver.
    expect(routes[0]).toMatchObject({ receiver: 'kubestrap-alert-probe', matchers: ['kubestrap_probe = "alert-delivery"'] });
    expect(routes[1]).toBe(watchdog[0]);
    const receiver = (am.config.receivers as Record<string, any>[]).find((r) => r.name === 'kubestrap-deadmansswitch');
    expect(receiver).toEqual({
      name: 'kubestrap-deadmansswitch',
      webhook_configs: [{ url_file: '/etc/alertmanager/secrets/alertmanager-deadmansswitch/url', send_resolved: false }],
    });
    expect(am.alertmanagerSpec.secrets).toContain('alertmanager-deadmansswitch');
  });

  it("without a dead man's switch the plan says nobody learns that monitoring died", async () => {
    const kind = await load('kind-dev.yaml');
    expect(kind.spec.monitoring.deadMansSwitch).toBeUndefined();
    const plan = render(monitoringStep, kind);
    expect(plan.notes).toContainEqual(expect.stringContaining("no dead man's switch"));
  });

  it('every series carries an external cluster label with the cluster name', async () => {
    for (const example of ['production.yaml', 'kind-dev.yaml']) {
      const config = await load(example);
      const spec = values(render(monitoringStep, config), 'kube-prometheus-stack').prometheus.prometheusSpec;
      expect(spec.externalLabels).toEqual({ cluster: config.spec.cluster.name });
    }
  });
});

async function plan(config: Config) {
  return buildPlan({ config, baseDir: path.join(root, 'examples'), outDir: '/tmp/kubestrap-test-plan' });
}

/** Every helm values file of a plan, by release name. */
function allValues(p: Awaited<ReturnType<typeof plan>>): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  for (const step of p.phases.flatMap((ph) => ph.steps)) {
    for (const a of step.rendered.actions) {
      if (a.type !== 'helm') continue;
      const artifact = step.rendered.artifacts.find((x) => x.path === a.release.values)!;
      out.set(a.release.release, parse(artifact.content) ?? {});
    }
  }
  return out;
}

const at = (o: unknown, p: string) => p.split('.').reduce<any>((x, k) => (x == null ? undefined : x[k]), o);

/**
 * Where each add-on chart takes the PriorityClass and container resources (keys checked against
 * the real charts at the pinned versions; production-grade-charts.test.ts renders them with helm).
 */
const platformClassKeys: Record<string, string[]> = {
  'cert-manager': ['global.priorityClassName'],
  kyverno: ['global.priorityClassName'],
  'envoy-gateway': ['deployment.priorityClassName'],
  'kube-prometheus-stack': [
    'prometheusOperator.priorityClassName',
    'prometheus.prometheusSpec.priorityClassName',
    'alertmanager.alertmanagerSpec.priorityClassName',
    'grafana.priorityClassName',
    'kube-state-metrics.priorityClassName',
    'prometheus-node-exporter.priorityClassName',
  ],
  vpa: ['priorityClassName'],
  velero: ['priorityClassName', 'nodeAgent.priorityClassName'],
  opencost: ['priorityClassName'],
};
const resourceKeys: Record<string, string[]> = {
  'metrics-server': ['resources'],
  'cert-manager': ['resources', 'webhook.resources', 'cainjector.resources'],
  kyverno: [
    'admissionController.container.resources',
    'backgroundController.resources',
    'cleanupController.resources',
    'reportsController.resources',
  ],
  'envoy-gateway': ['deployment.envoyGateway.resources'],
  'kube-prometheus-stack': [
    'prometheusOperator.resources',
    'prometheusOperator.prometheusConfigReloader.resources',
    'prometheus.prometheusSpec.resources',
    'alertmanager.alertmanagerSpec.resources',
    'grafana.resources',
    'grafana.sidecar.resources',
    'kube-state-metrics.resources',
    'prometheus-node-exporter.resources',
  ],
  vpa: ['recommender.resources', 'updater.resources', 'admissionController.resources'],
  'cluster-autoscaler': ['resources'],
  velero: ['resources', 'nodeAgent.resources'],
  opencost: ['opencost.exporter.resources', 'opencost.ui.resources'],
};

describe('B. every add-on production-shaped', () => {
  it('PriorityClasses are created by the cluster step, in the foundation phase, before any add-on', async () => {
    for (const example of ['production.yaml', 'kind-dev.yaml']) {
      const p = await plan(await load(example));
      const steps = p.phases.flatMap((ph) => ph.steps.map((s) => ({ phase: ph.id, ...s })));
      const owners = steps.filter((s) => s.rendered.artifacts.some((a) => a.path.endsWith('/priority-classes.yaml')));
      expect(owners.map((s) => `${s.phase}/${s.id}`)).toEqual(['foundation/cluster']);
      const cluster = owners[0]!;
      const classes = docs(cluster.rendered.artifacts.find((a) => a.path.endsWith('/priority-classes.yaml'))!.content);
      expect(classes.map((c) => c.metadata.name)).toEqual(['kubestrap-platform-critical', 'tenant-high', 'tenant-default', 'batch-low']);
      // One global default, for tenants' pods; the platform class outranks every tenant class.
      expect(classes.filter((c) => c.globalDefault).map((c) => c.metadata.name)).toEqual(['tenant-default']);
      const platform = classes.find((c) => c.metadata.name === 'kubestrap-platform-critical')!;
      for (const c of classes) expect(c.value).toBeLessThanOrEqual(platform.value);
      expect(platform.value).toBeLessThan(1_000_000_000);
      // The apply comes after kind creates the cluster, and no helm release comes before it.
      const firstHelm = steps.findIndex((s) => s.rendered.actions.some((a) => a.type === 'helm'));
      expect(steps.indexOf(cluster)).toBeLessThan(firstHelm);
      const kinds = cluster.rendered.actions.map((a) => a.type);
      expect(kinds.at(-1)).toBe('apply');
    }
  });

  it('every add-on chart names kubestrap-platform-critical and gives its containers requests and limits', async () => {
    const p = await plan(await load('production.yaml'));
    const values = allValues(p);
    const problems: string[] = [];
    for (const [release, keys] of Object.entries(platformClassKeys)) {
      for (const key of keys)
        if (at(values.get(release), key) !== 'kubestrap-platform-critical')
          problems.push(`${release} ${key}: ${JSON.stringify(at(values.get(release), key))}`);
    }
    for (const [release, keys] of Object.entries(resourceKeys)) {
      for (const key of keys) {
        const r = at(values.get(release), key);
        for (const field of ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'])
          if (!at(r, field)) problems.push(`${release} ${key}.${field} missing`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('PriorityClasses off: no class is created and no add-on names one (a pod naming a missing class is refused)', async () => {
    const p = await plan(
      variant(await load('production.yaml'), (c) => {
        c.spec.cost.priorityClasses = false;
      }),
    );
    const text = p.phases.flatMap((ph) => ph.steps.flatMap((s) => s.rendered.artifacts.map((a) => a.content))).join('\n');
    expect(text).not.toContain('kubestrap-platform-critical');
    expect(text).not.toContain('kind: PriorityClass');
  });

  it('multi-replica add-ons get a PodDisruptionBudget and spread over zones and nodes; single replicas none', async () => {
    const production = allValues(await plan(await load('production.yaml')));
    expect(at(production.get('metrics-server'), 'podDisruptionBudget.enabled')).toBe(true);
    expect(at(production.get('cert-manager'), 'podDisruptionBudget.enabled')).toBe(true);
    expect(at(production.get('cert-manager'), 'webhook.podDisruptionBudget.enabled')).toBe(true);
    expect(at(production.get('envoy-gateway'), 'podDisruptionBudget.minAvailable')).toBe(1);
    expect(at(production.get('kube-prometheus-stack'), 'prometheus.podDisruptionBudget.enabled')).toBe(true);
    expect(at(production.get('kube-prometheus-stack'), 'alertmanager.podDisruptionBudget.enabled')).toBe(true);
    const spreads = [
      at(production.get('metrics-server'), 'topologySpreadConstraints'),
      at(production.get('cert-manager'), 'webhook.topologySpreadConstraints'),
      at(production.get('kyverno'), 'admissionController.topologySpreadConstraints'),
      at(production.get('envoy-gateway'), 'deployment.pod.topologySpreadConstraints'),
      at(production.get('kube-prometheus-stack'), 'prometheus.prometheusSpec.topologySpreadConstraints'),
      at(production.get('kube-prometheus-stack'), 'alertmanager.alertmanagerSpec.topologySpreadConstraints'),
    ];
    for (const s of spreads) {
      expect(s.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const c of s) expect(Object.keys(c.labelSelector.matchLabels).length).toBeGreaterThan(0);
    }
    expect(at(production.get('vpa'), 'admissionController.affinity.podAntiAffinity')).toBeDefined();

    const kind = allValues(await plan(await load('kind-dev.yaml')));
    expect(at(kind.get('metrics-server'), 'podDisruptionBudget.enabled')).toBe(false);
    expect(at(kind.get('envoy-gateway'), 'podDisruptionBudget.minAvailable')).toBe(0);
    expect(at(kind.get('kube-prometheus-stack'), 'prometheus.podDisruptionBudget.enabled')).toBe(false);
    expect(at(kind.get('metrics-server'), 'topologySpreadConstraints')).toEqual([]);
  });

  it('sizes for a laptop on kind, for a small production cluster elsewhere, overridable per component', async () => {
    const production = await load('production.yaml');
    const kps = (c: Config) => allValues(buildPlan({ config: c, baseDir: root, outDir: '/tmp/x' })).get('kube-prometheus-stack')!;
    expect(at(kps(production), 'prometheus.prometheusSpec.resources')).toEqual({
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { cpu: '2', memory: '4Gi' },
    });
    expect(at(kps(await load('kind-dev.yaml')), 'prometheus.prometheusSpec.resources.requests')).toEqual({ cpu: '100m', memory: '512Mi' });
    const bigger = variant(production, (c) => {
      c.spec.cost.addonResources = { prometheus: { requests: { memory: '6Gi' }, limits: { memory: '12Gi' } } };
    });
    expect(at(kps(bigger), 'prometheus.prometheusSpec.resources')).toEqual({
      requests: { cpu: '500m', memory: '6Gi' },
      limits: { cpu: '2', memory: '12Gi' },
    });
  });

  it('an unknown component or a bad quantity in spec.cost.addonResources is a config error', () => {
    const base = { apiVersion: 'kubestrap.dev/v1alpha1', kind: 'Roadmap', metadata: { name: 'x' } };
    expect(
      configSchema.safeParse({ ...base, spec: { cost: { addonResources: { prometheus: { limits: { memory: '4Gi' } } } } } }).success,
    ).toBe(true);
    expect(
      configSchema.safeParse({ ...base, spec: { cost: { addonResources: { promethus: { limits: { memory: '4Gi' } } } } } }).success,
    ).toBe(false);
    expect(
      configSchema.safeParse({ ...base, spec: { cost: { addonResources: { prometheus: { limits: { memory: 'lots' } } } } } }).success,
    ).toBe(false);
  });

  it('Grafana keeps its data on a volume of the default StorageClass, replaced with Recreate, without a root init container', async () => {
    const production = await load('production.yaml');
    const grafana = allValues(await plan(production)).get('kube-prometheus-stack')!.grafana;
    expect(grafana.persistence).toEqual({ enabled: true, storageClassName: 'gp3', size: '10Gi' });
    expect(grafana.deploymentStrategy).toEqual({ type: 'Recreate' });
    expect(grafana.initChownData).toEqual({ enabled: false });
  });
});

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
/** Whether one of the rules allows `verb` on `group`/`resource` (RBAC's matching, wildcards included). */
function allows(rules: Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups.includes('*') || r.apiGroups.includes(group)) &&
      (r.resources.includes('*') || r.resources.includes(resource)) &&
      (r.verbs.includes('*') || r.verbs.includes(verb)),
  );
}
const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'];

describe('C. tenants onboarded for real', () => {
  it('tenant groups are bound to kubestrap-tenant-admin, which cannot touch their isolation, quota or access', async () => {
    const config = await load('production.yaml');
    const rbac = docs(artifact(render(securityStep, config), 'rbac.yaml'));
    const bindings = rbac.filter((o) => o.kind === 'RoleBinding');
    expect(bindings.map((b) => [b.metadata.namespace, b.roleRef.name])).toEqual([
      ['payments', 'kubestrap-tenant-admin'],
      ['search', 'kubestrap-tenant-admin'],
    ]);
    const role = rbac.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'kubestrap-tenant-admin')!;
    // Aggregated: its rules are what the controller manager collects; it writes none itself.
    expect(role.rules).toBeUndefined();
    const selectors = role.aggregationRule.clusterRoleSelectors.map((s: any) => s.matchLabels);
    expect(selectors).toEqual([
      { 'kubestrap.dev/aggregate-to-tenant-admin': 'true' },
      { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
    ]);
    // No selector pulls in the built-in edit/admin rules (which write NetworkPolicies and RoleBindings).
    expect(JSON.stringify(selectors)).not.toMatch(/aggregate-to-(edit|admin)/);
    const parts = rbac.filter((o) => o.kind === 'ClusterRole' && o.metadata.labels['kubestrap.dev/aggregate-to-tenant-admin'] === 'true');
    expect(parts.length).toBeGreaterThan(0);
    const rules = parts.flatMap((p) => p.rules as Rule[]);
    const forbidden: [string, string][] = [
      ['networking.k8s.io', 'networkpolicies'],
      ['', 'resourcequotas'],
      ['', 'limitranges'],
      ['rbac.authorization.k8s.io', 'rolebindings'],
      ['rbac.authorization.k8s.io', 'roles'],
      ['rbac.authorization.k8s.io', 'clusterrolebindings'],
      ['', 'namespaces'],
      ['cilium.io', 'ciliumnetworkpolicies'],
      ['gateway.networking.k8s.io', 'gateways'],
    ];
    for (const [group, resource] of forbidden)
      for (const verb of [...writeVerbs, 'escalate', 'bind'])
        expect(allows(rules, group, resource, verb), `${verb} ${group}/${resource}`).toBe(false);
    // The boundaries stay visible.
    for (const [group, resource] of forbidden.slice(0, 4))
      expect(allows(rules, group, resource, 'list'), `list ${group}/${resource}`).toBe(true);
    // What a team needs to run and expose its services.
    const needed: [string, string][] = [
      ['apps', 'deployments'],
      ['', 'services'],
      ['', 'secrets'],
      ['', 'configmaps'],
      ['', 'persistentvolumeclaims'],
      ['batch', 'cronjobs'],
      ['autoscaling', 'horizontalpodautoscalers'],
      ['policy', 'poddisruptionbudgets'],
      ['gateway.networking.k8s.io', 'httproutes'],
      ['monitoring.coreos.com', 'servicemonitors'],
    ];
    for (const [group, resource] of needed)
      for (const verb of writeVerbs) expect(allows(rules, group, resource, verb), `${verb} ${group}/${resource}`).toBe(true);
    // And it is a valid ClusterRole for the API server.
    for (const o of rbac.filter((x) => x.kind === 'ClusterRole')) expect(() => new ClusterRoleModel(o).validate()).not.toThrow();
  });

  it('Prometheus and the shared Gateway reach tenant pods past default-deny; the namespace may attach routes', async () => {
    const config = await load('production.yaml');
    const plan = render(securityStep, config);
    const policies = docs(artifact(plan, 'network-policies.yaml')).filter((p) => p.metadata.namespace === 'payments');
    const monitoring = policies.find((p) => p.metadata.name === 'allow-from-monitoring')!;
    expect(monitoring.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            },
          ],
        },
      ],
    });
    const gateway = policies.find((p) => p.metadata.name === 'allow-from-gateway')!;
    expect(gateway.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } } }] },
    ]);
    const ns = docs(artifact(plan, 'namespaces.yaml')).find((n) => n.metadata.name === 'payments')!;
    expect(ns.metadata.labels['kubestrap.dev/gateway-access']).toBe('true');
    expect(plan.checks).toContainEqual({
      type: 'exists',
      resource: 'networkpolicies.networking.k8s.io',
      namespace: 'payments',
      name: 'allow-from-monitoring',
    });
    expect(plan.checks).toContainEqual({
      type: 'exists',
      resource: 'networkpolicies.networking.k8s.io',
      namespace: 'payments',
      name: 'allow-from-gateway',
    });
  });

  it('Cilium as the gateway: a CiliumNetworkPolicy admits its ingress identity; gatewayAccess false: no label, no policy', async () => {
    const cilium = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.networking.gateway = 'cilium';
    });
    const p = docs(artifact(render(securityStep, cilium), 'network-policies.yaml')).find((x) => x.kind === 'CiliumNetworkPolicy')!;
    expect(p).toMatchObject({
      metadata: { name: 'allow-from-gateway', namespace: 'team-a' },
      spec: { endpointSelector: {}, ingress: [{ fromEntities: ['ingress'] }] },
    });

    const closed = variant(await load('production.yaml'), (c) => {
      c.spec.tenants[0]!.gatewayAccess = false;
    });
    const plan = render(securityStep, closed);
    const names = docs(artifact(plan, 'network-policies.yaml'))
      .filter((x) => x.metadata.namespace === 'payments')
      .map((x) => x.metadata.name);
    expect(names).not.toContain('allow-from-gateway');
    const ns = docs(artifact(plan, 'namespaces.yaml')).find((n) => n.metadata.name === 'payments')!;
    expect(ns.metadata.labels['kubestrap.dev/gateway-access']).toBeUndefined();
  });

  it('a read-only tier: viewers are bound to the built-in view role, next to the tenant admins', async () => {
    const config = variant(await load('production.yaml'), (c) => {
      c.spec.tenants[0]!.viewers = ['payments-auditors'];
    });
    const plan = render(securityStep, config);
    const bindings = docs(artifact(plan, 'rbac.yaml')).filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace === 'payments');
    expect(bindings.map((b) => [b.metadata.name, b.roleRef.name, b.subjects.map((s: any) => s.name)])).toEqual([
      ['kubestrap-tenant-admins', 'kubestrap-tenant-admin', ['payments-engineers']],
      ['kubestrap-tenant-viewers', 'view', ['payments-auditors']],
    ]);
    expect(plan.checks).toContainEqual({
      type: 'exists',
      resource: 'rolebindings.rbac.authorization.k8s.io',
      namespace: 'payments',
      name: 'kubestrap-tenant-viewers',
    });
  });

  it('quotas also bound PersistentVolumeClaims and LoadBalancer Services', async () => {
    const config = variant(await load('production.yaml'), (c) => {
      c.spec.tenants[1]!.quota.loadBalancers = 2;
      c.spec.tenants[1]!.quota.persistentVolumeClaims = 7;
    });
    const quotas = docs(artifact(render(costStep, config), 'tenant-quotas.yaml')).filter((o) => o.kind === 'ResourceQuota');
    expect(quotas.map((q) => [q.metadata.namespace, q.spec.hard['services.loadbalancers'], q.spec.hard.persistentvolumeclaims])).toEqual([
      ['payments', '0', '20'],
      ['search', '2', '7'],
    ]);
  });
});

describe('D. an honest decision record', () => {
  it('on an existing cluster it never claims audit logging or encryption at rest, and says how to check them', async () => {
    const config = await load('production.yaml');
    expect(config.spec.security.auditLogging && config.spec.security.secretsEncryption).toBe(true);
    const record = renderDecisions(config, { configFile: 'kubestrap.yaml', date: '2026-12-01' });
    expect(record).not.toMatch(/audit log yes/);
    expect(record).not.toMatch(/Secrets encrypted at rest yes/);
    expect(record).toContain('audit log wanted, but not configured or verified by kubestrap');
    const checks = decisionsFor(config).find((d) => d.title.startsWith('What the team must check'))!;
    // production.yaml is an EKS cluster: EKS's own commands, not the other providers'.
    expect(checks.reason).toContain('aws eks describe-cluster --name <cluster> --query cluster.logging');
    expect(checks.reason).toContain('--query cluster.encryptionConfig');
    expect(checks.reason).not.toContain('databaseEncryption.state');
    const per = (profile: 'gke' | 'aks' | 'kubeadm') =>
      decisionsFor(variant(config, (c) => void (c.spec.cluster.profile = profile))).find((d) =>
        d.title.startsWith('What the team must check'),
      )!.reason;
    expect(per('gke')).toContain('databaseEncryption.state');
    expect(per('aks')).toContain('azureKeyVaultKms');
    expect(per('kubeadm')).toContain('--encryption-provider-config');
  });

  it('on kind, where kubestrap configures and verifies them, it says so; there is no provider checklist', async () => {
    const config = await load('kind-dev.yaml');
    const record = renderDecisions(config, { configFile: 'kubestrap.yaml', date: '2026-12-01' });
    expect(record).toMatch(/audit log yes; Secrets encrypted at rest yes/);
    expect(record).not.toContain('What the team must check');
  });

  it("records the monitoring choices that page people: dead man's switch, control-plane scraping, platform priority", async () => {
    const production = decisionsFor(await load('production.yaml'));
    const monitoring = production.find((d) => d.title === 'Monitoring and alerting')!;
    expect(monitoring.chosen).toContain("dead man's switch Secret alertmanager-deadmansswitch");
    expect(monitoring.chosen).toContain('control-plane components scraped: none');
    expect(monitoring.chosen).toContain('external label cluster="prod-eu-west-1"');
    const kindMonitoring = decisionsFor(await load('kind-dev.yaml')).find((d) => d.title === 'Monitoring and alerting')!;
    expect(kindMonitoring.reason).toContain("There is no dead man's switch yet");
    const sizing = production.find((d) => d.title === 'Add-on sizing, priority and availability')!;
    expect(sizing.chosen).toContain('kubestrap-platform-critical');
    expect(sizing.reason).toContain('tenant-default is the global default');
    expect(production.find((d) => d.title === 'Tenant teams')!.reason).toContain('kubestrap-tenant-admin');
  });
});

describe('E. backups that alert and copy what matters', () => {
  it('PartiallyFailed backups alert, and a missing backup metric pages after two periods (absent guard)', async () => {
    const config = await load('production.yaml');
    const [rule] = docs(artifact(render(disasterRecoveryStep, config), 'backup-alerts.yaml'));
    const rules = (rule!.spec.groups as any[]).flatMap((g) => g.rules as any[]);
    const partial = rules.find((r) => r.alert === 'KubestrapBackupPartiallyFailed')!;
    expect(partial.expr).toBe('increase(velero_backup_partial_failure_total{schedule="kubestrap-daily"}[1h]) > 0');
    const missing = rules.filter((r) => r.alert === 'KubestrapBackupMissing');
    expect(missing.map((r) => r.expr)).toEqual([
      'time() - max(velero_backup_last_successful_timestamp{schedule="kubestrap-daily"}) > 172800',
      'absent(velero_backup_last_successful_timestamp{schedule="kubestrap-daily"})',
    ]);
    // Daily schedule: two periods before a never-seen metric pages, so a fresh install stays quiet.
    expect(missing[1].for).toBe('172800s');
    for (const r of missing) expect(r.labels.severity).toBe('critical');
  });

  it("backups skip Prometheus' TSDB (file-system: pod annotation; snapshots: label on the claim); without volume backups nothing is marked", async () => {
    const config = await load('production.yaml');
    expect(config.spec.backup.volumes).toBe('auto');
    const spec = values(render(monitoringStep, config), 'kube-prometheus-stack').prometheus.prometheusSpec;
    expect(spec.podMetadata).toEqual({
      annotations: { 'backup.velero.io/backup-volumes-excludes': 'prometheus-kube-prometheus-stack-prometheus-db' },
    });
    expect(spec.storageSpec.volumeClaimTemplate.metadata).toEqual({ labels: { 'velero.io/exclude-from-backup': 'true' } });
    // The operator names the volume after the Prometheus resource: prometheus-<name>-db.
    expect(spec.podMetadata.annotations['backup.velero.io/backup-volumes-excludes']).toBe(
      `prometheus-${kubePrometheusStackWorkloads().prometheus.replace(/^prometheus-/, '')}-db`,
    );
    const noVolumes = variant(config, (c) => {
      c.spec.backup.volumes = 'none';
    });
    const bare = values(render(monitoringStep, noVolumes), 'kube-prometheus-stack').prometheus.prometheusSpec;
    expect(bare.podMetadata).toBeUndefined();
    expect(bare.storageSpec.volumeClaimTemplate.metadata).toBeUndefined();
  });
});

describe("B. the gateway's data plane", () => {
  it("Envoy Gateway runs the shared Gateway's proxies as the GatewayClass's EnvoyProxy says: replicas, PDB, spread, platform class, sizes", async () => {
    const production = await load('production.yaml');
    const objects = docs(artifact(render(gatewayStep, production), 'gateway.yaml'));
    const proxy = objects.find((o) => o.kind === 'EnvoyProxy')!;
    const k = proxy.spec.provider.kubernetes;
    expect(proxy.spec.provider.type).toBe('Kubernetes');
    expect(k.envoyDeployment.replicas).toBe(2);
    expect(k.envoyPDB).toEqual({ minAvailable: 1 });
    expect(k.envoyDeployment.pod.priorityClassName).toBe('kubestrap-platform-critical');
    expect(k.envoyDeployment.container.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
    expect(k.envoyDeployment.pod.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual({
      'gateway.envoyproxy.io/owning-gateway-name': 'kubestrap',
      'gateway.envoyproxy.io/owning-gateway-namespace': 'kubestrap-gateway',
    });
    const gatewayClass = objects.find((o) => o.kind === 'GatewayClass')!;
    expect(gatewayClass.spec.parametersRef).toEqual({
      group: 'gateway.envoyproxy.io',
      kind: 'EnvoyProxy',
      name: proxy.metadata.name,
      namespace: proxy.metadata.namespace,
    });
    // Applied in the same manifest as the GatewayClass and before it.
    expect(objects.indexOf(proxy)).toBeLessThan(objects.indexOf(gatewayClass));

    const kind = docs(artifact(render(gatewayStep, await load('kind-dev.yaml')), 'gateway.yaml')).find((o) => o.kind === 'EnvoyProxy')!;
    expect(kind.spec.provider.kubernetes.envoyDeployment.replicas).toBe(1);
    expect(kind.spec.provider.kubernetes.envoyPDB).toBeUndefined();
  });
});

describe('C. DNS past default-deny', () => {
  it('tenants resolve names through CoreDNS and through NodeLocal DNSCache (169.254.20.10), port 53 only', async () => {
    const policies = docs(artifact(render(securityStep, await load('production.yaml')), 'network-policies.yaml'));
    const dns = policies.find((p) => p.metadata.name === 'allow-dns-egress' && p.metadata.namespace === 'payments')!;
    expect(dns.spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
          { ipBlock: { cidr: '169.254.20.10/32' } },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
  });
});
