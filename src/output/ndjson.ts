/** `--output json`: one JSON event per line on stdout (logs go to stderr). */
import type { EventSink } from '../engine/events.js';

export function ndjsonRenderer(write: (line: string) => void): EventSink {
  return { emit: (event) => write(JSON.stringify(event)) };
}
