/** --verbose: each command kubestrap runs, redacted, as a log event to the run's renderers while it runs. */
import { observeCommands } from '../adapters/exec.js';
import type { EventSink } from '../engine/events.js';
import { formatArgv } from '../util/argv.js';

/** Starts echoing; the returned function stops it. */
export function echoCommands(sinks: readonly EventSink[]): () => void {
  return observeCommands((argv) => {
    const event = { event: 'log', time: new Date().toISOString(), level: 'info', message: `$ ${formatArgv(argv)}` } as const;
    for (const sink of sinks) sink.emit(event);
  });
}
