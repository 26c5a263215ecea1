// The tenant role against a real API server and controller manager: kubestrap's rendered
// ClusterRoles and RoleBinding are applied, the aggregation controller fills kubestrap-tenant-admin,
// and `kubectl auth can-i` (impersonating a member of the tenant's group) shows what the team may
// and may not do. The same group bound to the built-in `admin` can rewrite its NetworkPolicies:
// that is what the check would miss if kubestrap still bound `admin`.
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { securityStep } from '../../src/steps/security.js';
import { apply, createNamespace, deleteNamespace, kubectl, kubectlJson } from './kube.ts';

const root = path.resolve(import.meta.dirname, '../..');
const created: string[] = [];

afterAll(async () => {
  for (const ns of created) await deleteNamespace(ns);
});

async function renderedRbac(tenant: string, group: string, viewers: string[] = []): Promise<Record<string, any>[]> {
  const loaded = await loadConfigFile(path.join(root, 'examples/production.yaml'));
  const config = structuredClone(loaded.config);
  config.spec.tenants = [{ ...config.spec.tenants[0]!, name: tenant, groups: [group], viewers }];
  const plan = securityStep.render({ config, baseDir: loaded.baseDir, outDir: '/tmp/kubestrap-e2e-rbac' });
  const artifact = plan.artifacts.find((a) => a.path.endsWith('/rbac.yaml'))!;
  return parseAllDocuments(artifact.content).map((d) => d.toJS() as Record<string, any>);
}

async function canI(namespace: string, group: string, verb: string, resource: string): Promise<boolean> {
  const r = await kubectl(
    ['auth', 'can-i', verb, resource, '-n', namespace, '--as', `alice-${group}`, '--as-group', group, '--as-group', 'system:authenticated'],
    { reject: false },
  );
  const answer = String(r.stdout).trim();
  if (answer !== 'yes' && answer !== 'no') throw new Error(`kubectl auth can-i ${verb} ${resource}: ${answer} ${String(r.stderr)}`);
  return answer === 'yes';
}

async function aggregatedRules(name: string): Promise<unknown[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const role = await kubectlJson<{ rules?: unknown[] }>(['get', 'clusterrole', name]);
    if (role.rules && role.rules.length > 0) return role.rules;
    if (Date.now() > deadline) throw new Error(`ClusterRole ${name}: the controller manager did not aggregate any rules within 60s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('kubestrap-tenant-admin on a real API server', () => {
  it('a tenant group runs workloads but cannot edit its NetworkPolicies, quota, LimitRanges or RoleBindings', async () => {
    const ns = await createNamespace('tenant-rbac');
    created.push(ns);
    const group = `${ns}-devs`;
    const viewers = `${ns}-auditors`;
    const objects = await renderedRbac(ns, group, [viewers]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ClusterRole/kubestrap-tenant-admin',
      'ClusterRole/kubestrap-tenant-admin-workloads',
      'RoleBinding/kubestrap-tenant-admins',
      'RoleBinding/kubestrap-tenant-viewers',
    ]);
    await kubectl(['apply', '--server-side', '--field-manager', 'kubestrap', '--force-conflicts', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    });
    const rules = await aggregatedRules('kubestrap-tenant-admin');
    expect(rules.length).toBeGreaterThan(5);

    for (const [verb, resource] of [
      ['create', 'deployments.apps'],
      ['delete', 'pods'],
      ['create', 'secrets'],
      ['patch', 'services'],
      ['create', 'horizontalpodautoscalers.autoscaling'],
      ['create', 'poddisruptionbudgets.policy'],
      ['list', 'networkpolicies.networking.k8s.io'],
      ['get', 'resourcequotas'],
      ['list', 'rolebindings.rbac.authorization.k8s.io'],
      // Aggregated from the built-in view role.
      ['list', 'events'],
    ]) {
      expect(await canI(ns, group, verb!, resource!), `${verb} ${resource}`).toBe(true);
    }
    for (const [verb, resource] of [
      ['create', 'networkpolicies.networking.k8s.io'],
      ['delete', 'networkpolicies.networking.k8s.io'],
      ['patch', 'networkpolicies.networking.k8s.io'],
      ['update', 'resourcequotas'],
      ['delete', 'resourcequotas'],
      ['patch', 'limitranges'],
      ['create', 'rolebindings.rbac.authorization.k8s.io'],
      ['delete', 'rolebindings.rbac.authorization.k8s.io'],
      ['create', 'roles.rbac.authorization.k8s.io'],
      ['patch', 'namespaces'],
    ]) {
      expect(await canI(ns, group, verb!, resource!), `${verb} ${resource}`).toBe(false);
    }
    // The read-only tier reads workloads, not Secrets, and changes nothing.
    expect(await canI(ns, viewers, 'list', 'pods')).toBe(true);
    expect(await canI(ns, viewers, 'get', 'deployments.apps')).toBe(true);
    expect(await canI(ns, viewers, 'get', 'secrets')).toBe(false);
    expect(await canI(ns, viewers, 'create', 'deployments.apps')).toBe(false);
    expect(await canI(ns, viewers, 'delete', 'pods')).toBe(false);
  }, 180_000);

  it('control: the same group bound to the built-in admin role can delete its own default-deny', async () => {
    const ns = await createNamespace('tenant-rbac-admin');
    created.push(ns);
    const group = `${ns}-devs`;
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'builtin-admin', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group }],
    });
    expect(await canI(ns, group, 'delete', 'networkpolicies.networking.k8s.io')).toBe(true);
    expect(await canI(ns, group, 'create', 'rolebindings.rbac.authorization.k8s.io')).toBe(true);
  }, 120_000);
});
