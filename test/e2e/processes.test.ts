// The stop logic `down` relies on, exercised on real processes: a recorded process is stopped
// by PID (SIGTERM, then SIGKILL when it ignores SIGTERM) and is gone afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, startProcess, stopProcesses } from '../cluster/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'kst-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recorded process stop', () => {
  it('stops a process with SIGTERM', async () => {
    const rec = startProcess('sleeper', '/bin/sleep', ['300'], join(dir, 'sleep.log'));
    expect(isAlive(rec)).toBe(true);
    const left = await stopProcesses([rec], 5_000);
    expect(left).toEqual([]);
    expect(isAlive(rec)).toBe(false);
  });

  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    // sleep with SIGTERM ignored (the ignored disposition survives exec); a fixed script, no user input.
    const rec = startProcess('stubborn', '/bin/bash', ['-c', "trap '' TERM; exec sleep 300"], join(dir, 'stubborn.log'));
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(rec)).toBe(true);
    const t0 = Date.now();
    const left = await stopProcesses([rec], 1_000);
    expect(left).toEqual([]);
    expect(isAlive(rec)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
  });

  it('does not treat a different process that reuses the PID as the recorded one', () => {
    expect(isAlive({ pid: process.pid, startTime: 'not-the-real-start-time' })).toBe(false);
  });
});
