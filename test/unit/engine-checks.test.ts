// runCheck (src/engine/checks.ts) for each check type against a cluster faked in memory: kubectl and
// helm child processes are faked (fake-cluster.ts; a test's own answers come first). What passes, what
// fails with which message and diagnostics, and what is skipped with which reason. Written against
// StrykerJS's surviving and uncovered mutants in src/engine (docs/mutation.md).
import { describe, expect, it, vi } from 'vitest';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { unanswered } from '../../src/adapters/kube-api.js';
import { clusterIsSimulated, runCheck, type CheckEnv } from '../../src/engine/checks.js';
import { smokeRemovedReason } from '../../src/engine/smoke.js';
import { smokeName, smokeNamespace } from '../../src/names.js';
import type { Check } from '../../src/roadmap/types.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const base = ['kubectl', '--context', 'fake'];

/** A BackupStorageLocation velero/default, with the status Velero gave it (none before it validated it). */
const bsl = (status?: object) => ({
  apiVersion: 'velero.io/v1',
  kind: 'BackupStorageLocation',
  metadata: { name: 'default', namespace: 'velero' },
  ...(status ? { status } : {}),
});

function setup(answers: [string[], FakeResult][] = [], options: { simulated?: boolean; smokeRemovedAt?: string; timeout?: string } = {}) {
  const c = new FakeCluster();
  const answer = (c as unknown as { answer(argv: readonly string[], input: string | undefined): FakeResult | undefined }).answer.bind(c);
  const exec = fakeExec(answers, answer);
  const env: CheckEnv = {
    kubectl: new Kubectl(exec, c.target),
    helm: new Helm(exec, c.target, 4),
    simulated: options.simulated ?? false,
    timeout: options.timeout ?? '1m',
    ...(options.smokeRemovedAt ? { smokeRemovedAt: options.smokeRemovedAt } : {}),
  };
  return { c, exec, env };
}
const fail = (stderr: string): FakeResult => ({ exitCode: 1, stderr });
const run = (check: Check, s: ReturnType<typeof setup>) => runCheck('storage', check, s.env);

