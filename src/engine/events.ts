/**
 * What a run reports, as data. Renderers (plain lines, listr2 on a TTY, NDJSON for CI) consume
 * these; the engine never writes to the terminal itself.
 */
import { z } from 'zod';
import { ExitCode } from '../errors.js';
import { phaseIds, stepIds } from '../roadmap/types.js';

// One definition per event: the TypeScript type the Emitter takes (z.infer) and the JSON Schema
// `kubestrap schema --events` prints (src/output/events-schema.ts, z.toJSONSchema) both come from it.

const time = z.iso.datetime().describe('ISO 8601 time the event was emitted');
const phase = z.enum(phaseIds);
const step = z.enum(stepIds);
const ms = z.int().nonnegative().describe('milliseconds');
const diagnostics = z.array(z.string()).describe('gathered on failure: events, pending pods, last log lines (redacted)');

function event<const N extends string, S extends z.ZodRawShape>(name: N, description: string, shape: S) {
  return z.strictObject({ event: z.literal(name), time, ...shape }).describe(description);
}

const checkResultShape = {
  step,
  check: z.string(),
  description: z.string(),
  status: z.enum(['ok', 'failed', 'skipped']),
  message: z.string().optional().describe('skipped: the reason; failed: what is wrong'),
  diagnostics: diagnostics.optional(),
  ms,
};
export type CheckResult = z.infer<z.ZodObject<typeof checkResultShape>>;

/** The phases a run walks, in its order (down: reversed), each with the steps it walks in its order. */
const runLayout = z.array(z.strictObject({ id: phase, title: z.string(), weeks: z.string(), steps: z.array(step) }));

export const runEvent = z.discriminatedUnion('event', [
  event('run.start', 'The run begins: what, on which context, which steps, and the phases and steps it walks in order.', {
    command: z.string(),
    roadmap: z.string(),
    context: z.string(),
    steps: z.array(step),
    phases: runLayout,
  }),
  event('phase.start', 'A phase begins.', { phase }),
  event('phase.end', 'A phase ended; ms is its duration.', { phase, ms }),
  event('step.start', 'A step starts applying (or removing).', { phase, step, title: z.string() }),
  event('step.skip', 'A step was skipped: disabled, or unchanged with passing checks.', { phase, step, reason: z.string() }),
  event('step.progress', 'What a step is waiting on right now.', { step, message: z.string() }),
  event('step.ok', 'A step succeeded; changed is false when it was only verified.', { phase, step, changed: z.boolean(), ms }),
  event('step.fail', 'A step failed; the run stops and the next run resumes here.', {
    phase,
    step,
    error: z.string(),
    diagnostics: diagnostics.optional(),
    ms,
  }),
  event('check.result', 'One verification check.', checkResultShape),
  event('log', 'A message for people (warnings, notes).', { level: z.enum(['info', 'warn']), message: z.string() }),
  event('run.end', 'The run ended: the summary and the exit code the process exits with.', {
    ok: z.boolean(),
    exitCode: z.literal(Object.values(ExitCode)),
    ms,
    changed: z.array(step),
    skipped: z.array(z.strictObject({ step, reason: z.string() })),
    failed: step.optional(),
    commandMs: ms,
    next: z.string().optional(),
  }),
]);
export type RunEvent = z.infer<typeof runEvent>;

export interface EventSink {
  emit(event: RunEvent): void;
  /** Settles when the sink has finished drawing (listr2); awaited before the final error line. */
  finished?: Promise<void>;
}

/** Waits for sinks that draw asynchronously, but never hangs on one that saw no run. */
export async function drained(sinks: EventSink[], ms = 3000): Promise<void> {
  const pending = sinks.flatMap((s) => (s.finished ? [s.finished] : []));
  if (pending.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(pending), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

type WithoutTime<E> = E extends unknown ? Omit<E, 'time'> : never;

export class Emitter {
  constructor(private readonly sinks: EventSink[]) {}
  emit(event: WithoutTime<RunEvent>): void {
    const full = { ...event, time: new Date().toISOString() } as RunEvent;
    for (const s of this.sinks) s.emit(full);
  }
}
