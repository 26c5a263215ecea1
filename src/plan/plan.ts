/**
 * Builds the plan: every phase and step, what it renders and the exact argv it would run.
 * Pure — no cluster and no file system writes (see write.ts).
 */
import path from 'node:path';
import { annotateArgs, serverSideApplyArgs, serverSideApplyStdinArgs } from '../adapters/kubectl-args.js';
import { showCrdsArgs, upgradeInstallArgs, type HelmMajor } from '../adapters/helm-args.js';
import { createClusterArgs } from '../adapters/kind-args.js';
import type { Target } from '../adapters/target.js';
import type { Config } from '../config/schema.js';
import { enforceRules, type RuleResult } from '../config/rules.js';
import { targetContext } from '../render/common.js';
import { withImageMirror } from '../images/apply.js';
import { describeCheck } from '../roadmap/describe-check.js';
import { roadmap } from '../roadmap/roadmap.js';
import type { Action, PhaseId, RenderContext, StepId, StepPlan } from '../roadmap/types.js';

export interface PlannedStep {
  id: StepId;
  title: string;
  enabled: boolean;
  reason?: string;
  needs: StepId[];
  rendered: StepPlan;
  /** The exact argv of each command, as `up` runs it (nothing in them is for display only). */
  commands: string[][];
  /** What is piped into a command, by its index in `commands` (generated Secrets; never the value). */
  stdin: { command: number; content: string }[];
}

export interface PlannedPhase {
  id: PhaseId;
  title: string;
  weeks: string;
  steps: PlannedStep[];
}

export interface Plan {
  config: Config;
  target: Target;
  outDir: string;
  warnings: RuleResult[];
  phases: PlannedPhase[];
}

export interface PlanOptions {
  config: Config;
  baseDir: string;
  /** Directory artifacts are (or will be) written to; as the user typed it. */
  outDir: string;
  phase?: PhaseId;
  helmMajor?: HelmMajor;
}

export function targetOf(config: Config): Target {
  return { context: targetContext(config), ...(config.spec.cluster.kubeconfig ? { kubeconfig: config.spec.cluster.kubeconfig } : {}) };
}

export function buildPlan(options: PlanOptions): Plan {
  const { config } = options;
  const warnings = enforceRules(config);
  const ctx: RenderContext = { config, baseDir: options.baseDir, outDir: path.resolve(options.outDir) };
  const target = targetOf(config);
  const phases = roadmap
    .filter((p) => !options.phase || p.id === options.phase)
    .map((phase) => ({
      id: phase.id,
      title: phase.title,
      weeks: phase.weeks,
      steps: phase.steps.map((step): PlannedStep => {
        const enablement = step.enabled(config);
        const rendered = enablement.enabled ? withImageMirror(config, step.render(ctx)) : { artifacts: [], actions: [], checks: [] };
        return {
          id: step.id,
          title: step.title,
          enabled: enablement.enabled,
          ...(enablement.enabled ? {} : { reason: enablement.reason }),
          needs: [...new Set([...step.needs, ...(step.needsFor?.(config) ?? [])])],
          rendered,
          commands: rendered.actions.map((a) =>
            actionArgv(a, target, options.outDir, config.spec.verification.timeout, options.helmMajor ?? 4),
          ),
          stdin: rendered.actions.flatMap((a, i) => stdinOf(a, i)),
        };
      }),
    }));
  return { config, target, outDir: options.outDir, warnings, phases };
}

/** What an action pipes into its command, if anything (never a secret value). */
function stdinOf(a: Action, command: number): { command: number; content: string }[] {
  if (a.type === 'secret') return [{ command, content: `Secret ${a.secret.namespace}/${a.secret.name} (generated; value not shown)` }];
  if (a.type === 'chart-crds')
    return [{ command, content: `the CRDs of API group ${a.groups.join(', ')} from: ${showCrdsArgs(a.chart).join(' ')}` }];
  return [];
}

/** The argv an action runs. Generated Secrets go through stdin, so their values never reach argv. */
export function actionArgv(action: Action, target: Target, outDir: string, timeout: string, helmMajor: HelmMajor): string[] {
  const file = (p: string) => path.join(outDir, p);
  switch (action.type) {
    case 'kind-create':
      return createClusterArgs(action.cluster, file(action.config), action.waitForNodes);
    case 'apply':
      return serverSideApplyArgs(target, action.absolute ? action.manifest : file(action.manifest));
    case 'apply-url':
      return serverSideApplyArgs(target, action.url);
    case 'helm':
      return upgradeInstallArgs(target, action.release, file(action.release.values), timeout, helmMajor);
    case 'chart-crds':
    case 'secret':
      return serverSideApplyStdinArgs(target);
    case 'annotate':
      return annotateArgs(target, action.resource, action.name, action.annotations);
  }
}

export { describeCheck };
