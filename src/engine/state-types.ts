/** The shape of run state (state.ts reads and writes it; state-upgrade.ts brings older shapes up to it). */
import type { StepId } from '../roadmap/types.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** What an applied action left in the cluster, in apply order (down removes in reverse). */
export type AppliedUnit =
  | { type: 'objects'; refs: ObjectRef[] }
  /** fingerprint/revision: what was installed (release-reuse.ts), so an unchanged release is not upgraded again. */
  | { type: 'release'; release: string; namespace: string; fingerprint?: string; revision?: number }
  | { type: 'secret'; name: string; namespace: string };

export interface StepState {
  hash: string;
  status: 'applied' | 'verified' | 'failed';
  appliedAt?: string;
  verifiedAt?: string;
  failedAt?: string;
  /** Redacted, short. */
  error?: string;
  checks?: { ok: number; failed: number; skipped: number };
  applied: AppliedUnit[];
}

export interface ClusterIdentity {
  context: string;
  server: string;
  kubeSystemUid: string;
}

export interface RunState {
  version: 1;
  roadmap: string;
  identity: ClusterIdentity;
  steps: Partial<Record<StepId, StepState>>;
  updatedAt: string;
}
