// Run state written before a step was split off (cert-manager from security, the autoscalers from autoscaling):
// readState hands the engine state in the current roadmap's shape. Pure data in, data out (no cluster).
import { describe, expect, it } from 'vitest';
import type { RunState, StepState } from '../../src/engine/state.js';
import { upgradeState } from '../../src/engine/state-upgrade.js';

const identity = { context: 'kind-x', server: 'https://127.0.0.1:6443', kubeSystemUid: 'uid' };

function stateWith(steps: RunState['steps']): RunState {
  return { version: 1, roadmap: 'r', identity, steps: structuredClone(steps), updatedAt: '2026-11-01T00:00:00Z' };
}

const oldSecurity: StepState = {
  hash: 'abc',
  status: 'verified',
  appliedAt: '2026-11-01T00:00:00Z',
  verifiedAt: '2026-11-01T00:01:00Z',
  checks: { ok: 12, failed: 0, skipped: 1 },
  applied: [
    {
      type: 'objects',
      refs: [
        { apiVersion: 'v1', kind: 'Namespace', name: 'team-a' },
        { apiVersion: 'v1', kind: 'Namespace', name: 'kyverno' },
        { apiVersion: 'v1', kind: 'Namespace', name: 'cert-manager' },
      ],
    },
    { type: 'objects', refs: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'default-deny', namespace: 'team-a' }] },
    {
      type: 'objects',
      refs: [
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'gateways.gateway.networking.k8s.io' },
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'policies.kyverno.io' },
      ],
    },
    { type: 'release', release: 'cert-manager', namespace: 'cert-manager', fingerprint: 'f1', revision: 3 },
    {
      type: 'objects',
      refs: [
        { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', name: 'kubestrap-selfsigned' },
        { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'kubestrap-root-ca', namespace: 'cert-manager' },
      ],
    },
    { type: 'release', release: 'kyverno', namespace: 'kyverno', fingerprint: 'f2', revision: 1 },
    { type: 'secret', name: 'audit-webhook', namespace: 'kyverno' },
  ],
};

describe('upgradeState: cert-manager moves from the security step to the certificates step', () => {
  it("moves cert-manager's release, namespace, issuers and Gateway API CRDs; security keeps the rest (other CRDs, Secrets) in order", () => {
    const state = upgradeState(stateWith({ security: oldSecurity }));
    expect(state.steps.certificates).toEqual({
      hash: '',
      status: 'verified',
      appliedAt: '2026-11-01T00:00:00Z',
      verifiedAt: '2026-11-01T00:01:00Z',
      applied: [
        { type: 'objects', refs: [{ apiVersion: 'v1', kind: 'Namespace', name: 'cert-manager' }] },
        {
          type: 'objects',
          refs: [{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'gateways.gateway.networking.k8s.io' }],
        },
        { type: 'release', release: 'cert-manager', namespace: 'cert-manager', fingerprint: 'f1', revision: 3 },
        oldSecurity.applied[4],
      ],
    });
    expect(state.steps.security).toEqual({
      ...oldSecurity,
      applied: [
        {
          type: 'objects',
          refs: [
            { apiVersion: 'v1', kind: 'Namespace', name: 'team-a' },
            { apiVersion: 'v1', kind: 'Namespace', name: 'kyverno' },
          ],
        },
        oldSecurity.applied[1],
        {
          type: 'objects',
          refs: [{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'policies.kyverno.io' }],
        },
        oldSecurity.applied[5],
        oldSecurity.applied[6],
      ],
    });
  });

  it('a failed security step hands its status to the certificates step, so a phase run does not count on it', () => {
    const failed: StepState = { ...oldSecurity, status: 'failed', failedAt: '2026-11-02T00:00:00Z', error: 'kyverno timed out' };
    const state = upgradeState(stateWith({ security: failed }));
    expect(state.steps.certificates).toMatchObject({ status: 'failed', failedAt: '2026-11-02T00:00:00Z', error: 'kyverno timed out' });
  });

  it('leaves state alone when it is already in the current shape or never had cert-manager', () => {
    const current = stateWith({ security: { ...oldSecurity, applied: [oldSecurity.applied[5]!] } });
    expect(upgradeState(structuredClone(current))).toEqual(current);
    const both = stateWith({ security: oldSecurity, certificates: { hash: 'h', status: 'verified', applied: [] } });
    expect(upgradeState(structuredClone(both))).toEqual(both);
    const none = stateWith({});
    expect(upgradeState(structuredClone(none))).toEqual(none);
  });
});

const oldAutoscaling: StepState = {
  hash: 'def',
  status: 'verified',
  appliedAt: '2026-11-01T00:02:00Z',
  verifiedAt: '2026-11-01T00:03:00Z',
  checks: { ok: 9, failed: 0, skipped: 1 },
  applied: [
    { type: 'release', release: 'vpa', namespace: 'kube-system', fingerprint: 'v1', revision: 2 },
    { type: 'release', release: 'cluster-autoscaler', namespace: 'kube-system', fingerprint: 'c1', revision: 1 },
    {
      type: 'objects',
      refs: [{ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'smoke', namespace: 'kubestrap-smoke' }],
    },
    {
      type: 'objects',
      refs: [{ apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', name: 'smoke', namespace: 'kubestrap-smoke' }],
    },
  ],
};

describe('upgradeState: the VPA and cluster-autoscaler releases move from the autoscaling step to the autoscalers step', () => {
  it('moves both releases with an empty hash; autoscaling keeps the smoke-test objects, its hash and its checks', () => {
    const state = upgradeState(stateWith({ autoscaling: oldAutoscaling }));
    expect(state.steps.autoscalers).toEqual({
      hash: '',
      status: 'verified',
      appliedAt: '2026-11-01T00:02:00Z',
      verifiedAt: '2026-11-01T00:03:00Z',
      applied: [oldAutoscaling.applied[0], oldAutoscaling.applied[1]],
    });
    expect(state.steps.autoscaling).toEqual({ ...oldAutoscaling, applied: [oldAutoscaling.applied[2], oldAutoscaling.applied[3]] });
  });

  it('moves the one release there is (VPA off, or no cluster-autoscaler provider)', () => {
    const vpaOnly = { ...oldAutoscaling, applied: [oldAutoscaling.applied[0]!, oldAutoscaling.applied[2]!] };
    const state = upgradeState(stateWith({ autoscaling: vpaOnly }));
    expect(state.steps.autoscalers?.applied).toEqual([oldAutoscaling.applied[0]]);
    expect(state.steps.autoscaling?.applied).toEqual([oldAutoscaling.applied[2]]);
  });

  it('leaves state alone when it is already in the current shape or autoscaling installed no release', () => {
    const hpaOnly = stateWith({ autoscaling: { ...oldAutoscaling, applied: [oldAutoscaling.applied[2]!] } });
    expect(upgradeState(structuredClone(hpaOnly))).toEqual(hpaOnly);
    const both = stateWith({ autoscaling: oldAutoscaling, autoscalers: { hash: 'h', status: 'verified', applied: [] } });
    expect(upgradeState(structuredClone(both))).toEqual(both);
  });
});
