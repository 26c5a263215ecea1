// The functional probes (src/engine/probes.ts) with kubectl's child processes faked (fake-cluster.ts
// stores what is applied; the test answers as the kubelet, the API server's node proxy, etcd and
// metrics-server would) and, where said, the API client faked. What is asserted is what the cluster
// sees (the objects applied, the waits, what is deleted) and the verdict with its message. The real
// probes run against a kind cluster in test/e2e-real.
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { unanswered, type KubeApi } from '../../src/adapters/kube-api.js';
import type { CheckEnv, ProbeFailure } from '../../src/engine/check-env.js';
import { auditEventFor, podToPodProbe, runProbe } from '../../src/engine/probes.js';
import { podToPodObjects, probeBody } from '../../src/engine/probe-objects.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

type Answer = (argv: readonly string[], input: string | undefined) => FakeResult | undefined;
type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: any; [k: string]: any };

const ns = 'probe-ns';

/**
 * kubectl faked over a FakeCluster. `answer` is asked first, with kubectl's arguments after
 * `kubectl --context fake`; `pods` gives the status of a pod that was applied (a pod never applied
 * stays NotFound).
 */
function setup(options: { pods?: (name: string, reads: number) => Record<string, unknown> | undefined; answer?: Answer } = {}) {
  const c = new FakeCluster();
  const cluster = (c as unknown as { answer: Answer }).answer.bind(c);
  const applied: Obj[] = [];
  const podReads = new Map<string, number>();
  const exec = fakeExec([], (argv, input) => {
    const args = argv.slice(3);
    if (args[0] === 'apply' && input) applied.push(...parseAllDocuments(input).map((d) => d.toJS() as Obj));
    const mine = options.answer?.(args, input);
    if (mine !== undefined) return mine;
    if (args[0] === 'get' && args[1] === 'pod' && options.pods) {
      const name = args[2]!;
      const namespace = args[args.indexOf('--namespace') + 1];
      const stored = c.get('pod', namespace, name);
      if (!stored) return cluster(argv, input);
      const reads = (podReads.get(name) ?? 0) + 1;
      podReads.set(name, reads);
      return JSON.stringify({ ...stored, ...options.pods(name, reads) });
    }
    if (args[0] === 'logs') return `log of ${args[3]}`;
    return cluster(argv, input);
  });
  const kubectl = new Kubectl(exec, c.target);
  const env: CheckEnv = { kubectl, helm: new Helm(exec, c.target, 4), simulated: false, timeout: '1m' };
  const calls = () => exec.calls.map((a) => a.slice(3));
  /** `resource name namespace timeout` of each kubectl delete, in order. */
  const deletes = () =>
    calls()
      .filter((a) => a[0] === 'delete')
      .map((a) => [a[1], a[2], a.includes('--namespace') ? a[a.indexOf('--namespace') + 1] : '-', a[a.indexOf('--timeout') + 1]].join(' '));
  const podGets = (name: string) => calls().filter((a) => a[0] === 'get' && a[1] === 'pod' && a[2] === name).length;
  return { c, exec, kubectl, env, applied, calls, deletes, podGets };
}

/** Runs a probe whose waits are timers under fake time, to its end. */
async function withFakeTime(run: () => Promise<ProbeFailure>): Promise<ProbeFailure> {
  vi.useFakeTimers();
  const result = run();
  await vi.runAllTimersAsync();
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});
// Every wait here is faked: a test still running after 4 s is a probe that hangs (under mutation
// testing, a mutant that never ends a wait fails its test rather than stalling the run).
vi.setConfig({ testTimeout: 4_000 });

const phase = (p: string) => ({ status: { phase: p } });

