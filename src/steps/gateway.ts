import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const gatewayStep: Step = {
  id: 'gateway',
  phase: 'features',
  title: 'Gateway API',
  needs: ['networking'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'features', 'gateway').build();
  },
};
