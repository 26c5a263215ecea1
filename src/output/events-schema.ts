/**
 * JSON Schema (draft 2020-12) of one line of `--output json`: a RunEvent (src/engine/events.ts).
 * CI can validate the stream with it; `kubestrap schema --events` prints it. A unit test keeps it
 * in step with the engine's events.
 */
import { phaseIds, stepIds } from '../roadmap/types.js';

const time = { type: 'string', format: 'date-time', description: 'ISO 8601 time the event was emitted' };
const phase = { enum: [...phaseIds] };
const step = { enum: [...stepIds] };
const ms = { type: 'integer', minimum: 0, description: 'milliseconds' };
const lines = { type: 'array', items: { type: 'string' } };

function event(name: string, description: string, properties: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return {
    type: 'object',
    description,
    properties: { event: { const: name }, time, ...properties },
    required: ['event', 'time', ...required],
    additionalProperties: false,
  };
}

export const runEventSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://kubestrap.dev/schema/v1alpha1/run-event.schema.json',
  title: 'kubestrap run event',
  description: 'One line of `kubestrap up|phase|verify|down --output json` (NDJSON on stdout; logs go to stderr).',
  oneOf: [
    event(
      'run.start',
      'The run begins: what, on which context, which steps.',
      { command: { type: 'string' }, roadmap: { type: 'string' }, context: { type: 'string' }, steps: { type: 'array', items: step } },
      ['command', 'roadmap', 'context', 'steps'],
    ),
    event('phase.start', 'A phase begins.', { phase }, ['phase']),
    event('phase.end', 'A phase ended; ms is its duration.', { phase, ms }, ['phase', 'ms']),
    event('step.start', 'A step starts applying (or removing).', { phase, step, title: { type: 'string' } }, ['phase', 'step', 'title']),
    event('step.skip', 'A step was skipped: disabled, or unchanged with passing checks.', { phase, step, reason: { type: 'string' } }, [
      'phase',
      'step',
      'reason',
    ]),
    event('step.progress', 'What a step is waiting on right now.', { step, message: { type: 'string' } }, ['step', 'message']),
    event('step.ok', 'A step succeeded; changed is false when it was only verified.', { phase, step, changed: { type: 'boolean' }, ms }, [
      'phase',
      'step',
      'changed',
      'ms',
    ]),
    event(
      'step.fail',
      'A step failed; the run stops and the next run resumes here.',
      { phase, step, error: { type: 'string' }, diagnostics: lines, ms },
      ['phase', 'step', 'error', 'ms'],
    ),
    event(
      'check.result',
      'One verification check.',
      {
        step,
        check: { type: 'string' },
        description: { type: 'string' },
        status: { enum: ['ok', 'failed', 'skipped'] },
        message: { type: 'string' },
        diagnostics: lines,
        ms,
      },
      ['step', 'check', 'description', 'status', 'ms'],
    ),
    event('log', 'A message for people (warnings, notes).', { level: { enum: ['info', 'warn'] }, message: { type: 'string' } }, [
      'level',
      'message',
    ]),
    event(
      'run.end',
      'The run ended: the summary and the exit code the process exits with.',
      {
        ok: { type: 'boolean' },
        exitCode: { type: 'integer', enum: [0, 1, 2, 3, 130] },
        ms,
        changed: { type: 'array', items: step },
        skipped: {
          type: 'array',
          items: {
            type: 'object',
            properties: { step, reason: { type: 'string' } },
            required: ['step', 'reason'],
            additionalProperties: false,
          },
        },
        failed: step,
        commandMs: ms,
        next: { type: 'string' },
      },
      ['ok', 'exitCode', 'ms', 'changed', 'skipped', 'commandMs'],
    ),
  ],
} as const;