describe('each check type (kubectl and helm faked)', () => {
  it('every result names its step, type and a description, and its own duration', async () => {
    const s = setup();
    const t0 = performance.now();
    const r = await run({ type: 'api-ready' }, s);
    const elapsed = performance.now() - t0;
    expect(r).toMatchObject({ step: 'storage', check: 'api-ready', status: 'ok' });
    expect(r.description.length).toBeGreaterThan(5);
    expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(r.ms).toBeLessThanOrEqual(Math.ceil(elapsed));
    expect(r).not.toHaveProperty('message');
    expect(r).not.toHaveProperty('diagnostics');
  });

  it('api-ready: fails with what /readyz answered', async () => {
    const r = await run({ type: 'api-ready' }, setup([[[...base, 'get', '--raw', '/readyz'], '[-]etcd failed\n']]));
    expect(r).toMatchObject({ status: 'failed', message: '/readyz answered: [-]etcd failed' });
  });

  it('nodes-ready: every node Ready passes', async () => {
    expect((await run({ type: 'nodes-ready' }, setup())).status).toBe('ok');
  });

  it('rollout: passes, or says it does not exist, or did not roll out in time with the namespace diagnosed', async () => {
    const check: Check = { type: 'rollout', namespace: 'apps', kind: 'deployment', name: 'web' };
    expect((await run(check, setup())).status).toBe('ok');
    const missing = await run(
      check,
      setup([[[...base, 'rollout'], fail('Error from server (NotFound): deployments.apps "web" not found')]]),
    );
    expect(missing).toMatchObject({ status: 'failed', message: 'deployment/web does not exist in namespace apps' });
    expect(missing).not.toHaveProperty('diagnostics');
    const slow = await run(
      check,
      setup([[[...base, 'rollout'], fail('Waiting for deployment "web" rollout to finish\nerror: timed out waiting for the condition')]]),
    );
    expect(slow).toMatchObject({
      status: 'failed',
      message: 'deployment/web did not roll out within 1m: error: timed out waiting for the condition',
      diagnostics: ['no failing pods or Warning events in namespace apps'],
    });
  });

  it('crd-established and apiservice-available: pass, or fail with the last line kubectl wrote', async () => {
    expect((await run({ type: 'crd-established', name: 'x.example.com' }, setup())).status).toBe('ok');
    expect(
      await run({ type: 'crd-established', name: 'x.example.com' }, setup([[[...base, 'wait'], fail('first\nerror: timed out')]])),
    ).toMatchObject({
      status: 'failed',
      message: 'CRD x.example.com is not Established: error: timed out',
    });
    const api = { type: 'apiservice-available', name: 'v1beta1.metrics.k8s.io' } as const;
    expect((await run(api, setup())).status).toBe('ok');
    expect(await run(api, setup([[[...base, 'wait'], fail('error: no matching resources found')]]))).toMatchObject({
      status: 'failed',
      message: 'APIService v1beta1.metrics.k8s.io is not Available: error: no matching resources found',
    });
  });

  it('apiservice-available on simulated nodes: skipped, saying why', async () => {
    const r = await run({ type: 'apiservice-available', name: 'v1beta1.metrics.k8s.io' }, setup([], { simulated: true }));
    expect(r.status).toBe('skipped');
    expect(r.message).toMatch(/^skipped: APIService v1beta1\.metrics\.k8s\.io is served by pods; nodes are simulated \(KWOK\)/);
  });

  it('helm-deployed: not installed, deployed, or in another state with its description and diagnostics', async () => {
    const check: Check = { type: 'helm-deployed', namespace: 'monitoring', release: 'prom' };
    expect(await run(check, setup())).toMatchObject({ status: 'failed', message: 'helm release monitoring/prom is not installed' });
    const s = setup();
    s.c.releases.set('monitoring/prom', { release: 'prom', namespace: 'monitoring', revision: 1 });
    expect((await run(check, s)).status).toBe('ok');
    const failed = await run(
      check,
      setup([[['helm', 'status'], JSON.stringify({ name: 'prom', info: { status: 'failed', description: 'hook timed out' } })]]),
    );
    expect(failed).toMatchObject({
      status: 'failed',
      message: 'helm release prom is failed: hook timed out',
      diagnostics: ['no failing pods or Warning events in namespace monitoring'],
    });
  });

  it('default-storageclass: none, two, another than expected, or the one expected', async () => {
    const sc = (name: string, isDefault: boolean) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': String(isDefault) } },
    });
    const withClasses = (...classes: ReturnType<typeof sc>[]) => {
      const s = setup();
      for (const c of classes) s.c.put(c);
      return s;
    };
    expect((await run({ type: 'default-storageclass', name: 'fast' }, withClasses(sc('a', false)))).message).toBe(
      'no default StorageClass (expected fast); PVCs without a class will stay Pending',
    );
    expect((await run({ type: 'default-storageclass' }, withClasses())).message).toBe(
      'no default StorageClass; PVCs without a class will stay Pending',
    );
    expect((await run({ type: 'default-storageclass' }, withClasses(sc('a', true), sc('b', true)))).message).toBe(
      '2 default StorageClasses (a, b); exactly one may carry the default annotation',
    );
    expect((await run({ type: 'default-storageclass', name: 'b' }, withClasses(sc('a', true), sc('b', false)))).message).toBe(
      'the default StorageClass is a, expected b (spec.storage.defaultClass)',
    );
    expect((await run({ type: 'default-storageclass', name: 'a' }, withClasses(sc('a', true)))).status).toBe('ok');
    expect((await run({ type: 'default-storageclass' }, withClasses(sc('a', true)))).status).toBe('ok');
  });

  it('namespace-labels: missing namespace, missing or wrong labels, or all there', async () => {
    const check: Check = { type: 'namespace-labels', namespace: 'team-a', labels: { a: '1', b: '2' } };
    expect((await run(check, setup())).message).toBe('namespace team-a does not exist');
    const s = setup();
    s.c.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { a: '1', b: '3' } } });
    expect((await run(check, s)).message).toBe('namespace team-a lacks b=2');
    s.c.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { a: '1', b: '2', c: 'x' } } });
    expect((await run(check, s)).status).toBe('ok');
  });

  it('exists: namespaced and cluster-scoped objects, present or not', async () => {
    const s = setup();
    expect((await run({ type: 'exists', resource: 'configmap', namespace: 'ns', name: 'cm' }, s)).message).toBe(
      'configmap ns/cm does not exist',
    );
    expect((await run({ type: 'exists', resource: 'clusterrole', name: 'cr' }, s)).message).toBe('clusterrole cr does not exist');
    s.c.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } });
    expect((await run({ type: 'exists', resource: 'configmap', namespace: 'ns', name: 'cm' }, s)).status).toBe('ok');
  });

  it('rejects-privileged-pod: admitted fails; refused by Pod Security passes; refused by something else fails', async () => {
    const check: Check = { type: 'rejects-privileged-pod', namespace: 'team-a' };
    const create = [...base, 'create', '--dry-run=server'];
    const admitted = setup([[create, 'pod/kubestrap-psa-probe created (server dry run)']]);
    expect((await run(check, admitted)).message).toBe('a privileged pod was admitted in team-a: Pod Security is not enforced there');
    const input = admitted.exec.calls.find((a) => a.includes('--dry-run=server'));
    expect(input).toBeDefined();
    expect(
      (
        await run(
          check,
          setup([[create, fail('Error from server (Forbidden): pods "p" is forbidden: violates PodSecurity "restricted:latest"')]]),
        )
      ).status,
    ).toBe('ok');
    expect((await run(check, setup([[create, fail('admission webhook "x" denied the request\nmore')]]))).message).toBe(
      'the privileged pod was rejected, but not by Pod Security: admission webhook "x" denied the request',
    );
  });

  it('velero-bsl-available: skipped on simulated nodes; missing, not yet validated, unavailable with its message, or available', async () => {
    const check: Check = { type: 'velero-bsl-available', namespace: 'velero', name: 'default' };
    const sim = await run(check, setup([], { simulated: true }));
    expect(sim.status).toBe('skipped');
    expect(sim.message).toMatch(/^skipped: Velero sets the BackupStorageLocation phase after reaching the bucket; nodes are simulated/);
    // timeout 0s: one look each (the waiting is tested below).
    const s = setup([], { timeout: '0s' });
    expect((await run(check, s)).message).toBe('BackupStorageLocation velero/default does not exist');
    s.c.put(bsl());
    expect((await run(check, s)).message).toBe('BackupStorageLocation default is not yet validated');
    s.c.put(bsl({ phase: 'Unavailable', message: 'bucket velero not found' }));
    const down = await run(check, s);
    expect(down.message).toBe('BackupStorageLocation default is Unavailable: bucket velero not found');
    expect(down.diagnostics).toEqual(['no failing pods or Warning events in namespace velero']);
    s.c.put(bsl({ phase: 'Available' }));
    expect((await run(check, s)).status).toBe('ok');
  });

  it('velero-bsl-available: a location Velero has not validated yet is looked at again until the timeout (kubectl faked)', async () => {
    const check: Check = { type: 'velero-bsl-available', namespace: 'velero', name: 'default' };
    const s = setup([], { timeout: '10s' });
    s.c.put(bsl());
    setTimeout(() => s.c.put(bsl({ phase: 'Available' })), 1000);
    const started = Date.now();
    expect((await run(check, s)).status).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  });

  it('a probe on simulated nodes and a not-checkable check are skipped with their reasons', async () => {
    const probe = await run(
      { type: 'probe', probe: 'dns', namespace: 'kubestrap-system', description: 'DNS resolves' },
      setup([], { simulated: true }),
    );
    expect(probe).toMatchObject({
      status: 'skipped',
      message: 'skipped: nodes are simulated (KWOK): no container runs, so this needs a real cluster',
    });
    const nc = await run({ type: 'not-checkable', description: 'etcd encryption', reason: 'the provider runs etcd' }, setup());
    expect(nc).toMatchObject({ status: 'skipped', message: 'skipped: the provider runs etcd' });
  });

  it('once the smoke workload was removed, its checks are skipped with when; other checks still run', async () => {
    const at = '2026-12-01T10:00:00Z';
    const s = setup([], { smokeRemovedAt: at });
    const smoke = await run({ type: 'exists', resource: 'deployment', namespace: smokeNamespace, name: smokeName }, s);
    expect(smoke).toMatchObject({ status: 'skipped', message: `skipped: ${smokeRemovedReason(at)}` });
    expect((await run({ type: 'exists', resource: 'deployment', namespace: smokeNamespace, name: 'other' }, s)).status).toBe('failed');
    expect((await run({ type: 'exists', resource: 'deployment', namespace: smokeNamespace, name: smokeName }, setup())).status).toBe(
      'failed',
    );
  });

  it('a command failing unexpectedly fails the check with the first lines of the error, redacted', async () => {
    const s = setup([[[...base, 'get', 'configmap'], fail('Unable to connect to the server: token s3cr3t-token rejected')]]);
    s.exec.redactor.add('s3cr3t-token');
    const r = await run({ type: 'exists', resource: 'configmap', namespace: 'ns', name: 'cm' }, s);
    expect(r.status).toBe('failed');
    expect(r.message).toContain('Unable to connect to the server');
    expect(r.message).not.toContain('s3cr3t-token');
    expect(r.message!.split('\n').length).toBeLessThanOrEqual(6);
  });
});

