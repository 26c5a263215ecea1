import chalk from 'chalk';
import { stepHash } from '../engine/hash.js';
import { checkReachableAndSkew, openSession } from '../engine/session.js';
import { readState } from '../engine/state.js';
import { buildPlan } from '../plan/plan.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';

export interface StatusOptions extends ConfigFlags {
  output: 'text' | 'json';
  workDir?: string;
}

/** Per phase and step, from the state kept in the cluster: applied / verified / changed since / failed. */
export async function statusCommand(options: StatusOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  const session = await openSession(loaded.config, options.env);
  await checkReachableAndSkew(session);
  const state = await readState(session.kubectl);
  const plan = buildPlan({
    config: loaded.config,
    baseDir: loaded.baseDir,
    outDir: options.workDir ?? '.kubestrap/apply',
    helmMajor: session.helm.major,
  });
  const phases = plan.phases.map((p) => ({
    id: p.id,
    steps: p.steps.map((s) => {
      const st = state?.steps[s.id];
      const changed = Boolean(st && s.enabled && st.hash !== stepHash(s.rendered, session.tools));
      return {
        id: s.id,
        enabled: s.enabled,
        status: !s.enabled ? 'disabled' : (st?.status ?? 'not applied'),
        changedSinceApplied: changed,
        appliedAt: st?.appliedAt ?? null,
        verifiedAt: st?.verifiedAt ?? null,
        failedAt: st?.failedAt ?? null,
        error: st?.status === 'failed' ? (st.error ?? null) : null,
        checks: st?.checks ?? null,
      };
    }),
  }));
  if (options.output === 'json') {
    process.stdout.write(
      `${JSON.stringify({ roadmap: loaded.config.metadata.name, identity: state?.identity ?? null, updatedAt: state?.updatedAt ?? null, phases }, null, 2)}\n`,
    );
    return;
  }
  const lines = [
    chalk.bold(`roadmap ${loaded.config.metadata.name} on context ${session.kubectl.target.context}`) +
      (state ? chalk.dim(` (state updated ${state.updatedAt})`) : chalk.yellow(' (nothing applied yet)')),
  ];
  for (const p of phases) {
    lines.push(chalk.cyan(`phase ${p.id}`));
    for (const s of p.steps) {
      const color = s.status === 'verified' ? chalk.green : s.status === 'failed' ? chalk.red : chalk.dim;
      const extra = [
        s.changedSinceApplied ? chalk.yellow('changed since applied') : '',
        s.verifiedAt ? `verified ${s.verifiedAt}` : s.appliedAt ? `applied ${s.appliedAt}` : '',
        s.checks ? `${s.checks.ok} ok/${s.checks.failed} failed/${s.checks.skipped} skipped` : '',
        s.error ? chalk.red(s.error.split('\n')[0] ?? '') : '',
      ].filter(Boolean);
      lines.push(`  ${s.id.padEnd(24)} ${color(s.status.padEnd(12))} ${extra.join('  ')}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
