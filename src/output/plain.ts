/** Plain line renderer for CI logs and non-TTY output: one timestamped line per event. */
import chalk from 'chalk';
import type { EventSink, RunEvent } from '../engine/events.js';

export interface PlainOptions {
  write: (line: string) => void;
  verbose: boolean;
  quiet: boolean;
  /** Replaces timestamps (tests normalise them). */
  clock?: (iso: string) => string;
}

const icon = { ok: chalk.green('ok'), failed: chalk.red('FAILED'), skipped: chalk.yellow('skipped') };

export function plainRenderer(options: PlainOptions): EventSink {
  const stamp = options.clock ?? ((iso: string) => iso.slice(11, 19));
  const out = (time: string, text: string) => options.write(`${chalk.dim(stamp(time))} ${text}`);
  let command = '';
  return {
    emit(e: RunEvent) {
      switch (e.event) {
        case 'run.start':
          command = e.command;
          return out(e.time, chalk.bold(`kubestrap ${e.command}: roadmap ${e.roadmap} on context ${e.context} (${e.steps.length} steps)`));
        case 'phase.start':
          return out(e.time, chalk.bold.cyan(`phase ${e.phase}`));
        case 'phase.end':
          return options.quiet ? undefined : out(e.time, chalk.dim(`phase ${e.phase} done in ${secs(e.ms)}`));
        case 'step.start':
          return out(e.time, `  ${e.step}: ${e.title}`);
        case 'step.progress':
          return options.verbose ? out(e.time, chalk.dim(`    ${e.step}: ${e.message}`)) : undefined;
        case 'step.skip':
          return out(e.time, `  ${e.step}: ${chalk.yellow('skipped')} (${e.reason})`);
        case 'step.ok':
          return out(
            e.time,
            `  ${e.step}: ${chalk.green(command === 'down' ? 'removed' : e.changed ? 'applied and verified' : 'verified')} in ${secs(e.ms)}`,
          );
        case 'step.fail':
          out(e.time, `  ${e.step}: ${chalk.red('FAILED')} after ${secs(e.ms)}\n      ${e.error.split('\n').join('\n      ')}`);
          for (const d of e.diagnostics ?? []) options.write(`      ${chalk.dim('|')} ${d}`);
          return undefined;
        case 'check.result':
          if (options.quiet && e.status !== 'failed') return undefined;
          if (!options.verbose && e.status === 'ok') return undefined;
          out(e.time, `    ${icon[e.status]} ${e.description}${e.message ? chalk.dim(` - ${e.message}`) : ''}`);
          for (const d of e.diagnostics ?? []) options.write(`      ${chalk.dim('|')} ${d}`);
          return undefined;
        case 'log':
          return out(e.time, e.level === 'warn' ? chalk.yellow(`warning: ${e.message}`) : chalk.dim(e.message));
        case 'run.end': {
          const lines = [
            e.ok
              ? chalk.green.bold(`done in ${secs(e.ms)}`)
              : chalk.red.bold(`failed after ${secs(e.ms)}${e.failed ? ` at step ${e.failed}` : ''}`),
            `changed: ${e.changed.length ? e.changed.join(', ') : 'nothing'}`,
            ...(e.skipped.length ? [`skipped: ${e.skipped.map((s) => `${s.step} (${s.reason})`).join('; ')}`] : []),
            chalk.dim(`time in kubectl/helm/kind: ${secs(e.commandMs)} of ${secs(e.ms)}`),
            ...(e.next ? [`next: ${e.next}`] : []),
          ];
          for (const l of lines) out(e.time, l);
          return undefined;
        }
      }
    },
  };
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
