/**
 * The roadmap's shape: its phases in order, each with the ids of its steps. The steps themselves
 * are registered in roadmap.ts; code that only lays the roadmap out (renderers) reads this and
 * loads no step.
 */
import type { PhaseId, StepId } from './types.js';

export interface PhaseLayout {
  id: PhaseId;
  title: string;
  weeks: string;
  steps: readonly StepId[];
}

export const roadmapLayout: readonly PhaseLayout[] = [
  { id: 'foundation', title: 'Foundation', weeks: 'weeks 1-2: core infrastructure', steps: ['cluster', 'networking', 'storage'] },
  {
    id: 'features',
    title: 'Features',
    weeks: 'weeks 3-4: primary features and integration testing',
    steps: ['certificates', 'security', 'gateway', 'integration'],
  },
  {
    id: 'observability',
    title: 'Observability',
    weeks: 'weeks 5-6: performance and monitoring',
    steps: ['monitoring', 'autoscalers', 'autoscaling'],
  },
  {
    id: 'operations',
    title: 'Operations',
    weeks: 'ongoing: continuous improvement',
    steps: ['disaster-recovery', 'cost', 'continuous-verification'],
  },
];

/** A phase of one run: its steps are the ones the run walks. */
export interface RunPhase {
  id: PhaseId;
  title: string;
  weeks: string;
  steps: StepId[];
}

/**
 * The phases and steps a run walks, in the order it walks them: the roadmap's order, reversed
 * (phases and the steps in each) when removing. Phases with none of the steps are left out.
 */
export function runLayout(steps: readonly StepId[], reverse = false): RunPhase[] {
  const selected = new Set(steps);
  const phases = roadmapLayout
    .map((phase) => {
      const ids = phase.steps.filter((id) => selected.has(id));
      return { id: phase.id, title: phase.title, weeks: phase.weeks, steps: reverse ? ids.reverse() : ids };
    })
    .filter((phase) => phase.steps.length > 0);
  return reverse ? phases.reverse() : phases;
}