describe('a probe pod run to completion (kubectl faked): dns', () => {
  it('passes when the pod succeeds; the pod looks up the API Service, is restricted, and is deleted', async () => {
    const s = setup({ pods: () => phase('Succeeded') });
    expect(await runProbe('dns', ns, s.env)).toBeUndefined();
    expect(s.applied).toHaveLength(1);
    const pod = s.applied[0]!;
    new Pod(pod as never).validate();
    expect(pod.metadata).toMatchObject({ name: 'kubestrap-probe-dns', namespace: ns });
    expect(pod.spec.containers[0].command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(pod.spec.containers[0].command[2]).toMatch(
      /^for i in \$\(seq 1 20\); do nslookup kubernetes\.default\.svc\.cluster\.local && exit 0; sleep 3; done; exit 1$/,
    );
    expect(s.deletes()).toEqual([`pod kubestrap-probe-dns ${ns} 60s`]);
  });

  it('a failed pod is reported at once with its last log lines and the namespace to diagnose, and deleted', async () => {
    const s = setup({ pods: () => phase('Failed') });
    expect(await runProbe('dns', ns, s.env)).toEqual({
      message: 'probe pod kubestrap-probe-dns failed: log of kubestrap-probe-dns',
      diagnose: ns,
    });
    // Not waited for until the timeout: one read.
    expect(s.podGets('kubestrap-probe-dns')).toBe(1);
    const logs = s.calls().find((a) => a[0] === 'logs')!;
    expect(logs).toEqual(expect.arrayContaining(['--container', 'probe', '--tail', '5']));
    expect(s.deletes()).toEqual([`pod kubestrap-probe-dns ${ns} 60s`]);
  });

  it('a pod that runs on is polled every 2 s and reported after 120 s with its phase; one never seen is "missing"', async () => {
    const s = setup({ pods: (_, reads) => phase(reads < 3 ? 'Pending' : 'Running') });
    expect(await withFakeTime(() => runProbe('dns', ns, s.env))).toEqual({
      message: 'probe pod kubestrap-probe-dns is still Running after 120s: log of kubestrap-probe-dns',
      diagnose: ns,
    });
    expect(s.podGets('kubestrap-probe-dns')).toBe(60);
    const statusless = setup({ pods: () => ({}) });
    expect((await withFakeTime(() => runProbe('dns', ns, statusless.env)))?.valueOf()).toMatchObject({
      message: 'probe pod kubestrap-probe-dns is still missing after 120s: log of kubestrap-probe-dns',
    });
    const gone = setup({
      pods: () => ({}),
      answer: (a) => (a[0] === 'get' && a[1] === 'pod' ? { exitCode: 1, stderr: 'NotFound' } : undefined),
    });
    expect((await withFakeTime(() => runProbe('dns', ns, gone.env)))?.valueOf()).toMatchObject({
      message: 'probe pod kubestrap-probe-dns is still missing after 120s: log of kubestrap-probe-dns',
    });
  });

  it('a pod that succeeds after a while passes as soon as it does', async () => {
    const s = setup({ pods: (_, reads) => phase(reads < 4 ? 'Running' : 'Succeeded') });
    expect(await withFakeTime(() => runProbe('dns', ns, s.env))).toBeUndefined();
    expect(s.podGets('kubestrap-probe-dns')).toBe(4);
  });
});

/** A fake API client (KubeApi) that answers nothing but the watch, which sees `lists` in turn. */
function watchingApi(lists: { status?: { phase?: string } }[][] | typeof unanswered) {
  const watches: unknown[][] = [];
  const api = {
    get: async () => unanswered,
    list: async () => unanswered,
    apply: async () => false,
    deleteIfQuick: async () => false,
    waitForList: async (...args: unknown[]) => {
      watches.push(args);
      if (lists === unanswered) return unanswered;
      const ended = args[2] as (items: unknown[]) => boolean;
      // As a watch does: the first list the condition accepts, else the last one at the timeout.
      return { items: lists.find((l) => ended(l)) ?? lists.at(-1) };
    },
  };
  return { api: api as unknown as KubeApi, watches };
}

describe('a probe pod watched through the API client (API client and kubectl faked)', () => {
  it('the watch ends at Succeeded: the probe passes without polling kubectl', async () => {
    const s = setup({ pods: () => phase('Pending') });
    // A pod seen before its status is set, then Pending, then done; deleted afterwards (the list at the timeout).
    const w = watchingApi([[], [{}], [{ status: { phase: 'Pending' } }], [{ status: { phase: 'Succeeded' } }], []]);
    vi.spyOn(s.kubectl, 'api').mockResolvedValue(w.api);
    expect(await runProbe('dns', ns, s.env)).toBeUndefined();
    expect(w.watches[0]!.filter((a) => typeof a !== 'function')).toEqual([
      'pods',
      { namespace: ns, fieldSelector: 'metadata.name=kubestrap-probe-dns' },
      120_000,
    ]);
    expect(s.podGets('kubestrap-probe-dns')).toBe(0);
  });

  it('the watch ends at Failed: reported at once, not polled', async () => {
    const s = setup({ pods: () => phase('Succeeded') });
    const w = watchingApi([[{ status: { phase: 'Running' } }], [{ status: { phase: 'Failed' } }], []]);
    vi.spyOn(s.kubectl, 'api').mockResolvedValue(w.api);
    expect(await runProbe('dns', ns, s.env)).toEqual({
      message: 'probe pod kubestrap-probe-dns failed: log of kubestrap-probe-dns',
      diagnose: ns,
    });
    expect(s.podGets('kubestrap-probe-dns')).toBe(0);
  });

  it('a watch that times out reports the last phase it saw, without polling again', async () => {
    const s = setup({ pods: () => phase('Succeeded') });
    const w = watchingApi([[{ status: { phase: 'Pending' } }]]);
    vi.spyOn(s.kubectl, 'api').mockResolvedValue(w.api);
    expect(await runProbe('dns', ns, s.env)).toMatchObject({
      message: 'probe pod kubestrap-probe-dns is still Pending after 120s: log of kubestrap-probe-dns',
    });
    expect(s.podGets('kubestrap-probe-dns')).toBe(0);
  });

  it('a watch that times out without the pod, or with a pod without status, reports it missing', async () => {
    for (const lists of [[[]], [[{}]]]) {
      const s = setup({ pods: () => phase('Succeeded') });
      vi.spyOn(s.kubectl, 'api').mockResolvedValue(watchingApi(lists).api);
      expect(await runProbe('dns', ns, s.env)).toMatchObject({
        message: expect.stringMatching(/^probe pod kubestrap-probe-dns is still missing after 120s/),
      });
    }
  });

  it('a watch the API client cannot answer falls back to polling kubectl', async () => {
    const s = setup({ pods: () => phase('Succeeded') });
    vi.spyOn(s.kubectl, 'api').mockResolvedValue(watchingApi(unanswered).api);
    expect(await runProbe('dns', ns, s.env)).toBeUndefined();
    expect(s.podGets('kubestrap-probe-dns')).toBe(1);
  });
});

describe('pvc-binds (kubectl faked)', () => {
  it('a 16Mi claim and a restricted pod writing to it; both deleted, the pod first', async () => {
    const s = setup({ pods: () => phase('Succeeded') });
    expect(await runProbe('pvc-binds', ns, s.env)).toBeUndefined();
    const [pvc, pod] = s.applied;
    expect(pvc).toMatchObject({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'kubestrap-probe-pvc', namespace: ns },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
    });
    new Pod(pod as never).validate();
    expect(pod!.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'kubestrap-probe-pvc' } }]);
    expect(pod!.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(pod!.spec.containers[0].command).toEqual(['sh', '-c', 'echo ok > /data/probe && cat /data/probe']);
    expect(pod!.spec.securityContext).toEqual({ runAsNonRoot: true, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(s.deletes()).toEqual([`pod kubestrap-probe-pvc ${ns} 60s`, `pvc kubestrap-probe-pvc ${ns} 60s`]);
  });

  it('a pod that cannot write fails the probe; both are still deleted', async () => {
    const s = setup({ pods: () => phase('Failed') });
    expect(await runProbe('pvc-binds', ns, s.env)).toMatchObject({
      message: expect.stringMatching(/^probe pod kubestrap-probe-pvc failed/),
    });
    expect(s.deletes()).toHaveLength(2);
  });
});

