import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const autoscalingStep: Step = {
  id: 'autoscaling',
  phase: 'observability',
  title: 'Autoscaling',
  needs: ['monitoring'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'observability', 'autoscaling').build();
  },
};
