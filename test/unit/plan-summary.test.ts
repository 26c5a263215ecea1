// After the wizard, init shows a per-phase summary instead of the whole plan (src/commands/plan-summary.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planText } from '../../src/commands/plan.js';
import { planSummary } from '../../src/commands/plan-summary.js';
import { loadConfigFile } from '../../src/config/load.js';
import { buildPlan, type Plan } from '../../src/plan/plan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

async function planFor(example: string): Promise<Plan> {
  const loaded = await loadConfigFile(path.join(root, 'examples', example));
  return buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: '.kubestrap/plan' });
}

describe('planSummary', () => {
  it.each(['kind-dev.yaml', 'kind-test.yaml', 'production.yaml'])(
    '%s: one row per phase whose numbers add up to the full plan',
    async (example) => {
      const plan = await planFor(example);
      const text = plain(planSummary(plan, 'kubestrap.yaml'));
      const lines = text.split('\n');
      for (const phase of plan.phases) {
        const row = lines.find((l) => l.startsWith(`  ${phase.id} `));
        expect(row, `${phase.id} row in:\n${text}`).toBeDefined();
        const enabled = phase.steps.filter((s) => s.enabled);
        expect(row).toContain(enabled.map((s) => s.id).join(', '));
        for (const s of phase.steps.filter((st) => !st.enabled)) expect(row).toContain(s.id);
        const numbers = row!.trim().split(/\s+/).slice(-3).map(Number);
        expect(numbers).toEqual([
          enabled.reduce((n, s) => n + s.commands.length, 0),
          enabled.reduce((n, s) => n + s.rendered.artifacts.length, 0),
          enabled.reduce((n, s) => n + s.rendered.checks.length, 0),
        ]);
      }
      // The totals line agrees with the one the full plan prints.
      const full = plain(planText(plan, 'kubestrap.yaml'));
      const [, steps, commands, files] = /(\d+) steps enabled, (\d+) commands, (\d+) files/.exec(full)!;
      expect(text).toContain(`Plan: ${steps} steps in ${plan.phases.length} phases, ${commands} commands, ${files} files`);
      // Short: a header, a column line, the phases, the warnings (two lines each), three closing lines.
      expect(lines.length).toBeLessThanOrEqual(2 + plan.phases.length + 2 * plan.warnings.length + 4);
      expect(full.split('\n').length).toBeGreaterThan(3 * lines.length);
      for (const w of plan.warnings) expect(text).toContain(`warning [${w.rule}]: ${w.message}`);
      expect(text).toContain('Every file, command and check: kubestrap plan --config kubestrap.yaml');
      expect(text).toContain('Next: review the files, then run kubestrap up --config kubestrap.yaml to apply and verify.');
    },
  );

  it('names a disabled step as skipped and counts nothing for it', async () => {
    const plan = await planFor('kind-dev.yaml');
    const phase = plan.phases.find((p) => p.id === 'operations')!;
    const step = phase.steps.find((s) => s.id === 'disaster-recovery')!;
    const disabled: Plan = {
      ...plan,
      phases: plan.phases.map((p) =>
        p === phase
          ? { ...p, steps: p.steps.map((s) => (s === step ? { ...s, enabled: false, reason: 'backup.enabled is false' } : s)) }
          : p,
      ),
    };
    const row = plain(planSummary(disabled, undefined))
      .split('\n')
      .find((l) => l.startsWith('  operations '))!;
    expect(row).toContain('(skipped: disaster-recovery)');
    const enabled = phase.steps.filter((s) => s !== step);
    expect(Number(row.trim().split(/\s+/).at(-3))).toBe(enabled.reduce((n, s) => n + s.commands.length, 0));
  });
});
