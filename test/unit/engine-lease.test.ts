// The run lease (src/engine/lease.ts) against a Kubernetes API faked in memory: every kubectl
// child process is faked (fake-cluster.ts). What is asserted is the Lease object the cluster
// ends up with and what the run is told.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { unanswered } from '../../src/adapters/kube-api.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { holderIsGone, holderProcessAnnotation, LeaseHeldError, leaseName, processIdentity, RunLease } from '../../src/engine/lease.js';
import { FakeCluster } from './fake-cluster.js';

const ns = 'kubestrap-system';
const leases: RunLease[] = [];

function lease(c: FakeCluster, logs: string[] = [], seconds = 60): RunLease {
  const l = new RunLease(new Kubectl(c.exec, c.target), c.exec, seconds, (m) => logs.push(m));
  leases.push(l);
  return l;
}

function foreign(c: FakeCluster, renewedMsAgo: number, annotation?: string): void {
  const renew = new Date(Date.now() - renewedMsAgo).toISOString();
  c.put({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: leaseName, namespace: ns, ...(annotation ? { annotations: { [holderProcessAnnotation]: annotation } } : {}) },
    spec: { holderIdentity: 'ci-7/pid-4242/abc', leaseDurationSeconds: 10, acquireTime: renew, renewTime: renew },
  } as any);
}

afterEach(async () => {
  // Stop the renew timers of leases a test left held.
  for (const l of leases.splice(0)) await l.release().catch(() => undefined);
});

describe('run lease (kubectl child processes faked)', () => {
  it('acquire creates the Lease naming this run and this process; release deletes it', async () => {
    const c = new FakeCluster();
    const l = lease(c);
    await l.acquire();
    const held = c.get('lease', ns, leaseName) as any;
    expect(held.spec).toMatchObject({ holderIdentity: l.holder, leaseDurationSeconds: 60 });
    expect(l.holder).toMatch(new RegExp(`/pid-${process.pid}/[0-9a-f]{6}$`));
    expect(held.metadata.annotations[holderProcessAnnotation]).toBe(processIdentity());
    await l.release();
    expect(c.get('lease', ns, leaseName)).toBeUndefined();
    expect(c.changes).toEqual([`create Lease ${ns}/${leaseName}`, `delete lease ${ns}/${leaseName}`]);
  });

  it('a fresh lease of another run is honoured: refused with the holder and the expiry, the lease untouched', async () => {
    const c = new FakeCluster();
    foreign(c, 1000);
    const before = structuredClone(c.get('lease', ns, leaseName));
    const error = await lease(c)
      .acquire()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as Error).message).toMatch(
      /another kubestrap run holds this cluster: ci-7\/pid-4242\/abc \(lease renewed .*, expires \d{4}-/,
    );
    expect(c.get('lease', ns, leaseName)).toEqual(before);
    expect(c.changes).toEqual([]);
  });

  it('an expired lease is taken over, and the run is told whose it was', async () => {
    const c = new FakeCluster();
    foreign(c, 11_000);
    const logs: string[] = [];
    const l = lease(c, logs);
    await l.acquire();
    expect((c.get('lease', ns, leaseName) as any).spec.holderIdentity).toBe(l.holder);
    expect(logs).toEqual([expect.stringMatching(/^took over the run lease left by ci-7\/pid-4242\/abc, which expired at /)]);
  });

  it('a fresh lease whose holder process on this machine has exited is taken over at once', async () => {
    const c = new FakeCluster();
    const gone = spawnSync('true').pid!; // a process of this machine that has exited
    const [boot, pidns] = processIdentity()!.split('/');
    foreign(c, 500, `${boot}/${pidns}/${gone}/12345`);
    const logs: string[] = [];
    const l = lease(c, logs);
    await l.acquire();
    expect((c.get('lease', ns, leaseName) as any).spec.holderIdentity).toBe(l.holder);
    expect(logs).toEqual([
      "took over the run lease left by ci-7/pid-4242/abc: that run's process on this machine has exited (it was killed or crashed)",
    ]);
  });

  it('two runs racing for an expired lease: the one whose replace conflicts is refused', async () => {
    const c = new FakeCluster();
    foreign(c, 11_000);
    // Between this run's read and its replace, another run replaces the lease (new resourceVersion).
    const original = c.exec.run.bind(c.exec);
    let raced = false;
    c.exec.run = async (argv, options) => {
      if (!raced && argv.includes('replace')) {
        raced = true;
        foreign(c, 0);
      }
      return original(argv, options);
    };
    const error = await lease(c)
      .acquire()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as Error).message).toBe('another kubestrap run took the lease at the same moment');
  });

  it('release leaves alone a lease that another run holds by now', async () => {
    const c = new FakeCluster();
    const logs: string[] = [];
    const l = lease(c, logs);
    await l.acquire();
    foreign(c, 0);
    await l.release();
    expect((c.get('lease', ns, leaseName) as any).spec.holderIdentity).toBe('ci-7/pid-4242/abc');
  });

  it('a release that fails is reported, not thrown (the lease then expires by itself)', async () => {
    const c = new FakeCluster();
    const logs: string[] = [];
    const l = lease(c, logs);
    await l.acquire();
    c.failWhen = (argv) => (argv.includes('delete') ? 'error: connection refused' : undefined);
    await expect(l.release()).resolves.toBeUndefined();
    expect(logs).toEqual([expect.stringMatching(/^could not release the run lease \(it expires by itself after 60s\)/)]);
  });

  it('the holder renews the lease while it works', async () => {
    const c = new FakeCluster();
    const l = lease(c, [], 3); // renewed every second
    await l.acquire();
    const first = (c.get('lease', ns, leaseName) as any).spec.renewTime;
    await new Promise((r) => setTimeout(r, 1300));
    const renewed = c.get('lease', ns, leaseName) as any;
    expect(c.changes).toContain(`replace Lease ${ns}/${leaseName}`);
    expect(Date.parse(renewed.spec.renewTime)).toBeGreaterThan(Date.parse(first));
    expect(renewed.spec.holderIdentity).toBe(l.holder);
  });
});

