/**
 * Writes the run state for steps that run at the same time. Writes never overlap (an older picture
 * could otherwise land after a newer one), and a write asked for while one is in flight joins the
 * single write queued after it, which serialises the state as it is when it starts: so it carries
 * every change made before it was asked for, and a burst of steps finishing together costs two
 * writes, not one each.
 */
import type { Kubectl } from '../adapters/kubectl.js';
import { writeState, type RunState } from './state.js';

export class StateWriter {
  private last: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  writes = 0;

  constructor(
    private readonly kubectl: Kubectl,
    private readonly state: RunState,
    private readonly write: (kubectl: Kubectl, state: RunState) => Promise<void> = writeState,
  ) {}

  /** Resolves once a write that started after this call has finished (rejects when it failed). */
  save(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.last
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        this.writes++;
        return this.write(this.kubectl, this.state);
      });
    this.queued = next;
    this.last = next;
    return next;
  }
}