const node = (name: string, extra: { spec?: object; ready?: string | undefined } = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: extra.spec ?? {},
  status: { conditions: 'ready' in extra && extra.ready === undefined ? [] : [{ type: 'Ready', status: extra.ready ?? 'True' }] },
});

/** Nodes no new pod can land on: cordoned, tainted NoSchedule / NoExecute, not Ready, without a Ready condition. */
const unschedulable = [
  node('cordoned', { spec: { unschedulable: true } }),
  node('no-schedule', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }),
  node('no-execute', { spec: { taints: [{ key: 'k', effect: 'NoExecute' }] } }),
  node('not-ready', { ready: 'False' }),
  node('unknown', { ready: undefined }),
  // Ready is the condition that counts, not the first one listed.
  {
    ...node('pressure'),
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'True' },
        { type: 'Ready', status: 'False' },
      ],
    },
  },
  { ...node('no-status'), status: undefined },
  { ...node('no-conditions'), status: {} },
];

describe('pod-to-pod (kubectl faked)', () => {
  const where = (placement: Record<string, string | undefined>) => (name: string) => ({
    spec: { nodeName: placement[name] },
    ...phase('Succeeded'),
  });

  it('needs two schedulable nodes: cordoned, NoSchedule/NoExecute-tainted and unready nodes do not count', async () => {
    const s = setup({ pods: () => phase('Succeeded') });
    for (const n of unschedulable) s.c.put(n);
    expect(await runProbe('pod-to-pod', ns, s.env)).toEqual({
      skipped: 'pod-to-pod across nodes needs two schedulable nodes; this cluster has 1',
    });
    expect(s.applied).toEqual([]);
  });

  it('passes when the client read the file on another node; server and Service first, server Ready before the client; all deleted', async () => {
    const s = setup({ pods: where({ 'kubestrap-probe-server': 'a', 'kubestrap-probe-client': 'b' }) });
    for (const n of unschedulable) s.c.put(n);
    // A PreferNoSchedule taint does not keep pods off.
    s.c.put(node('soft', { spec: { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] } }));
    expect(await runProbe('pod-to-pod', ns, s.env)).toBeUndefined();
    expect(s.applied.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'Pod kubestrap-probe-server',
      'Service kubestrap-probe-server',
      'Pod kubestrap-probe-client',
    ]);
    const calls = s.calls();
    const ready = calls.findIndex(
      (a) => a[0] === 'wait' && a.includes('pod/kubestrap-probe-server') && a.includes('--for=condition=Ready'),
    );
    expect(ready).toBeGreaterThan(calls.findIndex((a) => a[0] === 'apply'));
    expect(ready).toBeLessThan(calls.findLastIndex((a) => a[0] === 'apply'));
    expect(calls[ready]).toEqual(expect.arrayContaining(['--timeout', '120s']));
    const client = s.applied[2]!;
    expect(client.spec.containers[0].command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(client.spec.containers[0].command.join(' ')).toContain(`http://kubestrap-probe-server.${ns}.svc:8080/probe.txt`);
    expect(s.deletes()).toEqual([
      `pod kubestrap-probe-client ${ns} 60s`,
      `pod kubestrap-probe-server ${ns} 60s`,
      `service kubestrap-probe-server ${ns} 60s`,
    ]);
  });

  it('fails when both pods ran on one node (anti-affinity not honoured), or a node is not known', async () => {
    for (const [placement, shown] of [
      [{ 'kubestrap-probe-server': 'a', 'kubestrap-probe-client': 'a' }, 'a'],
      [{ 'kubestrap-probe-server': undefined, 'kubestrap-probe-client': 'b' }, '?'],
      [{ 'kubestrap-probe-server': 'a', 'kubestrap-probe-client': undefined }, 'a'],
    ] as const) {
      const s = setup({ pods: where(placement) });
      s.c.put(node('node-2'));
      expect(await runProbe('pod-to-pod', ns, s.env)).toEqual({
        message: `the client and the server ran on the same node (${shown}); anti-affinity was not honoured`,
      });
      expect(s.deletes()).toHaveLength(3);
    }
  });

  it('a server pod gone by the time its node is read counts as an unknown node', async () => {
    const s = setup({
      pods: () => ({ spec: { nodeName: 'b' }, ...phase('Succeeded') }),
      answer: (a) =>
        a[0] === 'get' && a[1] === 'pod' && a[2] === 'kubestrap-probe-server'
          ? { exitCode: 1, stderr: 'Error from server (NotFound): pods "kubestrap-probe-server" not found' }
          : undefined,
    });
    s.c.put(node('node-2'));
    expect(await runProbe('pod-to-pod', ns, s.env)).toEqual({
      message: 'the client and the server ran on the same node (?); anti-affinity was not honoured',
    });
  });

  it('a client that cannot read the file fails with its logs; a broken server object set is cleaned up by its own names', async () => {
    const objects = podToPodObjects(ns);
    objects.server.metadata.name = 'broken-server';
    (objects.service as { metadata: { name: string } }).metadata.name = 'broken-svc';
    objects.client.metadata.name = 'broken-client';
    const s = setup({ pods: (name) => (name === 'broken-client' ? phase('Failed') : phase('Running')) });
    s.c.put(node('node-2'));
    expect(await podToPodProbe(s.env, ns, objects)).toEqual({
      message: 'probe pod broken-client failed: log of broken-client',
      diagnose: ns,
    });
    expect(s.calls().some((a) => a.join(' ').includes('pod/broken-server'))).toBe(true);
    expect(s.deletes()).toEqual([`pod broken-client ${ns} 60s`, `pod broken-server ${ns} 60s`, `service broken-svc ${ns} 60s`]);
  });
});

