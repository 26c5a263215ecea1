// The smoke-http probe and the smoke workload's removal marker (src/engine/smoke.ts). kubectl's child
// processes are faked (fake-cluster.ts, with the probe pod's phase and logs answered by the test).
// Written against StrykerJS's uncovered mutants in src/engine (docs/mutation.md).
import { describe, expect, it, vi } from 'vitest';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import type { CheckEnv } from '../../src/engine/check-env.js';
import { clearSmokeMarker, removeSmoke, smokeHttpProbe, smokeRemovedAt } from '../../src/engine/smoke.js';
import { smokeName, smokeNamespace, smokePage, smokeServicePort } from '../../src/names.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

function setup(phase: string | undefined, logs = '') {
  const c = new FakeCluster();
  const answer = (c as unknown as { answer(argv: readonly string[], input: string | undefined): FakeResult | undefined }).answer.bind(c);
  const applied: string[] = [];
  const exec = fakeExec(
    [
      [
        ['kubectl', '--context', 'fake', 'get', 'pod', 'kubestrap-probe-smoke-http'],
        phase ? JSON.stringify({ status: { phase } }) : { exitCode: 1, stderr: 'Error from server (NotFound): pods "x" not found' },
      ],
      [['kubectl', '--context', 'fake', 'logs'], logs],
    ],
    (argv, input) => {
      if (input && argv.includes('apply')) applied.push(input);
      return answer(argv, input);
    },
  );
  const env: CheckEnv = { kubectl: new Kubectl(exec, c.target), helm: new Helm(exec, c.target, 4), simulated: false, timeout: '1m' };
  return { c, exec, env, applied };
}

describe('smoke-http probe (kubectl faked)', () => {
  const url = `http://${smokeName}.${smokeNamespace}.svc:${smokeServicePort}/`;

  it('passes when the client pod succeeds; the pod fetches the smoke page through the Service and is deleted', async () => {
    const s = setup('Succeeded');
    expect(await smokeHttpProbe(s.env, smokeNamespace)).toBeUndefined();
    expect(s.applied.join('\n')).toContain(url);
    expect(s.applied.join('\n')).toContain('kubestrap-probe-smoke-http');
    // The fetch script passes only when the answer holds the smoke page.
    expect(s.applied.join('\n')).toContain(smokePage);
    // Run by the shell (the fetch is a script).
    expect(s.applied[0]).toMatch(/command:\n\s+- sh\n\s+- -c\n/);
    expect(s.c.changes).toContain(`delete pod ${smokeNamespace}/kubestrap-probe-smoke-http`);
  });

  it('a failed client pod: the URL, the pod, its last log lines, and the namespace to diagnose', async () => {
    const s = setup('Failed', 'wget: server returned error: HTTP/1.1 503\n');
    expect(await smokeHttpProbe(s.env, smokeNamespace)).toEqual({
      message: `the smoke workload did not answer HTTP at ${url}: probe pod kubestrap-probe-smoke-http failed: wget: server returned error: HTTP/1.1 503\n`,
      diagnose: smokeNamespace,
    });
    expect(s.exec.calls.find((a) => a.includes('logs'))).toContain('5');
    expect(s.c.changes.some((x) => x.startsWith('delete pod'))).toBe(true);
  });
});

describe('the removal marker (kubectl faked)', () => {
  it('removeSmoke deletes the scalers first and the Deployment last, skips optional kinds that are not there, and leaves a dated marker', async () => {
    const c = new FakeCluster();
    const kubectl = new Kubectl(c.exec, c.target);
    c.put({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: smokeName, namespace: smokeNamespace } });
    const before = Date.now();
    const removed = await removeSmoke(kubectl);
    expect(removed).toEqual([
      `horizontalpodautoscalers/${smokeName}`,
      `httproutes/${smokeName}`,
      `poddisruptionbudgets/${smokeName}`,
      `services/${smokeName}`,
      `deployments/${smokeName}`,
    ]);
    const at = await smokeRemovedAt(kubectl);
    expect(Date.parse(at!)).toBeGreaterThanOrEqual(before - 1000);
    const marker = c.get('configmap', 'kubestrap-system', 'kubestrap-smoke-removed') as any;
    expect(marker.data.removed).toBe(removed.join(', '));
    expect(marker.data.why).toContain('keepSmoke');
    await clearSmokeMarker(kubectl);
    expect(await smokeRemovedAt(kubectl)).toBeUndefined();
  });
});

