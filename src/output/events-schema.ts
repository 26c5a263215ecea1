/**
 * JSON Schema (draft 2020-12) of one line of `--output json`: a RunEvent, generated from the
 * event definitions the engine's Emitter is typed by (src/engine/events.ts). CI can validate the
 * stream with it; `kubestrap schema --events` prints it.
 */
import { z } from 'zod';
import { runEvent } from '../engine/events.js';

const { $schema, ...generated } = z.toJSONSchema(runEvent, { target: 'draft-2020-12' });

export const runEventSchema = {
  $schema,
  $id: 'https://kubestrap.dev/schema/v1alpha1/run-event.schema.json',
  title: 'kubestrap run event',
  description: 'One line of `kubestrap up|phase|verify|down --output json` (NDJSON on stdout; logs go to stderr).',
  ...generated,
};
