// Which checks the removed smoke workload turns into "skipped: <reason>", and which it must not.
import { describe, expect, it } from 'vitest';
import { isSmokeWorkloadCheck, smokeRemovedReason } from '../../src/engine/smoke.js';

describe('smoke workload checks after removal', () => {
  it('the workload, its scalers and route count; the namespace, its policies and other probes do not', () => {
    expect(isSmokeWorkloadCheck({ type: 'rollout', namespace: 'kubestrap-smoke', kind: 'deployment', name: 'smoke' })).toBe(true);
    expect(
      isSmokeWorkloadCheck({
        type: 'exists',
        resource: 'horizontalpodautoscalers.autoscaling',
        namespace: 'kubestrap-smoke',
        name: 'smoke',
      }),
    ).toBe(true);
    expect(
      isSmokeWorkloadCheck({
        type: 'exists',
        resource: 'httproutes.gateway.networking.k8s.io',
        namespace: 'kubestrap-smoke',
        name: 'smoke',
      }),
    ).toBe(true);
    expect(isSmokeWorkloadCheck({ type: 'probe', probe: 'smoke-http', namespace: 'kubestrap-smoke', description: 'x' })).toBe(true);
    expect(isSmokeWorkloadCheck({ type: 'probe', probe: 'dns', namespace: 'kubestrap-smoke', description: 'x' })).toBe(false);
    expect(
      isSmokeWorkloadCheck({
        type: 'exists',
        resource: 'networkpolicies.networking.k8s.io',
        namespace: 'kubestrap-smoke',
        name: 'default-deny',
      }),
    ).toBe(false);
    expect(isSmokeWorkloadCheck({ type: 'namespace-labels', namespace: 'kubestrap-smoke', labels: {} })).toBe(false);
    expect(isSmokeWorkloadCheck({ type: 'rollout', namespace: 'team-a', kind: 'deployment', name: 'smoke' })).toBe(false);
    // Another kind of check naming the same namespace and name is not about the workload.
    expect(isSmokeWorkloadCheck({ type: 'velero-bsl-available', namespace: 'kubestrap-smoke', name: 'smoke' })).toBe(false);
    expect(smokeRemovedReason('2026-12-01T18:00:00.000Z')).toMatch(/removed after verification at 2026-12-01T18:00:00.000Z .*--keep-smoke/);
  });
});