describe('network-policy (kubectl faked)', () => {
  const peer = 'peer-ns';
  const server = 'kubestrap-probe-np-server';
  const status = (outcome: { inside?: string; outside?: string; ip?: string }) => (name: string) =>
    name === server
      ? { status: { phase: 'Running', podIP: outcome.ip } }
      : phase((name.endsWith('inside') ? outcome.inside : outcome.outside) ?? 'Succeeded');
  const cleanup = [`pod kubestrap-probe-np-outside ${peer} 60s`, `pod kubestrap-probe-np-inside ${ns} 60s`, `pod ${server} ${ns} 60s`];

  it('needs a namespace to probe from', async () => {
    const s = setup();
    expect(await runProbe('network-policy', ns, s.env)).toEqual({ message: 'the network-policy probe needs a namespace to probe from' });
    expect(s.exec.calls).toEqual([]);
  });

  it('passes when a pod inside reaches the server by pod IP and a pod in the peer namespace is denied; all three deleted', async () => {
    const s = setup({ pods: status({ ip: '10.1.2.3' }) });
    expect(await runProbe('network-policy', ns, s.env, peer)).toBeUndefined();
    expect(s.applied.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      `${ns}/${server}`,
      `${ns}/kubestrap-probe-np-inside`,
      `${peer}/kubestrap-probe-np-outside`,
    ]);
    const script = (i: number) => (s.applied[i]!.spec.containers[0].command as string[]).join(' ');
    // The allowed fetch retries (20 tries) and must read the server's file; the denied one must stay unreachable.
    expect(script(1)).toContain('wget -q -T 5 -O - http://10.1.2.3:8080/probe.txt');
    expect(script(1)).toContain('-lt 20');
    expect(script(1)).toContain(probeBody);
    expect(script(2)).toContain('wget -q -T 2 -O /dev/null http://10.1.2.3:8080/probe.txt');
    const wait = s.calls().find((a) => a[0] === 'wait')!;
    expect(wait).toEqual(expect.arrayContaining([`pod/${server}`, '--for=condition=Ready', '--timeout', '120s']));
    for (const i of [1, 2]) expect(s.applied[i]!.spec.containers[0].command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(s.deletes()).toEqual(cleanup);
  });

  it('a server without a pod IP: said so, nothing else runs, and it is deleted', async () => {
    const s = setup({ pods: status({}) });
    expect(await runProbe('network-policy', ns, s.env, peer)).toEqual({ message: `the probe server in ${ns} has no pod IP`, diagnose: ns });
    expect(s.applied).toHaveLength(1);
    expect(s.deletes()).toEqual(cleanup);
    const gone = setup({
      pods: status({ ip: '10.1.2.3' }),
      answer: (a) =>
        a[0] === 'get' && a[2] === server ? { exitCode: 1, stderr: 'Error from server (NotFound): pods not found' } : undefined,
    });
    expect(await runProbe('network-policy', ns, gone.env, peer)).toEqual({
      message: `the probe server in ${ns} has no pod IP`,
      diagnose: ns,
    });
  });

  it('the allowed fetch failing is reported as allow-same-namespace broken, the peer pod is not started', async () => {
    const s = setup({ pods: status({ ip: '10.1.2.3', inside: 'Failed' }) });
    expect(await runProbe('network-policy', ns, s.env, peer)).toEqual({
      message: `a pod inside ${ns} could not reach another pod there (allow-same-namespace): probe pod kubestrap-probe-np-inside failed: log of kubestrap-probe-np-inside`,
      diagnose: ns,
    });
    expect(s.applied).toHaveLength(2);
    expect(s.deletes()).toEqual(cleanup);
  });

  it('the peer pod getting through is reported as default-deny not enforced', async () => {
    const s = setup({ pods: status({ ip: '10.1.2.3', outside: 'Failed' }) });
    expect(await runProbe('network-policy', ns, s.env, peer)).toEqual({
      message: `a pod in ${peer} reached a pod in ${ns} despite default-deny: probe pod kubestrap-probe-np-outside failed: log of kubestrap-probe-np-outside`,
    });
    expect(s.deletes()).toEqual(cleanup);
  });
});

