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
    steps: ['security', 'gateway', 'integration'],
  },
  { id: 'observability', title: 'Observability', weeks: 'weeks 5-6: performance and monitoring', steps: ['monitoring', 'autoscaling'] },
  {
    id: 'operations',
    title: 'Operations',
    weeks: 'ongoing: continuous improvement',
    steps: ['disaster-recovery', 'cost', 'continuous-verification'],
  },
];
