// The in-process API reads (src/adapters/kube-api.ts) behind Kubectl.get/list/readyz and the first
// look of rollout status / condition waits: against a small HTTP stand-in of the API server on
// 127.0.0.1 (aggregated discovery, objects, 404, 500), with kubectl faked (fake-exec) so each test
// sees exactly which reads still start a kubectl process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiConfigFromView, hasCondition, rolloutComplete } from '../../src/adapters/kube-api.js';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const discovery = (items: unknown[]) => JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', items });
const res = (resource: string, kind: string, scope: 'Namespaced' | 'Cluster', extra: Record<string, unknown> = {}) => ({
  resource,
  singularResource: resource.replace(/s$/, ''),
  responseKind: { kind },
  scope,
  ...extra,
});

const objects: Record<string, unknown> = {
  '/api/v1/namespaces/team-a': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { a: 'b' } } },
  '/api/v1/namespaces/default/configmaps/settings': {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
  },
  '/api/v1/namespaces/default/events': { apiVersion: 'v1', kind: 'EventList', items: [] },
  '/api/v1/nodes': { apiVersion: 'v1', kind: 'NodeList', items: [{ metadata: { name: 'n1' } }, { metadata: { name: 'n2' } }] },
  '/apis/scheduling.k8s.io/v1/priorityclasses/tenant-high': {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'tenant-high' },
    value: 1000,
  },
  '/apis/apps/v1/namespaces/web/deployments/done': {
    metadata: { generation: 2 },
    spec: { replicas: 2 },
    status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
  },
  '/apis/apps/v1/namespaces/web/deployments/rolling': {
    metadata: { generation: 3 },
    spec: { replicas: 2 },
    status: { observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
  },
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ready.example.com': {
    metadata: { generation: 1 },
    status: { conditions: [{ type: 'Established', status: 'True' }] },
  },
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pending.example.com': {
    metadata: { generation: 1 },
    status: { conditions: [{ type: 'Established', status: 'False' }] },
  },
};

