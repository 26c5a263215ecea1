import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const integrationStep: Step = {
  id: 'integration',
  phase: 'features',
  title: 'Integration smoke test',
  needs: ['security'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'features', 'integration').build();
  },
};