describe('hpa-metrics (kubectl faked)', () => {
  const hpaName = 'kubestrap-probe-load';
  const hpa = (currentMetrics: object[] | undefined, conditions?: object[]) => JSON.stringify({ status: { currentMetrics, conditions } });
  const cpu = (averageUtilization?: number) => ({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization } } });

  function hpaSetup(reads: (n: number) => FakeResult, nodeMetrics: FakeResult = JSON.stringify({ items: [] })) {
    let n = 0;
    return setup({
      answer: (a) => {
        if (a[0] === 'get' && a[1] === 'horizontalpodautoscalers.autoscaling') return reads(++n);
        if (a[0] === 'get' && a[1] === 'nodes.metrics.k8s.io') return nodeMetrics;
        return undefined;
      },
    });
  }

  it('passes once the HPA reports a CPU utilisation above 0; the load Deployment rolled out first; both deleted', async () => {
    const s = hpaSetup((n) => (n < 3 ? hpa(n === 1 ? undefined : [cpu(0)]) : hpa([cpu(37)])));
    expect(await withFakeTime(() => runProbe('hpa-metrics', ns, s.env))).toBeUndefined();
    expect(s.applied.map((o) => o.kind)).toEqual(['Deployment', 'HorizontalPodAutoscaler']);
    expect(s.calls().find((a) => a[0] === 'rollout')).toEqual(
      expect.arrayContaining(['status', `deployment/${hpaName}`, '--timeout', '120s']),
    );
    expect(s.calls().filter((a) => a[1] === 'horizontalpodautoscalers.autoscaling' && a[0] === 'get')).toHaveLength(3);
    expect(s.deletes()).toEqual([`horizontalpodautoscalers.autoscaling ${hpaName} ${ns} 60s`, `deployment ${hpaName} ${ns} 60s`]);
  });

  it('no CPU utilisation within 240 s (read every 5 s): the ScalingActive condition and the empty metrics API are named', async () => {
    const memory = { type: 'Resource', resource: { name: 'memory', current: { averageUtilization: 80 } } };
    const pods = { type: 'Pods', resource: { name: 'cpu', current: { averageUtilization: 80 } } };
    const s = hpaSetup(() =>
      hpa(
        [memory, pods, cpu()],
        [
          { type: 'AbleToScale', status: 'True' },
          { type: 'ScalingActive', status: 'False', message: 'failed to get cpu utilization', reason: 'FailedGetResourceMetric' },
        ],
      ),
    );
    expect(await withFakeTime(() => runProbe('hpa-metrics', ns, s.env))).toEqual({
      message: `the HPA ${ns}/${hpaName} reported no CPU utilisation within 240s under load (ScalingActive False: failed to get cpu utilization); the metrics API (metrics.k8s.io) has no node metrics either`,
      diagnose: ns,
    });
    expect(s.calls().filter((a) => a[1] === 'horizontalpodautoscalers.autoscaling' && a[0] === 'get')).toHaveLength(48);
    expect(s.deletes()).toHaveLength(2);
  });

  it('the condition without a message shows its reason; node metrics present or no condition at all leave those parts out', async () => {
    const reasonOnly = hpaSetup(() => hpa([], [{ type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric' }]));
    expect((await withFakeTime(() => runProbe('hpa-metrics', ns, reasonOnly.env)))?.valueOf()).toMatchObject({
      message: expect.stringContaining('(ScalingActive False: FailedGetResourceMetric);'),
    });
    const bare = hpaSetup(() => hpa(undefined, [{ type: 'ScalingActive', status: 'Unknown' }]), JSON.stringify({ items: [{}] }));
    expect((await withFakeTime(() => runProbe('hpa-metrics', ns, bare.env)))?.valueOf()).toMatchObject({
      message: `the HPA ${ns}/${hpaName} reported no CPU utilisation within 240s under load (ScalingActive Unknown: )`,
    });
    // An HPA whose status has metrics but no conditions yet; a metrics API answering without items.
    const early = hpaSetup(() => hpa([cpu(0)]), JSON.stringify({}));
    expect((await withFakeTime(() => runProbe('hpa-metrics', ns, early.env)))?.valueOf()).toMatchObject({
      message: `the HPA ${ns}/${hpaName} reported no CPU utilisation within 240s under load; the metrics API (metrics.k8s.io) has no node metrics either`,
    });
    // An HPA that is not there (deleted under the probe).
    const gone = hpaSetup(() => ({ exitCode: 1, stderr: 'Error from server (NotFound): horizontalpodautoscalers.autoscaling not found' }));
    expect((await withFakeTime(() => runProbe('hpa-metrics', ns, gone.env)))?.valueOf()).toMatchObject({
      message: `the HPA ${ns}/${hpaName} reported no CPU utilisation within 240s under load; the metrics API (metrics.k8s.io) has no node metrics either`,
    });
    const none = hpaSetup(() => JSON.stringify({}), { exitCode: 1, stderr: 'the server could not find the requested resource' });
    expect((await withFakeTime(() => runProbe('hpa-metrics', ns, none.env)))?.valueOf()).toMatchObject({
      message: `the HPA ${ns}/${hpaName} reported no CPU utilisation within 240s under load; the metrics API (metrics.k8s.io) has no node metrics either`,
    });
  });
});

describe('audit-log (kubectl faked)', () => {
  const event = (name: string, change: Record<string, unknown> = {}) =>
    JSON.stringify({
      kind: 'Event',
      stage: 'ResponseComplete',
      objectRef: { resource: 'configmaps', namespace: ns, name },
      ...change,
    });
  const configMapName = (s: ReturnType<typeof setup>) => s.applied.find((o) => o.kind === 'ConfigMap')!.metadata.name;

  function auditSetup(controlPlanes: string[], log: (name: string, node: string) => FakeResult) {
    const s: ReturnType<typeof setup> = setup({
      answer: (a) => {
        if (a[0] === 'get' && a[1] === 'nodes' && a.includes('node-role.kubernetes.io/control-plane'))
          return JSON.stringify({ items: controlPlanes.map((n) => node(n)) });
        const proxied = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/logs\/kubernetes\/audit\/audit\.log$/.exec(a[2] ?? '');
        if (a[0] === 'get' && a[1] === '--raw' && proxied) return log(configMapName(s), proxied[1]!);
        return undefined;
      },
    });
    return s;
  }

  it('no control-plane node: says the label it looked for, creates nothing', async () => {
    const s = auditSetup([], () => '');
    expect(await runProbe('audit-log', ns, s.env)).toEqual({
      message: 'no node is labelled node-role.kubernetes.io/control-plane; cannot find the audit log',
    });
    expect(s.applied).toEqual([]);
  });

  it('passes when a control-plane node logged the ConfigMap it created (read through the node proxy); the ConfigMap is deleted', async () => {
    const s = auditSetup(['cp-1', 'cp-2'], (name, at) => (at === 'cp-2' ? `{"cut\n${event(name)}\n` : ''));
    expect(await runProbe('audit-log', ns, s.env)).toBeUndefined();
    const cm = s.applied[0]!;
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns }, data: { probe: 'audit' } });
    expect(cm.metadata.name).toMatch(/^kubestrap-audit-probe-[0-9a-z]+$/);
    expect(s.deletes()).toEqual([`configmap ${cm.metadata.name} ${ns} 60s`]);
  });

  it('5 rounds 2 s apart, then the nodes asked and the first two errors (their last line) are named', async () => {
    const s = auditSetup(['cp-1', 'cp-2', 'cp-3'], (_, at) => ({ exitCode: 1, stderr: `details\nError from server: ${at} forbidden` }));
    const result = await withFakeTime(() => runProbe('audit-log', ns, s.env));
    const name = configMapName(s);
    expect(result).toEqual({
      message: `no audit event for configmap ${ns}/${name} in /var/log/kubernetes/audit/audit.log on cp-1, cp-2, cp-3 (cp-1: Error from server: cp-1 forbidden; cp-2: Error from server: cp-2 forbidden)`,
    });
    expect(s.calls().filter((a) => a[1] === '--raw')).toHaveLength(15);
    expect(s.deletes()).toEqual([`configmap ${name} ${ns} 60s`]);
  });

  it('an event for something else does not count', async () => {
    const s = auditSetup(['cp-1'], (name) => `${event(name, { stage: 'RequestReceived' })}\n`);
    expect((await withFakeTime(() => runProbe('audit-log', ns, s.env)))?.valueOf()).toMatchObject({
      message: expect.stringMatching(/^no audit event for configmap .* on cp-1$/),
    });
  });

  it('where the kubelet does not serve logs, kind reads the file in the node container (grep for the name)', async () => {
    const s = auditSetup(['cp-1'], () => ({ exitCode: 1, stderr: 'NotFound' }));
    const grep: string[][] = [];
    s.env.nodeExec = async (argv) => {
      grep.push(argv);
      return grep.length < 2 ? '' : `${event(configMapName(s))}\n`;
    };
    expect(await withFakeTime(() => runProbe('audit-log', ns, s.env))).toBeUndefined();
    expect(grep).toEqual([
      ['grep', '-F', configMapName(s), '/var/log/kubernetes/audit/audit.log'],
      ['grep', '-F', configMapName(s), '/var/log/kubernetes/audit/audit.log'],
    ]);
  });

  it('a node container that cannot be read counts as no event, and no error text is invented', async () => {
    const s = auditSetup(['cp-1'], () => ({ exitCode: 1, stderr: 'NotFound' }));
    s.env.nodeExec = () => Promise.reject(new Error('docker: no such container'));
    expect((await withFakeTime(() => runProbe('audit-log', ns, s.env)))?.valueOf()).toEqual({
      message: `no audit event for configmap ${ns}/${configMapName(s)} in /var/log/kubernetes/audit/audit.log on cp-1`,
    });
  });
});