describe('smoke-http probe, waiting (kubectl faked)', () => {
  it('a client pod still running after 120 s (read every 2 s) is reported with its phase; one never seen is "missing"', async () => {
    vi.useFakeTimers();
    try {
      const s = setup('Running');
      const result = smokeHttpProbe(s.env, smokeNamespace);
      await vi.runAllTimersAsync();
      expect(await result).toMatchObject({
        message: expect.stringMatching(/: probe pod kubestrap-probe-smoke-http is still Running after 120s: $/),
      });
      expect(s.exec.calls.filter((a) => a.includes('get') && a.includes('kubestrap-probe-smoke-http'))).toHaveLength(60);
      // The client tries the page 20 times before it gives up.
      expect(s.applied.join('\n')).toContain('[ $i -lt 20 ]');
      const gone = setup(undefined);
      const missing = smokeHttpProbe(gone.env, smokeNamespace);
      await vi.runAllTimersAsync();
      expect(await missing).toMatchObject({ message: expect.stringMatching(/ is still missing after 120s: $/) });
      expect(gone.c.changes).toContain(`delete pod ${smokeNamespace}/kubestrap-probe-smoke-http`);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('removeSmoke, optional kinds (kubectl faked)', () => {
  it('a VerticalPodAutoscaler that is there goes after the HPA; a kind the API server does not serve is skipped; each delete waits up to 2m', async () => {
    const c = new FakeCluster();
    c.put({ apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: smokeName, namespace: smokeNamespace } });
    c.failWhen = (argv) =>
      argv.includes('get') && argv.includes('httproutes.gateway.networking.k8s.io')
        ? 'error: the server doesn\'t have a resource type "httproutes"'
        : undefined;
    const removed = await removeSmoke(new Kubectl(c.exec, c.target));
    expect(removed).toEqual([
      `horizontalpodautoscalers/${smokeName}`,
      `verticalpodautoscalers/${smokeName}`,
      `poddisruptionbudgets/${smokeName}`,
      `services/${smokeName}`,
      `deployments/${smokeName}`,
    ]);
    const deletes = c.exec.calls.filter((a) => a.includes('delete'));
    expect(deletes).toHaveLength(5);
    for (const d of deletes) expect(d.slice(-2)).toEqual(['--timeout', '2m']);
  });
});

describe('the removal marker and the probe pod, as the cluster sees them (kubectl faked)', () => {
  it('the marker is a v1 ConfigMap labelled as kubestrap-managed; it and the probe pod are deleted with a 60 s timeout', async () => {
    const c = new FakeCluster();
    const kubectl = new Kubectl(c.exec, c.target);
    await removeSmoke(kubectl);
    const marker = c.get('configmap', 'kubestrap-system', 'kubestrap-smoke-removed') as any;
    expect(marker.apiVersion).toBe('v1');
    expect(marker.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kubestrap' });
    await clearSmokeMarker(kubectl);
    const clear = c.exec.calls.find((a) => a.includes('delete') && a.includes('kubestrap-smoke-removed'))!;
    expect(clear.slice(clear.indexOf('--timeout'), clear.indexOf('--timeout') + 2)).toEqual(['--timeout', '60s']);

    const s = setup('Succeeded');
    await smokeHttpProbe(s.env, smokeNamespace);
    const del = s.exec.calls.find((a) => a.includes('delete') && a.includes('kubestrap-probe-smoke-http'))!;
    expect(del.slice(del.indexOf('--timeout'), del.indexOf('--timeout') + 2)).toEqual(['--timeout', '60s']);
  });

  it('a marker ConfigMap without data (emptied by hand) records no removal', async () => {
    const c = new FakeCluster();
    c.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubestrap-smoke-removed', namespace: 'kubestrap-system' } });
    expect(await smokeRemovedAt(new Kubectl(c.exec, c.target))).toBeUndefined();
  });
});
