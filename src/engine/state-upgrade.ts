/**
 * Brings run state written by an earlier kubestrap up to the current roadmap's steps, so a cluster
 * set up before a step was split off is neither set up twice nor refused by a phase's needs.
 */
import type { AppliedUnit, ObjectRef, RunState, StepState } from './state-types.js';

/**
 * cert-manager (its namespace, release and ClusterIssuers, and the Gateway API CRDs it needed for
 * HTTP-01) was part of the security step until it became the certificates step.
 */
function belongsToCertificates(ref: ObjectRef): boolean {
  if (ref.apiVersion.startsWith('cert-manager.io/')) return true;
  if (ref.kind === 'Namespace') return ref.name === 'cert-manager';
  return ref.kind === 'CustomResourceDefinition' && ref.name.endsWith('.gateway.networking.k8s.io');
}

/**
 * The state of a step split off from `from`, holding the units `moved`: `from`'s status and times, and
 * an empty hash. That matches no plan, so the next run applies the new step again (its releases upgraded
 * in place, its objects re-applied) and verifies it, instead of trusting checks it never ran.
 */
function splitOff(from: StepState, moved: AppliedUnit[]): StepState {
  const { hash: _hash, checks: _checks, applied: _applied, ...status } = from;
  return { ...status, hash: '', applied: moved };
}

function splitCertificatesFromSecurity(state: RunState): void {
  const security = state.steps.security;
  if (!security || state.steps.certificates) return;
  if (!security.applied.some((u) => u.type === 'release' && u.release === 'cert-manager')) return;
  const moved: AppliedUnit[] = [];
  const kept: AppliedUnit[] = [];
  for (const unit of security.applied) {
    if (unit.type === 'release') (unit.release === 'cert-manager' ? moved : kept).push(unit);
    else if (unit.type === 'objects') {
      const mine = unit.refs.filter(belongsToCertificates);
      const rest = unit.refs.filter((r) => !belongsToCertificates(r));
      if (mine.length) moved.push({ type: 'objects', refs: mine });
      if (rest.length) kept.push({ type: 'objects', refs: rest });
    } else kept.push(unit);
  }
  state.steps.certificates = splitOff(security, moved);
  state.steps.security = { ...security, applied: kept };
}

/** The VPA and cluster-autoscaler releases were part of the autoscaling step until they became the autoscalers step. */
const autoscalerReleases = new Set(['vpa', 'cluster-autoscaler']);

function splitAutoscalersFromAutoscaling(state: RunState): void {
  const autoscaling = state.steps.autoscaling;
  if (!autoscaling || state.steps.autoscalers) return;
  const moved = autoscaling.applied.filter((u) => u.type === 'release' && autoscalerReleases.has(u.release));
  if (!moved.length) return;
  state.steps.autoscalers = splitOff(autoscaling, moved);
  state.steps.autoscaling = { ...autoscaling, applied: autoscaling.applied.filter((u) => !moved.includes(u)) };
}

export function upgradeState(state: RunState): RunState {
  splitCertificatesFromSecurity(state);
  splitAutoscalersFromAutoscaling(state);
  return state;
}
