// The roadmap runner (src/engine/runner.ts) end to end with every kubectl/helm child process faked
// (fake-cluster.ts): a small roadmap of four steps whose actions apply ConfigMaps and whose checks
// look for them. Only the session (the faked exec), the plan (the four steps), the plan writer and
// the preflight are replaced; lease, state, identity, checks and the scheduling are the real code.
// Asserted is what a user or the cluster can see: what was applied in which order, the events,
// the state record and the lease.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.js';
import type { RunEvent } from '../../src/engine/events.js';
import { runRoadmap, type RunOptions } from '../../src/engine/runner.js';
import type { Plan, PlannedStep } from '../../src/plan/plan.js';
import type { StepId } from '../../src/roadmap/types.js';
import { FakeCluster } from './fake-cluster.js';

const h = vi.hoisted(() => ({ cluster: undefined as unknown as FakeCluster, plan: undefined as unknown as Plan }));
vi.mock('../../src/engine/session.js', async (original) => ({
  ...(await original<object>()),
  openSession: async () => h.cluster.session(),
}));
vi.mock('../../src/plan/plan.js', async (original) => ({ ...(await original<object>()), buildPlan: () => h.plan }));
vi.mock('../../src/plan/write.js', async (original) => ({ ...(await original<object>()), writePlanArtifacts: async () => undefined }));
vi.mock('../../src/engine/preflight.js', async (original) => ({
  ...(await original<object>()),
  preflight: async () => ({ warnings: [], problems: [] }),
}));

const minimalConfig = `apiVersion: kubestrap.dev/v1alpha1
kind: Roadmap
metadata:
  name: demo
spec:
  cluster:
    provider: existing
    name: fake
    context: fake
    kubernetesVersion: "1.36"
  verification:
    scorecard: false
`;

let dir: string;
let loaded: LoadedConfig;