describe('nodes-ready, Pod Security and simulated clusters through kubectl and through a faked API client', () => {
  const node = (name: string, ready: boolean, extra: object = {}) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    ...extra,
  });
  /** A cluster with the given nodes instead of the fake's one. */
  const withNodes = (...nodes: ReturnType<typeof node>[]) => {
    const s = setup();
    s.c.objects.delete('node||node-1');
    for (const n of nodes) s.c.put(n as any);
    return s;
  };
  const nodeLists = (s: ReturnType<typeof setup>) => s.exec.calls.filter((a) => a.includes('get') && a.includes('nodes')).length;

  it('nodes-ready without an API client: a node that turns Ready between two looks (3 s apart) passes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      const s = withNodes(node('a', true), node('b', false));
      const pending = run({ type: 'nodes-ready' }, s);
      await vi.advanceTimersByTimeAsync(2_999);
      expect(nodeLists(s)).toBe(1);
      s.c.put(node('b', true) as any);
      await vi.advanceTimersByTimeAsync(1);
      expect((await pending).status).toBe('ok');
      expect(nodeLists(s)).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('nodes-ready without an API client: gives up after 2 minutes naming the nodes not Ready, or saying there are none', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      const s = withNodes(node('a', true), node('b', false), node('c', false));
      const pending = run({ type: 'nodes-ready' }, s);
      await vi.advanceTimersByTimeAsync(117_000);
      expect(nodeLists(s)).toBe(40);
      await vi.advanceTimersByTimeAsync(6_000);
      expect(await pending).toMatchObject({ status: 'failed', message: 'nodes not Ready after 120s: b, c' });
      // the last look at 123 s: the one at exactly 120 s was still in time
      expect(nodeLists(s)).toBe(42);

      const none = withNodes();
      const empty = run({ type: 'nodes-ready' }, none);
      await vi.advanceTimersByTimeAsync(123_000);
      expect(await empty).toMatchObject({ status: 'failed', message: 'the cluster has no nodes' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('nodes-ready through the API client: waits up to 2 minutes for every node (at least one) Ready; says which are not, or that there are none', async () => {
    const s = setup();
    const asked: { resource: string; timeoutMs: number; done: (items: unknown[]) => boolean }[] = [];
    let answer: unknown;
    (s.env.kubectl as any).api = async () => ({
      waitForList: async (resource: string, _o: object, done: (items: unknown[]) => boolean, timeoutMs: number) => {
        asked.push({ resource, timeoutMs, done });
        return answer;
      },
    });
    answer = { met: true, items: [node('a', true)] };
    expect((await run({ type: 'nodes-ready' }, s)).status).toBe('ok');
    expect(asked[0]).toMatchObject({ resource: 'nodes', timeoutMs: 120_000 });
    const done = asked[0]!.done;
    expect([done([]), done([node('a', true)]), done([node('a', true), node('b', false)]), done([{ metadata: { name: 'x' } }])]).toEqual([
      false,
      true,
      false,
      false,
    ]);
    // A node with no Ready condition, no conditions, or another condition True but Ready not: not Ready.
    const other = {
      metadata: { name: 'o' },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      },
    };
    expect([
      done([{ status: { conditions: [{ type: 'DiskPressure', status: 'False' }] } }]),
      done([{ status: {} }]),
      done([other]),
    ]).toEqual([false, false, false]);
    answer = { met: false, items: [node('a', true), node('b', false), { metadata: { name: 'c' } }, { status: {} }] };
    expect(await run({ type: 'nodes-ready' }, s)).toMatchObject({ status: 'failed', message: 'nodes not Ready after 120s: b, c, ' });
    answer = { met: false, items: [] };
    expect(await run({ type: 'nodes-ready' }, s)).toMatchObject({ status: 'failed', message: 'the cluster has no nodes' });
    expect(s.exec.calls.filter((a) => a.includes('nodes'))).toEqual([]);
  });

  it('nodes-ready: where the API client cannot watch, kubectl is asked instead', async () => {
    const s = setup();
    (s.env.kubectl as any).api = async () => ({
      waitForList: async () => unanswered,
      get: async () => unanswered,
      list: async () => unanswered,
    });
    expect((await run({ type: 'nodes-ready' }, s)).status).toBe('ok');
    expect(nodeLists(s)).toBe(1);
  });

  it('rejects-privileged-pod through the API client: the dry run is of a privileged host-network pod in that namespace', async () => {
    const s = setup();
    const pods: any[] = [];
    let answer: unknown = { ok: false, message: 'pods "kubestrap-psa-probe" is forbidden: violates PodSecurity "restricted:latest"' };
    (s.env.kubectl as any).api = async () => ({
      dryRunCreate: async (pod: unknown) => {
        pods.push(pod);
        return answer;
      },
    });
    const check: Check = { type: 'rejects-privileged-pod', namespace: 'team-a' };
    expect((await run(check, s)).status).toBe('ok');
    expect(pods[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'team-a' },
      spec: { hostNetwork: true, containers: [{ securityContext: { privileged: true } }] },
    });
    answer = { ok: true, message: '' };
    expect((await run(check, s)).message).toBe('a privileged pod was admitted in team-a: Pod Security is not enforced there');
    expect(s.exec.calls.filter((a) => a.includes('--dry-run=server'))).toEqual([]);
    answer = unanswered;
    await run(check, s);
    expect(s.exec.calls.filter((a) => a.includes('--dry-run=server'))).toHaveLength(1);
  });

  it('rejects-privileged-pod: Pod Security’s refusal is recognised whatever its case', async () => {
    const create = [...base, 'create', '--dry-run=server'];
    const r = await run({ type: 'rejects-privileged-pod', namespace: 'x' }, setup([[create, fail('Error: pod VIOLATES podsecurity')]]));
    expect(r.status).toBe('ok');
  });

  it('a check whose command fails unexpectedly keeps at most its first six lines', async () => {
    const s = setup([[[...base, 'get', 'configmap'], fail(['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8'].join('\n'))]]);
    const r = await run({ type: 'exists', resource: 'configmap', namespace: 'ns', name: 'cm' }, s);
    const lines = r.message!.split('\n');
    expect(lines).toEqual(['l1', 'l2', 'l3', 'l4', 'l5', 'l6']);
    expect(r).not.toHaveProperty('diagnostics');
  });

  it('the reason given for a failed wait is the last line of what kubectl wrote, trimmed', async () => {
    const r = await run(
      { type: 'crd-established', name: 'x.example.com' },
      setup([[[...base, 'wait'], fail('error: first\n  error: the last one  \n')]]),
    );
    expect(r.message).toBe('CRD x.example.com is not Established: error: the last one');
  });

  it('clusterIsSimulated: true only when there are nodes and every one is a KWOK node (annotation or runtime)', async () => {
    const kwokByRuntime = node('r', true, { status: { nodeInfo: { containerRuntimeVersion: 'kwok-v0.7' } } });
    const annotated = { ...node('k', true), metadata: { name: 'k', annotations: { 'kwok.x-k8s.io/node': 'fake' } } };
    const real = node('real', true, { status: { nodeInfo: { containerRuntimeVersion: 'containerd://2.1' } } });
    const simulated = async (s: ReturnType<typeof setup>) => clusterIsSimulated(s.env.kubectl);
    expect(await simulated(setup())).toBe(true);
    expect(await simulated(withNodes())).toBe(false);
    expect(await simulated(withNodes(kwokByRuntime, annotated as any))).toBe(true);
    expect(await simulated(withNodes(annotated as any, real))).toBe(false);
    expect(await simulated(withNodes(node('bare', true)))).toBe(false);
  });
});

