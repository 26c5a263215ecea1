/** TTY renderer. Until the listr2 renderer lands this is the plain renderer on stdout. */
import type { EventSink } from '../engine/events.js';
import { plainRenderer } from './plain.js';

export function ttyRenderer(options: { verbose: boolean; quiet: boolean }): EventSink {
  return plainRenderer({ write: (l) => process.stdout.write(`${l}\n`), ...options });
}
