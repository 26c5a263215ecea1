// The run lease (src/engine/lease.ts) against a Kubernetes API faked in memory: every kubectl
// child process is faked (fake-cluster.ts). What is asserted is the Lease object the cluster
// ends up with and what the run is told.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { holderProcessAnnotation, LeaseHeldError, leaseName, processIdentity, RunLease } from '../../src/engine/lease.js';
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