/** A step applying ConfigMaps demo/<id>-<n> from its own manifest, checked by their existence. */
function step(id: StepId, needs: StepId[], objects = 1): PlannedStep {
  const file = path.join(dir, `${id}.yaml`);
  const names = Array.from({ length: objects }, (_, i) => `${id}-${i}`);
  writeFileSync(
    file,
    names.map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  namespace: demo\ndata:\n  step: ${id}\n`).join('---\n'),
  );
  return {
    id,
    title: `the ${id} step`,
    enabled: true,
    needs,
    rendered: {
      artifacts: [],
      actions: [{ type: 'apply', manifest: file, absolute: true, description: `${id} objects` }],
      checks: names.map((name) => ({ type: 'exists', resource: 'configmap', namespace: 'demo', name })),
    },
    commands: [],
    stdin: [],
  };
}

function roadmapOf(steps: PlannedStep[]): Plan {
  const foundation = steps.filter((s) => ['cluster', 'networking', 'storage'].includes(s.id));
  const features = steps.filter((s) => !foundation.includes(s));
  return {
    config: loaded.config,
    target: { context: 'fake' },
    outDir: dir,
    warnings: [],
    phases: [
      { id: 'foundation', title: 'Foundation', weeks: '1-2', steps: foundation },
      { id: 'features', title: 'Features', weeks: '3-4', steps: features },
    ],
  } as Plan;
}

/** cluster ← networking ← storage ← monitoring; security needs networking only. */
const fourSteps = () =>
  roadmapOf([
    step('cluster', []),
    step('networking', ['cluster']),
    step('storage', ['networking'], 2),
    step('security', ['networking']),
    step('monitoring', ['storage']),
  ]);

async function up(): Promise<{ events: RunEvent[]; error?: Error; exitCode: number }> {
  const events: RunEvent[] = [];
  const options: RunOptions = {
    command: 'up',
    loaded,
    workDir: dir,
    selection: {},
    rebind: false,
    confirmTarget: async () => true,
    sinks: [{ emit: (e) => events.push(e) }],
    env: { KUBESTRAP_RECHECK_SECONDS: '0' },
  };
  try {
    const summary = await runRoadmap(options);
    return { events, exitCode: summary.exitCode };
  } catch (error) {
    return { events, error: error as Error, exitCode: (error as { exitCode?: number }).exitCode ?? -1 };
  }
}

const of = (events: RunEvent[], name: RunEvent['event']) => events.filter((e) => e.event === name) as any[];
const stepApplies = (c: FakeCluster) =>
  c.changes.filter((x) => x.startsWith('apply ConfigMap demo/')).map((x) => x.slice('apply ConfigMap demo/'.length));

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-runner-'));
  loaded = { ...parseConfigText(minimalConfig, path.join(dir, 'kubestrap.yaml')), baseDir: dir };
  h.cluster = new FakeCluster();
  h.plan = fourSteps();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runner (kubectl/helm child processes faked in memory)', () => {
  it('a first up applies every step after the steps it needs, verifies each, and records each in state', async () => {
    const { events, exitCode, error } = await up();
    expect(error).toBeUndefined();
    expect(exitCode).toBe(0);
    const applied = stepApplies(h.cluster);
    expect(applied.sort()).toEqual(['cluster-0', 'monitoring-0', 'networking-0', 'security-0', 'storage-0', 'storage-1']);
    const order = stepApplies(h.cluster);
    const before = (a: string, b: string) => expect(order.indexOf(a), `${a} applied before ${b}`).toBeLessThan(order.indexOf(b));
    before('cluster-0', 'networking-0');
    before('networking-0', 'storage-0');
    before('networking-0', 'security-0');
    before('storage-1', 'monitoring-0');
    const state = h.cluster.state();
    expect(Object.fromEntries(Object.entries(state.steps).map(([id, s]: [string, any]) => [id, s.status]))).toEqual({
      cluster: 'verified',
      networking: 'verified',
      storage: 'verified',
      security: 'verified',
      monitoring: 'verified',
    });
    expect(state.steps.storage.applied).toEqual([
      {
        type: 'objects',
        refs: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'storage-0', namespace: 'demo' },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'storage-1', namespace: 'demo' },
        ],
      },
    ]);
    expect(state.identity).toEqual({ context: 'fake', server: 'https://127.0.0.1:6443', kubeSystemUid: 'kube-system-uid-1' });
    // Each step: started, its checks, ok; the run: start first, end last.
    expect(events[0]!.event).toBe('run.start');
    expect(events.at(-1)).toMatchObject({
      event: 'run.end',
      ok: true,
      exitCode: 0,
      changed: ['cluster', 'networking', 'storage', 'security', 'monitoring'],
    });
    for (const id of ['cluster', 'networking', 'storage', 'security', 'monitoring']) {
      const mine = events.filter((e) => 'step' in e && e.step === id).map((e) => e.event);
      expect([mine[0], mine.at(-1)], id).toEqual(['step.start', 'step.ok']);
      expect(mine.filter((e) => e === 'check.result').length).toBe(id === 'storage' ? 2 : 1);
    }
    expect(of(events, 'check.result').every((c) => c.status === 'ok')).toBe(true);
  });

  it('takes the run lease before it applies anything and gives it up at the end', async () => {
    await up();
    const c = h.cluster.changes;
    const taken = c.indexOf('create Lease kubestrap-system/kubestrap-run');
    expect(taken).toBeGreaterThan(-1);
    expect(taken).toBeLessThan(c.findIndex((x) => x.startsWith('apply ConfigMap demo/')));
    expect(c.at(-1)).toBe('delete lease kubestrap-system/kubestrap-run');
    expect(h.cluster.get('lease', 'kubestrap-system', 'kubestrap-run')).toBeUndefined();
  });

  it('every state write is the whole record in one ConfigMap apply, and no write loses a step recorded before it', async () => {
    const writes: any[] = [];
    const put = h.cluster.put.bind(h.cluster);
    h.cluster.put = (o) => {
      if (o.kind === 'ConfigMap' && o.metadata.name === 'kubestrap-state') writes.push(JSON.parse((o as any).data['state.json']));
      return put(o);
    };
    await up();
    expect(writes.length).toBeGreaterThan(5);
    for (const [i, w] of writes.entries()) {
      expect(Object.keys(w).sort()).toEqual(['identity', 'roadmap', 'steps', 'updatedAt', 'version']);
      const earlier = i === 0 ? [] : Object.keys(writes[i - 1].steps);
      expect(Object.keys(w.steps)).toEqual(expect.arrayContaining(earlier));
    }
    expect(Object.values(writes.at(-1).steps).every((s: any) => s.status === 'verified')).toBe(true);
  });

  it('an unchanged re-run applies nothing: each step is checked and skipped, and keeps its appliedAt', async () => {
    await up();
    const first = h.cluster.state();
    h.cluster.changes.length = 0;
    const { events, exitCode } = await up();
    expect(exitCode).toBe(0);
    expect(stepApplies(h.cluster)).toEqual([]);
    expect(of(events, 'step.start')).toEqual([]);
    expect(
      of(events, 'step.skip')
        .map((e) => e.step)
        .sort(),
    ).toEqual(['cluster', 'monitoring', 'networking', 'security', 'storage']);
    expect(of(events, 'check.result').length).toBe(6);
    const second = h.cluster.state();
    for (const id of Object.keys(first.steps)) expect(second.steps[id].appliedAt).toBe(first.steps[id].appliedAt);
  });

  it('a step whose rendered content changed is applied again; the others are skipped', async () => {
    await up();
    h.cluster.changes.length = 0;
    h.plan = roadmapOf([
      step('cluster', []),
      step('networking', ['cluster']),
      step('storage', ['networking'], 3),
      step('security', ['networking']),
      step('monitoring', ['storage']),
    ]);
    const { events } = await up();
    expect(of(events, 'step.start').map((e) => e.step)).toEqual(['storage']);
    expect(stepApplies(h.cluster)).toEqual(['storage-0', 'storage-1', 'storage-2']);
  });

  it('a step that fails to apply is recorded failed, the steps that need it do not run, the run ends failed naming it, and the lease is given up', async () => {
    h.cluster.failWhen = (argv) =>
      argv.includes('apply') && argv.some((a) => a.endsWith('storage.yaml')) ? 'error: storage is broken' : undefined;
    const { events, error, exitCode } = await up();
    expect(error?.message).toContain('step storage failed to apply');
    expect(exitCode).toBe(1);
    const state = h.cluster.state();
    expect(state.steps.storage).toMatchObject({ status: 'failed', error: expect.stringContaining('storage is broken') });
    expect(state.steps.monitoring).toBeUndefined();
    expect(of(events, 'step.start').map((e) => e.step)).not.toContain('monitoring');
    expect(stepApplies(h.cluster)).not.toContain('monitoring-0');
    expect(of(events, 'step.fail')).toMatchObject([{ step: 'storage', error: expect.stringContaining('storage is broken') }]);
    expect(events.at(-1)).toMatchObject({
      event: 'run.end',
      ok: false,
      exitCode: 1,
      failed: 'storage',
      next: expect.stringContaining('resumes at step storage'),
    });
    expect(h.cluster.get('lease', 'kubestrap-system', 'kubestrap-run')).toBeUndefined();
  });

  it('the next run resumes at the failed step: what verified is skipped, the failed step and its dependants are applied', async () => {
    h.cluster.failWhen = (argv) =>
      argv.includes('apply') && argv.some((a) => a.endsWith('storage.yaml')) ? 'error: storage is broken' : undefined;
    const failed = await up();
    const appliedBefore = new Set(of(failed.events, 'step.ok').map((e) => e.step));
    h.cluster.failWhen = undefined;
    h.cluster.changes.length = 0;
    const { events, exitCode } = await up();
    expect(exitCode).toBe(0);
    const started = of(events, 'step.start').map((e) => e.step);
    expect(started).toEqual(expect.arrayContaining(['storage', 'monitoring']));
    for (const id of appliedBefore) expect(started).not.toContain(id);
    expect(stepApplies(h.cluster)).toEqual(expect.arrayContaining(['storage-0', 'storage-1', 'monitoring-0']));
    expect(stepApplies(h.cluster)).not.toContain('cluster-0');
    expect(Object.values(h.cluster.state().steps).every((s: any) => s.status === 'verified')).toBe(true);
  });

  it('a step applied but failing its checks is recorded failed with exit code 3', async () => {
    // The security manifest "applies", but nothing lands: its check then finds no ConfigMap.
    const real = h.cluster.put.bind(h.cluster);
    h.cluster.put = (o) => (o.metadata.name === 'security-0' ? o : real(o));
    const { events, exitCode } = await up();
    expect(exitCode).toBe(3);
    expect(h.cluster.state().steps.security).toMatchObject({ status: 'failed', checks: { ok: 0, failed: 1, skipped: 0 } });
    expect(of(events, 'check.result').find((c) => c.step === 'security')).toMatchObject({
      status: 'failed',
      message: 'configmap demo/security-0 does not exist',
    });
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: false, exitCode: 3, failed: 'security' });
  });

  it('a cluster whose lease another live run holds is refused before anything is applied', async () => {
    const now = new Date().toISOString();
    h.cluster.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'kubestrap-run', namespace: 'kubestrap-system' },
      spec: { holderIdentity: 'ci-7/pid-1/abc', leaseDurationSeconds: 60, renewTime: now, acquireTime: now },
    });
    const { error, exitCode, events } = await up();
    expect(error?.message).toContain('another kubestrap run holds this cluster: ci-7/pid-1/abc');
    expect(exitCode).toBe(1);
    expect(stepApplies(h.cluster)).toEqual([]);
    expect(of(events, 'step.start')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: false });
    expect(h.cluster.get('lease', 'kubestrap-system', 'kubestrap-run')?.spec).toMatchObject({ holderIdentity: 'ci-7/pid-1/abc' });
  });
});
