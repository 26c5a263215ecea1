/**
 * TTY renderer: listr2's default renderer driven by the engine's RunEvents. The engine runs on its
 * own and only emits events; this bridge turns them into listr2 tasks: phases are parent tasks,
 * steps their subtasks, each task awaiting a promise that step.ok / step.skip / step.fail (or the
 * end of the run) settles. step.progress is the live line of what is being waited on. Prompts never
 * run while this renders (everything is asked first). Colours follow NO_COLOR / FORCE_COLOR.
 */
import { Listr, PRESET_TIMER, type ListrTaskWrapper } from 'listr2';
import chalk from 'chalk';
import type { EventSink, RunEvent } from '../engine/events.js';
import type { PhaseId, StepId } from '../roadmap/types.js';

export interface TtyOptions {
  verbose: boolean;
  quiet: boolean;
  /** listr2 renderer; tests use 'test' (one line per task event) to assert the bridge. */
  renderer?: 'default' | 'simple' | 'test' | 'silent';
  /** Where the final summary goes (after listr2 has finished drawing). */
  write?: (line: string) => void;
}

type Outcome = { kind: 'ok'; changed: boolean; ms: number } | { kind: 'skip'; reason: string } | { kind: 'fail'; error: string };

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (resolve = r)),
    resolve: (v) => {
      if (d.settled) return;
      d.settled = true;
      resolve(v);
    },
    settled: false,
  };
  return d;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTask = ListrTaskWrapper<any, any, any>;

interface StepState {
  done: Deferred<Outcome>;
  task?: AnyTask;
  output?: string;
}

export interface TtySink extends EventSink {
  /** Settles when listr2 has finished drawing and the summary is written. */
  finished: Promise<void>;
}