describe('run lease: timing, the object written, and the API client path (kubectl and the API client faked)', () => {
  const replaces = (c: FakeCluster) => c.changes.filter((x) => x.startsWith('replace Lease')).length;

  it('is renewed every third of its duration, at least once a second', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const c = new FakeCluster();
      const l = lease(c, [], 6);
      await l.acquire();
      await vi.advanceTimersByTimeAsync(1_999);
      expect(replaces(c)).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(replaces(c)).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(replaces(c)).toBe(2);
      await l.release();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(replaces(c)).toBe(2);

      const c2 = new FakeCluster();
      const short = lease(c2, [], 1);
      await short.acquire();
      await vi.advanceTimersByTimeAsync(999);
      expect(replaces(c2)).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(replaces(c2)).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the Lease written: kubestrap’s label, MicroTime times, the duration; a renewal keeps the acquire time', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const c = new FakeCluster();
      const l = lease(c, [], 30);
      await l.acquire();
      const held = c.get('lease', ns, leaseName) as any;
      expect(held.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'kubestrap' });
      expect(held.spec.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(held.spec.acquireTime.endsWith('000Z')).toBe(true);
      expect(held.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(held.spec.leaseDurationSeconds).toBe(30);
      await new Promise((r) => setTimeout(r, 5));
      await vi.advanceTimersByTimeAsync(10_000);
      const renewed = c.get('lease', ns, leaseName) as any;
      expect(renewed.spec.acquireTime).toBe(held.spec.acquireTime);
      expect(Date.parse(renewed.spec.renewTime)).toBeGreaterThan(Date.parse(held.spec.renewTime));
    } finally {
      vi.useRealTimers();
    }
  });

  it('a lease without a renew time, or without a holder, is taken over at once; without a holder nothing is said', async () => {
    const c = new FakeCluster();
    c.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName, namespace: ns },
      spec: { holderIdentity: 'x/pid-1/abc' },
    } as any);
    const logs: string[] = [];
    const l = lease(c, logs);
    await l.acquire();
    expect((c.get('lease', ns, leaseName) as any).spec.holderIdentity).toBe(l.holder);
    expect(logs).toEqual([
      'took over the run lease left by x/pid-1/abc, which expired at 1970-01-01T00:00:00.000Z (that run was probably killed)',
    ]);

    const c2 = new FakeCluster();
    const now = new Date().toISOString();
    c2.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName, namespace: ns },
      spec: { renewTime: now, leaseDurationSeconds: 60 },
    } as any);
    const logs2: string[] = [];
    const l2 = lease(c2, logs2);
    await l2.acquire();
    expect((c2.get('lease', ns, leaseName) as any).spec.holderIdentity).toBe(l2.holder);
    expect(logs2).toEqual([]);
  });

  it('a lease without its own duration counts with this run’s; the expiry shown is renew time plus duration', async () => {
    const c = new FakeCluster();
    const renew = new Date(Date.now() - 30_000);
    c.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName, namespace: ns },
      spec: { holderIdentity: 'ci-7/pid-4242/abc', renewTime: renew.toISOString() },
    } as any);
    const error = await lease(c, [], 60)
      .acquire()
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `another kubestrap run holds this cluster: ci-7/pid-4242/abc (lease renewed ${renew.toISOString()}, expires ${new Date(renew.getTime() + 60_000).toISOString()})`,
    );
    const logs: string[] = [];
    await lease(c, logs, 20).acquire();
    expect(logs).toEqual([
      `took over the run lease left by ci-7/pid-4242/abc, which expired at ${new Date(renew.getTime() + 20_000).toISOString()} (that run was probably killed)`,
    ]);
  });

  it('through the API client: create, renewals replace the Lease as read (its resourceVersion), a refused write reported with the API’s words', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const c = new FakeCluster();
      const kubectl = new Kubectl(c.exec, c.target);
      const writes: { verb: string; rv?: string }[] = [];
      let answer: (verb: string) => unknown = () => ({ ok: true, object: { metadata: { resourceVersion: '41' } } });
      (kubectl as any).api = async () => ({
        write: async (verb: string, lease: any) => {
          writes.push({ verb, rv: lease.metadata.resourceVersion });
          if (verb === 'create') c.put(lease);
          return answer(verb);
        },
        get: async () => unanswered,
        list: async () => unanswered,
        deleteIfQuick: async () => false,
      });
      const logs: string[] = [];
      const l = new RunLease(kubectl, c.exec, 3, (m) => logs.push(m));
      leases.push(l);
      await l.acquire();
      expect(writes).toEqual([{ verb: 'create', rv: undefined }]);
      expect(c.exec.calls.some((a) => a.includes('create'))).toBe(false);
      const stored = c.get('lease', ns, leaseName) as any;
      c.put({ ...stored, metadata: { ...stored.metadata, resourceVersion: '77' } });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(writes.at(-1)).toEqual({ verb: 'replace', rv: (c.get('lease', ns, leaseName) as any).metadata.resourceVersion });
      expect(logs).toEqual([]);
      answer = () => ({ ok: false, error: 'Operation cannot be fulfilled on leases "kubestrap-run": the object has been modified\nmore' });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(logs).toEqual([
        'could not renew the run lease: Operation cannot be fulfilled on leases "kubestrap-run": the object has been modified',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('through the API client: a create refused other than AlreadyExists is an error with the API’s words', async () => {
    const c = new FakeCluster();
    const kubectl = new Kubectl(c.exec, c.target);
    (kubectl as any).api = async () => ({
      write: async () => ({ ok: false, error: 'leases.coordination.k8s.io is forbidden: User "ci" cannot create' }),
      get: async () => unanswered,
    });
    await expect(new RunLease(kubectl, c.exec, 3, () => undefined).acquire()).rejects.toThrow(
      'could not create the run lease: leases.coordination.k8s.io is forbidden: User "ci" cannot create',
    );
  });
});

describe('run lease: the kubectl it runs, what it advises, and a Lease without spec (kubectl faked)', () => {
  it('writes through kubectl on stdin with JSON back; a refusal advises waiting, a lost race advises running again', async () => {
    const c = new FakeCluster();
    const l = lease(c);
    await l.acquire();
    expect(c.exec.calls.find((a) => a.includes('create'))).toEqual([
      'kubectl',
      '--context',
      'fake',
      'create',
      '--filename',
      '-',
      '--output',
      'json',
    ]);
    const held = (await lease(c)
      .acquire()
      .catch((e: unknown) => e)) as LeaseHeldError;
    expect(held.suggestion).toMatch(/^Wait for that run to finish\. If it was killed, its lease expires by itself at the time shown/);
    const c2 = new FakeCluster();
    const renew = new Date(Date.now() - 600_000).toISOString();
    c2.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName, namespace: ns },
      spec: { holderIdentity: 'x', renewTime: renew, leaseDurationSeconds: 10 },
    } as any);
    c2.failWhen = (argv) => (argv.includes('replace') ? 'Error from server (Conflict): the object has been modified' : undefined);
    const raced = (await lease(c2)
      .acquire()
      .catch((e: unknown) => e)) as LeaseHeldError;
    expect(raced.suggestion).toBe('Run again when the other run has finished.');
  });

  it('after release nothing is renewed or read any more; a Lease found without spec counts as held by nobody', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const c = new FakeCluster();
      const logs: string[] = [];
      const l = lease(c, logs, 3);
      await l.acquire();
      const held = c.get('lease', ns, leaseName) as any;
      c.put({ ...held, spec: undefined });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(logs).toEqual(['the run lease is no longer held by this run (now: nobody); another run may start']);
      await l.release();
      const reads = c.exec.calls.length;
      await vi.advanceTimersByTimeAsync(5_000);
      expect(c.exec.calls.length).toBe(reads);
      expect(logs).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a recorded holder whose start time or PID is missing or not a number cannot be checked: never gone', () => {
    const [boot, pidns, pid] = processIdentity()!.split('/');
    const gone = spawnSync('true').pid!;
    expect(holderIsGone(`${boot}/${pidns}/${gone}/`)).toBe(false);
    expect(holderIsGone(`${boot}/${pidns}/${gone}`)).toBe(false);
    expect(holderIsGone(`${boot}/${pidns}/x${pid}/1`)).toBe(false);
    expect(holderIsGone(`${boot}/${pidns}/${pid}x/1`)).toBe(false);
    expect(holderIsGone(`${boot}/${pidns}/${gone}/1`)).toBe(true);
  });
});
