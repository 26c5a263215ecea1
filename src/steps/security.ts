import type { Config } from '../config/schema.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources, spreadFor } from '../render/addons.js';
import { commonLabels, namespaceObject, podSecurityLabels, type PodSecurityLevel } from '../render/common.js';
import { renderObject, renderObjects } from '../render/template.js';
import { kubestrapNamespace } from '../names.js';
import type { Check, Step, StepId } from '../roadmap/types.js';
import { certManagerNamespace } from './certificates.js';
import { gatewayAccessLabels, gatewayImplementation, implementations } from './gateway.js';

const kyvernoNamespace = 'kyverno';

/**
 * Namespaces that hold Kubernetes' own and the platform's components, whose Pod Security level
 * is set by their PSA labels (system or platform level), not by the tenants' standard. The
 * policy engine's Pod Security policies skip them; everything else (tenants, the smoke test and
 * any namespace created later) is held to the tenants' standard.
 */
const platformNamespaces = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  kubestrapNamespace,
  // foundation
  'local-path-storage',
  'tigera-operator',
  'calico-system',
  'calico-apiserver',
  'longhorn-system',
  // features
  kyvernoNamespace,
  certManagerNamespace,
  'envoy-gateway-system',
  'traefik',
  'kubestrap-gateway',
  // observability and operations
  'monitoring',
  'vpa',
  'velero',
  'opencost',
];

const strictness: Record<PodSecurityLevel, number> = { privileged: 0, baseline: 1, restricted: 2 };

export function tenantLevel(config: Config, tenant: Config['spec']['tenants'][number]): PodSecurityLevel {
  return tenant.podSecurity ?? config.spec.security.podSecurity.tenants;
}

/**
 * Default-deny ingress and egress for a namespace, plus DNS egress and traffic between the
 * namespace's own pods. Shared with the integration step, whose smoke test runs under the same
 * isolation as a tenant.
 */
export function namespaceIsolation(config: Config, step: StepId, namespace: string): Record<string, unknown>[] {
  return renderObjects('security/network-policies.yaml', { namespace, labels: commonLabels(config, step) });
}

export const isolationPolicyNames = ['default-deny', 'allow-dns-egress', 'allow-same-namespace'] as const;

/** The ClusterRole tenant groups are bound to in their namespace (templates/security/tenant-admin-role.yaml). */
export const tenantAdminRole = 'kubestrap-tenant-admin';

type Tenant = Config['spec']['tenants'][number];

/** Whether a tenant may attach routes to the shared Gateway (and so carries its access label). */
function hasGatewayAccess(config: Config, tenant: Tenant): boolean {
  return tenant.gatewayAccess && gatewayImplementation(config) !== undefined;
}

/**
 * The platform's ways into a tenant namespace past default-deny: Prometheus scraping its pods, and
 * the shared Gateway's data plane reaching its backends.
 */
function tenantIngressPolicies(config: Config, tenant: Tenant): Record<string, unknown>[] {
  const labels = commonLabels(config, 'security');
  const out: Record<string, unknown>[] = [];
  // The monitoring step's namespace (a literal: monitoring.ts imports this module).
  if (config.spec.monitoring.prometheus.enabled)
    out.push(
      ...renderObjects('security/tenant-network-policies.yaml', { namespace: tenant.name, labels, monitoringNamespace: 'monitoring' }),
    );
  const impl = gatewayImplementation(config);
  if (impl && hasGatewayAccess(config, tenant)) {
    const dataPlane = implementations[impl].dataPlaneNamespace;
    if (dataPlane)
      out.push(renderObject('security/tenant-allow-from-gateway.yaml', { namespace: tenant.name, labels, gatewayNamespace: dataPlane }));
    else out.push(renderObject('security/tenant-allow-from-cilium-gateway.yaml', { namespace: tenant.name, labels }));
  }
  return out;
}

export function isolationChecks(namespace: string): Check[] {
  return isolationPolicyNames.map(
    (name) => ({ type: 'exists', resource: 'networkpolicies.networking.k8s.io', namespace, name }) satisfies Check,
  );
}

