/** In GitHub Actions: fold each phase into a ::group:: and write a job summary table. */
import { appendFileSync } from 'node:fs';
import type { EventSink, RunEvent } from '../engine/events.js';

export function githubActionsSink(env: NodeJS.ProcessEnv): EventSink {
  const rows: string[] = [];
  return {
    emit(e: RunEvent) {
      if (e.event === 'phase.start') process.stdout.write(`::group::phase ${e.phase}\n`);
      if (e.event === 'phase.end') process.stdout.write('::endgroup::\n');
      if (e.event === 'step.ok')
        rows.push(`| ${e.phase} | ${e.step} | ${e.changed ? 'applied' : 'verified'} | ${(e.ms / 1000).toFixed(1)}s |`);
      if (e.event === 'step.skip') rows.push(`| ${e.phase} | ${e.step} | skipped: ${e.reason.replace(/\|/g, '/')} | |`);
      if (e.event === 'step.fail') {
        rows.push(`| ${e.phase} | ${e.step} | **failed** | ${(e.ms / 1000).toFixed(1)}s |`);
        process.stdout.write(`::error title=kubestrap step ${e.step} failed::${e.error.split('\n')[0]}\n`);
      }
      if (e.event === 'run.end' && env.GITHUB_STEP_SUMMARY) {
        appendFileSync(
          env.GITHUB_STEP_SUMMARY,
          ['### kubestrap', '', '| phase | step | result | time |', '|---|---|---|---|', ...rows, '', e.next ?? '', ''].join('\n'),
        );
      }
    },
  };
}
