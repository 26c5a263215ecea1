// Watches and server-side dry runs of the in-process API client (src/adapters/kube-api.ts), against
// a small HTTP stand-in of the API server on 127.0.0.1 that streams watch events over time.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApi, unanswered } from '../../src/adapters/kube-api.js';

const discovery = (items: unknown[]) => JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', items });
const res = (resource: string, kind: string, scope: 'Namespaced' | 'Cluster') => ({
  resource,
  singularResource: resource.replace(/s$/, ''),
  responseKind: { kind },
  scope,
});
const node = (name: string, ready: boolean) => ({
  metadata: { name, resourceVersion: '1' },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const pod = (phase: string) => ({ metadata: { name: 'probe', namespace: 'p' }, status: { phase } });

let server: Server;
let url = '';
const requests: string[] = [];
/** Watch scripts by path: events sent one every 20 ms, then the stream stays open (or ends). */
const scripts: Record<string, { list: unknown[]; events: { type: string; object: unknown }[]; end?: boolean }> = {
  '/api/v1/nodes': {
    list: [node('n1', true), node('n2', false)],
    events: [
      { type: 'MODIFIED', object: node('n1', true) },
      { type: 'MODIFIED', object: node('n2', true) },
    ],
  },
  '/api/v1/namespaces/p/pods': {
    list: [pod('Pending')],
    events: [
      { type: 'MODIFIED', object: pod('Running') },
      { type: 'MODIFIED', object: pod('Failed') },
    ],
  },
  '/api/v1/namespaces/slow/pods': { list: [pod('Pending')], events: [] },
};

function stream(reply: ServerResponse, script: (typeof scripts)[string]) {
  reply.writeHead(200, { 'content-type': 'application/json' });
  script.events.forEach((e, i) => setTimeout(() => reply.write(`${JSON.stringify(e)}\n`), 20 * (i + 1)));
  if (script.end) setTimeout(() => reply.end(), 20 * (script.events.length + 1));
}

beforeAll(async () => {
  server = createServer((req, reply) => {
    requests.push(`${req.method} ${req.url}`);
    const u = new URL(req.url ?? '', 'http://x');
    if (u.pathname === '/api')
      return reply.writeHead(200).end(
        discovery([
          {
            metadata: { name: '' },
            versions: [{ version: 'v1', resources: [res('nodes', 'Node', 'Cluster'), res('pods', 'Pod', 'Namespaced')] }],
          },
        ]),
      );
    if (u.pathname === '/apis') return reply.writeHead(200).end(discovery([]));
    if (req.method === 'POST' && u.pathname === '/api/v1/namespaces/restricted/pods') {
      expect(u.searchParams.get('dryRun')).toBe('All');
      return reply.writeHead(403).end(
        JSON.stringify({
          kind: 'Status',
          code: 403,
          message: 'pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged',
        }),
      );
    }
    if (req.method === 'POST' && u.pathname === '/api/v1/namespaces/open/pods') return reply.writeHead(201).end('{}');
    const script = scripts[u.pathname];
    if (!script) return reply.writeHead(404).end('{"kind":"Status","code":404}');
    if (u.searchParams.get('watch') === '1') return stream(reply, script);
    reply.writeHead(200).end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: script.list }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ready = (nodes: ReturnType<typeof node>[]) => nodes.length > 0 && nodes.every((n) => n.status.conditions[0]!.status === 'True');

describe('KubeApi.waitForList (watch stand-in)', () => {
  it('lists, then watches from the list resourceVersion and answers on the event that meets the condition', async () => {
    const api = new KubeApi({ server: new URL(url), namespace: 'default' });
    const started = Date.now();
    const r = await api.waitForList('nodes', {}, ready, 10_000);
    api.close();
    expect(r).not.toBe(unanswered);
    expect(r !== unanswered && r.met).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    const watch = requests.find((q) => q.startsWith('GET /api/v1/nodes?') && q.includes('watch=1'));
    expect(watch).toContain('resourceVersion=7');
  });

  it('a field selector narrows it to one pod; a Failed phase ends the wait too', async () => {
    const api = new KubeApi({ server: new URL(url), namespace: 'default' });
    const r = await api.waitForList<ReturnType<typeof pod>>(
      'pods',
      { namespace: 'p', fieldSelector: 'metadata.name=probe' },
      (pods) => ['Succeeded', 'Failed'].includes(pods[0]?.status.phase ?? ''),
      10_000,
    );
    api.close();
    expect(r !== unanswered && r.met && r.items[0]!.status.phase).toBe('Failed');
    expect(requests.some((q) => q.includes('/api/v1/namespaces/p/pods?') && q.includes('fieldSelector=metadata.name%3Dprobe'))).toBe(true);
  });

  it('time runs out: met false with the last objects seen, not an error', async () => {
    const api = new KubeApi({ server: new URL(url), namespace: 'default' });
    const r = await api.waitForList<ReturnType<typeof pod>>('pods', { namespace: 'slow' }, () => false, 300);
    api.close();
    expect(r !== unanswered && !r.met && r.items[0]!.status.phase).toBe('Pending');
  });

  it('an unknown resource is left to the caller (unanswered)', async () => {
    const api = new KubeApi({ server: new URL(url), namespace: 'default' });
    expect(await api.waitForList('widgets', {}, () => true, 1000)).toBe(unanswered);
    api.close();
  });
});

describe('KubeApi.dryRunCreate (stand-in)', () => {
  const privileged = (namespace: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace } });
  it("reports the server's refusal with its message, and an admitted object as ok", async () => {
    const api = new KubeApi({ server: new URL(url), namespace: 'default' });
    expect(await api.dryRunCreate(privileged('restricted'))).toEqual({
      ok: false,
      message: expect.stringContaining('violates PodSecurity'),
    });
    expect(await api.dryRunCreate(privileged('open'))).toEqual({ ok: true, message: 'pod/x' });
    api.close();
  });
});
