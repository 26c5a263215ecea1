import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const costStep: Step = {
  id: 'cost',
  phase: 'operations',
  title: 'Cost optimization',
  needs: ['security'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'operations', 'cost').build();
  },
};
