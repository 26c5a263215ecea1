import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const continuousVerificationStep: Step = {
  id: 'continuous-verification',
  phase: 'operations',
  title: 'Continuous verification',
  needs: ['cost'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'operations', 'continuous-verification').build();
  },
};
