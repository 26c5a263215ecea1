import { PlanBuilder } from '../roadmap/builders.js';
import type { Step } from '../roadmap/types.js';

// TODO(stub): render this area's artifacts, actions and checks.
export const disasterRecoveryStep: Step = {
  id: 'disaster-recovery',
  phase: 'operations',
  title: 'Disaster recovery',
  needs: ['storage'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    return new PlanBuilder(ctx, 'operations', 'disaster-recovery').build();
  },
};
