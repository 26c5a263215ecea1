// Proves the shared test cluster is a real one: real API server validation and admission, real
// controllers and scheduler, KWOK nodes, real kubectl and helm. Each test uses its own namespace.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readVersions, statePaths } from '../cluster/config.ts';
import { readState } from '../cluster/cluster.ts';
import { isAlive } from '../cluster/processes.ts';
import { clusterEnv, ENV_KEYS } from './cluster-env.ts';
import { apply, createNamespace, deleteNamespace, helm, kubectl, kubectlJson } from './kube.ts';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const namespaces: string[] = [];
async function ns(prefix: string, labels?: Record<string, string>): Promise<string> {
  const name = await createNamespace(prefix, labels);
  namespaces.push(name);
  return name;
}
afterAll(async () => {
  for (const n of namespaces) await deleteNamespace(n);
});

// A container spec that satisfies the "restricted" Pod Security Standard.
const restrictedContainer = {
  name: 'app',
  image: 'registry.k8s.io/pause:3.10',
  securityContext: {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    runAsUser: 65532,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

function pod(name: string, container: Record<string, unknown>): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [container] } };
}

describe('the e2e test cluster', () => {
  it('reports the pinned Kubernetes version and the matching kubectl', async () => {
    const v = await kubectlJson<{ serverVersion: { gitVersion: string }; clientVersion: { gitVersion: string } }>(['version']);
    const pinned = readVersions().k8s;
    expect(v.serverVersion.gitVersion).toBe(pinned);
    expect(v.clientVersion.gitVersion).toBe(pinned);
  });

  it('publishes the API server in the default/kubernetes Service', async () => {
    const svc = await kubectlJson<any>(['-n', 'default', 'get', 'service', 'kubernetes']);
    expect(svc.spec.clusterIP).toBe('10.96.0.1');
    const slices = await kubectlJson<{ items: any[] }>([
      '-n',
      'default',
      'get',
      'endpointslices',
      '-l',
      'kubernetes.io/service-name=kubernetes',
    ]);
    const addresses = slices.items.flatMap((s) => s.endpoints ?? []).flatMap((e: any) => e.addresses);
    expect(addresses.length).toBeGreaterThan(0);
  });

  it('has 3 Ready KWOK nodes: 1 control plane, 2 workers, with zones and realistic capacity', async () => {
    const nodes = await kubectlJson<{ items: any[] }>(['get', 'nodes']);
    expect(nodes.items).toHaveLength(3);
    for (const n of nodes.items) {
      expect(n.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
      expect(n.metadata.labels['topology.kubernetes.io/zone']).toMatch(/^zone-/);
      expect(n.status.capacity).toMatchObject({ cpu: '4', memory: '16Gi', pods: '110' });
      expect(n.status.conditions.find((c: any) => c.type === 'Ready')?.status).toBe('True');
    }
    const cp = nodes.items.filter((n) => 'node-role.kubernetes.io/control-plane' in n.metadata.labels);
    expect(cp).toHaveLength(1);
  });

  it('rolls out a Deployment with its pods Running on KWOK nodes', async () => {
    const n = await ns('e2e-deploy');
    await apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [restrictedContainer] } },
        },
      },
      n,
    );
    const rollout = await kubectl(['-n', n, 'rollout', 'status', 'deployment/web', '--timeout=120s']);
    expect(String(rollout.stdout)).toContain('successfully rolled out');
    const fake = new Set(
      (await kubectlJson<{ items: any[] }>(['get', 'nodes'])).items
        .filter((x) => x.metadata.annotations['kwok.x-k8s.io/node'] === 'fake')
        .map((x) => x.metadata.name),
    );
    const pods = await kubectlJson<{ items: any[] }>(['-n', n, 'get', 'pods', '-l', 'app=web']);
    expect(pods.items).toHaveLength(3);
    for (const p of pods.items) {
      expect(p.status.phase).toBe('Running');
      expect(fake.has(p.spec.nodeName)).toBe(true);
      expect(p.status.podIP).toBeTruthy();
    }
    // The control plane node is tainted, so the scheduler keeps the pods on the workers.
    expect(pods.items.some((p) => p.spec.nodeName === 'kst-control-plane')).toBe(false);
  });

  it('rejects a privileged pod in a namespace enforcing the restricted Pod Security Standard', async () => {
    const n = await ns('e2e-psa', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const r = await apply(pod('priv', { name: 'app', image: 'registry.k8s.io/pause:3.10', securityContext: { privileged: true } }), n, {
      reject: false,
    });
    expect(r.exitCode).not.toBe(0);
    expect(String(r.stderr)).toContain('violates PodSecurity "restricted:latest"');
    expect(String(r.stderr)).toContain('privileged');
    // A compliant pod is admitted in the same namespace.
    const ok = await apply(pod('fine', restrictedContainer), n);
    expect(ok.exitCode).toBe(0);
  });

  it('enforces a ResourceQuota', async () => {
    const n = await ns('e2e-quota');
    await apply(
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'small' },
        spec: { hard: { 'requests.cpu': '500m', 'requests.memory': '512Mi', pods: '5' } },
      },
      n,
    );
    // Admission needs the quota controller to have computed the quota's status first.
    await kubectl(['-n', n, 'wait', '--for=jsonpath={.status.hard.pods}=5', 'resourcequota/small', '--timeout=60s']);
    const withRequests = (cpu: string) => ({ ...restrictedContainer, resources: { requests: { cpu, memory: '64Mi' } } });
    await apply(pod('fits', withRequests('200m')), n);
    const r = await apply(pod('too-big', withRequests('1')), n, { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(String(r.stderr)).toMatch(/exceeded quota: small/);
    expect(String(r.stderr)).toContain('requests.cpu');
  });

  it('fills in default requests from a LimitRange', async () => {
    const n = await ns('e2e-limits');
    await apply(
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'defaults' },
        spec: {
          limits: [{ type: 'Container', defaultRequest: { cpu: '150m', memory: '96Mi' }, default: { cpu: '300m', memory: '192Mi' } }],
        },
      },
      n,
    );
    await apply(pod('bare', restrictedContainer), n);
    const p = await kubectlJson<any>(['-n', n, 'get', 'pod', 'bare']);
    expect(p.spec.containers[0].resources).toEqual({
      requests: { cpu: '150m', memory: '96Mi' },
      limits: { cpu: '300m', memory: '192Mi' },
    });
  });

  it('installs a local chart with helm 4 and its watcher wait', async () => {
    const n = await ns('e2e-helm', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const chart = resolve(repoRoot, 'test/charts/tiny');
    const v = await helm(['version', '--short']);
    expect(String(v.stdout)).toMatch(/^v4\./);
    await helm(['upgrade', '--install', 'tiny', chart, '-n', n, '--wait=watcher', '--timeout', '2m', '--rollback-on-failure']);
    const status = JSON.parse(String((await helm(['status', 'tiny', '-n', n, '-o', 'json'])).stdout));
    expect(status.info.status).toBe('deployed');
    const d = await kubectlJson<any>(['-n', n, 'get', 'deployment', 'tiny']);
    expect(d.status.availableReplicas).toBe(2);
    const svc = await kubectlJson<any>(['-n', n, 'get', 'service', 'tiny']);
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|1[01]\d)\./);
  });

  it('establishes a CRD, accepts a valid custom resource and rejects an invalid one', async () => {
    const n = await ns('e2e-crd');
    const group = `${n}.e2e.kubestrap.dev`; // unique per run: CRDs are cluster-scoped
    const crdName = `widgets.${group}`;
    await apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 } } } },
              },
            },
          },
        ],
      },
    });
    try {
      await kubectl(['wait', '--for=condition=Established', `crd/${crdName}`, '--timeout=60s']);
      await apply({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } }, n);
      const w = await kubectlJson<any>(['-n', n, 'get', `widgets.${group}`, 'w1']);
      expect(w.spec.size).toBe(3);
      // --validate=false skips kubectl's client-side check, so the API server's schema validation answers.
      const bad = await apply({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 'big' } }, n, {
        reject: false,
        args: ['--validate=false'],
      });
      expect(bad.exitCode).not.toBe(0);
      expect(String(bad.stderr)).toMatch(/spec\.size: Invalid value.*must be of type integer/);
    } finally {
      await kubectl(['delete', 'crd', crdName, '--wait=false', '--ignore-not-found'], { reject: false });
    }
  });

  it('hands the cluster to tests through provide/inject and the environment', () => {
    const provided = inject('kubestrapCluster');
    expect(provided.context).toBe('kubestrap-test');
    for (const [key, name] of Object.entries(ENV_KEYS)) expect(process.env[name], name).toBe(provided[key as keyof typeof provided]);
    expect(process.env.PATH?.split(':')[0]).toBe(provided.binDir);
  });

  it('records every cluster process, all alive while the tests run', () => {
    const state = readState(statePaths(clusterEnv().stateDir));
    expect(state).toBeDefined();
    expect(state!.kubeconfig).toBe(clusterEnv().kubeconfig);
    expect(state!.processes.map((p) => p.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
    for (const p of state!.processes) expect(isAlive(p), `${p.name} pid ${p.pid}`).toBe(true);
  });
});
