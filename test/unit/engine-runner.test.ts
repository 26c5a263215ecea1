// The roadmap runner (src/engine/runner.ts) end to end with every kubectl/helm child process faked
// (fake-cluster.ts): a small roadmap of four steps whose actions apply ConfigMaps and whose checks
// look for them. Only the session (the faked exec), the plan (the four steps), the plan writer and
// the preflight are replaced; lease, state, identity, checks and the scheduling are the real code.
// Asserted is what a user or the cluster can see: what was applied in which order, the events,
// the state record and the lease.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Helm } from '../../src/adapters/helm.js';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.js';
import type { RunEvent } from '../../src/engine/events.js';
import { assertVerified, runRoadmap, type RunOptions, type RunSummary } from '../../src/engine/runner.js';
import { CommandError, VerificationError } from '../../src/errors.js';
import type { Plan, PlannedStep } from '../../src/plan/plan.js';
import type { StepId } from '../../src/roadmap/types.js';
import { FakeCluster } from './fake-cluster.js';

const h = vi.hoisted(() => ({
  cluster: undefined as unknown as FakeCluster,
  plan: undefined as unknown as Plan,
  built: [] as { helmMajor?: number }[],
  written: [] as unknown[],
  writtenWith: [] as unknown[],
  preflightArgs: [] as any[],
  preflight: { warnings: [], problems: [] } as { warnings: { what: string; fix: string }[]; problems: { what: string; fix: string }[] },
}));
vi.mock('../../src/engine/session.js', async (original) => ({
  ...(await original<object>()),
  openSession: async () => h.cluster.session(),
}));
vi.mock('../../src/plan/plan.js', async (original) => ({
  ...(await original<object>()),
  buildPlan: (o: { helmMajor?: number }) => {
    h.built.push(o);
    return h.plan;
  },
}));
vi.mock('../../src/plan/write.js', async (original) => ({
  ...(await original<object>()),
  writePlanArtifacts: async (plan: unknown, options: unknown) => {
    h.written.push(plan);
    h.writtenWith.push(options);
  },
}));
vi.mock('../../src/engine/preflight.js', async (original) => ({
  ...(await original<object>()),
  preflight: async (o: unknown) => {
    h.preflightArgs.push(o);
    return h.preflight;
  },
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

async function up(extra: Partial<RunOptions> = {}): Promise<{ events: RunEvent[]; error?: Error; exitCode: number; summary?: RunSummary }> {
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
    ...extra,
  };
  try {
    const summary = await runRoadmap(options);
    return { events, exitCode: summary.exitCode, summary };
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
  h.built = [];
  h.written = [];
  h.writtenWith = [];
  h.preflightArgs = [];
  h.preflight = { warnings: [], problems: [] };
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

/** The same step with its objects applied by two manifests (two actions). */
function twoActionStep(id: StepId, needs: StepId[]): PlannedStep {
  const first = step(id, needs);
  const second = path.join(dir, `${id}-more.yaml`);
  writeFileSync(second, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${id}-more\n  namespace: demo\n`);
  return {
    ...first,
    rendered: {
      ...first.rendered,
      actions: [...first.rendered.actions, { type: 'apply', manifest: second, absolute: true, description: `${id} more objects` }],
    },
  };
}

/** A step installing one helm release (values in the work dir), checked by the release being deployed. */
function helmStep(id: StepId, needs: StepId[], extra: PlannedStep['rendered']['actions'] = []): PlannedStep {
  writeFileSync(path.join(dir, `${id}-values.yaml`), 'replicas: 1\n');
  const release = {
    release: id,
    namespace: id,
    chart: { ref: id, repo: 'https://charts.example', version: '1.0.0' },
    values: `${id}-values.yaml`,
  };
  return {
    id,
    title: `the ${id} step`,
    enabled: true,
    needs,
    rendered: {
      artifacts: [],
      actions: [{ type: 'helm', release }, ...extra],
      checks: [{ type: 'helm-deployed', namespace: id, release: id }],
    },
    commands: [],
    stdin: [],
  };
}

const withConfig = (extra: string) => {
  loaded = {
    ...parseConfigText(minimalConfig.replace('  verification:\n    scorecard: false\n', extra), path.join(dir, 'kubestrap.yaml')),
    baseDir: dir,
  };
};

describe('runner: verify, selection, re-checks, failures and interruption (kubectl/helm child processes faked in memory)', () => {
  it('run.start names the selected steps and their phases; each phase starts before its first step and ends after its last', async () => {
    const { events } = await up();
    expect(events[0]).toMatchObject({
      event: 'run.start',
      command: 'up',
      roadmap: 'demo',
      context: 'fake',
      steps: ['cluster', 'networking', 'storage', 'security', 'monitoring'],
    });
    const names = events.map((e) =>
      'phase' in e && e.event.startsWith('phase') ? `${e.event} ${e.phase}` : 'step' in e ? `${e.event} ${e.step}` : e.event,
    );
    const at = (x: string) => names.indexOf(x);
    expect(at('phase.start foundation')).toBeGreaterThan(-1);
    expect(at('phase.start foundation')).toBeLessThan(at('step.start cluster'));
    expect(at('phase.end foundation')).toBeGreaterThan(at('step.ok storage'));
    expect(at('phase.start features')).toBeLessThan(at('step.start security'));
    expect(at('phase.end features')).toBeGreaterThan(Math.max(at('step.ok security'), at('step.ok monitoring')));
    expect(names.filter((n) => n.startsWith('phase.end'))).toHaveLength(2);
  });

  it('the plan’s rule warnings are shown as warnings before anything runs, and the plan files are written (not by verify)', async () => {
    h.plan = { ...fourSteps(), warnings: [{ rule: 'single-node', message: 'one node only', fix: 'add workers' }] } as unknown as Plan;
    const { events } = await up();
    expect(events[0]).toMatchObject({ event: 'log', level: 'warn', message: '[single-node] one node only (fix: add workers)' });
    expect(h.written).toEqual([h.plan]);
    h.written = [];
    await up({ command: 'verify' });
    expect(h.written).toEqual([]);
  });

  it('with helm 3 the plan is built again for helm 3 (its commands differ); with helm 4 once', async () => {
    const session = h.cluster.session.bind(h.cluster);
    h.cluster.session = () => {
      const s = session();
      return { ...s, helm: new Helm(s.exec, h.cluster.target, 3) };
    };
    await up();
    expect(h.built.map((b) => b.helmMajor)).toEqual([undefined, 3]);
    h.cluster.session = session;
    h.built = [];
    await up();
    expect(h.built.map((b) => b.helmMajor)).toEqual([undefined]);
  });

  it('verify on a cluster kubestrap never touched only reads: no namespace, lease, state or identity record; failing checks exit 3', async () => {
    const { events, exitCode, summary } = await up({ command: 'verify' });
    expect(exitCode).toBe(3);
    expect(h.cluster.changes).toEqual([]);
    expect(h.cluster.state()).toBeUndefined();
    expect(existsSync(path.join(dir, '.kubestrap'))).toBe(false);
    expect(of(events, 'log')).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'nothing of this roadmap is applied on this cluster yet; verify only reads (no state, lease or scorecard written)',
      }),
    );
    expect(of(events, 'step.fail').map((e) => e.step)).toEqual(['cluster', 'networking', 'storage', 'security', 'monitoring']);
    expect(of(events, 'step.fail')[2]).toMatchObject({
      error:
        'configmap demo/storage-0 exists: configmap demo/storage-0 does not exist\nconfigmap demo/storage-1 exists: configmap demo/storage-1 does not exist',
    });
    expect(summary?.checks.map((c) => c.status)).toEqual(Array(6).fill('failed'));
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: false, exitCode: 3 });
  });

  it('verify after up checks every step without applying anything; a failing check marks that step failed in state', async () => {
    await up();
    const before = h.cluster.state();
    h.cluster.objects.delete('configmap|demo|security-0');
    h.cluster.changes.length = 0;
    await new Promise((r) => setTimeout(r, 5));
    const { events, exitCode } = await up({ command: 'verify' });
    expect(exitCode).toBe(3);
    expect(stepApplies(h.cluster)).toEqual([]);
    expect(of(events, 'step.ok').map((e) => [e.step, e.changed])).toEqual([
      ['cluster', false],
      ['networking', false],
      ['storage', false],
      ['monitoring', false],
    ]);
    expect(of(events, 'step.fail')).toMatchObject([{ step: 'security', error: expect.stringContaining('security-0 does not exist') }]);
    const after = h.cluster.state();
    expect(after.steps.security).toMatchObject({
      status: 'failed',
      error: 'verification failed',
      checks: { ok: 0, failed: 1, skipped: 0 },
    });
    expect(after.steps.security.hash).toBe(before.steps.security.hash);
    expect(after.steps.storage).toMatchObject({ status: 'verified', checks: { ok: 2, failed: 0, skipped: 0 } });
    expect(Date.parse(after.steps.storage.verifiedAt)).toBeGreaterThan(Date.parse(before.steps.storage.verifiedAt));
    expect(after.steps.storage.appliedAt).toBe(before.steps.storage.appliedAt);
    expect(h.cluster.changes).toContain('create Lease kubestrap-system/kubestrap-run');
    expect(h.cluster.changes.at(-1)).toBe('delete lease kubestrap-system/kubestrap-run');
  });

  it('a cluster that cannot be reached fails verify before anything is read', async () => {
    h.cluster.failWhen = (argv) => (argv.includes('version') && !argv.includes('--client') ? 'Unable to connect to the server' : undefined);
    const { error, exitCode, events } = await up({ command: 'verify' });
    expect(error?.message).toContain('cannot reach the cluster of context fake');
    expect(exitCode).toBe(1);
    expect(events.at(-1)).toMatchObject({
      event: 'run.end',
      ok: false,
      exitCode: 1,
      next: 'fix the cause above, then run the same command again.',
    });
  });

  it('--only and --skip run just the steps chosen; an unknown step is refused with the list of steps, nothing run', async () => {
    await up({ selection: { skip: ['monitoring', 'security'] } });
    expect(Object.keys(h.cluster.state().steps).sort()).toEqual(['cluster', 'networking', 'storage']);
    h.cluster.changes.length = 0;
    const { events } = await up({ selection: { only: ['security'] } });
    expect(events[0]).toMatchObject({ event: 'run.start', steps: ['security'] });
    expect(stepApplies(h.cluster)).toEqual(['security-0']);
    const unknown = await up({ selection: { only: ['nope' as StepId] } });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.error?.message).toBe('unknown step "nope"');
    expect((unknown.error as any).suggestion).toBe('Steps are: cluster, networking, storage, security, monitoring.');
    expect(unknown.events).toEqual([]);
    const skipUnknown = await up({ selection: { skip: ['nope' as StepId] } });
    expect(skipUnknown.error?.message).toBe('unknown step "nope"');
  });

  it('a phase run whose steps need a step not yet verified on the cluster is refused before anything is applied, naming the phase to run', async () => {
    const { error, exitCode } = await up({ command: 'phase', selection: { phases: ['features'] } });
    expect(exitCode).toBe(2);
    expect(error?.message).toBe('step security needs step networking, which has not been applied and verified on this cluster');
    expect((error as any).suggestion).toBe('Run `kubestrap phase foundation` (or `kubestrap up`) first.');
    expect(stepApplies(h.cluster)).toEqual([]);
    await up({ command: 'phase', selection: { phases: ['foundation'] } });
    expect(Object.keys(h.cluster.state().steps).sort()).toEqual(['cluster', 'networking', 'storage']);
    h.cluster.changes.length = 0;
    const features = await up({ command: 'phase', selection: { phases: ['features'] } });
    expect(features.exitCode).toBe(0);
    expect(stepApplies(h.cluster).sort()).toEqual(['monitoring-0', 'security-0']);
  });

  it('verify of some steps only reads them: their needs need not be verified', async () => {
    const { exitCode, error, events } = await up({ command: 'verify', selection: { only: ['security'] } });
    expect(error).toBeUndefined();
    expect(exitCode).toBe(3);
    expect(of(events, 'step.fail').map((e) => e.step)).toEqual(['security']);
  });

  it('a need that failed before is not taken as met', async () => {
    await up();
    const state = h.cluster.state();
    state.steps.networking.status = 'failed';
    h.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kubestrap-state', namespace: 'kubestrap-system' },
      data: { 'state.json': JSON.stringify(state) },
    } as any);
    const { error } = await up({ selection: { only: ['security'] } });
    expect(error?.message).toBe('step security needs step networking, which has not been applied and verified on this cluster');
  });

  it('a disabled step is reported skipped with its reason and applies nothing; the steps after it still run, and a later run does not ask for it', async () => {
    const plan = fourSteps();
    const storage = plan.phases[0]!.steps[2]!;
    plan.phases[0]!.steps[2] = { ...storage, enabled: false, reason: 'spec.storage.enabled is false' };
    h.plan = plan;
    const { events, exitCode, summary } = await up();
    expect(exitCode).toBe(0);
    expect(of(events, 'step.skip')).toMatchObject([
      { event: 'step.skip', phase: 'foundation', step: 'storage', reason: 'disabled: spec.storage.enabled is false' },
    ]);
    expect(summary?.skipped).toEqual([{ step: 'storage', reason: 'spec.storage.enabled is false' }]);
    expect(stepApplies(h.cluster)).not.toContain('storage-0');
    expect(stepApplies(h.cluster)).toContain('monitoring-0');
    expect(h.cluster.state().steps.storage).toBeUndefined();
    expect(of(events, 'phase.end').map((e) => e.phase)).toEqual(expect.arrayContaining(['foundation', 'features']));
    const again = await up({ selection: { only: ['monitoring'] } });
    expect(again.error).toBeUndefined();
  });

  it('a disabled step without a reason says "disabled"', async () => {
    const plan = roadmapOf([step('cluster', [])]);
    plan.phases[0]!.steps[0] = { ...plan.phases[0]!.steps[0]!, enabled: false };
    h.plan = plan;
    const { events, summary } = await up();
    expect(of(events, 'step.skip')[0].reason).toBe('disabled: ');
    expect(summary?.skipped).toEqual([{ step: 'cluster', reason: 'disabled' }]);
  });

  it('an unchanged step whose check fails once and passes on the second look is not re-applied', async () => {
    await up();
    h.cluster.changes.length = 0;
    const saved = h.cluster.get('configmap', 'demo', 'security-0')!;
    h.cluster.objects.delete('configmap|demo|security-0');
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    let looked = 0;
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('security-0') && argv.includes('get') && ++looked === 1) {
        const result = await run(argv, options).catch((e: unknown) => e);
        h.cluster.put(saved);
        if (result instanceof Error) throw result;
        return result;
      }
      return run(argv, options);
    };
    const { events, exitCode, summary } = await up({ env: { KUBESTRAP_RECHECK_SECONDS: '0.01' } });
    expect(exitCode).toBe(0);
    expect(of(events, 'step.start')).toEqual([]);
    expect(stepApplies(h.cluster)).toEqual([]);
    const warnings = of(events, 'log').map((e) => e.message);
    expect(warnings).toEqual(
      expect.arrayContaining([
        'step security is unchanged but 1 check(s) failed (configmap demo/security-0 exists); checking again in 0.01s before re-applying',
        'step security: passed on the second look (a flapping check, not drift): configmap demo/security-0 exists',
      ]),
    );
    expect(summary?.checks.find((c) => c.step === 'security')?.status).toBe('ok');
    expect(summary?.skipped.find((s) => s.step === 'security')?.reason).toMatch(/^unchanged since \d{4}-.*; 1 checks ok$/);
  });

  it('an unchanged step whose check still fails on the second look is drift: it is applied again and verified', async () => {
    withConfig('');
    await up();
    h.cluster.objects.delete('configmap|demo|security-0');
    h.cluster.changes.length = 0;
    const { events, exitCode, summary } = await up({ env: { KUBESTRAP_RECHECK_SECONDS: '0.01' } });
    expect(exitCode).toBe(0);
    expect(of(events, 'step.start').map((e) => e.step)).toEqual(['security']);
    expect(stepApplies(h.cluster)).toEqual(['security-0']);
    const warnings = of(events, 'log').map((e) => e.message);
    expect(warnings).toContain('step security is unchanged but 1 check(s) fail (drift); re-applying');
    expect(warnings.some((m) => m.includes('passed on the second look'))).toBe(false);
    expect(h.cluster.state().steps.security.status).toBe('verified');
    // The failing look is shown; the run's result (summary, scorecard) is what the checks after re-applying say.
    expect(
      of(events, 'check.result')
        .filter((c) => c.step === 'security')
        .map((c) => c.status),
    ).toEqual(['failed', 'ok']);
    expect(summary?.checks.filter((c) => c.step === 'security').map((c) => c.status)).toEqual(['ok']);
    const card = h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-scorecard') as any;
    expect(card.metadata.labels['kubestrap.dev/drift']).toBe('false');
    expect(card.data.summary).toBe('6 ok, 0 failed, 0 skipped');
    expect(warnings.some((m) => m.startsWith('drift:'))).toBe(false);
  });

  it('without a pause (KUBESTRAP_RECHECK_SECONDS=0) a failing unchanged check is re-applied at once, without a second look', async () => {
    await up();
    h.cluster.objects.delete('configmap|demo|security-0');
    const gets: string[][] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('security-0') && argv.includes('get')) gets.push([...argv]);
      return run(argv, options);
    };
    const { events } = await up();
    expect(of(events, 'log').some((e) => e.message.includes('checking again'))).toBe(false);
    expect(gets).toHaveLength(2); // the first look, then the check after re-applying
  });

  it('a step that needs a step re-applied in this run is checked afresh, after that step, not from the early look', async () => {
    await up();
    h.cluster.objects.delete('configmap|demo|storage-1');
    h.cluster.changes.length = 0;
    const order: string[] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      const name = argv.find((a) => /^(storage|monitoring)-\d$/.test(a));
      if (name && argv.includes('get')) order.push(`get ${name}`);
      if (argv.includes('apply') && argv.some((a) => a.endsWith('storage.yaml'))) order.push('apply storage');
      return run(argv, options);
    };
    await up();
    expect(order.lastIndexOf('get monitoring-0')).toBeGreaterThan(order.indexOf('apply storage'));
  });

  it('two independent steps failing: the run names the first in roadmap order and the other; an apply failure makes it exit 1', async () => {
    h.cluster.failWhen = (argv) =>
      argv.includes('apply') && argv.some((a) => a.endsWith('storage.yaml') || a.endsWith('security.yaml')) ? 'error: broken' : undefined;
    const { error, exitCode, events } = await up();
    expect(exitCode).toBe(1);
    expect(error?.message).toMatch(/^step storage failed to apply:\n[\s\S]*error: broken[\s\S]*\n\(also failed: security\)$/);
    expect(events.at(-1)).toMatchObject({ event: 'run.end', failed: 'storage', exitCode: 1 });
    expect(of(events, 'phase.end').map((e) => e.phase)).toEqual([]);
  });

  it('a check failure and an apply failure together exit 1; two check failures exit 3', async () => {
    const real = h.cluster.put.bind(h.cluster);
    h.cluster.put = (o) => (o.metadata.name === 'security-0' ? o : real(o));
    h.cluster.failWhen = (argv) => (argv.includes('apply') && argv.some((a) => a.endsWith('storage.yaml')) ? 'error: broken' : undefined);
    expect((await up()).exitCode).toBe(1);

    h.cluster = new FakeCluster();
    const real2 = h.cluster.put.bind(h.cluster);
    h.cluster.put = (o) => (['security-0', 'storage-0'].includes(o.metadata.name) ? o : real2(o));
    const { exitCode, error } = await up();
    expect(exitCode).toBe(3);
    expect(error?.message).toMatch(
      /^step storage was applied but 1 check\(s\) failed:\n {2}configmap demo\/storage-0 exists: configmap demo\/storage-0 does not exist\n\(also failed: security\)$/,
    );

    h.cluster = new FakeCluster();
    const real3 = h.cluster.put.bind(h.cluster);
    h.cluster.put = (o) => (o.metadata.name === 'storage-0' ? o : real3(o));
    h.cluster.failWhen = (argv) => (argv.includes('apply') && argv.some((a) => a.endsWith('security.yaml')) ? 'error: broken' : undefined);
    expect((await up()).exitCode).toBe(1);
  });

  it('a failed apply keeps what the step applied before in state, and the failure says what kubectl said, with secrets redacted', async () => {
    h.plan = roadmapOf([step('cluster', []), step('networking', ['cluster']), twoActionStep('storage', ['networking'])]);
    h.cluster.failWhen = (argv) =>
      argv.includes('apply') && argv.some((a) => a.endsWith('storage-more.yaml')) ? 'error: token hunter2 refused' : undefined;
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      h.cluster.exec.redactor.add('hunter2');
      return run(argv, options);
    };
    const { error, events } = await up();
    expect(error?.message).not.toContain('hunter2');
    const stored = h.cluster.state().steps.storage;
    expect(stored.status).toBe('failed');
    expect(stored.error).toContain('token');
    expect(stored.error).not.toContain('hunter2');
    expect(stored.applied).toEqual([{ type: 'objects', refs: expect.arrayContaining([expect.objectContaining({ name: 'storage-0' })]) }]);
    expect(of(events, 'step.fail')[0]).toMatchObject({ step: 'storage', diagnostics: [] });
  });

  it('a helm step failing: the failure carries the diagnostics of the release’s namespace', async () => {
    h.plan = roadmapOf([step('cluster', []), helmStep('monitoring', ['cluster'])]);
    h.cluster.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'prom-0', namespace: 'monitoring' },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'prom', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      },
    } as any);
    h.cluster.failWhen = (argv) => (argv[0] === 'helm' && argv[1] === 'upgrade' ? 'Error: UPGRADE FAILED: timed out' : undefined);
    const { error, events } = await up();
    const fail = of(events, 'step.fail')[0];
    expect(fail).toMatchObject({ step: 'monitoring', error: expect.stringContaining('UPGRADE FAILED') });
    expect(fail.diagnostics).toEqual(['pod monitoring/prom-0 Running: prom: CrashLoopBackOff']);
    expect(error?.message).toContain('\n  diagnostics:\n    pod monitoring/prom-0 Running: prom: CrashLoopBackOff');
  });

  it('a helm step records release and revision; when the step changes but the release does not, helm is not run again', async () => {
    h.plan = roadmapOf([step('cluster', []), helmStep('monitoring', ['cluster'])]);
    await up();
    expect(h.cluster.state().steps.monitoring.applied).toEqual([
      {
        type: 'release',
        release: 'monitoring',
        namespace: 'monitoring',
        fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
        revision: 1,
      },
    ]);
    expect(h.cluster.changes.filter((c) => c.startsWith('helm upgrade'))).toEqual(['helm upgrade monitoring/monitoring']);
    // The step changes (one more manifest) while the release stays as it is.
    const extra = path.join(dir, 'extra.yaml');
    writeFileSync(extra, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: demo\n');
    h.plan = roadmapOf([
      step('cluster', []),
      helmStep('monitoring', ['cluster'], [{ type: 'apply', manifest: extra, absolute: true, description: 'extra' }]),
    ]);
    h.cluster.changes.length = 0;
    const { events } = await up();
    expect(h.cluster.changes.filter((c) => c.startsWith('helm upgrade'))).toEqual([]);
    expect(of(events, 'step.progress').map((e) => e.message)).toContain(
      'helm release monitoring/monitoring unchanged (chart and values as in revision 1, deployed): no upgrade',
    );
    expect(h.cluster.state().steps.monitoring.applied).toEqual([
      expect.objectContaining({ type: 'release', release: 'monitoring', revision: 1 }),
      { type: 'objects', refs: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'extra', namespace: 'demo' }] },
    ]);
    // Values changed: helm runs.
    h.plan = roadmapOf([step('cluster', []), helmStep('monitoring', ['cluster'])]);
    writeFileSync(path.join(dir, 'monitoring-values.yaml'), 'replicas: 2\n');
    h.cluster.changes.length = 0;
    await up();
    expect(h.cluster.changes.filter((c) => c.startsWith('helm upgrade'))).toEqual(['helm upgrade monitoring/monitoring']);
    expect(h.cluster.state().steps.monitoring.applied).toEqual([
      expect.objectContaining({ type: 'release', revision: 2 }),
      { type: 'objects', refs: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'extra', namespace: 'demo' }] },
    ]);
  });

  it('after drift, a changed helm step runs helm again even when its release looks unchanged', async () => {
    h.plan = roadmapOf([step('cluster', []), helmStep('monitoring', ['cluster'])]);
    await up();
    const state = h.cluster.state();
    state.steps.monitoring.status = 'failed';
    h.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kubestrap-state', namespace: 'kubestrap-system' },
      data: { 'state.json': JSON.stringify(state) },
    } as any);
    h.cluster.changes.length = 0;
    await up();
    expect(h.cluster.changes.filter((c) => c.startsWith('helm upgrade'))).toEqual(['helm upgrade monitoring/monitoring']);
  });

  it('an interrupted run (signal) starts no further step, records nothing as failed that did not run, and exits 130', async () => {
    const controller = new AbortController();
    h.cluster.failWhen = (argv) => {
      if (argv.includes('apply') && argv.some((a) => a.endsWith('cluster.yaml'))) controller.abort();
      return undefined;
    };
    const { error, exitCode, events } = await up({ signal: controller.signal });
    expect(exitCode).toBe(130);
    expect(error?.message).toBe('Interrupted.');
    expect(of(events, 'step.start').map((e) => e.step)).toEqual(['cluster']);
    expect(Object.keys(h.cluster.state().steps)).toEqual(['cluster']);
    expect(events.at(-1)).toMatchObject({ event: 'run.end', ok: false, exitCode: 130 });
    expect(h.cluster.get('lease', 'kubestrap-system', 'kubestrap-run')).toBeUndefined();
  });

  it('an interruption between two actions of a step records it failed as "interrupted while applying", keeping what was applied', async () => {
    const controller = new AbortController();
    h.plan = roadmapOf([twoActionStep('cluster', [])]);
    h.cluster.failWhen = (argv) => {
      if (argv.includes('apply') && argv.some((a) => a.endsWith('cluster.yaml'))) controller.abort();
      return undefined;
    };
    const { exitCode } = await up({ signal: controller.signal });
    expect(exitCode).toBe(130);
    expect(stepApplies(h.cluster)).toEqual(['cluster-0']);
    expect(h.cluster.state().steps.cluster).toMatchObject({
      status: 'failed',
      error: 'interrupted while applying',
      applied: [{ type: 'objects', refs: [expect.objectContaining({ name: 'cluster-0' })] }],
    });
  });

  it('binding an existing cluster the first time asks, and a "no" applies nothing; a bound cluster is not asked again', async () => {
    const asked: string[][] = [];
    const no = await up({
      confirmTarget: async (context, server) => {
        asked.push([context, server]);
        return false;
      },
    });
    expect(asked).toEqual([['fake', 'https://127.0.0.1:6443']]);
    expect(no.exitCode).toBe(130);
    expect(no.error?.message).toBe('Not confirmed; nothing was applied.');
    expect(h.cluster.changes).toEqual([]);
    await up();
    asked.length = 0;
    await up({
      confirmTarget: async (context, server) => {
        asked.push([context, server]);
        return false;
      },
    });
    expect(asked).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(dir, '.kubestrap/identity-demo.json'), 'utf8'))).toMatchObject({
      kubeSystemUid: 'kube-system-uid-1',
    });
  });

  it('verify never asks to bind a cluster', async () => {
    let asked = false;
    await up({
      command: 'verify',
      confirmTarget: async () => {
        asked = true;
        return true;
      },
    });
    expect(asked).toBe(false);
  });

  it('the scorecard records each check; a failing check labels it drift and the run warns', async () => {
    withConfig('');
    await up();
    const card = h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-scorecard') as any;
    expect(card.metadata.labels['kubestrap.dev/drift']).toBe('false');
    expect(card.data.summary).toBe('6 ok, 0 failed, 0 skipped');
    h.cluster.objects.delete('configmap|demo|security-0');
    const { events } = await up({ command: 'verify' });
    expect((h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-scorecard') as any).metadata.labels['kubestrap.dev/drift']).toBe(
      'true',
    );
    expect(of(events, 'log')).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message:
          'drift: checks that verified before fail now (scorecard kubestrap-system/kubestrap-scorecard is labelled kubestrap.dev/drift=true)',
      }),
    );
    const ok = await up();
    expect(of(ok.events, 'log').some((e) => e.message.startsWith('drift:'))).toBe(false);
  });

  it('no scorecard is written when scorecard is off, when verify only read, or when no check ran', async () => {
    await up();
    expect(h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-scorecard')).toBeUndefined();
    withConfig('');
    h.cluster = new FakeCluster();
    await up({ command: 'verify' });
    expect(h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-scorecard')).toBeUndefined();
    h.plan = roadmapOf([{ ...step('cluster', []), rendered: { ...step('cluster', []).rendered, checks: [] } }]);
    await up();
    expect(h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-scorecard')).toBeUndefined();
  });
});

describe('runner: the smoke-test workload after a verified up (kubectl child processes faked in memory)', () => {
  /** The integration step: the smoke workload's objects, checked by its Deployment. */
  function integrationStep(label = 'v1'): PlannedStep {
    const file = path.join(dir, 'integration.yaml');
    const meta = `metadata:\n  name: smoke\n  namespace: kubestrap-smoke\n  labels:\n    version: ${label}\n`;
    writeFileSync(
      file,
      [
        `apiVersion: apps/v1\nkind: Deployment\n${meta}`,
        `apiVersion: v1\nkind: Service\n${meta}`,
        `apiVersion: policy/v1\nkind: PodDisruptionBudget\n${meta}`,
        `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n${meta}`,
      ].join('---\n'),
    );
    return {
      id: 'integration',
      title: 'the integration step',
      enabled: true,
      needs: ['cluster'],
      rendered: {
        artifacts: [],
        actions: [{ type: 'apply', manifest: file, absolute: true, description: `smoke workload ${label}` }],
        checks: [{ type: 'exists', resource: 'deployment', namespace: 'kubestrap-smoke', name: 'smoke' }],
      },
      commands: [],
      stdin: [],
    };
  }
  const marker = () => h.cluster.get('configmap', 'kubestrap-system', 'kubestrap-smoke-removed') as any;
  const smokeLeft = () => [...h.cluster.objects.keys()].filter((k) => k.includes('|kubestrap-smoke|'));

  beforeEach(() => {
    h.plan = roadmapOf([step('cluster', []), integrationStep()]);
  });

  it('a verified up removes the workload (scalers first, Deployment last), records when, and later runs skip its checks saying so', async () => {
    const { events } = await up();
    expect(smokeLeft()).toEqual([]);
    expect(h.cluster.changes.filter((c) => c.startsWith('delete') && c.includes('kubestrap-smoke/'))).toEqual([
      'delete horizontalpodautoscaler kubestrap-smoke/smoke',
      'delete poddisruptionbudget kubestrap-smoke/smoke',
      'delete service kubestrap-smoke/smoke',
      'delete deployment kubestrap-smoke/smoke',
    ]);
    expect(marker().data['removed-at']).toMatch(/^\d{4}-/);
    expect(of(events, 'log')).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message:
          'verified: the smoke-test workload is removed (horizontalpodautoscalers/smoke, poddisruptionbudgets/smoke, services/smoke, deployments/smoke); spec.verification.keepSmoke or --keep-smoke keeps it',
      }),
    );
    const removedAt = marker().data['removed-at'];
    const again = await up();
    expect(again.exitCode).toBe(0);
    expect(of(again.events, 'step.start')).toEqual([]);
    const check = of(again.events, 'check.result').find((c) => c.step === 'integration');
    expect(check).toMatchObject({ status: 'skipped', message: expect.stringContaining(removedAt) });
    expect(of(again.events, 'step.skip').find((e) => e.step === 'integration').reason).toMatch(/; 0 checks ok, 1 skipped$/);
  });

  it('a re-applied integration step brings the workload back, and its checks run for real again', async () => {
    await up();
    h.plan = roadmapOf([step('cluster', []), integrationStep('v2')]);
    const { events } = await up({ command: 'phase' });
    expect(
      of(events, 'check.result')
        .filter((c) => c.step === 'integration')
        .map((c) => c.status),
    ).toEqual(['ok']);
    // phase keeps the workload (a later phase aims at it)
    expect(smokeLeft()).not.toEqual([]);
  });

  it('keepSmoke keeps the workload, and a marker left by an earlier removal goes, so its checks run again', async () => {
    await up();
    expect(marker()).toBeDefined();
    withConfig('  verification:\n    scorecard: false\n    keepSmoke: true\n');
    const { events, exitCode } = await up();
    expect(exitCode).toBe(0);
    expect(smokeLeft().length).toBe(4);
    expect(marker()).toBeUndefined();
    expect(of(events, 'log')).toContainEqual(
      expect.objectContaining({ level: 'info', message: 'the smoke-test workload stays (spec.verification.keepSmoke)' }),
    );
    // No marker left to clear: none is deleted.
    const deletes: string[][] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('delete')) deletes.push([...argv]);
      return run(argv, options);
    };
    await up();
    expect(deletes.filter((a) => a.includes('kubestrap-smoke-removed'))).toEqual([]);
    expect(
      of(events, 'check.result')
        .filter((c) => c.step === 'integration')
        .map((c) => c.status),
    ).toContain('ok');
  });

  it('the workload stays after a failed up, after a phase run, and when the integration step is not selected or disabled', async () => {
    h.cluster.failWhen = (argv) => (argv.includes('apply') && argv.some((a) => a.endsWith('cluster.yaml')) ? 'error: no' : undefined);
    await up({ selection: { only: ['integration', 'cluster'] } });
    h.cluster.failWhen = undefined;
    expect(marker()).toBeUndefined();
    await up({ command: 'phase' });
    expect(smokeLeft().length).toBe(4);
    expect(marker()).toBeUndefined();
    await up({ selection: { only: ['cluster'] } });
    expect(smokeLeft().length).toBe(4);
    const plan = roadmapOf([step('cluster', []), { ...integrationStep(), enabled: false }]);
    h.plan = plan;
    await up();
    expect(smokeLeft().length).toBe(4);
    expect(marker()).toBeUndefined();
  });
});

describe('runner: plan, preflight, kind and the lease as a run sees them (kubectl/helm/kind child processes faked in memory)', () => {
  it('the plan is built from the config beside the work dir, and written with the config file named', async () => {
    await up();
    expect(h.built[0]).toEqual({ config: loaded.config, baseDir: dir, outDir: dir });
    expect(h.writtenWith).toEqual([{ configFile: loaded.file }]);
  });

  it('run.start lays out the phases of the selected steps', async () => {
    const { events } = await up({ selection: { skip: ['security'] } });
    expect(events[0]).toMatchObject({
      event: 'run.start',
      phases: [
        { id: 'foundation', steps: ['cluster', 'networking', 'storage'] },
        { id: 'observability', steps: ['monitoring'] },
      ],
    });
  });

  it('the preflight gets the enabled selected steps and the tool versions; its warnings are shown, its problems stop the run before anything is applied', async () => {
    const plan = fourSteps();
    plan.phases[1]!.steps[0] = { ...plan.phases[1]!.steps[0]!, enabled: false };
    h.plan = plan;
    h.preflight = { warnings: [{ what: 'no metrics-server', fix: 'install it' }], problems: [] };
    const { events } = await up({ selection: { skip: ['monitoring'] } });
    expect(h.preflightArgs[0]).toMatchObject({
      config: loaded.config,
      steps: ['cluster', 'networking', 'storage'],
      tools: { kubectl: 'v1.36.0', helm: 'v4.1.0', helmMajor: 4 },
    });
    expect(h.preflightArgs[0].tools).not.toHaveProperty('kind');
    expect(of(events, 'log').map((e) => e.message)).toContain('preflight: no metrics-server (fix: install it)');

    h.cluster = new FakeCluster();
    h.preflight = { warnings: [], problems: [{ what: 'Secret x missing', fix: 'create it' }] };
    const refused = await up();
    expect(refused.exitCode).toBe(2);
    expect(refused.error?.message).toContain('preflight found 1 problem; nothing was applied');
    expect(h.cluster.changes).toEqual([]);
    expect(refused.events.at(-1)).toMatchObject({ event: 'run.end', ok: false, exitCode: 2 });
  });

  it('verify runs no preflight', async () => {
    await up({ command: 'verify' });
    expect(h.preflightArgs).toEqual([]);
  });

  it('kind: the cluster step’s kind actions run before anything asks the cluster, once; the kind version goes to the preflight; verify creates nothing', async () => {
    loaded = {
      ...parseConfigText(
        minimalConfig.replace('provider: existing\n    name: fake', 'provider: kind\n    name: lab'),
        path.join(dir, 'kubestrap.yaml'),
      ),
      baseDir: dir,
    };
    const plan = fourSteps();
    const cluster = plan.phases[0]!.steps[0]!;
    plan.phases[0]!.steps[0] = {
      ...cluster,
      rendered: {
        ...cluster.rendered,
        actions: [{ type: 'kind-create', cluster: 'lab', config: 'kind.yaml', waitForNodes: true }, ...cluster.rendered.actions],
      },
    };
    h.plan = plan;
    const order: string[] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv[0] === 'kind') {
        order.push(argv.slice(0, 3).join(' '));
        return { stdout: argv[1] === 'version' ? 'kind v0.30.0 go1.24 linux/amd64' : argv[1] === 'get' ? '' : '', stderr: '', exitCode: 0 };
      }
      if (argv[0] === 'kubectl' && argv[1] !== 'version') order.push('kubectl');
      return run(argv, options);
    };
    const { exitCode, events } = await up();
    expect(exitCode).toBe(0);
    expect(order.slice(0, 2)).toEqual(['kind get clusters', 'kind create cluster']);
    expect(order.filter((o) => o === 'kind create cluster')).toHaveLength(1);
    expect(
      of(events, 'step.progress')
        .filter((e) => e.step === 'cluster')
        .map((e) => e.message),
    ).toContain('creating kind cluster lab (a few minutes)');
    expect(h.preflightArgs[0].tools.kind).toBe('v0.30.0');
    expect(h.cluster.state().steps.cluster.status).toBe('verified');
    order.length = 0;
    await up({ command: 'verify' });
    expect(order.filter((o) => o.startsWith('kind'))).toEqual([]);
    order.length = 0;
    h.cluster.changes.length = 0;
    h.plan = roadmapOf([
      plan.phases[0]!.steps[0]!,
      {
        ...step('networking', ['cluster']),
        title: 'changed',
        rendered: { ...step('networking', ['cluster']).rendered, artifacts: [{ path: 'x', content: 'y' }] },
      },
    ]);
    await up({ selection: { skip: ['cluster'] } });
    expect(order.filter((o) => o.startsWith('kind get') || o.startsWith('kind create'))).toEqual([]);
    // Without the cluster step nothing runs before the lease is taken.
    expect(h.cluster.changes.indexOf('create Lease kubestrap-system/kubestrap-run')).toBeLessThan(
      h.cluster.changes.findIndex((c) => c.startsWith('apply ConfigMap demo/')),
    );
  });

  it('a lease left expired by a killed run is taken over, and the run says so as a warning', async () => {
    const old = new Date(Date.now() - 600_000).toISOString();
    h.cluster.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'kubestrap-run', namespace: 'kubestrap-system' },
      spec: { holderIdentity: 'ci-7/pid-1/abc', leaseDurationSeconds: 60, renewTime: old, acquireTime: old },
    });
    const { events, exitCode } = await up();
    expect(exitCode).toBe(0);
    expect(of(events, 'log').find((e) => e.message.startsWith('took over the run lease'))).toMatchObject({ level: 'warn' });
  });

  it('a step verified before this kubestrap recorded appliedAt is skipped as unchanged since the last run', async () => {
    await up();
    const state = h.cluster.state();
    delete state.steps.cluster.appliedAt;
    h.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kubestrap-state', namespace: 'kubestrap-system' },
      data: { 'state.json': JSON.stringify(state) },
    } as any);
    const { summary } = await up();
    expect(summary?.skipped.find((s) => s.step === 'cluster')?.reason).toBe('unchanged since last run; 1 checks ok');
  });

  it('assertVerified: a verification with failed checks is an error (exit 3) naming how many; none failed passes', () => {
    const check = (status: 'ok' | 'failed' | 'skipped') => ({ step: 'cluster' as const, check: 'exists', description: 'd', status, ms: 1 });
    const summary = (...checks: ReturnType<typeof check>[]) => ({
      exitCode: 0 as const,
      changed: [],
      skipped: [],
      checks,
      ms: 0,
      commandMs: 0,
    });
    expect(() => assertVerified(summary(check('ok'), check('skipped')))).not.toThrow();
    let error: unknown;
    try {
      assertVerified(summary(check('failed'), check('ok'), check('failed')));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerificationError);
    expect((error as VerificationError).message).toBe('2 check(s) failed');
    expect((error as VerificationError).exitCode).toBe(3);
    expect((error as VerificationError).suggestion).toContain('kubestrap up');
  });
});

describe('runner: what a helm step shows while it waits and recovers (kubectl/helm child processes faked in memory)', () => {
  it('a helm failing after a long wait shows the namespace as it was while waiting, and only what is new after it', async () => {
    h.plan = roadmapOf([step('cluster', []), helmStep('monitoring', ['cluster'])]);
    const pod = (name: string, reason: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'monitoring' },
      status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason } } }] },
    });
    h.cluster.put(pod('stays', 'ImagePullBackOff') as any);
    h.cluster.put(pod('rolled-back', 'CrashLoopBackOff') as any);
    let waiting = false;
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv[0] === 'helm' && argv[1] === 'upgrade') {
        waiting = true;
        await new Promise((r) => setTimeout(r, 600_000));
        h.cluster.objects.delete('pod|monitoring|rolled-back');
        h.cluster.put(pod('new', 'ErrImagePull') as any);
        throw new CommandError('exit 1', [...argv], 'Error: UPGRADE FAILED: context deadline exceeded');
      }
      return run(argv, options);
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pending = up();
      while (!waiting) await new Promise((r) => setImmediate(r));
      await vi.advanceTimersByTimeAsync(600_000);
      const { events } = await pending;
      expect(of(events, 'step.fail')[0].diagnostics).toEqual([
        'while waiting: pod monitoring/stays Running: c: ImagePullBackOff',
        'while waiting: pod monitoring/rolled-back Running: c: CrashLoopBackOff',
        'pod monitoring/new Running: c: ErrImagePull',
      ]);
      expect(of(events, 'step.progress').map((e) => e.message)).toContain(
        'still waiting for monitoring; collecting diagnostics in monitoring',
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('a release an interrupted run left pending is rolled back first, and the run warns about it', async () => {
    h.plan = roadmapOf([step('cluster', []), helmStep('monitoring', ['cluster'])]);
    const old = new Date(Date.now() - 3_600_000).toISOString();
    let rolledBack = false;
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv[0] === 'helm' && argv[1] === 'history' && !rolledBack)
        return {
          stdout: JSON.stringify([
            { revision: 1, status: 'deployed', updated: old },
            { revision: 2, status: 'pending-upgrade', updated: old },
          ]),
          stderr: '',
          exitCode: 0,
        };
      if (argv[0] === 'helm' && argv[1] === 'rollback') {
        rolledBack = true;
        return { stdout: '', stderr: '', exitCode: 0 };
      }
      return run(argv, options);
    };
    const { events, exitCode } = await up();
    expect(exitCode).toBe(0);
    expect(
      of(events, 'log').find((e) => e.message.startsWith('helm release monitoring/monitoring was left pending-upgrade')),
    ).toMatchObject({
      level: 'warn',
    });
  });
});

describe('runner: checks that read a kind control plane (kubectl, kind and docker child processes faked in memory)', () => {
  function controlPlaneChecks(provider: 'kind' | 'existing') {
    if (provider === 'kind')
      loaded = {
        ...parseConfigText(
          minimalConfig.replace('provider: existing\n    name: fake', 'provider: kind\n    name: lab'),
          path.join(dir, 'kubestrap.yaml'),
        ),
        baseDir: dir,
      };
    h.cluster.objects.delete('node||node-1');
    h.cluster.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'lab-control-plane', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const base = step('cluster', []);
    h.plan = roadmapOf([
      {
        ...base,
        rendered: {
          ...base.rendered,
          checks: [
            { type: 'probe', probe: 'secrets-encrypted', namespace: 'kubestrap-system', description: 'Secrets are encrypted in etcd' },
            { type: 'probe', probe: 'audit-log', namespace: 'kubestrap-system', description: 'the API server writes an audit log' },
          ],
        },
      },
    ]);
    const seen: string[][] = [];
    h.cluster.failWhen = (argv) =>
      argv.some((a) => a.includes('/proxy/logs/'))
        ? 'Error from server (NotFound): the server could not find the requested resource'
        : undefined;
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      const ok = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });
      if (argv[0] === 'kind') return ok(argv[1] === 'version' ? 'kind v0.30.0' : '');
      if (argv[0] === 'docker') {
        seen.push([...argv]);
        const name = argv[argv.indexOf('-F') + 1]!;
        return ok(
          JSON.stringify({
            kind: 'Event',
            stage: 'ResponseComplete',
            objectRef: { resource: 'configmaps', namespace: 'kubestrap-system', name },
          }),
        );
      }
      if (argv.includes('exec')) {
        seen.push([...argv]);
        return ok('k8s:enc:aescbc:v1:key1:...');
      }
      return run(argv, options);
    };
    return seen;
  }

  it('on kind the etcd check asks the control plane’s etcd pod and the audit check reads the node’s log', async () => {
    const seen = controlPlaneChecks('kind');
    const { summary } = await up();
    expect(summary?.checks.map((c) => c.status)).toEqual(['ok', 'ok']);
    expect(seen.find((a) => a.includes('exec'))).toEqual(expect.arrayContaining(['--namespace', 'kube-system', 'etcd-lab-control-plane']));
    expect(seen.find((a) => a[0] === 'docker')!.slice(0, 3)).toEqual(['docker', 'exec', 'lab-control-plane']);
  });

  it('on an existing cluster there is no kind node to read: the etcd check says so', async () => {
    const seen = controlPlaneChecks('existing');
    const cluster = h.plan.phases[0]!.steps[0]!;
    cluster.rendered.checks = cluster.rendered.checks.slice(0, 1);
    const { events } = await up();
    expect(of(events, 'check.result')[0]).toMatchObject({
      status: 'failed',
      message: 'reading etcd needs the kind control plane; not available for this provider',
    });
    expect(seen).toEqual([]);
  });
});

describe('runner: a check failing without a message (kubectl child processes faked in memory)', () => {
  it('is reported as "failed" by up, and by verify with nothing after the colon', async () => {
    h.plan = roadmapOf([step('cluster', [])]);
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('get') && argv.includes('cluster-0')) throw new Error('');
      return run(argv, options);
    };
    const { error } = await up();
    expect(error?.message).toBe('step cluster was applied but 1 check(s) failed:\n  configmap demo/cluster-0 exists: failed');
    const { events } = await up({ command: 'verify' });
    expect(of(events, 'step.fail')[0].error).toBe('configmap demo/cluster-0 exists: ');
  });
});

describe('runner: what run.end and the summary say (kubectl child processes faked in memory)', () => {
  it('the time of the run and the time spent in commands (overlaps counted once), rounded; the summary lists steps in roadmap order', async () => {
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      const result = await run(argv, options);
      if (argv.includes('apply') && argv.some((a) => a.endsWith('cluster.yaml'))) {
        h.cluster.exec.timings.push({ argv: 'a', start: 1_000, ms: 300.4, ok: true }, { argv: 'b', start: 1_200, ms: 400, ok: true });
      }
      return result;
    };
    const t0 = performance.now();
    const { events, summary } = await up({ env: { KUBESTRAP_RECHECK_SECONDS: '0', KUBESTRAP_CONCURRENCY: '4' } });
    const wall = performance.now() - t0;
    const end = events.at(-1) as any;
    expect(end.commandMs).toBe(600);
    expect(summary?.commandMs).toBe(600);
    expect(end.ms).toBe(summary?.ms);
    expect(end.ms).toBeGreaterThanOrEqual(0);
    expect(end.ms).toBeLessThanOrEqual(Math.ceil(wall));
    expect(end.next).toBe('kubestrap status shows what is applied; kubestrap verify re-checks it at any time.');
    expect(summary?.changed).toEqual(['cluster', 'networking', 'storage', 'security', 'monitoring']);
    expect(summary?.checks.map((c) => c.step)).toEqual(['cluster', 'networking', 'storage', 'storage', 'security', 'monitoring']);
    const again = await up();
    expect(again.summary?.skipped.map((s) => s.step)).toEqual(['cluster', 'networking', 'storage', 'security', 'monitoring']);
  });

  it('--only with no step named runs every step', async () => {
    const { events } = await up({ selection: { only: [] } });
    expect(of(events, 'step.ok')).toHaveLength(5);
  });

  it('each step’s and phase’s end carries how long it took, within the run’s time', async () => {
    h.cluster.failWhen = (argv) => (argv.includes('apply') && argv.some((a) => a.endsWith('security.yaml')) ? 'error: no' : undefined);
    const t0 = performance.now();
    const { events } = await up();
    const wall = Math.ceil(performance.now() - t0);
    const timed = [...of(events, 'step.ok'), ...of(events, 'step.fail'), ...of(events, 'phase.end')];
    expect(timed.length).toBe(6);
    for (const e of timed) {
      expect(e.ms).toBeGreaterThanOrEqual(0);
      expect(e.ms).toBeLessThanOrEqual(wall);
    }
  });
});

describe('runner: phases, blocked steps and verify’s independence (kubectl child processes faked in memory)', () => {
  it('a step not run because a step it needs failed is reported skipped with why; its phase starts once and does not end', async () => {
    h.plan = roadmapOf([
      step('cluster', []),
      step('networking', ['cluster']),
      step('storage', ['networking']),
      step('security', ['networking']),
    ]);
    h.cluster.failWhen = (argv) => (argv.includes('apply') && argv.some((a) => a.endsWith('networking.yaml')) ? 'error: no' : undefined);
    const { events, error } = await up();
    expect(error?.message).toContain('step networking failed to apply');
    const reason = 'not run: needs step networking, which did not succeed in this run';
    expect(of(events, 'step.skip').map((e) => [e.phase, e.step, e.reason])).toEqual([
      ['foundation', 'storage', reason],
      ['features', 'security', reason],
    ]);
    expect(events.at(-1)).toMatchObject({
      skipped: [
        { step: 'storage', reason },
        { step: 'security', reason },
      ],
    });
    expect(of(events, 'phase.start').map((e) => e.phase)).toEqual(['foundation', 'features']);
    expect(of(events, 'phase.end')).toEqual([]);
  });

  it('verify checks every step even when a step it needs fails verification', async () => {
    await up();
    h.cluster.objects.delete('configmap|demo|networking-0');
    const { events } = await up({ command: 'verify' });
    expect(of(events, 'step.fail').map((e) => e.step)).toEqual(['networking']);
    expect(of(events, 'step.ok').map((e) => e.step)).toEqual(['cluster', 'storage', 'security', 'monitoring']);
    expect(of(events, 'step.skip')).toEqual([]);
  });

  it('an unchanged re-run records each step verified again (verifiedAt moves on) even though nothing is applied', async () => {
    await up();
    const first = h.cluster.state();
    await new Promise((r) => setTimeout(r, 5));
    await up();
    const second = h.cluster.state();
    for (const id of Object.keys(first.steps))
      expect(Date.parse(second.steps[id].verifiedAt)).toBeGreaterThan(Date.parse(first.steps[id].verifiedAt));
  });

  it('a disabled step’s checks are not even read', async () => {
    await up();
    const plan = fourSteps();
    plan.phases[1]!.steps[0] = { ...plan.phases[1]!.steps[0]!, enabled: false };
    h.plan = plan;
    const reads: string[][] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('security-0')) reads.push([...argv]);
      return run(argv, options);
    };
    await up();
    expect(reads).toEqual([]);
  });
});

describe('runner: lease time, simulated nodes, suggestions, check timing and fatal errors (kubectl child processes faked in memory)', () => {
  it('the run lease lasts KUBESTRAP_LEASE_SECONDS (60 by default)', async () => {
    const durations: number[] = [];
    const put = h.cluster.put.bind(h.cluster);
    h.cluster.put = (o) => {
      if (o.kind === 'Lease') durations.push((o as any).spec.leaseDurationSeconds);
      return put(o);
    };
    await up({ env: { KUBESTRAP_RECHECK_SECONDS: '0', KUBESTRAP_LEASE_SECONDS: '17' } });
    expect(durations[0]).toBe(17);
    durations.length = 0;
    await up();
    expect(durations[0]).toBe(60);
  });

  it('on KWOK nodes the run says checks needing containers will be skipped; on real nodes it does not', async () => {
    const simulated = await up();
    expect(of(simulated.events, 'log')).toContainEqual({
      event: 'log',
      level: 'info',
      message: 'every node is simulated (KWOK): checks that need running containers will be reported as skipped',
      time: expect.any(String),
    });
    h.cluster = new FakeCluster();
    h.cluster.objects.delete('node||node-1');
    h.cluster.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'real' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const real = await up();
    expect(of(real.events, 'log').some((e) => e.message.startsWith('every node is simulated'))).toBe(false);
  });

  it('a failed step’s error tells where the next run resumes', async () => {
    h.cluster.failWhen = (argv) => (argv.includes('apply') && argv.some((a) => a.endsWith('storage.yaml')) ? 'error: no' : undefined);
    const { error } = await up();
    expect((error as any).suggestion).toBe('Fix the cause, then run again: kubestrap resumes at step storage.');
  });

  it('a phase’s time covers its slowest step; the summary lists steps in roadmap order whatever order they finished in', async () => {
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('apply') && argv.some((a) => a.endsWith('storage.yaml'))) await new Promise((r) => setTimeout(r, 60));
      return run(argv, options);
    };
    const { events, summary } = await up();
    const ok = of(events, 'step.ok');
    expect(ok.map((e) => e.step).indexOf('security')).toBeLessThan(ok.map((e) => e.step).indexOf('storage'));
    expect(summary?.changed).toEqual(['cluster', 'networking', 'storage', 'security', 'monitoring']);
    const storage = ok.find((e) => e.step === 'storage');
    expect(storage.ms).toBeGreaterThanOrEqual(55);
    expect(of(events, 'phase.end').find((e) => e.phase === 'foundation').ms).toBeGreaterThanOrEqual(storage.ms);
  });

  it('an unchanged re-run looks at every step’s checks at once, not each after the steps it needs; verify reads each check once', async () => {
    await up();
    const log: string[] = [];
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    h.cluster.exec.run = async (argv, options) => {
      const name = argv.find((a) => /^(cluster|monitoring)-0$/.test(a));
      if (name && argv.includes('get')) {
        log.push(`start ${name}`);
        if (name === 'cluster-0') await new Promise((r) => setTimeout(r, 40));
        const result = await run(argv, options);
        log.push(`end ${name}`);
        return result;
      }
      return run(argv, options);
    };
    await up();
    expect(log.indexOf('start monitoring-0')).toBeLessThan(log.indexOf('end cluster-0'));
    log.length = 0;
    await up({ command: 'verify' });
    expect(log.filter((l) => l.startsWith('start')).sort()).toEqual(['start cluster-0', 'start monitoring-0']);
  });

  it('a state write that fails stops the run: no new step starts, and the error is the write’s', async () => {
    h.plan = roadmapOf([step('cluster', []), step('security', [])]);
    const run = h.cluster.exec.run.bind(h.cluster.exec);
    let applied = false;
    h.cluster.exec.run = async (argv, options) => {
      if (argv.includes('apply') && argv.some((a) => a.endsWith('cluster.yaml'))) applied = true;
      if (applied && options?.input?.includes('kubestrap-state'))
        throw new CommandError('exit 1', [...argv], 'Error from server: etcdserver: request timed out');
      return run(argv, options);
    };
    const { error, events, exitCode } = await up({ env: { KUBESTRAP_RECHECK_SECONDS: '0', KUBESTRAP_CONCURRENCY: '1' } });
    expect(exitCode).toBe(1);
    expect(error?.message).toContain('etcdserver: request timed out');
    expect(of(events, 'step.start').map((e) => e.step)).toEqual(['cluster']);
    expect(stepApplies(h.cluster)).toEqual(['cluster-0']);
  });
});