describe('checks: answers missing a part, and a check type kubestrap does not know (kubectl and helm faked)', () => {
  it('a node, release or StorageClass without the optional parts is still described', async () => {
    const nodes = setup([
      [[...base, 'get', 'nodes'], JSON.stringify({ items: [{ status: { conditions: [{ type: 'Ready', status: 'False' }] } }] })],
    ]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      const pending = run({ type: 'nodes-ready' }, nodes);
      await vi.advanceTimersByTimeAsync(123_000);
      expect((await pending).message).toBe('nodes not Ready after 120s: ');
    } finally {
      vi.useRealTimers();
    }
    const release = setup([[['helm', 'status'], JSON.stringify({ name: 'prom', info: { status: 'pending-install' } })]]);
    expect((await run({ type: 'helm-deployed', namespace: 'm', release: 'prom' }, release)).message).toBe(
      'helm release prom is pending-install: ',
    );
    const classes = setup([
      [
        [...base, 'get', 'storageclasses'],
        JSON.stringify({
          items: [
            { metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } },
            { metadata: { name: 'b', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } },
          ],
        }),
      ],
    ]);
    expect((await run({ type: 'default-storageclass' }, classes)).message).toBe(
      '2 default StorageClasses (, b); exactly one may carry the default annotation',
    );
  });

  it('a check type kubestrap does not know fails, naming it', async () => {
    const r = await run({ type: 'telepathy' } as unknown as Check, setup());
    expect(r).toMatchObject({ status: 'failed', message: 'kubestrap has no check of type {"type":"telepathy"}' });
  });
});
