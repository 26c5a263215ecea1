// The run lease's create/replace and Kubectl.delete in-process (src/adapters/kube-api.ts write and
// deleteIfQuick): against a small HTTP stand-in of the API server on 127.0.0.1 that stores Leases
// and ConfigMaps with resourceVersions, kubectl faked (fake-exec) so each test sees which calls
// still start a kubectl process. An unchanged re-run used to start one per lease write and per delete.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unanswered } from '../../src/adapters/kube-api.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { LeaseHeldError, leaseName, RunLease } from '../../src/engine/lease.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const discovery = (items: unknown[]) => JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', items });
const res = (resource: string, kind: string) => ({
  resource,
  singularResource: resource.replace(/s$/, ''),
  responseKind: { kind },
  scope: 'Namespaced',
});

type Obj = { apiVersion?: string; kind?: string; metadata: { name: string; resourceVersion?: string; finalizers?: string[] } };
/** path of the object → the object; its collection is the path without the last segment. */
const store = new Map<string, Obj>();
const requests: string[] = [];
let version = 100;
let server: Server;
let url = '';

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', code, reason, message });

beforeAll(async () => {
  server = createServer((req, reply) => {
    void (async () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      requests.push(`${req.method} ${path}`);
      const sent = await body(req);
      const json = (code: number, text: string) => reply.writeHead(code, { 'content-type': 'application/json' }).end(text);
      if (path === '/api')
        return json(
          200,
          discovery([
            {
              metadata: { name: '' },
              versions: [{ version: 'v1', resources: [res('configmaps', 'ConfigMap'), res('secrets', 'Secret')] }],
            },
          ]),
        );
      if (path === '/apis')
        return json(
          200,
          discovery([{ metadata: { name: 'coordination.k8s.io' }, versions: [{ version: 'v1', resources: [res('leases', 'Lease')] }] }]),
        );
      if (path.endsWith('/broken')) return json(500, '{}');
      if (req.method === 'POST') {
        const obj = JSON.parse(sent) as Obj;
        const at = `${path}/${obj.metadata.name}`;
        if (store.has(at))
          return json(409, status(409, 'AlreadyExists', `leases.coordination.k8s.io "${obj.metadata.name}" already exists`));
        obj.metadata.resourceVersion = String(++version);
        store.set(at, obj);
        return json(201, JSON.stringify(obj));
      }
      const current = store.get(path);
      if (req.method === 'PUT') {
        const obj = JSON.parse(sent) as Obj;
        if (!current || current.metadata.resourceVersion !== obj.metadata.resourceVersion)
          return json(
            409,
            status(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again'),
          );
        obj.metadata.resourceVersion = String(++version);
        store.set(path, obj);
        return json(200, JSON.stringify(obj));
      }
      if (!current) return json(404, status(404, 'NotFound', 'not found'));
      if (req.method === 'DELETE') {
        // An object with finalizers stays (being deleted) until they are removed.
        if (!current.metadata.finalizers?.length) store.delete(path);
        return json(200, JSON.stringify(current));
      }
      return json(200, JSON.stringify(current));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  store.clear();
  requests.length = 0;
});

function kubectlWith(table: [string[], FakeResult][] = []) {
  const kubeconfig = JSON.stringify({
    clusters: [{ name: 'c', cluster: { server: url } }],
    users: [{ name: 'u', user: { token: 't0ken' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  });
  const exec = fakeExec([[['kubectl', '--context', 'ctx', 'config', 'view'], kubeconfig], ...table]);
  const k = new Kubectl(exec, { context: 'ctx' });
  k.useApiClient({});
  const processes = () => exec.calls.filter((c) => !c.includes('config')).map((c) => c.slice(3).join(' '));
  return { k, exec, processes };
}

const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kubestrap-system/leases/${leaseName}`;
const cmPath = (name: string) => `/api/v1/namespaces/team-a/configmaps/${name}`;

describe('run lease through the API client (kubectl faked)', () => {
  it('acquire creates, renewal replaces with the last resourceVersion, release deletes: no kubectl process', async () => {
    const { k, exec, processes } = kubectlWith();
    const logs: string[] = [];
    const lease = new RunLease(k, exec, 3, (m) => logs.push(m));
    await lease.acquire();
    const created = store.get(leasePath) as Obj & { spec: { holderIdentity: string; renewTime: string } };
    expect(created.spec.holderIdentity).toBe(lease.holder);
    // The timer renews every second for a 3 s lease.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const renewed = store.get(leasePath) as Obj & { spec: { renewTime: string } };
    expect(Number(renewed.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(requests).toContain(`PUT ${leasePath}`);
    await lease.release();
    expect(store.has(leasePath)).toBe(false);
    expect(logs).toEqual([]);
    expect(processes()).toEqual([]);
  });

  it('a lease taken by another run between read and replace is refused (409 Conflict), as with kubectl', async () => {
    const { k, exec } = kubectlWith();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    store.set(leasePath, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName, resourceVersion: '7' },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 10, acquireTime: past, renewTime: past },
    } as Obj);
    // The other run renews right after this run read the expired lease: the replace carries a stale resourceVersion.
    const get = k.get.bind(k);
    k.get = async <T>(...args: Parameters<Kubectl['get']>) => {
      const read = await get<T>(...args);
      store.get(leasePath)!.metadata.resourceVersion = '8';
      return read;
    };
    const error = await new RunLease(k, exec, 60, () => undefined).acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as Error).message).toBe('another kubestrap run took the lease at the same moment');
  });

  it('an answer other than 200/201/409 (here 500) is unanswered: the caller runs kubectl', async () => {
    const { k } = kubectlWith();
    const api = await k.api();
    const lease = (name: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kubestrap-system' },
    });
    expect(await api!.write('replace', lease('broken'))).toBe(unanswered);
    expect(await api!.write('create', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toBe(unanswered);
    expect(await api!.write('create', lease('fresh'))).toMatchObject({
      ok: true,
      object: { metadata: { name: 'fresh', resourceVersion: expect.any(String) } },
    });
    expect(await api!.write('create', lease('fresh'))).toEqual({
      ok: false,
      error: `Error from server (AlreadyExists): leases.coordination.k8s.io "fresh" already exists`,
    });
  });
});

describe('Kubectl.delete through the API client (kubectl faked)', () => {
  const kubectlDelete = [['kubectl', '--context', 'ctx', 'delete'], ''] as [string[], FakeResult];

  it('an object that does not exist, or is gone right after the delete, needs no kubectl process', async () => {
    const { k, processes } = kubectlWith([kubectlDelete]);
    store.set(cmPath('present'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'present' } });
    await k.delete('configmap', 'absent', 'team-a');
    await k.delete('configmaps', 'present', 'team-a', '60s');
    expect(store.has(cmPath('present'))).toBe(false);
    expect(requests.filter((r) => !r.endsWith('/api') && !r.endsWith('/apis'))).toEqual([
      `DELETE ${cmPath('absent')}`,
      `DELETE ${cmPath('present')}`,
      `GET ${cmPath('present')}`,
    ]);
    expect(processes()).toEqual([]);
  });

  it('an object still there after the delete (finalizers), a Secret, a 500 or an unknown type: kubectl deletes and waits', async () => {
    const { k, processes } = kubectlWith([kubectlDelete]);
    store.set(cmPath('held'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await k.delete('configmap', 'held', 'team-a', '60s');
    await k.delete('secret', 'creds', 'team-a');
    await k.delete('configmap', 'broken', 'team-a');
    await k.delete('widgets.example.com', 'w', 'team-a');
    expect(processes()).toEqual([
      'delete configmap held --namespace team-a --ignore-not-found --wait --timeout 60s',
      'delete secret creds --namespace team-a --ignore-not-found --wait --timeout 2m',
      'delete configmap broken --namespace team-a --ignore-not-found --wait --timeout 2m',
      'delete widgets.example.com w --namespace team-a --ignore-not-found --wait --timeout 2m',
    ]);
    expect(requests).not.toContain('DELETE /api/v1/namespaces/team-a/secrets/creds');
  });
});
