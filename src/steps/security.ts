import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const securityStep: Step = {
  id: 'security',
  phase: 'features',
  title: 'Security hardening',
  needs: ['networking'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'features', 'security').build();
  },
};
