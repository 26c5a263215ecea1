// The session's reachability and version-skew check, and the identity guard's records and errors
// (src/engine/session.ts, src/engine/identity.ts). kubectl's child processes are faked (fake-cluster.ts);
// records are files in a temporary directory. Written against StrykerJS's uncovered mutants in src/engine.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { parseConfigText } from '../../src/config/load.js';
import {
  guardIdentity,
  identityRecordPath,
  readIdentity,
  readIdentityRecord,
  removeIdentityRecord,
  writeIdentityRecord,
} from '../../src/engine/identity.js';
import { checkReachableAndSkew, minorOf, openSession } from '../../src/engine/session.js';
import type { ClusterIdentity, RunState } from '../../src/engine/state.js';
import { KubestrapError, UsageError } from '../../src/errors.js';
import { FakeCluster } from './fake-cluster.js';

// When a test sets h.exec, the exec openSession creates is that faked one.
const h = vi.hoisted(() => ({ exec: undefined as unknown }));
vi.mock('../../src/adapters/exec.js', async (original) => {
  const real = await original<typeof import('../../src/adapters/exec.js')>();
  return {
    ...real,
    createExec: (...args: Parameters<typeof real.createExec>) => (h.exec ?? real.createExec(...args)) as ReturnType<typeof real.createExec>,
  };
});
afterEach(() => {
  h.exec = undefined;
});

const dir = mkdtempSync(path.join(tmpdir(), 'ks-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function thrown(p: Promise<unknown>): Promise<KubestrapError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof KubestrapError) return error;
    throw error;
  }
  throw new Error('expected a KubestrapError');
}

describe('session (kubectl faked)', () => {
  it('refuses to open without a context to target', async () => {
    const { config } = parseConfigText(
      'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n  cluster: { provider: existing }\n',
      '/x/k.yaml',
    );
    const e = await thrown(openSession(config, {}));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('no kube context to target');
    expect(e.suggestion).toContain('Set spec.cluster.context (or --context)');
  });

  it('opens on the named context with the tool versions found; the API client is set up from that context', async () => {
    const c = new FakeCluster();
    h.exec = c.exec;
    const { config } = parseConfigText(
      'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n  cluster: { provider: existing, context: prod }\n',
      '/x/k.yaml',
    );
    const session = await openSession(config, {});
    expect(session.tools).toEqual({ kubectl: 'v1.36.0', helm: 'v4.1.0' });
    expect(session.helm.major).toBe(4);
    expect(session.kubectl.target.context).toBe('prod');
    expect(session.exec).toBe(c.exec);
    expect(c.exec.calls.find((a) => a.includes('config'))).toEqual([
      'kubectl',
      '--context',
      'prod',
      'config',
      'view',
      '--minify',
      '--flatten',
      '--output',
      'json',
    ]);

    const helm3 = new FakeCluster();
    const run = helm3.exec.run.bind(helm3.exec);
    helm3.exec.run = async (argv, options) =>
      argv[0] === 'helm' && argv[1] === 'version' ? { stdout: 'v3.22.1\n', stderr: '', exitCode: 0 } : run(argv, options);
    h.exec = helm3.exec;
    const s3 = await openSession(config, {});
    expect(s3.helm.major).toBe(3);
    expect(s3.tools.helm).toBe('v3.22.1');
  });

  it('minor versions are read from v1.N tags', () => {
    expect(minorOf('v1.36.2')).toBe(36);
    expect(minorOf('1.9')).toBe(9);
    expect(minorOf('v2.0.0')).toBeNaN();
  });

  const session = (c: FakeCluster, kubectl: string) => ({ ...c.session(), tools: { kubectl, helm: 'v4.1.0' } });

  it('one minor of skew either way is fine and returns the server version; two is refused with the kubectl to install', async () => {
    const c = new FakeCluster();
    expect(await checkReachableAndSkew(session(c, 'v1.35.0'))).toBe('v1.36.0');
    expect(await checkReachableAndSkew(session(c, 'v1.37.1'))).toBe('v1.36.0');
    const e = await thrown(checkReachableAndSkew(session(c, 'v1.34.0')));
    expect(e.message).toBe('kubectl v1.34.0 is 2 minors away from the server v1.36.0; kubectl supports one minor of skew');
    expect(e.suggestion).toBe('Install kubectl 1.36 (or point KUBESTRAP_KUBECTL at one).');
    expect((await thrown(checkReachableAndSkew(session(c, 'dev-build')))).message).toContain('NaN minors away');
  });

  it('an unreachable cluster: the last two lines of the error and the command to try', async () => {
    const c = new FakeCluster();
    c.failWhen = (argv) =>
      argv.includes('version') ? 'line one\nline two\nUnable to connect to the server: dial tcp 127.0.0.1:6443' : undefined;
    const e = await thrown(checkReachableAndSkew(session(c, 'v1.36.0')));
    expect(e.message).toMatch(
      /^cannot reach the cluster of context fake: .*line two\s+Unable to connect to the server: dial tcp 127\.0\.0\.1:6443$/,
    );
    expect(e.message).not.toContain('line one');
    expect(e.message).not.toContain('\n');
    expect(e.suggestion).toBe('Check that the cluster is running and `kubectl --context fake get nodes` works.');
  });
});

