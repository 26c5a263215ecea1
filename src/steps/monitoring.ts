import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const monitoringStep: Step = {
  id: 'monitoring',
  phase: 'observability',
  title: 'Monitoring',
  needs: ['storage'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'observability', 'monitoring').build();
  },
};
