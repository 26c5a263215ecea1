/**
 * The roadmap engine: apply (`up`, `phase`) and verify, resumable and guarded. Steps run in
 * roadmap order; a step whose hash is unchanged and whose checks pass is skipped; a failure is
 * recorded so the next run starts there (earlier steps re-verify and skip).
 */
import type { LoadedConfig } from '../config/load.js';
import { InterruptedError, KubestrapError, UsageError, VerificationError, type ExitCode } from '../errors.js';
import { buildPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import { writePlanArtifacts } from '../plan/write.js';
import { runLayout } from '../roadmap/layout.js';
import type { PhaseId, StepId } from '../roadmap/types.js';
import { ActionFailure, executeAction } from './actions.js';
import { clusterIsSimulated, runCheck, type CheckEnv } from './checks.js';
import { diagnose } from './diagnostics.js';
import { Emitter, type CheckResult, type EventSink } from './events.js';
import { stepHash } from './hash.js';
import { writeScorecard } from './scorecard.js';
import { clearSmokeMarker, removeSmoke, smokeRemovedAt } from './smoke.js';
import { guardIdentity, identityRecordPath, readIdentity, readIdentityRecord, writeIdentityRecord } from './identity.js';
import { RunLease } from './lease.js';
import { busyMs } from '../adapters/exec.js';
import { checkReachableAndSkew, openSession, type Session } from './session.js';
import { preflight, PreflightError } from './preflight.js';
import { ensureStateNamespace, readState, writeState, type AppliedUnit, type RunState, type StepState } from './state.js';
import { limiter, runDag, stepConcurrency } from './schedule.js';
import { StateWriter } from './state-writer.js';
import { currentRevision, releaseFingerprint, reusableRevision } from './release-reuse.js';
import type { HelmRelease } from '../roadmap/types.js';

export interface Selection {
  phases?: PhaseId[];
  only?: StepId[];
  skip?: StepId[];
}

export interface RunOptions {
  command: 'up' | 'phase' | 'verify';
  loaded: LoadedConfig;
  workDir: string;
  selection: Selection;
  rebind: boolean;
  /** Confirms binding an existing cluster for the first time; resolves false to abort. */
  confirmTarget: (context: string, server: string) => Promise<boolean>;
  sinks: EventSink[];
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface RunSummary {
  exitCode: ExitCode;
  changed: StepId[];
  skipped: { step: StepId; reason: string }[];
  checks: CheckResult[];
  ms: number;
  commandMs: number;
}

interface Ctx {
  options: RunOptions;
  plan: Plan;
  session: Session;
  emitter: Emitter;
  state: RunState;
  checkEnv: CheckEnv;
  summary: RunSummary;
  /** Every state write after the run started goes through here (steps run concurrently). */
  stateWriter: StateWriter;
  /** Bounds the checks running at once across all steps. */
  checkSlot: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Checks of steps that were verified and are unchanged, started when the run starts (see prefetchUnchanged). */
  prefetched: Map<StepId, Promise<CheckResult[]>>;
  /** Steps applied in this run: a step that needs one of them is checked afresh, not from the prefetch. */
  appliedThisRun: Set<StepId>;
  /** Transitive needs of each step. */
  needsOf: (id: StepId) => Set<StepId>;
}

export async function runRoadmap(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const emitter = new Emitter(options.sinks);
  const { config } = options.loaded;
  const plan = buildPlan({ config, baseDir: options.loaded.baseDir, outDir: options.workDir });
  for (const w of plan.warnings) emitter.emit({ event: 'log', level: 'warn', message: `[${w.rule}] ${w.message} (fix: ${w.fix})` });
  const selected = selectSteps(plan, options.selection);
  const session = await openSession(config, options.env);
  // Now that we know the helm major, argv in the plan match what will run.
  const runPlan =
    session.helm.major === 4
      ? plan
      : buildPlan({ config, baseDir: options.loaded.baseDir, outDir: options.workDir, helmMajor: session.helm.major });
  if (options.command !== 'verify') await writePlanArtifacts(runPlan, { configFile: options.loaded.file });

  const summary: RunSummary = { exitCode: 0, changed: [], skipped: [], checks: [], ms: 0, commandMs: 0 };
  emitter.emit({
    event: 'run.start',
    command: options.command,
    roadmap: config.metadata.name,
    context: session.kubectl.target.context,
    steps: selected.map((s) => s.step.id),
    phases: runLayout(selected.map((s) => s.step.id)),
  });

  let lease: RunLease | undefined;
  try {
    // A kind cluster has to exist before anything can be asked of it.
    const clusterStep = selected.find((s) => s.step.id === 'cluster');
    if (options.command !== 'verify' && config.spec.cluster.provider === 'kind' && clusterStep) {
      for (const action of clusterStep.step.rendered.actions) {
        await executeAction(action, actionEnv(session, options, emitter, 'cluster'));
      }
    }
    if (options.command === 'verify') await checkReachableAndSkew(session);
    else await runPreflight(session, options, emitter, selected);
    const { state, existed } = await bindToCluster(options, session);
    if (options.command !== 'verify') checkNeeds(runPlan, state, selected);
    // verify on a cluster kubestrap never touched only reads: no namespace, lease, state or binding.
    const readOnly = options.command === 'verify' && !existed;
    if (readOnly) {
      emitter.emit({
        event: 'log',
        level: 'info',
        message: 'nothing of this roadmap is applied on this cluster yet; verify only reads (no state, lease or scorecard written)',
      });
    } else {
      await ensureStateNamespace(session.kubectl, config.metadata.name);
      lease = new RunLease(session.kubectl, session.exec, Number(options.env.KUBESTRAP_LEASE_SECONDS ?? 60), (message) =>
        emitter.emit({ event: 'log', level: 'warn', message }),
      );
      await lease.acquire();
      await writeIdentityRecord(identityRecordPath(options.loaded.baseDir, config.metadata.name), state.identity);
      await writeState(session.kubectl, state);
    }

    const kindNode = `${config.spec.cluster.name}-control-plane`;
    const checkEnv: CheckEnv = {
      kubectl: session.kubectl,
      helm: session.helm,
      simulated: await clusterIsSimulated(session.kubectl),
      timeout: config.spec.verification.timeout,
      ...(config.spec.cluster.provider === 'kind'
        ? { nodeExec: (argv: string[]) => session.kind.nodeExec(kindNode, argv), etcdPod: `etcd-${kindNode}` }
        : {}),
    };
    const smokeGoneAt = readOnly ? undefined : await smokeRemovedAt(session.kubectl);
    if (smokeGoneAt && !config.spec.verification.keepSmoke) checkEnv.smokeRemovedAt = smokeGoneAt;
    if (checkEnv.simulated)
      emitter.emit({
        event: 'log',
        level: 'info',
        message: 'every node is simulated (KWOK): checks that need running containers will be reported as skipped',
      });
    const ctx: Ctx = {
      options,
      plan: runPlan,
      session,
      emitter,
      state,
      checkEnv,
      summary,
      stateWriter: new StateWriter(session.kubectl, state),
      checkSlot: limiter(checkConcurrency),
      prefetched: new Map(),
      appliedThisRun: new Set(),
      needsOf: needsClosure(runPlan),
    };

    await runSelected(ctx, selected);
    await smokeAfterRun(ctx, selected, smokeGoneAt);
    if (!readOnly && config.spec.verification.scorecard && summary.checks.length > 0) {
      const drift = await writeScorecard(session.kubectl, config.metadata.name, summary.checks);
      if (drift)
        emitter.emit({
          event: 'log',
          level: 'warn',
          message:
            'drift: checks that verified before fail now (scorecard kubestrap-system/kubestrap-scorecard is labelled kubestrap.dev/drift=true)',
        });
    }
    return finish(summary, emitter, started, session, summary.exitCode === 0);
  } catch (error) {
    summary.exitCode = error instanceof KubestrapError ? error.exitCode : 1;
    finish(summary, emitter, started, session, false, error);
    throw error;
  } finally {
    if (lease) await lease.release();
  }
}

/**
 * After a whole `up` that verified, the smoke workload has done its job: it is removed unless
 * spec.verification.keepSmoke. `phase` keeps it (a later phase's autoscaling step aims at it).
 */
async function smokeAfterRun(ctx: Ctx, selected: { step: PlannedStep }[], removedBefore: string | undefined): Promise<void> {
  const { options, session, emitter, summary } = ctx;
  if (options.command !== 'up' || summary.exitCode !== 0) return;
  if (!selected.some((s) => s.step.id === 'integration' && s.step.enabled)) return;
  if (options.loaded.config.spec.verification.keepSmoke) {
    if (removedBefore) await clearSmokeMarker(session.kubectl);
    emitter.emit({ event: 'log', level: 'info', message: 'the smoke-test workload stays (spec.verification.keepSmoke)' });
    return;
  }
  const removed = await removeSmoke(session.kubectl);
  emitter.emit({
    event: 'log',
    level: 'info',
    message: `verified: the smoke-test workload is removed (${removed.join(', ')}); spec.verification.keepSmoke or --keep-smoke keeps it`,
  });
}

function finish(summary: RunSummary, emitter: Emitter, started: number, session: Session, ok: boolean, error?: unknown): RunSummary {
  summary.ms = Math.round(performance.now() - started);
  summary.commandMs = Math.round(busyMs(session.exec.timings));
  const failed = error instanceof StepFailure ? error.step : undefined;
  emitter.emit({
    event: 'run.end',
    ok,
    exitCode: ok ? 0 : summary.exitCode,
    ms: summary.ms,
    changed: summary.changed,
    skipped: summary.skipped,
    commandMs: summary.commandMs,
    ...(failed ? { failed } : {}),
    next: ok
      ? 'kubestrap status shows what is applied; kubestrap verify re-checks it at any time.'
      : failed
        ? `fix the cause above, then run the same command again: it resumes at step ${failed}.`
        : 'fix the cause above, then run the same command again.',
  });
  return summary;
}

class StepFailure extends KubestrapError {
  constructor(
    readonly step: StepId,
    message: string,
    exitCode: 1 | 3,
  ) {
    super(message, { exitCode, suggestion: `Fix the cause, then run again: kubestrap resumes at step ${step}.` });
  }
}

/**
 * Runs the selected steps as the DAG their `needs` make (schedule.ts): steps whose needs are met
 * run at the same time, up to KUBESTRAP_CONCURRENCY (4). Each step emits its own events in order
 * (start, progress, its checks in check order, ok/fail). A phase starts with the first event of one
 * of its steps and ends once all its steps ended well, so phases may overlap. A failed step stops
 * only the steps that need it (reported skipped, "not run"); the run then ends failed. verify
 * only reads, so its steps run without waiting for one another.
 */
async function runSelected(ctx: Ctx, selected: { phase: PhaseId; step: PlannedStep }[]): Promise<void> {
  const { emitter, options, summary } = ctx;
  const verify = options.command === 'verify';
  const byId = new Map(selected.map((s) => [s.step.id, s]));
  const entry = (id: StepId) => {
    const found = byId.get(id);
    if (!found) throw new Error(`internal: step ${id} is not selected`);
    return found;
  };
  const order = new Map(selected.map((s, i) => [s.step.id, i]));
  const left = new Map<PhaseId, number>();
  for (const { phase } of selected) left.set(phase, (left.get(phase) ?? 0) + 1);
  const phaseStarted = new Map<PhaseId, number>();
  const phaseFailed = new Set<PhaseId>();
  const failures: StepFailure[] = [];

  const enterPhase = (phase: PhaseId) => {
    if (phaseStarted.has(phase)) return;
    phaseStarted.set(phase, performance.now());
    emitter.emit({ event: 'phase.start', phase });
  };
  const leavePhase = (phase: PhaseId, ok: boolean) => {
    if (!ok) phaseFailed.add(phase);
    const remaining = (left.get(phase) ?? 1) - 1;
    left.set(phase, remaining);
    if (remaining === 0 && !phaseFailed.has(phase))
      emitter.emit({ event: 'phase.end', phase, ms: Math.round(performance.now() - (phaseStarted.get(phase) ?? performance.now())) });
  };

  if (!verify) prefetchUnchanged(ctx, selected);
  const result = await runDag(
    selected.map(({ step }) => ({ id: step.id, needs: verify || !step.enabled ? [] : step.needs })),
    {
      limit: stepConcurrency(options.env),
      stopped: () => options.signal?.aborted ?? false,
      onBlocked: (id, because) => {
        const { phase } = entry(id);
        enterPhase(phase);
        const reason = `not run: needs step ${because}, which did not succeed in this run`;
        summary.skipped.push({ step: id, reason });
        emitter.emit({ event: 'step.skip', phase, step: id, reason });
        leavePhase(phase, false);
      },
      run: async (id) => {
        const { phase, step } = entry(id);
        enterPhase(phase);
        if (!step.enabled) {
          summary.skipped.push({ step: step.id, reason: step.reason ?? 'disabled' });
          emitter.emit({ event: 'step.skip', phase, step: step.id, reason: `disabled: ${step.reason ?? ''}` });
          leavePhase(phase, true);
          return true;
        }
        try {
          if (verify) await verifyOnly(ctx, phase, step);
          else await applyStep(ctx, phase, step);
        } catch (error) {
          leavePhase(phase, false);
          if (error instanceof StepFailure) {
            failures.push(error);
            return false;
          }
          throw error;
        }
        leavePhase(phase, true);
        return true;
      },
    },
  );

  // Prefetched checks of steps that never ran are read-only; they end before the lease is released.
  await Promise.allSettled(ctx.prefetched.values());
  if (!verify) await ctx.stateWriter.save();

  // Steps finish in the order the cluster allows; the summary lists them in roadmap order.
  const rank = (id: StepId) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  summary.changed.sort((a, b) => rank(a) - rank(b));
  summary.skipped.sort((a, b) => rank(a.step) - rank(b.step));
  summary.checks.sort((a, b) => rank(a.step) - rank(b.step));

  if (result.error !== undefined) throw result.error;
  if ([...result.outcomes.values()].includes('not-run') && options.signal?.aborted) throw new InterruptedError();
  if (failures.length > 0) {
    failures.sort((a, b) => rank(a.step) - rank(b.step));
    const [first, ...others] = failures as [StepFailure, ...StepFailure[]];
    if (others.length === 0) throw first;
    throw new StepFailure(
      first.step,
      `${first.message}\n(also failed: ${others.map((f) => f.step).join(', ')})`,
      first.exitCode === 1 || others.some((f) => f.exitCode === 1) ? 1 : 3,
    );
  }
}

/**
 * An unchanged re-run is mostly checks: the checks of every step that was verified and whose hash
 * is unchanged start at once (bounded by checkSlot), instead of each waiting for the steps it
 * needs. A step re-applied in this run makes its dependants check afresh (recheckUnchanged).
 */
function prefetchUnchanged(ctx: Ctx, selected: { step: PlannedStep }[]): void {
  for (const { step } of selected) {
    if (!step.enabled) continue;
    const previous = ctx.state.steps[step.id];
    if (previous?.status !== 'verified' || previous.hash !== stepHash(step.rendered, ctx.session.tools)) continue;
    const results = evaluateChecks(ctx, step, step.rendered.checks, false);
    results.catch(() => undefined); // awaited by the step, or settled at the end of the run
    ctx.prefetched.set(step.id, results);
  }
}

function needsClosure(plan: Plan): (id: StepId) => Set<StepId> {
  const direct = new Map(plan.phases.flatMap((p) => p.steps).map((s) => [s.id, s.needs]));
  const memo = new Map<StepId, Set<StepId>>();
  const of = (id: StepId): Set<StepId> => {
    let all = memo.get(id);
    if (all) return all;
    all = new Set<StepId>();
    memo.set(id, all);
    for (const need of direct.get(id) ?? []) {
      all.add(need);
      for (const n of of(need)) all.add(n);
    }
    return all;
  };
  return of;
}

/** Everything this run needs that kubestrap does not create, reported at once before anything is applied. */
async function runPreflight(session: Session, options: RunOptions, emitter: Emitter, selected: { step: PlannedStep }[]): Promise<void> {
  const report = await preflight({
    kubectl: session.kubectl,
    config: options.loaded.config,
    steps: selected.filter((s) => s.step.enabled).map((s) => s.step.id),
    tools: {
      kubectl: session.tools.kubectl,
      helm: session.tools.helm,
      helmMajor: session.helm.major,
      ...(options.loaded.config.spec.cluster.provider === 'kind' ? { kind: await session.kind.version().catch(() => undefined) } : {}),
    },
  });
  for (const w of report.warnings) emitter.emit({ event: 'log', level: 'warn', message: `preflight: ${w.what} (fix: ${w.fix})` });
  if (report.problems.length) throw new PreflightError(report.problems);
}

function selectSteps(plan: Plan, selection: Selection): { phase: PhaseId; step: PlannedStep }[] {
  const all = plan.phases.flatMap((p) => p.steps.map((step) => ({ phase: p.id, step })));
  for (const id of [...(selection.only ?? []), ...(selection.skip ?? [])]) {
    if (!all.some((s) => s.step.id === id))
      throw new UsageError(`unknown step "${id}"`, `Steps are: ${all.map((s) => s.step.id).join(', ')}.`);
  }
  return all.filter(
    ({ phase, step }) =>
      (!selection.phases || selection.phases.includes(phase)) &&
      (!selection.only?.length || selection.only.includes(step.id)) &&
      !(selection.skip ?? []).includes(step.id),
  );
}

async function bindToCluster(options: RunOptions, session: Session): Promise<{ state: RunState; existed: boolean }> {
  const { config, baseDir } = options.loaded;
  const roadmap = config.metadata.name;
  const live = await readIdentity(session.kubectl);
  const existing = await readState(session.kubectl);
  const recordFile = identityRecordPath(baseDir, roadmap);
  const record = await readIdentityRecord(recordFile);
  guardIdentity(live, roadmap, record, existing, options.rebind);
  if (!record && !existing && config.spec.cluster.provider === 'existing' && options.command !== 'verify') {
    if (!(await options.confirmTarget(live.context, live.server))) throw new InterruptedError('Not confirmed; nothing was applied.');
  }
  return existing
    ? { state: { ...existing, identity: live }, existed: true }
    : { state: { version: 1, roadmap, identity: live, steps: {}, updatedAt: new Date().toISOString() }, existed: false };
}

function checkNeeds(plan: Plan, state: RunState, selected: { step: PlannedStep }[]): void {
  const selectedIds = new Set(selected.map((s) => s.step.id));
  const byId = new Map(plan.phases.flatMap((p) => p.steps).map((s) => [s.id, s]));
  for (const { step } of selected) {
    if (!step.enabled) continue;
    for (const need of step.needs) {
      const needed = byId.get(need);
      if (!needed?.enabled || selectedIds.has(need)) continue;
      if (state.steps[need]?.status !== 'verified') {
        throw new UsageError(
          `step ${step.id} needs step ${need}, which has not been applied and verified on this cluster`,
          `Run \`kubestrap phase ${phaseIdOf(plan, need)}\` (or \`kubestrap up\`) first.`,
        );
      }
    }
  }
}

function phaseIdOf(plan: Plan, id: StepId): PhaseId {
  return plan.phases.find((p) => p.steps.some((s) => s.id === id))?.id ?? 'foundation';
}

function actionEnv(session: Session, options: RunOptions, emitter: Emitter, step: StepId) {
  return {
    kubectl: session.kubectl,
    helm: session.helm,
    kind: session.kind,
    workDir: options.workDir,
    timeout: options.loaded.config.spec.verification.timeout,
    progress: (message: string) => emitter.emit({ event: 'step.progress', step, message }),
    warn: (message: string) => emitter.emit({ event: 'log', level: 'warn', message }),
    registerSecret: (value: string) => session.exec.redactor.add(value),
  };
}

/** A step's checks are independent reads: they run a few at a time, and report in their order. */
async function runChecks(ctx: Ctx, step: PlannedStep): Promise<CheckResult[]> {
  const results = await evaluateChecks(ctx, step, step.rendered.checks);
  report(ctx, results);
  return results;
}

async function evaluateChecks(
  ctx: Ctx,
  step: PlannedStep,
  checks: PlannedStep['rendered']['checks'],
  progress = true,
): Promise<CheckResult[]> {
  return Promise.all(
    checks.map((check) =>
      ctx.checkSlot(() => {
        if (progress) ctx.emitter.emit({ event: 'step.progress', step: step.id, message: `checking: ${check.type}` });
        return runCheck(step.id, check, ctx.checkEnv);
      }),
    ),
  );
}

function report(ctx: Ctx, results: CheckResult[]): void {
  for (const result of results) {
    ctx.summary.checks.push(result);
    ctx.emitter.emit({ event: 'check.result', ...result });
  }
}

/**
 * The checks of a step that is unchanged and was verified: a check that fails is looked at once
 * more after a pause before it counts as drift, so a check that flaps (a node heartbeat late, an
 * object being replaced) does not make the run re-apply what is in place.
 */
async function recheckUnchanged(ctx: Ctx, step: PlannedStep): Promise<CheckResult[]> {
  const checks = step.rendered.checks;
  const prefetched = ctx.prefetched.get(step.id);
  const fresh = !prefetched || [...ctx.needsOf(step.id)].some((id) => ctx.appliedThisRun.has(id));
  const results = fresh ? await evaluateChecks(ctx, step, checks) : [...(await prefetched)];
  const failed = results.flatMap((r, i) => (r.status === 'failed' ? [i] : []));
  const pauseMs = Number(ctx.options.env.KUBESTRAP_RECHECK_SECONDS ?? 5) * 1000;
  if (failed.length > 0 && pauseMs > 0) {
    const names = failed.map((i) => results[i]?.description ?? '');
    ctx.emitter.emit({
      event: 'log',
      level: 'warn',
      message: `step ${step.id} is unchanged but ${failed.length} check(s) failed (${names.join('; ')}); checking again in ${pauseMs / 1000}s before re-applying`,
    });
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const again = await evaluateChecks(
      ctx,
      step,
      failed.flatMap((i) => checks.slice(i, i + 1)),
    );
    failed.forEach((i, k) => {
      const result = again[k];
      if (result) results[i] = result;
    });
    const settled = again.filter((r) => r.status !== 'failed').map((r) => r.description);
    if (settled.length)
      ctx.emitter.emit({
        event: 'log',
        level: 'warn',
        message: `step ${step.id}: passed on the second look (a flapping check, not drift): ${settled.join('; ')}`,
      });
  }
  return results;
}

/** Checks running at once across all steps: most are one API read; a few spawn kubectl. */
const checkConcurrency = 8;

function tally(results: CheckResult[]) {
  return {
    ok: results.filter((r) => r.status === 'ok').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
  };
}

async function applyStep(ctx: Ctx, phase: PhaseId, step: PlannedStep): Promise<void> {
  const { emitter, state, session } = ctx;
  const started = performance.now();
  const hash = stepHash(step.rendered, session.tools);
  const previous = state.steps[step.id];
  if (previous?.hash === hash && previous.status === 'verified') {
    const results = await recheckUnchanged(ctx, step);
    const t = tally(results);
    if (t.failed === 0) {
      report(ctx, results);
      // Written with the next state write (at the latest once all steps ended): nothing to wait for here.
      state.steps[step.id] = { ...previous, verifiedAt: new Date().toISOString(), checks: t };
      const reason = `unchanged since ${previous.appliedAt ?? 'last run'}; ${t.ok} checks ok${t.skipped ? `, ${t.skipped} skipped` : ''}`;
      ctx.summary.skipped.push({ step: step.id, reason });
      emitter.emit({ event: 'step.skip', phase, step: step.id, reason });
      return;
    }
    // Shown, but not the run's result: the checks after re-applying are (summary and scorecard).
    for (const result of results) emitter.emit({ event: 'check.result', ...result });
    emitter.emit({
      event: 'log',
      level: 'warn',
      message: `step ${step.id} is unchanged but ${t.failed} check(s) fail (drift); re-applying`,
    });
  }

  emitter.emit({ event: 'step.start', phase, step: step.id, title: step.title });
  ctx.appliedThisRun.add(step.id);
  // Releases may be kept only when the step changed while it was in order (not after drift or a failure).
  const reuse = previous?.status === 'verified' && previous.hash !== hash;
  const applied: AppliedUnit[] = [...(previous?.applied ?? [])];
  const env = actionEnv(session, ctx.options, emitter, step.id);
  try {
    for (const action of step.rendered.actions) {
      if (ctx.options.signal?.aborted) throw new InterruptedError();
      if (action.type === 'kind-create') continue; // done before the cluster could be reached
      const unit =
        action.type === 'helm'
          ? await applyRelease(ctx, action.release, env, reuse ? previous : undefined)
          : await executeAction(action, env);
      if (!unit) continue;
      const same = (u: AppliedUnit) =>
        u.type === 'release' && unit.type === 'release'
          ? u.release === unit.release && u.namespace === unit.namespace
          : JSON.stringify(u) === JSON.stringify(unit);
      const at = applied.findIndex(same);
      if (at >= 0) applied[at] = unit;
      else applied.push(unit);
    }
  } catch (error) {
    if (error instanceof InterruptedError) {
      await recordFailure(ctx, step.id, hash, applied, 'interrupted while applying');
      throw error;
    }
    const message = session.exec.redactor.redact((error as Error).message);
    const namespaces = [...new Set(step.rendered.actions.flatMap((a) => (a.type === 'helm' ? [a.release.namespace] : [])))];
    const during = error instanceof ActionFailure ? error.diagnostics.map((d) => `while waiting: ${d}`) : [];
    const failedNamespace = error instanceof ActionFailure ? error.namespace : namespaces.at(-1);
    const after = failedNamespace ? await diagnose(session.kubectl, failedNamespace) : [];
    const diagnostics = [...during, ...after.filter((d) => !during.includes(`while waiting: ${d}`))];
    await recordFailure(ctx, step.id, hash, applied, message);
    emitter.emit({ event: 'step.fail', phase, step: step.id, error: message, diagnostics, ms: Math.round(performance.now() - started) });
    throw new StepFailure(
      step.id,
      `step ${step.id} failed to apply:\n${message}${diagnostics.length ? `\n  diagnostics:\n    ${diagnostics.join('\n    ')}` : ''}`,
      1,
    );
  }
  // A re-applied integration step brought the smoke workload back: its checks run for real again.
  if (step.id === 'integration') delete ctx.checkEnv.smokeRemovedAt;
  const appliedAt = new Date().toISOString();
  state.steps[step.id] = { hash, status: 'applied', appliedAt, applied };
  await ctx.stateWriter.save();

  const results = await runChecks(ctx, step);
  const t = tally(results);
  if (t.failed > 0) {
    const failedChecks = results.filter((r) => r.status === 'failed');
    const message = failedChecks.map((r) => `${r.description}: ${r.message ?? 'failed'}`).join('\n');
    await recordFailure(ctx, step.id, hash, applied, message, t);
    emitter.emit({
      event: 'step.fail',
      phase,
      step: step.id,
      error: message,
      diagnostics: failedChecks.flatMap((r) => r.diagnostics ?? []),
      ms: Math.round(performance.now() - started),
    });
    throw new StepFailure(
      step.id,
      `step ${step.id} was applied but ${t.failed} check(s) failed:\n  ${message.split('\n').join('\n  ')}`,
      3,
    );
  }
  state.steps[step.id] = { hash, status: 'verified', appliedAt, verifiedAt: new Date().toISOString(), checks: t, applied };
  await ctx.stateWriter.save();
  ctx.summary.changed.push(step.id);
  emitter.emit({ event: 'step.ok', phase, step: step.id, changed: true, ms: Math.round(performance.now() - started) });
}

/**
 * A helm action; skipped (no helm process) when `previous` is given (the step was verified and has
 * changed since, see applyStep) and this release's
 * chart and values are the ones its current deployed revision was installed with (release-reuse.ts).
 */
async function applyRelease(
  ctx: Ctx,
  release: HelmRelease,
  env: ReturnType<typeof actionEnv>,
  previous: StepState | undefined,
): Promise<AppliedUnit> {
  const { helm } = ctx.session;
  const fingerprint = await releaseFingerprint(release, ctx.options.workDir, helm.major);
  const before = previous?.applied.find(
    (u): u is Extract<AppliedUnit, { type: 'release' }> =>
      u.type === 'release' && u.release === release.release && u.namespace === release.namespace,
  );
  const kept = previous ? await reusableRevision(helm, before, fingerprint) : undefined;
  if (kept !== undefined) {
    env.progress(
      `helm release ${release.namespace}/${release.release} unchanged (chart and values as in revision ${kept}, deployed): no upgrade`,
    );
    return { type: 'release', release: release.release, namespace: release.namespace, fingerprint, revision: kept };
  }
  await executeAction({ type: 'helm', release }, env);
  const revision = await currentRevision(helm, release.release, release.namespace);
  return {
    type: 'release',
    release: release.release,
    namespace: release.namespace,
    fingerprint,
    ...(revision !== undefined ? { revision } : {}),
  };
}

async function recordFailure(
  ctx: Ctx,
  id: StepId,
  hash: string,
  applied: AppliedUnit[],
  message: string,
  checks?: StepState['checks'],
): Promise<void> {
  ctx.state.steps[id] = {
    hash,
    status: 'failed',
    failedAt: new Date().toISOString(),
    error: message.slice(0, 2000),
    applied,
    ...(checks ? { checks } : {}),
  };
  await ctx.stateWriter.save();
}

async function verifyOnly(ctx: Ctx, phase: PhaseId, step: PlannedStep): Promise<void> {
  const started = performance.now();
  ctx.emitter.emit({ event: 'step.start', phase, step: step.id, title: step.title });
  const results = await runChecks(ctx, step);
  const t = tally(results);
  const previous = ctx.state.steps[step.id];
  if (previous) {
    ctx.state.steps[step.id] = {
      ...previous,
      checks: t,
      ...(t.failed
        ? { status: 'failed', failedAt: new Date().toISOString(), error: 'verification failed' }
        : { verifiedAt: new Date().toISOString() }),
    };
    await ctx.stateWriter.save();
  }
  if (t.failed) {
    ctx.summary.exitCode = 3;
    const message = results
      .filter((r) => r.status === 'failed')
      .map((r) => `${r.description}: ${r.message ?? ''}`)
      .join('\n');
    ctx.emitter.emit({ event: 'step.fail', phase, step: step.id, error: message, ms: Math.round(performance.now() - started) });
  } else {
    ctx.emitter.emit({ event: 'step.ok', phase, step: step.id, changed: false, ms: Math.round(performance.now() - started) });
  }
}

/** Throws when verification found failures (after every step was checked). */
export function assertVerified(summary: RunSummary): void {
  const failed = summary.checks.filter((c) => c.status === 'failed');
  if (failed.length)
    throw new VerificationError(`${failed.length} check(s) failed`, 'Read the failures above; `kubestrap up` re-applies what changed.');
}
