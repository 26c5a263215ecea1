import chalk from 'chalk';
import { buildPlan, type Plan } from '../plan/plan.js';
import { describeCheck } from '../roadmap/describe-check.js';
import { writePlanArtifacts } from '../plan/write.js';
import type { PhaseId } from '../roadmap/types.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';
import { formatArgv, shellQuote } from '../util/argv.js';

export interface PlanCommandOptions extends ConfigFlags {
  phase?: PhaseId;
  out: string;
  output: 'text' | 'json';
}

export async function planCommand(options: PlanCommandOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  const plan = buildPlan({
    config: loaded.config,
    baseDir: loaded.baseDir,
    outDir: options.out,
    ...(options.phase ? { phase: options.phase } : {}),
  });
  await writePlanArtifacts(plan, { configFile: loaded.file });
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(planJson(plan, loaded.file), null, 2)}\n` : planText(plan, loaded.file),
  );
}

/** The JSON contract CI relies on; documented in the README. */
export function planJson(plan: Plan, file: string | undefined) {
  return {
    apiVersion: 'kubestrap.dev/v1alpha1',
    kind: 'Plan',
    config: file,
    roadmap: plan.config.metadata.name,
    target: plan.target,
    outDir: plan.outDir,
    warnings: plan.warnings.map(({ rule, message, fix }) => ({ rule, message, fix })),
    phases: plan.phases.map((p) => ({
      id: p.id,
      title: p.title,
      steps: p.steps.map((s) => ({
        id: s.id,
        title: s.title,
        enabled: s.enabled,
        ...(s.reason ? { reason: s.reason } : {}),
        needs: s.needs,
        ...(s.rendered.notes ? { notes: s.rendered.notes } : {}),
        artifacts: s.rendered.artifacts.map((a) => `${plan.outDir}/${a.path}`),
        commands: s.commands,
        ...(s.stdin.length ? { stdin: s.stdin } : {}),
        checks: s.rendered.checks.map((c) => ({ type: c.type, description: describeCheck(c) })),
      })),
    })),
  };
}

export function planText(plan: Plan, file: string | undefined): string {
  const lines: string[] = [];
  lines.push(
    chalk.bold(`kubestrap plan: roadmap ${plan.config.metadata.name}`) +
      chalk.dim(` (${file ?? 'flags'}; target context ${plan.target.context || '(none)'})`),
  );
  for (const w of plan.warnings) lines.push(chalk.yellow(`warning [${w.rule}]: ${w.message}\n  fix: ${w.fix}`));
  for (const phase of plan.phases) {
    lines.push('', chalk.bold.cyan(`Phase ${phase.id}`) + chalk.dim(` - ${phase.weeks}`));
    for (const step of phase.steps) {
      if (!step.enabled) {
        lines.push(`  ${chalk.dim(`- ${step.id}: skipped (${step.reason})`)}`);
        continue;
      }
      lines.push(`  ${chalk.bold(step.id)}: ${step.title}`);
      for (const n of step.rendered.notes ?? []) lines.push(`    note   ${n}`);
      for (const a of step.rendered.artifacts) lines.push(chalk.dim(`    file   ${plan.outDir}/${a.path}`));
      step.commands.forEach((c, i) => {
        const stdin = step.stdin.find((s) => s.command === i);
        lines.push(`    run    ${formatArgv(c)}${stdin ? chalk.dim(`  # stdin: ${stdin.content}`) : ''}`);
      });
      for (const c of step.rendered.checks) lines.push(chalk.dim(`    check  ${describeCheck(c)}`));
    }
  }
  const steps = plan.phases.flatMap((p) => p.steps);
  lines.push(
    '',
    `${steps.filter((s) => s.enabled).length} steps enabled, ${steps.reduce((n, s) => n + s.commands.length, 0)} commands, ${steps.reduce((n, s) => n + s.rendered.artifacts.length, 0)} files written to ${plan.outDir}.`,
    `Next: review the files, then run ${chalk.bold('kubestrap up')}${file ? ` --config ${shellQuote(file)}` : ''} to apply and verify.`,
    '',
  );
  return lines.join('\n');
}