/**
 * Security hardening: Pod Security Admission on every namespace kubestrap owns, default-deny
 * networking and RBAC for tenants, and Kyverno with the Pod Security Standards (cert-manager is the
 * certificates step). Audit logging and encryption at rest are part of the kind cluster config
 * (cluster step); here they are only verified.
 */
export const securityStep: Step = {
  id: 'security',
  phase: 'features',
  title: 'Security hardening',
  needs: ['networking'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    const b = new PlanBuilder(ctx, 'features', 'security');
    const { config } = ctx;
    const { security, tenants, cluster } = config.spec;
    const labels = commonLabels(config, 'security');
    const platform = security.podSecurity.platform;
    const kyverno = security.policyEngine.name === 'kyverno';

    // Namespaces first: everything else in this step lands in them. The charts' namespaces are
    // created here rather than by `helm --create-namespace` so they carry Pod Security labels.
    const namespaces = tenants.map((t) =>
      namespaceObject(config, 'security', t.name, tenantLevel(config, t), hasGatewayAccess(config, t) ? gatewayAccessLabels : {}),
    );
    if (kyverno) namespaces.push(namespaceObject(config, 'security', kyvernoNamespace, platform));
    b.manifest('namespaces.yaml', namespaces, 'namespaces with Pod Security Admission labels');
    for (const t of tenants) b.check({ type: 'namespace-labels', namespace: t.name, labels: podSecurityLabels(tenantLevel(config, t)) });

    const [firstTenant] = tenants;
    if (security.defaultDenyNetworkPolicies && firstTenant) {
      b.manifest(
        'network-policies.yaml',
        tenants.flatMap((t) => [...namespaceIsolation(config, 'security', t.name), ...tenantIngressPolicies(config, t)]),
        'default-deny NetworkPolicies with DNS egress for tenant namespaces; ingress from Prometheus and the gateway',
      );
      for (const t of tenants) {
        b.check(...isolationChecks(t.name));
        for (const p of tenantIngressPolicies(config, t)) {
          const meta = p.metadata as { name: string };
          const resource = p.kind === 'CiliumNetworkPolicy' ? 'ciliumnetworkpolicies.cilium.io' : 'networkpolicies.networking.k8s.io';
          b.check({ type: 'exists', resource, namespace: t.name, name: meta.name });
        }
      }
      const first = firstTenant.name;
      b.check({
        type: 'probe',
        probe: 'network-policy',
        namespace: first,
        peerNamespace: kubestrapNamespace,
        description: `default-deny in ${first} denies: a pod in ${kubestrapNamespace} cannot reach a pod in ${first}, a pod in ${first} can`,
      });
    }

    if (security.rbac) {
      // Tenants administer their namespace through kubestrap-tenant-admin, bound per namespace:
      // workloads, Services, Secrets, routes and autoscalers, but no write on NetworkPolicies,
      // ResourceQuotas, LimitRanges, Roles or RoleBindings (the built-in `admin` and `edit` would
      // let a team lift its own default-deny). It aggregates `view`, so CRDs that opt into `view`
      // are readable, and ClusterRoles labelled kubestrap.dev/aggregate-to-tenant-admin add rights.
      const subjects = (groups: string[]) => groups.map((name) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name }));
      const bindings = tenants.flatMap((t) => [
        ...(t.groups.length
          ? [
              renderObject('security/tenant-rolebinding.yaml', {
                name: 'kubestrap-tenant-admins',
                namespace: t.name,
                labels,
                role: tenantAdminRole,
                subjects: subjects(t.groups),
              }),
            ]
          : []),
        // The read-only tier: the built-in view role (no Secrets, no writes).
        ...(t.viewers.length
          ? [
              renderObject('security/tenant-rolebinding.yaml', {
                name: 'kubestrap-tenant-viewers',
                namespace: t.name,
                labels,
                role: 'view',
                subjects: subjects(t.viewers),
              }),
            ]
          : []),
      ]);
      const roles = tenants.length
        ? renderObjects('security/tenant-admin-role.yaml', {
            labels,
            aggregateLabels: { ...labels, 'kubestrap.dev/aggregate-to-tenant-admin': 'true' },
          })
        : [];
      b.manifest('rbac.yaml', [...roles, ...bindings], `ClusterRole ${tenantAdminRole} and RoleBindings of tenant groups to it`);
      if (roles.length) b.check({ type: 'exists', resource: 'clusterroles.rbac.authorization.k8s.io', name: tenantAdminRole });
      for (const t of tenants) {
        if (t.groups.length)
          b.check({
            type: 'exists',
            resource: 'rolebindings.rbac.authorization.k8s.io',
            namespace: t.name,
            name: 'kubestrap-tenant-admins',
          });
        if (t.viewers.length)
          b.check({
            type: 'exists',
            resource: 'rolebindings.rbac.authorization.k8s.io',
            namespace: t.name,
            name: 'kubestrap-tenant-viewers',
          });
      }
    }

    if (kyverno) {
      const replicas = security.policyEngine.replicas;
      const controllerReplicas = replicas >= 3 ? 2 : 1;
      const component = (name: string) => ({ 'app.kubernetes.io/component': name, 'app.kubernetes.io/instance': 'kyverno' });
      b.helm(
        'kyverno',
        'kyverno',
        kyvernoNamespace,
        renderObject('security/kyverno-values.yaml', {
          admissionReplicas: replicas,
          controllerReplicas,
          priorityClassName: addonPriorityClass(config),
          resources: {
            admission: addonResources(config, 'kyverno-admission-controller'),
            background: addonResources(config, 'kyverno-background-controller'),
            cleanup: addonResources(config, 'kyverno-cleanup-controller'),
            reports: addonResources(config, 'kyverno-reports-controller'),
          },
          spread: {
            admission: spreadFor(replicas, component('admission-controller')),
            background: spreadFor(controllerReplicas, component('background-controller')),
            cleanup: spreadFor(controllerReplicas, component('cleanup-controller')),
            reports: spreadFor(controllerReplicas, component('reports-controller')),
          },
        }),
      );
      b.rollout(
        kyvernoNamespace,
        ['deployment', 'kyverno-admission-controller'],
        ['deployment', 'kyverno-background-controller'],
        ['deployment', 'kyverno-cleanup-controller'],
        ['deployment', 'kyverno-reports-controller'],
      );
      b.check(
        { type: 'crd-established', name: 'clusterpolicies.kyverno.io' },
        // kyverno-policies installs ValidatingPolicy objects (pinned in its values).
        { type: 'crd-established', name: 'validatingpolicies.policies.kyverno.io' },
      );
      const standard = security.podSecurity.tenants;
      // With tenants at `privileged` there is no standard to enforce: no policies are installed.
      if (standard !== 'privileged') {
        // A tenant whose own level is looser than the standard is left to its PSA labels.
        const looser = tenants.filter((t) => strictness[tenantLevel(config, t)] < strictness[standard]).map((t) => t.name);
        b.helm(
          'kyvernoPolicies',
          'kyverno-policies',
          kyvernoNamespace,
          renderObject('security/kyverno-policies-values.yaml', {
            podSecurityStandard: standard,
            validationFailureAction: security.policyEngine.validationFailureAction,
            failurePolicy: security.policyEngine.validationFailureAction === 'Enforce' ? 'Fail' : 'Ignore',
            excludeNamespaces: [...platformNamespaces, ...looser],
          }),
        );
      }
    }

    // Functional: the API server refuses a privileged pod where Pod Security is enforced — in the
    // first tenant namespace that enforces baseline or restricted, else in kubestrap's own.
    const guarded = tenants.find((t) => tenantLevel(config, t) !== 'privileged')?.name ?? kubestrapNamespace;
    b.check({ type: 'rejects-privileged-pod', namespace: guarded });

    // Audit logging and encryption at rest are wired into the kind cluster config by the cluster
    // step (on an existing cluster it reports them as not checkable); verify them on kind.
    if (cluster.provider === 'kind') {
      if (security.auditLogging)
        b.check({
          type: 'probe',
          probe: 'audit-log',
          namespace: kubestrapNamespace,
          description: "a request made by kubestrap appears in the API server's audit log",
        });
      if (security.secretsEncryption)
        b.check({
          type: 'probe',
          probe: 'secrets-encrypted',
          namespace: kubestrapNamespace,
          description: 'a Secret is stored encrypted in etcd (k8s:enc: prefix, read with etcdctl)',
        });
    }
    return b.build();
  },
};
