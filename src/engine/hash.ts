import { createHash } from 'node:crypto';
import { lock } from '../lock.js';
import type { StepPlan } from '../roadmap/types.js';

/**
 * What decides whether a step must be re-applied: its rendered files and actions, the tool
 * versions that apply them and the lock. Generated secret VALUES are not part of it (only their
 * names), so a re-run does not churn.
 */
export function stepHash(plan: StepPlan, tools: { kubectl: string; helm: string }): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ artifacts: plan.artifacts, actions: plan.actions, tools, lock }));
  return h.digest('hex').slice(0, 32);
}