describe('identity (kubectl faked)', () => {
  const live: ClusterIdentity = { context: 'fake', server: 'https://127.0.0.1:6443', kubeSystemUid: 'kube-system-uid-1' };

  it('is read from the context, its server and the kube-system UID; a cluster without kube-system is refused', async () => {
    const c = new FakeCluster();
    expect(await readIdentity(new Kubectl(c.exec, c.target))).toEqual(live);
    c.objects.clear();
    const e = await thrown(readIdentity(new Kubectl(c.exec, c.target)));
    expect(e.message).toBe('context fake has no kube-system namespace');
    expect(e.suggestion).toBe('Check that the context points at a Kubernetes cluster.');
  });

  it('records live beside the config, are written and read back, and removed; none reads as undefined', async () => {
    const file = identityRecordPath(dir, 'demo');
    expect(file).toBe(path.join(dir, '.kubestrap', 'identity-demo.json'));
    expect(await readIdentityRecord(file)).toBeUndefined();
    await writeIdentityRecord(file, live);
    expect(await readIdentityRecord(file)).toEqual(live);
    await removeIdentityRecord(file);
    expect(await readIdentityRecord(file)).toBeUndefined();
    await removeIdentityRecord(file);
  });

  it('an unreadable record is an error naming the file, with a careful suggestion', async () => {
    const file = path.join(dir, 'broken', 'identity-x.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{ not json');
    const e = await thrown(readIdentityRecord(file));
    expect(e.message).toMatch(new RegExp(`^cannot read the cluster identity record ${file.replace(/[.]/g, '\\.')}: `));
    expect(e.suggestion).toBe('Delete the file only if you are sure the roadmap targets the right cluster.');
  });

  const state = (roadmap: string, identity: ClusterIdentity): RunState => ({
    version: 1,
    roadmap,
    identity,
    steps: {},
    updatedAt: '2026-01-01T00:00:00Z',
  });

  it('guards: another roadmap on the cluster is refused even with rebind; another cluster is refused unless rebinding', () => {
    const other = { ...live, kubeSystemUid: 'other-uid' };
    expect(() => guardIdentity(live, 'demo', undefined, state('prod', live), true)).toThrow(
      'this cluster (context fake, API server https://127.0.0.1:6443, kube-system UID kube-system-uid-1) already runs roadmap "prod", not "demo"',
    );
    expect(() => guardIdentity(live, 'demo', other, undefined, false)).toThrow(UsageError);
    expect(() => guardIdentity(live, 'demo', other, undefined, false)).toThrow(
      'roadmap "demo" is bound to a different cluster.\n  bound to: context fake, API server https://127.0.0.1:6443, kube-system UID other-uid\n  target:   context fake',
    );
    expect(() => guardIdentity(live, 'demo', undefined, state('demo', { ...live, server: 'https://elsewhere:6443' }), false)).toThrow(
      'bound to a different cluster',
    );
    expect(() => guardIdentity(live, 'demo', other, undefined, true)).not.toThrow();
    expect(() => guardIdentity(live, 'demo', { ...live, context: 'renamed' }, state('demo', live), false)).not.toThrow();
    expect(() => guardIdentity(live, 'demo', undefined, undefined, false)).not.toThrow();
  });

  it('the record wins over the state when both are there', () => {
    const other = { ...live, kubeSystemUid: 'other-uid' };
    expect(() => guardIdentity(live, 'demo', other, state('demo', live), false)).toThrow('bound to a different cluster');
    expect(() => guardIdentity(live, 'demo', live, state('demo', other), false)).not.toThrow();
  });
});