describe('auditEventFor', () => {
  const line = (change: Record<string, unknown> = {}, ref: Record<string, unknown> = {}) =>
    JSON.stringify({
      kind: 'Event',
      stage: 'ResponseComplete',
      objectRef: { resource: 'configmaps', namespace: 'n', name: 'cm-1', ...ref },
      ...change,
    });

  it('a completed event for the ConfigMap, among other lines', () => {
    expect(auditEventFor(`not json cm-1\n${line()}\n`, 'n', 'cm-1')).toBe(true);
  });

  it('anything else is not: another stage, kind, resource, namespace or name, or no objectRef', () => {
    for (const other of [
      line({ stage: 'ResponseStarted' }),
      line({ kind: 'EventList' }),
      line({}, { resource: 'secrets' }),
      line({}, { namespace: 'other' }),
      line({}, { name: 'cm-10' }),
      JSON.stringify({ kind: 'Event', stage: 'ResponseComplete', name: 'cm-1' }),
    ])
      expect(auditEventFor(other, 'n', 'cm-1')).toBe(false);
    expect(auditEventFor('', 'n', 'cm-1')).toBe(false);
  });
});

describe('secrets-encrypted (kubectl faked)', () => {
  function etcdSetup(stored: (key: string) => string) {
    const s = setup({
      answer: (a) => {
        if (a[0] !== 'exec') return undefined;
        return stored(a[a.indexOf('get') + 1]!);
      },
    });
    s.env.etcdPod = 'etcd-kind-control-plane';
    return s;
  }
  const secretName = (s: ReturnType<typeof setup>) => s.applied.find((o) => o.kind === 'Secret')!.metadata.name;

  it('without the kind control plane: says why, creates nothing', async () => {
    const s = setup();
    expect(await runProbe('secrets-encrypted', ns, s.env)).toEqual({
      message: 'reading etcd needs the kind control plane; not available for this provider',
    });
    expect(s.exec.calls).toEqual([]);
  });

  it('passes when etcd holds the new Secret with the k8s:enc: prefix; read with etcdctl in the etcd pod; the Secret is deleted', async () => {
    const s = etcdSetup(() => 'k8s:enc:aescbc:v1:key1:\u0000binary');
    expect(await runProbe('secrets-encrypted', ns, s.env)).toBeUndefined();
    const name = secretName(s);
    expect(s.applied[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns },
      stringData: { probe: 'encrypted?' },
    });
    expect(name).toMatch(/^kubestrap-encryption-probe-[0-9a-z]+$/);
    const exec = s.calls().find((a) => a[0] === 'exec')!;
    expect(exec.slice(0, 5)).toEqual(['exec', '--namespace', 'kube-system', 'etcd-kind-control-plane', '--']);
    expect(exec.slice(5)).toEqual([
      'etcdctl',
      '--endpoints=https://127.0.0.1:2379',
      '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
      '--cert=/etc/kubernetes/pki/etcd/server.crt',
      '--key=/etc/kubernetes/pki/etcd/server.key',
      'get',
      `/registry/secrets/${ns}/${name}`,
      '--print-value-only',
    ]);
    expect(s.deletes()).toEqual([`secret ${name} ${ns} 60s`]);
  });

  it('a Secret stored in plain text fails, without showing what etcd holds', async () => {
    const s = etcdSetup(() => '\u0000k8s\u0000\nv1\u0012Secret encrypted?');
    const result = await runProbe('secrets-encrypted', ns, s.env);
    expect(result).toEqual({ message: 'the Secret is stored in etcd without a k8s:enc: prefix: encryption at rest is not active' });
    expect(s.deletes()).toHaveLength(1);
  });

  it('no key in etcd: names the key', async () => {
    const s = etcdSetup(() => '');
    expect(await runProbe('secrets-encrypted', ns, s.env)).toEqual({ message: `etcd has no key /registry/secrets/${ns}/${secretName(s)}` });
    expect(s.deletes()).toHaveLength(1);
  });
});

