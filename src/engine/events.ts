/**
 * What a run reports, as data. Renderers (plain lines, listr2 on a TTY, NDJSON for CI) consume
 * these; the engine never writes to the terminal itself.
 */
import type { PhaseId, StepId } from '../roadmap/types.js';

export type CheckStatus = 'ok' | 'failed' | 'skipped';

export interface CheckResult {
  step: StepId;
  check: string;
  description: string;
  status: CheckStatus;
  /** For skipped: the reason; for failed: what is wrong. */
  message?: string;
  /** Diagnostics gathered on failure: events, pending pods, last log lines (redacted). */
  diagnostics?: string[];
  ms: number;
}

export type RunEvent =
  | { event: 'run.start'; time: string; command: string; roadmap: string; context: string; steps: StepId[] }
  | { event: 'phase.start'; time: string; phase: PhaseId }
  | { event: 'phase.end'; time: string; phase: PhaseId; ms: number }
  | { event: 'step.start'; time: string; phase: PhaseId; step: StepId; title: string }
  | { event: 'step.skip'; time: string; phase: PhaseId; step: StepId; reason: string }
  | { event: 'step.progress'; time: string; step: StepId; message: string }
  | { event: 'step.ok'; time: string; phase: PhaseId; step: StepId; changed: boolean; ms: number }
  | { event: 'step.fail'; time: string; phase: PhaseId; step: StepId; error: string; diagnostics?: string[]; ms: number }
  | ({ event: 'check.result'; time: string } & CheckResult)
  | { event: 'log'; time: string; level: 'info' | 'warn'; message: string }
  | {
      event: 'run.end';
      time: string;
      ok: boolean;
      exitCode: number;
      ms: number;
      changed: StepId[];
      skipped: { step: StepId; reason: string }[];
      failed?: StepId;
      commandMs: number;
      next?: string;
    };

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