export function ttyRenderer(options: TtyOptions): TtySink {
  const write = options.write ?? ((l: string) => process.stdout.write(`${l}\n`));
  const steps = new Map<StepId, StepState>();
  const phases = new Map<PhaseId, Deferred<boolean>>();
  const phaseMs = new Map<PhaseId, number>();
  const notes: string[] = [];
  let command = 'up';
  let layout: Extract<RunEvent, { event: 'run.start' }>['phases'] = [];
  let listr: Promise<unknown> | undefined;
  const finished = deferred<undefined>();
  let current: StepId | undefined;

  const stepState = (id: StepId): StepState => {
    let s = steps.get(id);
    if (!s) {
      s = { done: deferred<Outcome>() };
      steps.set(id, s);
    }
    return s;
  };
  const phaseGate = (id: PhaseId): Deferred<boolean> => {
    let g = phases.get(id);
    if (!g) {
      g = deferred<boolean>();
      phases.set(id, g);
    }
    return g;
  };
  const show = (id: StepId, text: string) => {
    const s = stepState(id);
    s.output = text;
    if (s.task) s.task.output = text;
  };

  const stepTask = (id: StepId, siblings: StepId[]) => ({
    title: id,
    task: async (_ctx: unknown, task: AnyTask) => {
      const s = stepState(id);
      s.task = task;
      if (s.output) task.output = s.output;
      const outcome = await s.done.promise;
      if (outcome.kind === 'skip') {
        task.skip(`${id}: ${chalk.yellow('skipped')} ${chalk.dim(`(${outcome.reason})`)}`);
        return;
      }
      // A failed step fails its phase only once its siblings (running at the same time) have their
      // own outcome, so none of them is drawn as failed with it.
      if (outcome.kind === 'fail') await Promise.all(siblings.map((s) => stepState(s).done.promise));
      if (outcome.kind === 'fail') throw new Error(`${id}: ${outcome.error.split('\n')[0]}`);
      task.title = `${id}: ${chalk.green(command === 'down' ? 'removed' : outcome.changed ? 'applied and verified' : 'verified')}`;
    },
    rendererOptions: { persistentOutput: options.verbose, outputBar: options.verbose ? Infinity : 1 },
  });

  const start = (e: Extract<RunEvent, { event: 'run.start' }>) => {
    command = e.command;
    // The engine says which phases and steps this run walks, in its order (reversed for down).
    layout = e.phases;
    const tasks = layout.map((phase) => ({
      title: `${chalk.bold(phase.id)} ${chalk.dim(`- ${phase.weeks}`)}`,
      task: async (_ctx: unknown, task: AnyTask) => {
        const ran = await phaseGate(phase.id).promise;
        if (!ran) {
          task.skip(`${phase.id}: ${chalk.dim('not run')}`);
          return undefined;
        }
        // Steps of a phase may run at the same time (the engine runs the roadmap as a DAG).
        return task.newListr(
          phase.steps.map((id) => stepTask(id, phase.steps)),
          { concurrent: true, exitOnError: true },
        );
      },
    }));
    write(chalk.bold(`kubestrap ${e.command}: roadmap ${e.roadmap} on context ${e.context}`));
    listr = new Listr(tasks, {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false, // the engine handles Ctrl-C (exit 130, step recorded as failed)
      renderer: options.renderer ?? 'default',
      fallbackRenderer: 'simple',
      rendererOptions: { timer: PRESET_TIMER, collapseSubtasks: options.quiet, showErrorMessage: true },
      fallbackRendererOptions: { timer: PRESET_TIMER },
    } as ConstructorParameters<typeof Listr>[1]).run();
  };

  const end = (e: Extract<RunEvent, { event: 'run.end' }>) => {
    for (const s of steps.values()) s.done.resolve({ kind: 'skip', reason: e.ok ? 'nothing to do' : 'not run' });
    for (const g of phases.values()) g.resolve(false);
    for (const phase of layout) phaseGate(phase.id).resolve(false);
    const summary = () => {
      const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
      const lines = [
        '',
        e.ok
          ? chalk.green.bold(`done in ${secs(e.ms)}`)
          : chalk.red.bold(`failed after ${secs(e.ms)}${e.failed ? ` at step ${e.failed}` : ''}`),
        `changed: ${e.changed.length ? e.changed.join(', ') : 'nothing'}`,
        ...(e.skipped.length ? [`skipped: ${e.skipped.map((s) => `${s.step} (${s.reason})`).join('; ')}`] : []),
        ...(phaseMs.size ? [`phases: ${[...phaseMs].map(([p, ms]) => `${p} ${secs(ms)}`).join(', ')}`] : []),
        chalk.dim(`time in kubectl/helm/kind: ${secs(e.commandMs)} of ${secs(e.ms)}`),
        ...notes,
        ...(e.next ? [`next: ${e.next}`] : []),
      ];
      for (const l of lines) write(l);
      finished.resolve(undefined);
    };
    void (listr ?? Promise.resolve()).then(summary, summary);
  };

  return {
    finished: finished.promise,
    emit(e: RunEvent) {
      switch (e.event) {
        case 'run.start':
          return start(e);
        case 'phase.start':
          phaseGate(e.phase).resolve(true);
          return undefined;
        case 'phase.end':
          phaseMs.set(e.phase, e.ms);
          return undefined;
        case 'step.start':
          current = e.step;
          phaseGate(e.phase).resolve(true);
          show(e.step, e.title);
          return undefined;
        case 'step.progress':
          current = e.step;
          show(e.step, e.message);
          return undefined;
        case 'step.skip':
          phaseGate(e.phase).resolve(true);
          stepState(e.step).done.resolve({ kind: 'skip', reason: e.reason });
          return undefined;
        case 'step.ok':
          phaseGate(e.phase).resolve(true);
          stepState(e.step).done.resolve({ kind: 'ok', changed: e.changed, ms: e.ms });
          return undefined;
        case 'step.fail':
          phaseGate(e.phase).resolve(true);
          notes.push(
            chalk.red(`${e.step} failed: ${e.error.split('\n').join('\n    ')}`),
            ...(e.diagnostics ?? []).map((d) => chalk.dim(`  | ${d}`)),
          );
          stepState(e.step).done.resolve({ kind: 'fail', error: e.error });
          return undefined;
        case 'check.result':
          if (e.status === 'failed') {
            notes.push(
              chalk.red(`check failed (${e.step}): ${e.description}${e.message ? ` - ${e.message}` : ''}`),
              ...(e.diagnostics ?? []).map((d) => chalk.dim(`  | ${d}`)),
            );
            show(e.step, `check failed: ${e.description}`);
          } else if (options.verbose) show(e.step, `${e.status}: ${e.description}`);
          return undefined;
        case 'log':
          if (!listr) write(e.level === 'warn' ? chalk.yellow(`warning: ${e.message}`) : chalk.dim(e.message));
          else if (e.level === 'warn') notes.push(chalk.yellow(`warning: ${e.message}`));
          else if (options.verbose && current) show(current, e.message);
          return undefined;
        case 'run.end':
          return end(e);
      }
    },
  };
}
