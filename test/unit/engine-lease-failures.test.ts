// The run lease when the cluster answers badly (src/engine/lease.ts): a failed or raced create, a
// renewal that finds the lease taken or cannot write it, a release that cannot read it. Every kubectl
// child process is faked (fake-cluster.ts; failures injected with failWhen). Written against
// StrykerJS's uncovered mutants in src/engine (docs/mutation.md).
import { afterEach, describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { leaseName, RunLease } from '../../src/engine/lease.js';
import { KubestrapError } from '../../src/errors.js';
import { FakeCluster } from './fake-cluster.js';

const ns = 'kubestrap-system';
const leases: RunLease[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lease(c: FakeCluster, logs: string[], seconds = 3): RunLease {
  const l = new RunLease(new Kubectl(c.exec, c.target), c.exec, seconds, (m) => logs.push(m));
  leases.push(l);
  return l;
}

afterEach(async () => {
  for (const l of leases.splice(0)) await l.release().catch(() => undefined);
});

describe('run lease failures (kubectl faked)', () => {
  it('a create refused for another reason than AlreadyExists is an error with kubectl’s words', async () => {
    const c = new FakeCluster();
    c.failWhen = (argv) => (argv.includes('create') ? 'Error from server (Forbidden): leases is forbidden' : undefined);
    const l = lease(c, []);
    await expect(l.acquire()).rejects.toThrow(KubestrapError);
    await expect(l.acquire()).rejects.toThrow('could not create the run lease: Error from server (Forbidden): leases is forbidden');
  });

  it('a create that lost a race (AlreadyExists) looks again and acquires', async () => {
    const c = new FakeCluster();
    let raced = false;
    c.failWhen = (argv) => {
      if (!raced && argv.includes('create')) {
        raced = true;
        return 'Error from server (AlreadyExists): leases.coordination.k8s.io "kubestrap-run" already exists';
      }
      return undefined;
    };
    const l = lease(c, []);
    await l.acquire();
    expect((c.get('lease', ns, leaseName) as any).spec.holderIdentity).toBe(l.holder);
  });

  it('renewal: keeps renewing while held; says so when another run holds it, or when it cannot write or read it', async () => {
    const c = new FakeCluster();
    const logs: string[] = [];
    const l = lease(c, logs, 3);
    await l.acquire();
    const firstRenew = (c.get('lease', ns, leaseName) as any).spec.renewTime as string;
    await sleep(1300);
    expect((c.get('lease', ns, leaseName) as any).spec.renewTime).not.toBe(firstRenew);
    expect(logs).toEqual([]);

    c.failWhen = (argv) => (argv.includes('replace') ? 'Error from server (Conflict): the object has been modified\nmore' : undefined);
    await sleep(1100);
    expect(logs.at(-1)).toBe('could not renew the run lease: Error from server (Conflict): the object has been modified');

    c.failWhen = (argv) => (argv.includes('get') && argv.includes('lease') ? 'Unable to connect to the server\nmore' : undefined);
    await sleep(1100);
    expect(logs.at(-1)).toMatch(/^could not renew the run lease: [^\n]+$/);

    c.failWhen = undefined;
    const taken = c.get('lease', ns, leaseName) as any;
    c.put({ ...taken, spec: { ...taken.spec, holderIdentity: 'other-run' } });
    await sleep(1100);
    expect(logs.at(-1)).toBe('the run lease is no longer held by this run (now: other-run); another run may start');

    c.objects.delete(`lease|${ns}|${leaseName}`);
    await sleep(1100);
    expect(logs.at(-1)).toBe('the run lease is no longer held by this run (now: nobody); another run may start');
  });

  it('release: leaves a lease another run holds; a failure is reported with the expiry, not thrown', async () => {
    const c = new FakeCluster();
    const logs: string[] = [];
    const l = lease(c, logs, 30);
    await l.acquire();
    const held = c.get('lease', ns, leaseName) as any;
    c.put({ ...held, spec: { ...held.spec, holderIdentity: 'other-run' } });
    await l.release();
    expect(c.get('lease', ns, leaseName)).toBeDefined();

    const c2 = new FakeCluster();
    const l3 = lease(c2, logs, 30);
    await l3.acquire();
    c2.failWhen = (argv) => (argv.includes('get') ? 'Unable to connect to the server: EOF\nmore' : undefined);
    await l3.release();
    expect(logs.at(-1)).toBe('could not release the run lease (it expires by itself after 30s): Unable to connect to the server: EOF');
  });
});
