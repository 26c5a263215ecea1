/** Chooses the renderer: NDJSON for --output json, listr2 on a TTY, plain lines otherwise. */
import type { EventSink } from '../engine/events.js';
import { ndjsonRenderer } from '../output/ndjson.js';
import { plainRenderer } from '../output/plain.js';
import { drawsForPerson } from '../util/terminal.js';

export interface OutputFlags {
  output?: 'text' | 'plain' | 'json';
  verbose?: boolean;
  quiet?: boolean;
}

export async function sinksFor(flags: OutputFlags, env: NodeJS.ProcessEnv): Promise<EventSink[]> {
  if (flags.output === 'json') return [ndjsonRenderer((l) => process.stdout.write(`${l}\n`))];
  const interactive = drawsForPerson(env) && flags.output !== 'plain';
  if (interactive) {
    const { ttyRenderer } = await import('../output/tty.js');
    return [ttyRenderer({ verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet) })];
  }
  const sinks = [
    plainRenderer({ write: (l) => process.stdout.write(`${l}\n`), verbose: Boolean(flags.verbose), quiet: Boolean(flags.quiet) }),
  ];
  if (env.GITHUB_ACTIONS === 'true') {
    const { githubActionsSink } = await import('../output/github.js');
    sinks.push(githubActionsSink(env));
  }
  return sinks;
}
