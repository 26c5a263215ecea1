// The in-cluster verifier probe (src/engine/verifier-probe.ts): a Job from the CronJob's template must
// complete and update the results ConfigMap; the Job is always deleted. kubectl's child processes are
// faked (fake-cluster.ts, with the Job's status answered by the test).
import { describe, expect, it, vi } from 'vitest';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import type { CheckEnv } from '../../src/engine/check-env.js';
import { inClusterVerifierProbe } from '../../src/engine/verifier-probe.js';
import { verifier } from '../../src/names.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const ns = 'kubestrap-system';

/** A FakeCluster whose Jobs report `condition` and whose pods/logs are answered by the test. */
function setup(job: { condition?: { type: string; status: string; message?: string } }, extra: [string[], FakeResult][] = []) {
  const c = new FakeCluster();
  const answer = (c as unknown as { answer(argv: readonly string[], input: string | undefined): FakeResult | undefined }).answer.bind(c);
  const exec = fakeExec(
    [
      [
        ['kubectl', '--context', 'fake', 'get', 'jobs.batch'],
        JSON.stringify({ status: { conditions: job.condition ? [job.condition] : [] } }),
      ],
      ...extra,
    ],
    answer,
  );
  const env: CheckEnv = { kubectl: new Kubectl(exec, c.target), helm: new Helm(exec, c.target, 4), simulated: false, timeout: '1m' };
  return { c, exec, env };
}

const cronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: verifier.cronJob, namespace: ns },
  spec: {
    jobTemplate: { metadata: { labels: { team: 'platform' } }, spec: { template: { spec: { containers: [{ name: 'verifier' }] } } } },
  },
};
const results = (updatedAt: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: verifier.results, namespace: ns },
  data: { 'updated-at': updatedAt },
});

