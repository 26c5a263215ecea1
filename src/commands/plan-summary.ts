/**
 * What `init` shows after the wizard: one line per phase (its steps, how many commands, files and
 * checks) and every warning in full. The whole plan stays one `kubestrap plan` away.
 */
import chalk from 'chalk';
import type { Plan } from '../plan/plan.js';
import { shellQuote } from '../util/argv.js';

export function planSummary(plan: Plan, file: string | undefined): string {
  const count = (n: number) => String(n).padStart(8);
  const rows = plan.phases.map((phase) => {
    const enabled = phase.steps.filter((s) => s.enabled);
    const skipped = phase.steps.filter((s) => !s.enabled).map((s) => s.id);
    return {
      phase: phase.id,
      steps: enabled.map((s) => s.id).join(', ') + (skipped.length ? chalk.dim(` (skipped: ${skipped.join(', ')})`) : ''),
      width: enabled.map((s) => s.id).join(', ').length + (skipped.length ? ` (skipped: ${skipped.join(', ')})`.length : 0),
      commands: enabled.reduce((n, s) => n + s.commands.length, 0),
      files: enabled.reduce((n, s) => n + s.rendered.artifacts.length, 0),
      checks: enabled.reduce((n, s) => n + s.rendered.checks.length, 0),
    };
  });
  const stepsWidth = Math.max('steps'.length, ...rows.map((r) => r.width));
  const phaseWidth = Math.max('phase'.length, ...rows.map((r) => r.phase.length));
  const total = (k: 'commands' | 'files' | 'checks') => rows.reduce((n, r) => n + r[k], 0);
  const enabledSteps = plan.phases.flatMap((p) => p.steps).filter((s) => s.enabled).length;
  const config = file ? ` --config ${shellQuote(file)}` : '';
  const warnings = plan.warnings.length;
  return [
    chalk.bold(
      `Plan: ${enabledSteps} steps in ${plan.phases.length} phases, ${total('commands')} commands, ${total('files')} files, ${total('checks')} checks, ${warnings} warning${warnings === 1 ? '' : 's'}`,
    ) + chalk.dim(` (files in ${plan.outDir})`),
    chalk.dim(`  ${'phase'.padEnd(phaseWidth)}  ${'steps'.padEnd(stepsWidth)}  commands     files    checks`),
    ...rows.map(
      (r) =>
        `  ${r.phase.padEnd(phaseWidth)}  ${r.steps}${' '.repeat(stepsWidth - r.width)}  ${count(r.commands)}  ${count(r.files)}  ${count(r.checks)}`,
    ),
    ...plan.warnings.map((w) => chalk.yellow(`warning [${w.rule}]: ${w.message}\n  fix: ${w.fix}`)),
    '',
    `Every file, command and check: ${chalk.bold(`kubestrap plan${config}`)}`,
    `Next: review the files, then run ${chalk.bold('kubestrap up')}${config} to apply and verify.`,
    '',
  ].join('\n');
}
