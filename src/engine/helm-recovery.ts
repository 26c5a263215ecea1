/**
 * A helm release left pending-install / pending-upgrade / pending-rollback by a run that was
 * killed (SIGKILL, a lost CI runner, the API server going away mid-wait) blocks every later
 * `helm upgrade` ("another operation is in progress"), and helm never clears it by itself.
 *
 * kubestrap only runs helm while it holds the run lease, so a pending revision found by the lease
 * holder was started by an earlier run. That run's helm may outlive it as an orphan (its parent was
 * killed, not the helm child) and finishes within its own --timeout, then a rollback bounded by the
 * same timeout. So: while the pending revision is younger than that bound, wait for it to settle;
 * once it is older, nothing can still be working on it and it is recovered:
 * - pending-upgrade / pending-rollback: roll back to the newest deployed or superseded revision;
 * - pending-install (or nothing good to go back to): uninstall the half-installed release, so the
 *   upgrade that follows installs it from scratch.
 * Pure: the caller runs helm.
 */

import type { HelmHistoryEntry } from '../adapters/helm.js';

export type { HelmHistoryEntry };

export type Recovery =
  | { action: 'none' }
  | { action: 'wait'; status: string; revision: number; untilMs: number }
  | { action: 'rollback'; status: string; revision: number; to: number }
  | { action: 'uninstall'; status: string; revision: number };

/** How long an orphaned helm of a killed run may still be working: its wait, then its rollback's wait. */
export function orphanBoundMs(timeoutMs: number): number {
  return 2 * timeoutMs + 15_000;
}

export function planRecovery(history: HelmHistoryEntry[], nowMs: number, timeoutMs: number): Recovery {
  const sorted = [...history].sort((a, b) => a.revision - b.revision);
  const latest = sorted.at(-1);
  if (!latest || !latest.status.startsWith('pending-')) return { action: 'none' };
  const started = Date.parse(latest.updated);
  const untilMs = (Number.isNaN(started) ? nowMs : started) + orphanBoundMs(timeoutMs);
  if (nowMs < untilMs) return { action: 'wait', status: latest.status, revision: latest.revision, untilMs };
  const good = sorted.filter((h) => h.revision < latest.revision && (h.status === 'deployed' || h.status === 'superseded')).at(-1);
  if (latest.status === 'pending-install' || !good) return { action: 'uninstall', status: latest.status, revision: latest.revision };
  return { action: 'rollback', status: latest.status, revision: latest.revision, to: good.revision };
}