describe('runProbe sends each probe to its implementation (kubectl faked)', () => {
  it('smoke-http runs the smoke client pod', async () => {
    const s = setup({ pods: () => phase('Failed') });
    expect(await runProbe('smoke-http', ns, s.env)).toMatchObject({
      message: expect.stringMatching(/^the smoke workload did not answer HTTP/),
    });
  });

  it('in-cluster-verifier looks for the verifier CronJob', async () => {
    const s = setup();
    expect(await runProbe('in-cluster-verifier', ns, s.env)).toMatchObject({
      message: expect.stringMatching(/^CronJob probe-ns\/.* does not exist$/),
    });
  });

  it('alert-delivery applies the receiver in the namespace given', async () => {
    const s = setup({
      pods: () => phase('Running'),
      answer: (a) => (a[0] === 'exec' ? { exitCode: 1, stderr: 'no' } : a[1] === '--raw' ? '[]' : undefined),
    });
    vi.useFakeTimers();
    const result = runProbe('alert-delivery', ns, s.env);
    await vi.runAllTimersAsync();
    expect(await result).toMatchObject({ message: expect.stringContaining('did not reach the receiver'), diagnose: ns });
    expect(s.applied[0]!.metadata.namespace).toBe(ns);
  });

  it('alert-rules lists the PrometheusRules kubestrap applied', async () => {
    const s = setup();
    expect(await runProbe('alert-rules', ns, s.env)).toEqual({
      message: 'no PrometheusRule labelled app.kubernetes.io/managed-by=kubestrap exists',
    });
  });

  it('backup-restore runs the restore drill with the daily Schedule of the Velero namespace', async () => {
    const s = setup({ pods: () => phase('Failed') });
    expect(await runProbe('backup-restore', 'velero', s.env)).toMatchObject({
      message: expect.stringMatching(/^the drill could not write its file to a volume \(pod drill-writer Failed\)/),
    });
  });

  it('an unknown probe name is reported, not run', async () => {
    const s = setup();
    expect(await runProbe('no-such-probe' as never, ns, s.env)).toEqual({ message: 'kubestrap has no probe named no-such-probe' });
    expect(s.exec.calls).toEqual([]);
  });
});