let server: Server;
let url = '';
const seen: string[] = [];
const patches: { url: string; contentType: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, reply) => {
    seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
    const path = (req.url ?? '').split('?')[0]!;
    if (path === '/api' || path === '/apis') {
      if (!String(req.headers.accept).includes('as=APIGroupDiscoveryList')) return reply.writeHead(406).end();
      reply.writeHead(200, { 'content-type': 'application/json' });
      if (path === '/api')
        return reply.end(
          discovery([
            {
              metadata: { name: '' },
              versions: [
                {
                  version: 'v1',
                  resources: [
                    res('namespaces', 'Namespace', 'Cluster', { shortNames: ['ns'] }),
                    res('configmaps', 'ConfigMap', 'Namespaced', { shortNames: ['cm'] }),
                    res('nodes', 'Node', 'Cluster'),
                    res('events', 'Event', 'Namespaced', { shortNames: ['ev'] }),
                    res('secrets', 'Secret', 'Namespaced'),
                  ],
                },
              ],
            },
          ]),
        );
      return reply.end(
        discovery([
          {
            metadata: { name: 'apps' },
            versions: [{ version: 'v1', resources: [res('deployments', 'Deployment', 'Namespaced', { shortNames: ['deploy'] })] }],
          },
          {
            metadata: { name: 'scheduling.k8s.io' },
            versions: [{ version: 'v1', resources: [res('priorityclasses', 'PriorityClass', 'Cluster', { shortNames: ['pc'] })] }],
          },
          {
            metadata: { name: 'events.k8s.io' },
            versions: [{ version: 'v1', resources: [res('events', 'Event', 'Namespaced', { shortNames: ['ev'] })] }],
          },
          {
            metadata: { name: 'apiextensions.k8s.io' },
            versions: [
              {
                version: 'v1',
                resources: [res('customresourcedefinitions', 'CustomResourceDefinition', 'Cluster', { shortNames: ['crd', 'crds'] })],
              },
            ],
          },
        ]),
      );
    }
    if (path === '/api/v1/namespaces/web/secrets') {
      // Helm's release Secrets, metadata only (PartialObjectMetadataList), never their content.
      if (!String(req.headers.accept).includes('as=PartialObjectMetadataList')) return reply.writeHead(406).end();
      const selector = new URL(req.url ?? '', 'http://x').searchParams.get('labelSelector');
      const revisions: Record<string, string[]> = {
        'owner=helm,name=app': ['superseded', 'deployed'],
        'owner=helm,name=failing': ['deployed', 'failed'],
        'owner=helm,name=stuck': ['deployed', 'pending-upgrade'],
      };
      const items = (revisions[selector ?? ''] ?? []).map((status, i) => ({
        metadata: {
          name: `sh.helm.release.v1.x.v${i + 1}`,
          labels: { owner: 'helm', status, version: String(i + 1) },
          creationTimestamp: `2026-12-01T10:0${i}:00Z`,
        },
      }));
      return reply
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', items }));
    }
    if (req.method === 'PATCH') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        patches.push({ url: req.url ?? '', contentType: String(req.headers['content-type']), body });
        reply.writeHead(path.endsWith('/rejected') ? 422 : 201, { 'content-type': 'application/json' }).end('{}');
      });
      return;
    }
    if (path === '/version') return reply.writeHead(200, { 'content-type': 'application/json' }).end('{"gitVersion":"v1.36.3"}');
    if (path === '/readyz') return reply.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (path === '/api/v1/namespaces/broken') return reply.writeHead(500).end('{}');
    const obj = objects[path];
    if (!obj) return reply.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
    reply.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(obj));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function view(user: Record<string, unknown> = { token: 'sekret-token-123' }, cluster: Record<string, unknown> = {}) {
  return JSON.stringify({
    clusters: [{ name: 'c', cluster: { server: url, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  });
}

/** A Kubectl whose kubectl processes are faked; `config view` prints `kubeconfig`. */
function kubectlWith(kubeconfig: string, table: [string[], FakeResult][] = [], api = true) {
  const exec = fakeExec([[['kubectl', '--context', 'ctx', 'config', 'view'], kubeconfig], ...table]);
  const k = new Kubectl(exec, { context: 'ctx' });
  if (api) k.useApiClient({});
  const processes = () => exec.calls.filter((c) => !c.includes('config')).map((c) => c.slice(3).join(' '));
  return { k, exec, processes };
}

describe('Kubectl reads through the API client (kubectl faked)', () => {
  it('answers get, list and /readyz in-process, sending the bearer token, with one `kubectl config view` for the whole session', async () => {
    const { k, exec, processes } = kubectlWith(view());
    expect(await k.readyz()).toBe('ok');
    expect(await k.get('namespace', 'team-a')).toMatchObject({ metadata: { labels: { a: 'b' } } });
    expect(await k.get('ns', 'team-a')).toMatchObject({ kind: 'Namespace' });
    expect(await k.get('cm', 'settings')).toMatchObject({ kind: 'ConfigMap' });
    expect(await k.get('priorityclasses.scheduling.k8s.io', 'tenant-high')).toMatchObject({ value: 1000 });
    expect(await k.get('namespace', 'missing')).toBeUndefined();
    // kubectl fills in apiVersion and kind on list items; so does the client.
    expect(await k.list('nodes')).toEqual([
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } },
    ]);
    expect(processes()).toEqual([]);
    expect(exec.calls.filter((c) => c.includes('config'))).toHaveLength(1);
    expect(seen.some((s) => s.endsWith('Bearer sekret-token-123'))).toBe(true);
    expect(exec.redactor.redact('token sekret-token-123')).not.toContain('sekret-token-123');
  });

  it("the server version and the context's server URL come without a kubectl process", async () => {
    const { k, exec, processes } = kubectlWith(view());
    expect(await k.serverVersion()).toBe('v1.36.3');
    expect(await k.contextServer()).toEqual({ cluster: 'c', server: url });
    expect(processes()).toEqual([]);
    expect(exec.calls.filter((c) => c.includes('config'))).toHaveLength(1);
  });

  it('leaves to kubectl what it cannot answer exactly: unknown types, a 500, a name-less get', async () => {
    const { k, processes } = kubectlWith(view(), [
      [['kubectl', '--context', 'ctx', 'get', 'widgets'], '{"metadata":{"name":"w"}}'],
      [['kubectl', '--context', 'ctx', 'get', 'namespace', 'broken'], '{"metadata":{"name":"broken"}}'],
      [['kubectl', '--context', 'ctx', 'get', 'namespace', '--output'], '{"items":[]}'],
    ]);
    expect(await k.get('widgets', 'w')).toEqual({ metadata: { name: 'w' } });
    expect(await k.get('namespace', 'broken')).toEqual({ metadata: { name: 'broken' } });
    expect(await k.get('namespace')).toEqual({ items: [] });
    expect(processes()).toEqual([
      'get widgets w --output json --request-timeout 30s',
      'get namespace broken --output json --request-timeout 30s',
      'get namespace --output json --request-timeout 30s',
    ]);
  });

  it('a kind known in two groups without a group goes to the core group, as with kubectl', async () => {
    const { k, processes } = kubectlWith(view());
    expect(await k.list('events', { namespace: 'default' })).toEqual([]);
    expect(processes()).toEqual([]);
    expect(seen.some((s) => s.startsWith('/api/v1/namespaces/default/events'))).toBe(true);
  });

  it.each([
    ['an exec credential plugin', view({ exec: { command: 'aws' } })],
    ['an auth provider', view({ 'auth-provider': { name: 'oidc' } })],
    ['basic auth', view({ username: 'a', password: 'b' })],
    ['impersonation', view({ token: 't', as: 'someone' })],
    ['a proxy', view({ token: 't' }, { 'proxy-url': 'http://proxy:3128' })],
  ])('with %s every read goes to kubectl', async (_, kubeconfig) => {
    const { k, processes } = kubectlWith(kubeconfig, [
      [['kubectl', '--context', 'ctx', 'get', 'namespace', 'team-a'], '{"kind":"Namespace"}'],
    ]);
    expect(await k.get('namespace', 'team-a')).toEqual({ kind: 'Namespace' });
    expect(processes()).toEqual(['get namespace team-a --output json --request-timeout 30s']);
  });

  it('without useApiClient nothing changes: every read is a kubectl process and no kubeconfig is read', async () => {
    const { k, exec } = kubectlWith(
      view(),
      [[['kubectl', '--context', 'ctx', 'get', 'namespace', 'team-a'], '{"kind":"Namespace"}']],
      false,
    );
    await k.get('namespace', 'team-a');
    expect(exec.calls.map((c) => c[3])).toEqual(['get']);
  });

  it('a rollout already complete or a condition already met needs no kubectl; otherwise kubectl waits', async () => {
    const { k, processes } = kubectlWith(view(), [
      [['kubectl', '--context', 'ctx', 'rollout', 'status'], ''],
      [['kubectl', '--context', 'ctx', 'wait'], ''],
    ]);
    await k.rolloutStatus('web', 'deployment/done', '60s');
    await k.waitFor('crd/ready.example.com', 'condition=Established', '60s');
    expect(processes()).toEqual([]);
    await k.rolloutStatus('web', 'deployment/rolling', '60s');
    await k.rolloutStatus('web', 'deployment/absent', '60s');
    await k.waitFor('crd/pending.example.com', 'condition=Established', '60s');
    await k.waitFor('crd/ready.example.com', 'condition=Established=True', '60s');
    expect(processes()).toEqual([
      'rollout status --namespace web deployment/rolling --timeout 60s',
      'rollout status --namespace web deployment/absent --timeout 60s',
      'wait --for=condition=Established crd/pending.example.com --timeout 60s',
      'wait --for=condition=Established=True crd/ready.example.com --timeout 60s',
    ]);
  });
});

describe('single-object applies in-process (kubectl faked)', () => {
  const cm = (name: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: kubestrap-system\ndata:\n  state.json: "{}"\n`;

  it('a server-side apply of one object goes to the API as kubectl would send it (field manager, forced, strict)', async () => {
    const { k, processes } = kubectlWith(view());
    await k.applyStdin(cm('kubestrap-state'));
    expect(processes()).toEqual([]);
    const patch = patches.at(-1)!;
    expect(patch.url).toBe(
      '/api/v1/namespaces/kubestrap-system/configmaps/kubestrap-state?fieldManager=kubestrap&force=true&fieldValidation=Strict',
    );
    expect(patch.contentType).toBe('application/apply-patch+yaml');
    expect(patch.body).toBe(cm('kubestrap-state'));
  });

  it("a refused apply, several objects or an unknown kind are kubectl's to apply (and report)", async () => {
    const apply = [['kubectl', '--context', 'ctx', 'apply'], 'applied'] as [string[], FakeResult];
    const { k, processes } = kubectlWith(view(), [apply]);
    await k.applyStdin(cm('rejected'));
    await k.applyStdin(`${cm('a')}---\n${cm('b')}`);
    await k.applyStdin('apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    expect(processes()).toEqual(Array(3).fill('apply --server-side --field-manager kubestrap --force-conflicts -f -'));
  });
});

describe("helm status from the release Secrets' labels (helm faked)", () => {
  const helmStatus = (release: string) =>
    [['helm', 'status', release], JSON.stringify({ name: release, info: { status: 'failed', description: 'from helm' } })] as [
      string[],
      FakeResult,
    ];

  it("a release whose latest revision is deployed needs no helm process; any other answer is helm's", async () => {
    const { k, exec } = kubectlWith(view(), [helmStatus('failing'), helmStatus('absent')]);
    const helm = new Helm(exec, { context: 'ctx' }, 4);
    helm.readReleasesThrough(k, {});
    expect(await helm.status('app', 'web')).toEqual({ name: 'app', namespace: 'web', version: 2, info: { status: 'deployed' } });
    expect(exec.calls.filter((c) => c[0] === 'helm')).toEqual([]);
    expect(await helm.status('failing', 'web')).toMatchObject({ info: { description: 'from helm' } });
    expect(await helm.status('absent', 'web')).toMatchObject({ info: { description: 'from helm' } });
    expect(exec.calls.filter((c) => c[0] === 'helm').map((c) => c[2])).toEqual(['failing', 'absent']);
  });

  it("history from the labels when no revision is pending (none at all: []); a pending one is helm's to describe", async () => {
    const { k, exec } = kubectlWith(view(), [
      [['helm', 'history', 'stuck'], JSON.stringify([{ revision: 2, status: 'pending-upgrade', updated: 'from helm' }])],
    ]);
    const helm = new Helm(exec, { context: 'ctx' }, 4);
    helm.readReleasesThrough(k, {});
    expect(await helm.history('app', 'web')).toEqual([
      { revision: 1, status: 'superseded', updated: '2026-12-01T10:00:00Z' },
      { revision: 2, status: 'deployed', updated: '2026-12-01T10:01:00Z' },
    ]);
    expect(await helm.history('absent', 'web')).toEqual([]);
    expect(exec.calls.filter((c) => c[0] === 'helm')).toEqual([]);
    expect(await helm.history('stuck', 'web')).toEqual([{ revision: 2, status: 'pending-upgrade', updated: 'from helm' }]);
    expect(exec.calls.filter((c) => c[0] === 'helm').map((c) => c[1])).toEqual(['history']);
  });

  it('with another storage driver (HELM_DRIVER) helm answers', async () => {
    const { k, exec } = kubectlWith(view(), [helmStatus('app')]);
    const helm = new Helm(exec, { context: 'ctx' }, 4);
    helm.readReleasesThrough(k, { HELM_DRIVER: 'configmap' });
    await helm.status('app', 'web');
    expect(exec.calls.filter((c) => c[0] === 'helm').map((c) => c[2])).toEqual(['app']);
  });
});

describe('API client rules (pure)', () => {
  it('reads client certificates, CA, token and the context namespace; refuses proxies from the environment', () => {
    const v = JSON.stringify({
      clusters: [{ cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }],
      users: [
        {
          user: {
            'client-certificate-data': Buffer.from('CERT').toString('base64'),
            'client-key-data': Buffer.from('KEY').toString('base64'),
          },
        },
      ],
      contexts: [{ context: { namespace: 'team-a' } }],
    });
    const c = apiConfigFromView(v, {});
    expect(c?.ca?.toString()).toBe('CA');
    expect(c?.cert?.toString()).toBe('CERT');
    expect(c?.key?.toString()).toBe('KEY');
    expect(c?.namespace).toBe('team-a');
    expect(apiConfigFromView(v, { HTTPS_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(apiConfigFromView('not json', {})).toBeUndefined();
  });

  it('rollout completion follows kubectl rollout status', () => {
    const dep = (status: Record<string, unknown>, generation = 1, extra: Record<string, unknown> = {}) => ({
      metadata: { generation },
      spec: { replicas: 2, ...extra },
      status: { observedGeneration: 1, ...status },
    });
    expect(rolloutComplete('deployment', dep({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).toBe(true);
    expect(rolloutComplete('deployment', dep({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2))).toBe(false);
    expect(rolloutComplete('deployment', dep({ replicas: 3, updatedReplicas: 2, availableReplicas: 2 }))).toBe(false);
    expect(rolloutComplete('deployment', dep({ replicas: 2, updatedReplicas: 2, availableReplicas: 1 }))).toBe(false);
    expect(
      rolloutComplete(
        'deployment',
        dep({
          replicas: 2,
          updatedReplicas: 2,
          availableReplicas: 2,
          conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }],
        }),
      ),
    ).toBe(false);
    expect(rolloutComplete('statefulset', dep({ readyReplicas: 2, updateRevision: 'a', currentRevision: 'a' }))).toBe(true);
    expect(rolloutComplete('statefulset', dep({ readyReplicas: 2, updateRevision: 'b', currentRevision: 'a' }))).toBe(false);
    expect(rolloutComplete('statefulset', dep({ readyReplicas: 1, updateRevision: 'a', currentRevision: 'a' }))).toBe(false);
    expect(
      rolloutComplete(
        'statefulset',
        dep({ readyReplicas: 2, updatedReplicas: 1 }, 1, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }),
      ),
    ).toBe(true);
    expect(rolloutComplete('statefulset', dep({ readyReplicas: 2 }, 1, { updateStrategy: { type: 'OnDelete' } }))).toBe(false);
    expect(rolloutComplete('daemonset', dep({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }))).toBe(true);
    expect(rolloutComplete('daemonset', dep({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }))).toBe(false);
    expect(rolloutComplete('replicaset', dep({}))).toBe(false);
  });

  it('a condition counts only when True and not older than the object', () => {
    expect(hasCondition({ status: { conditions: [{ type: 'established', status: 'True' }] } }, 'Established')).toBe(true);
    expect(hasCondition({ status: { conditions: [{ type: 'Established', status: 'False' }] } }, 'Established')).toBe(false);
    expect(
      hasCondition(
        { metadata: { generation: 3 }, status: { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 2 }] } },
        'Ready',
      ),
    ).toBe(false);
    expect(hasCondition(undefined, 'Ready')).toBe(false);
  });
});