describe('in-cluster verifier probe (kubectl faked)', () => {
  it('no CronJob: says which one is missing, and creates nothing', async () => {
    const { c, env } = setup({});
    expect(await inClusterVerifierProbe(env, ns)).toEqual({ message: `CronJob ${ns}/${verifier.cronJob} does not exist` });
    expect(c.changes).toEqual([]);
  });

  it('a completed Job and fresh results pass; the Job carries the template labels plus managed-by and is deleted', async () => {
    const { c, exec, env } = setup({ condition: { type: 'Complete', status: 'True' } });
    c.put(cronJob);
    c.put(results(new Date(Date.now() + 60_000).toISOString()));
    expect(await inClusterVerifierProbe(env, ns, 5_000)).toBeUndefined();
    const applied = c.changes.find((x) => x.startsWith('apply Job'))!;
    expect(applied).toMatch(new RegExp(`^apply Job ${ns}/${verifier.cronJob}-probe-[0-9a-z]+$`));
    const name = applied.split('/')[1]!;
    expect(c.changes).toContain(`delete job ${ns}/${name}`);
    expect(exec.calls.some((a) => a.includes('delete') && a.includes(name) && a.includes('60s'))).toBe(true);
  });

  it('the Job is built from the template: its spec, and labels with managed-by', async () => {
    const { c, env } = setup({ condition: { type: 'Complete', status: 'True' } });
    c.put(cronJob);
    c.put(results(new Date(Date.now() + 60_000).toISOString()));
    const applied: unknown[] = [];
    const apply = env.kubectl.applyStdin.bind(env.kubectl);
    env.kubectl.applyStdin = async (yaml: string) => {
      applied.push(yaml);
      return apply(yaml);
    };
    await inClusterVerifierProbe(env, ns, 5_000);
    expect(String(applied[0])).toContain('team: platform');
    expect(String(applied[0])).toContain('app.kubernetes.io/managed-by: kubestrap');
    expect(String(applied[0])).toContain('- name: verifier');
  });

  it('results older than the Job, or none: the Job ran but did not update them', async () => {
    const { c, env } = setup({ condition: { type: 'Complete', status: 'True' } });
    c.put(cronJob);
    c.put(results('2020-01-01T00:00:00Z'));
    expect(await inClusterVerifierProbe(env, ns, 5_000)).toEqual({
      message: `the verifier Job completed but ${ns}/${verifier.results} was not updated (updated-at 2020-01-01T00:00:00Z)`,
    });
    const fresh = setup({ condition: { type: 'Complete', status: 'True' } });
    fresh.c.put(cronJob);
    expect(await inClusterVerifierProbe(fresh.env, ns, 5_000)).toEqual({
      message: `the verifier Job completed but ${ns}/${verifier.results} was not updated (updated-at missing)`,
    });
  });

  it('a failed Job: its message and the last lines of its pod, for diagnosis; still deleted', async () => {
    const { c, env } = setup({ condition: { type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' } }, [
      [
        ['kubectl', '--context', 'fake', 'get', 'pods'],
        JSON.stringify({ items: [{ metadata: { name: 'p1' } }, { metadata: { name: 'p2' } }] }),
      ],
      [['kubectl', '--context', 'fake', 'logs', '--namespace', ns, 'p2', '--container', 'verifier'], 'check x failed\n'],
    ]);
    c.put(cronJob);
    const r = (await inClusterVerifierProbe(env, ns, 5_000)) as { message: string; diagnose?: string };
    expect(r.message).toMatch(
      new RegExp(`^the verifier Job ${verifier.cronJob}-probe-[0-9a-z]+ failed \\(BackoffLimitExceeded\\): check x failed\\n$`),
    );
    expect(r.diagnose).toBe(ns);
    expect(c.changes.some((x) => x.startsWith('delete job'))).toBe(true);
  });

  it('a Job that never completes: a timeout in seconds, and "no pod was created" when none was', async () => {
    const { c, env } = setup({ condition: { type: 'Complete', status: 'False' } }, [
      [['kubectl', '--context', 'fake', 'get', 'pods'], JSON.stringify({ items: [] })],
    ]);
    c.put(cronJob);
    const r = (await inClusterVerifierProbe(env, ns, 1)) as { message: string; diagnose?: string };
    expect(r.message).toMatch(/ did not complete within 0\.001s: no pod was created$/);
    expect(r.diagnose).toBe(ns);
  });
});

describe('in-cluster verifier probe, waiting (kubectl faked)', () => {
  it('by default a Job gets 180 s, read every 2 s; a Failed condition that is not True does not end the wait', async () => {
    vi.useFakeTimers();
    try {
      const { c, exec, env } = setup({ condition: { type: 'Failed', status: 'False' } }, [
        [['kubectl', '--context', 'fake', 'get', 'pods'], { exitCode: 1, stderr: 'Error from server (Forbidden): pods is forbidden' }],
      ]);
      c.put(cronJob);
      const result = inClusterVerifierProbe(env, ns);
      await vi.runAllTimersAsync();
      expect(await result).toMatchObject({
        message: expect.stringMatching(/ did not complete within 180s: no pod was created$/),
        diagnose: ns,
      });
      expect(exec.calls.filter((a) => a.includes('jobs.batch') && a.includes('get'))).toHaveLength(90);
    } finally {
      vi.useRealTimers();
    }
  });

  it('results updated in the second the Job started count as fresh (updated-at has whole seconds)', async () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-12-02T01:00:00.750Z'));
      const { c, env } = setup({ condition: { type: 'Complete', status: 'True' } });
      c.put(cronJob);
      c.put(results('2026-12-02T01:00:00Z'));
      expect(await inClusterVerifierProbe(env, ns, 5_000)).toBeUndefined();
      c.put(results('2026-12-02T00:59:59Z'));
      expect(await inClusterVerifierProbe(env, ns, 5_000)).toMatchObject({
        message: expect.stringContaining('was not updated (updated-at 2026-12-02T00:59:59Z)'),
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('a Job failing without a message; a template without labels gets managed-by only; the Job is named after the CronJob', async () => {
    const { c, exec, env } = setup({ condition: { type: 'Failed', status: 'True' } }, [
      [['kubectl', '--context', 'fake', 'get', 'pods'], JSON.stringify({ items: [{ metadata: { name: 'p1' } }] })],
      [['kubectl', '--context', 'fake', 'logs'], 'last lines'],
    ]);
    c.put({ ...cronJob, spec: { jobTemplate: { spec: cronJob.spec.jobTemplate.spec } } });
    const applied: string[] = [];
    const apply = env.kubectl.applyStdin.bind(env.kubectl);
    env.kubectl.applyStdin = async (yaml: string) => {
      applied.push(yaml);
      return apply(yaml);
    };
    const r = await inClusterVerifierProbe(env, ns, 5_000);
    expect(r).toMatchObject({ message: expect.stringMatching(/^the verifier Job \S+ failed \(\): last lines$/) });
    const job = c.changes.find((x) => x.startsWith('apply Job'))!.split('/')[1]!;
    expect(job).toMatch(new RegExp(`^${verifier.cronJob}-probe-[0-9a-z]+$`));
    expect(applied[0]).toMatch(/^ {2}labels:\n {4}app\.kubernetes\.io\/managed-by: kubestrap\nspec:/m);
    const list = exec.calls.find((a) => a.includes('pods'))!;
    expect(list).toEqual(expect.arrayContaining(['--namespace', ns, '--selector', `job-name=${job}`]));
    expect(exec.calls.find((a) => a.includes('logs'))).toEqual(expect.arrayContaining(['p1', '--container', 'verifier', '--tail', '10']));
  });
});

/** Like setup, but the Job reads as each of `answers` in turn (the last one from then on); undefined is NotFound. */
function withJobs(answers: (object | undefined)[], extra: [string[], FakeResult][] = []) {
  const c = new FakeCluster();
  const answer = (c as unknown as { answer(argv: readonly string[], input: string | undefined): FakeResult | undefined }).answer.bind(c);
  let read = 0;
  const applied: string[] = [];
  const exec = fakeExec(extra, (argv, input) => {
    if (input && argv.includes('apply')) applied.push(input);
    if (argv[3] !== 'get' || argv[4] !== 'jobs.batch') return answer(argv, input);
    const job = answers[Math.min(read++, answers.length - 1)];
    return job ? JSON.stringify(job) : { exitCode: 1, stderr: 'Error from server (NotFound): jobs.batch "x" not found' };
  });
  const env: CheckEnv = { kubectl: new Kubectl(exec, c.target), helm: new Helm(exec, c.target, 4), simulated: false, timeout: '1m' };
  c.put(cronJob);
  return { c, env, applied };
}
const noPods: [string[], FakeResult] = [['kubectl', '--context', 'fake', 'get', 'pods'], JSON.stringify({ items: [] })];
const fresh = () => results(new Date(Date.now() + 60_000).toISOString());

describe('in-cluster verifier probe, Jobs as the API server reports them (kubectl faked)', () => {
  it('a Job not there yet, then without status, then without conditions, then complete with SuccessCriteriaMet first (Kubernetes ≥ 1.31): passes', async () => {
    vi.useFakeTimers();
    try {
      const complete = [
        { type: 'SuccessCriteriaMet', status: 'True' },
        { type: 'Complete', status: 'True' },
      ];
      const { c, env } = withJobs([undefined, {}, { status: {} }, { status: { conditions: complete } }]);
      c.put(fresh());
      const result = inClusterVerifierProbe(env, ns, 60_000);
      await vi.runAllTimersAsync();
      expect(await result).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failing Job with FailureTarget before Failed (Kubernetes ≥ 1.31) is reported failed at once, with the reason', async () => {
    const failed = [
      { type: 'FailureTarget', status: 'True', message: 'Job has reached the specified backoff limit' },
      { type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' },
    ];
    const { env } = withJobs([{ status: { conditions: failed } }], [noPods]);
    expect(await inClusterVerifierProbe(env, ns, 60_000)).toMatchObject({
      message: expect.stringMatching(/ failed \(BackoffLimitExceeded\): no pod was created$/),
    });
  });

  it('a Job never found, one without status, one without conditions and a suspended one time out; none passes', async () => {
    vi.useFakeTimers();
    try {
      for (const job of [undefined, {}, { status: {} }, { status: { conditions: [{ type: 'Suspended', status: 'True' }] } }]) {
        const { c, env } = withJobs([job], [noPods]);
        c.put(fresh());
        const result = inClusterVerifierProbe(env, ns, 10_000);
        await vi.runAllTimersAsync();
        expect(await result).toMatchObject({ message: expect.stringMatching(/ did not complete within 10s: no pod was created$/) });
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('a results ConfigMap without data yet: not updated (updated-at missing)', async () => {
    const { c, env } = withJobs([{ status: { conditions: [{ type: 'Complete', status: 'True' }] } }]);
    c.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: verifier.results, namespace: ns } });
    expect(await inClusterVerifierProbe(env, ns, 5_000)).toEqual({
      message: `the verifier Job completed but ${ns}/${verifier.results} was not updated (updated-at missing)`,
    });
  });

  it('the Job sent to the cluster is a batch/v1 Job', async () => {
    const { c, env, applied } = withJobs([{ status: { conditions: [{ type: 'Complete', status: 'True' }] } }]);
    c.put(fresh());
    expect(await inClusterVerifierProbe(env, ns, 5_000)).toBeUndefined();
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatch(/^apiVersion: batch\/v1\nkind: Job\n/);
  });
});
