/**
 * Runs the steps of a roadmap as the DAG their `needs` make: a task starts once every task it needs
 * (among those given) has succeeded, at most `limit` at a time, ready tasks in list order. The
 * roadmap order is a topological order, so `limit: 1` is exactly the old one-after-another run.
 * A task that fails blocks every task that needs it, directly or not; independent tasks go on.
 * When `stopped()` turns true or a task throws (a fatal error, not a step failure), nothing new
 * starts; running tasks are awaited, and what never started is reported `not-run`.
 */
export type TaskOutcome = 'ok' | 'failed' | 'blocked' | 'not-run';

export interface DagTask<Id extends string> {
  id: Id;
  needs: readonly Id[];
}

export interface DagOptions<Id extends string> {
  limit: number;
  /** Resolves true when the task succeeded, false when it failed; a rejection is fatal for the run. */
  run: (id: Id) => Promise<boolean>;
  /** Called (in list order) for a task that will not run because `because` failed or was blocked. */
  onBlocked?: (id: Id, because: Id) => void;
  stopped?: () => boolean;
}

export interface DagResult<Id extends string> {
  outcomes: Map<Id, TaskOutcome>;
  /** The first rejection of a task's run, if any. */
  error?: unknown;
}

export function runDag<Id extends string>(tasks: readonly DagTask<Id>[], options: DagOptions<Id>): Promise<DagResult<Id>> {
  const limit = Math.max(1, Math.floor(options.limit) || 1);
  const known = new Set(tasks.map((t) => t.id));
  const state = new Map<Id, TaskOutcome | 'waiting' | 'running'>(tasks.map((t) => [t.id, 'waiting']));
  let running = 0;
  let fatal: { error: unknown } | undefined;
  let done = false;

  return new Promise((resolve) => {
    const pump = () => {
      if (done) return;
      if (!fatal && !options.stopped?.()) {
        // Blocking cascades in list order: a task blocked here blocks the tasks after it that need it.
        for (const t of tasks) {
          if (state.get(t.id) !== 'waiting') continue;
          const because = t.needs.find((n) => known.has(n) && (state.get(n) === 'failed' || state.get(n) === 'blocked'));
          if (because !== undefined) {
            state.set(t.id, 'blocked');
            options.onBlocked?.(t.id, because);
          }
        }
        for (const t of tasks) {
          if (running >= limit) break;
          if (state.get(t.id) !== 'waiting' || !t.needs.every((n) => !known.has(n) || state.get(n) === 'ok')) continue;
          state.set(t.id, 'running');
          running++;
          Promise.resolve()
            .then(() => options.run(t.id))
            .then(
              (ok) => state.set(t.id, ok ? 'ok' : 'failed'),
              (error: unknown) => {
                state.set(t.id, 'failed');
                fatal ??= { error };
              },
            )
            .finally(() => {
              running--;
              pump();
            });
        }
      }
      if (running > 0) return;
      done = true;
      const outcomes = new Map<Id, TaskOutcome>();
      for (const t of tasks) {
        const s = state.get(t.id) ?? 'not-run';
        outcomes.set(t.id, s === 'waiting' || s === 'running' ? 'not-run' : s);
      }
      resolve(fatal ? { outcomes, error: fatal.error } : { outcomes });
    };
    pump();
  });
}

/** How many steps run at once: KUBESTRAP_CONCURRENCY (1 = one after another), else 4. */
export function stepConcurrency(env: NodeJS.ProcessEnv): number {
  const n = Number(env.KUBESTRAP_CONCURRENCY);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 16) : 4;
}

/** Runs at most `n` of the functions given to it at once, the others in the order they came. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finishing function hands its slot straight to the next in line.
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
