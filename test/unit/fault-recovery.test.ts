// Recovery from interrupted runs: a helm release left pending-*, a run lease left by a killed
// process. The e2e fault suite (test/e2e/faults.test.ts) drives the same code on the test cluster.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settlePendingRelease } from '../../src/engine/actions.js';
import { orphanBoundMs, planRecovery, type HelmHistoryEntry } from '../../src/engine/helm-recovery.js';
import { holderIsGone, processIdentity } from '../../src/engine/lease.js';
import type { Helm } from '../../src/adapters/helm.js';

const t0 = Date.parse('2026-12-01T12:00:00Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();
const entry = (revision: number, status: string, updatedMs = 0): HelmHistoryEntry => ({ revision, status, updated: at(updatedMs) });

describe('planRecovery (pure)', () => {
  const timeout = 20_000;

  it('leaves settled releases alone', () => {
    expect(planRecovery([], t0, timeout)).toEqual({ action: 'none' });
    expect(planRecovery([entry(1, 'superseded'), entry(2, 'deployed')], t0, timeout)).toEqual({ action: 'none' });
    expect(planRecovery([entry(1, 'deployed'), entry(2, 'failed')], t0, timeout)).toEqual({ action: 'none' });
  });

  it('waits while an orphaned helm of a killed run could still be working on the release', () => {
    const plan = planRecovery([entry(1, 'deployed'), entry(2, 'pending-upgrade', 0)], t0 + 5_000, timeout);
    expect(plan).toEqual({ action: 'wait', status: 'pending-upgrade', revision: 2, untilMs: t0 + orphanBoundMs(timeout) });
  });

  it('rolls a stale pending-upgrade back to the newest good revision', () => {
    const history = [entry(1, 'superseded'), entry(2, 'deployed'), entry(3, 'failed'), entry(4, 'pending-upgrade')];
    expect(planRecovery(history, t0 + orphanBoundMs(timeout), timeout)).toEqual({
      action: 'rollback',
      status: 'pending-upgrade',
      revision: 4,
      to: 2,
    });
  });

  it('uninstalls a stale pending-install (nothing to roll back to)', () => {
    expect(planRecovery([entry(1, 'pending-install')], t0 + orphanBoundMs(timeout) + 1, timeout)).toEqual({
      action: 'uninstall',
      status: 'pending-install',
      revision: 1,
    });
    expect(planRecovery([entry(1, 'failed'), entry(2, 'pending-upgrade')], t0 + orphanBoundMs(timeout), timeout)).toMatchObject({
      action: 'uninstall',
    });
  });

  it('reads helm history out of order and with nanosecond times', () => {
    const history = [
      { revision: 2, status: 'pending-rollback', updated: '2026-12-01T12:00:00.123456789Z' },
      { revision: 1, status: 'deployed', updated: '2026-12-01T11:00:00.1Z' },
    ];
    expect(planRecovery(history, t0 + orphanBoundMs(timeout) + 200, timeout)).toEqual({
      action: 'rollback',
      status: 'pending-rollback',
      revision: 2,
      to: 1,
    });
  });
});

describe('settlePendingRelease (helm faked: a table of histories, no child process)', () => {
  const release = { release: 'velero', namespace: 'velero', chart: { ref: 'velero' }, values: 'v.yaml' };

  function fakeHelm(histories: HelmHistoryEntry[][]) {
    const calls: string[] = [];
    let current = 0;
    const helm = {
      async history() {
        calls.push('history');
        return histories[Math.min(current, histories.length - 1)]!;
      },
      async rollback(_r: string, _n: string, to: number) {
        calls.push(`rollback ${to}`);
        current++;
      },
      async uninstall() {
        calls.push('uninstall');
        current++;
      },
    };
    return { helm: helm as unknown as Helm, calls, advance: () => current++ };
  }

  it('rolls back a stale pending-upgrade, then lets the upgrade run', async () => {
    const { helm, calls } = fakeHelm([
      [entry(1, 'deployed'), entry(2, 'pending-upgrade')],
      [entry(1, 'superseded'), entry(2, 'failed'), entry(3, 'deployed')],
    ]);
    const warnings: string[] = [];
    await settlePendingRelease(
      release,
      { helm, timeout: '20s', progress: () => {}, warn: (m) => warnings.push(m) },
      () => t0 + 10 * 60_000,
    );
    expect(calls).toEqual(['history', 'rollback 1', 'history']);
    expect(warnings[0]).toContain('velero/velero was left pending-upgrade (revision 2) by an interrupted run; rolling back to revision 1');
  });

  it('uninstalls a stale pending-install', async () => {
    const { helm, calls } = fakeHelm([[entry(1, 'pending-install')], []]);
    await settlePendingRelease(release, { helm, timeout: '20s', progress: () => {} }, () => t0 + 10 * 60_000);
    expect(calls).toEqual(['history', 'uninstall', 'history']);
  });

  it('waits for a young pending revision to settle by itself and does not touch it', async () => {
    let now = t0 + 1_000;
    const histories = [[entry(1, 'pending-install')], [entry(1, 'pending-install')], [entry(1, 'deployed')]];
    let i = 0;
    const helm = {
      history: async () => histories[Math.min(i++, 2)]!,
      rollback: async () => expect.fail('no rollback'),
      uninstall: async () => expect.fail('no uninstall'),
    } as unknown as Helm;
    const progress: string[] = [];
    await settlePendingRelease(release, { helm, timeout: '20s', progress: (m) => progress.push(m) }, () => (now += 1_000), 1);
    expect(i).toBe(3);
    expect(progress).toHaveLength(1);
    expect(progress[0]).toMatch(/pending-install .*may still be working on it: waiting until/);
  });
});

describe('holderIsGone (real processes on this machine)', () => {
  it('a live holder is never taken for gone; a killed one is', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const recorded = processIdentity(child.pid!);
    expect(recorded).toMatch(/^[-0-9a-f]+\/pid:\[\d+\]\/\d+\/\d+$/);
    expect(holderIsGone(recorded)).toBe(false);
    expect(holderIsGone(processIdentity())).toBe(false);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(holderIsGone(recorded)).toBe(true);
  });

  it('a process that has exited but was not reaped yet (a zombie) counts as gone; so does one that is not there', async () => {
    // sh starts a short sleep in the background and becomes a long `sleep`, which never reaps it: once
    // the short one ends (after sh has become `sleep`, so sh cannot reap it either) it stays a zombie.
    const sh = spawn('sh', ['-c', '(sleep 1.5) & echo $!; exec sleep 10'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(await new Promise<string>((r) => sh.stdout.once('data', (d: Buffer) => r(d.toString()))));
    const state = () => /\) (\S) /.exec(readFileSync(`/proc/${zombie}/stat`, 'utf8'))?.[1];
    for (let i = 0; i < 250 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(state()).toBe('Z');
    expect(processIdentity(zombie)).toBeUndefined();
    sh.kill('SIGKILL');
    await new Promise((r) => sh.once('exit', r));
    const gone = spawnSync('true').pid!;
    expect(processIdentity(gone)).toBeUndefined();
  });

  it('a PID reused by another process (other start time) counts as gone', () => {
    const self = processIdentity()!;
    const [boot, ns, pid] = self.split('/');
    expect(holderIsGone(`${boot}/${ns}/${pid}/1`)).toBe(true);
  });

  it('a holder on another machine or PID namespace, or without a record, cannot be checked: never gone', () => {
    const self = processIdentity()!;
    const [, ns, pid, start] = self.split('/');
    expect(holderIsGone(`00000000-0000-0000-0000-000000000000/${ns}/999999/1`)).toBe(false);
    expect(holderIsGone(`${self.split('/')[0]}/pid:[1]/${pid}/${start}x`)).toBe(false);
    expect(holderIsGone(undefined)).toBe(false);
    expect(holderIsGone('garbage')).toBe(false);
  });
});
