// The DAG scheduler the runner uses (src/engine/schedule.ts) and the state writer for concurrent
// steps (src/engine/state-writer.ts), with fake tasks and a fake write (no cluster).
import { describe, expect, it } from 'vitest';
import { limiter, runDag, stepConcurrency, type DagTask } from '../../src/engine/schedule.js';
import { StateWriter } from '../../src/engine/state-writer.js';
import type { Kubectl } from '../../src/adapters/kubectl.js';
import type { RunState } from '../../src/engine/state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The roadmap's shape (src/steps/*.ts needs), in roadmap order.
const roadmap: DagTask<string>[] = [
  { id: 'cluster', needs: [] },
  { id: 'networking', needs: ['cluster'] },
  { id: 'storage', needs: ['networking'] },
  { id: 'security', needs: ['networking'] },
  { id: 'gateway', needs: ['networking'] },
  { id: 'integration', needs: ['security', 'gateway'] },
  { id: 'monitoring', needs: ['storage'] },
  { id: 'autoscaling', needs: ['monitoring', 'integration'] },
  { id: 'disaster-recovery', needs: ['storage', 'monitoring'] },
  { id: 'cost', needs: ['security', 'monitoring'] },
  { id: 'continuous-verification', needs: ['integration', 'monitoring', 'autoscaling', 'disaster-recovery', 'cost'] },
];

function recorder(durations: Record<string, number> = {}, failing: string[] = []) {
  const log: string[] = [];
  let running = 0;
  let peak = 0;
  const run = async (id: string) => {
    running++;
    peak = Math.max(peak, running);
    log.push(`start ${id}`);
    await sleep(durations[id] ?? 5);
    log.push(`end ${id}`);
    running--;
    return !failing.includes(id);
  };
  return { log, run, peak: () => peak };
}

describe('runDag (fake tasks)', () => {
  it('limit 1 runs the roadmap one step after another, in roadmap order', async () => {
    const r = recorder();
    const result = await runDag(roadmap, { limit: 1, run: r.run });
    expect(r.log.filter((l) => l.startsWith('start')).map((l) => l.slice(6))).toEqual(roadmap.map((t) => t.id));
    expect(r.peak()).toBe(1);
    expect([...result.outcomes.values()].every((o) => o === 'ok')).toBe(true);
  });

  it('starts a step only after everything it needs ended well, and runs independent steps at the same time', async () => {
    const r = recorder({ storage: 40, security: 40, gateway: 40 });
    await runDag(roadmap, { limit: 4, run: r.run });
    for (const t of roadmap) for (const need of t.needs) expect(r.log.indexOf(`end ${need}`)).toBeLessThan(r.log.indexOf(`start ${t.id}`));
    // storage, security and gateway all start before the first of them ends.
    const firstEnd = Math.min(...['storage', 'security', 'gateway'].map((id) => r.log.indexOf(`end ${id}`)));
    for (const id of ['storage', 'security', 'gateway']) expect(r.log.indexOf(`start ${id}`)).toBeLessThan(firstEnd);
    expect(r.peak()).toBeGreaterThanOrEqual(3);
  });

  it('never runs more than the limit at once', async () => {
    const wide = Array.from({ length: 9 }, (_, i) => ({ id: `t${i}`, needs: [] }));
    const r = recorder();
    await runDag(wide, { limit: 2, run: r.run });
    expect(r.peak()).toBe(2);
  });

  it('a failed step blocks only the steps that need it (directly or not); the others run', async () => {
    const r = recorder({}, ['security']);
    const blocked: string[] = [];
    const result = await runDag(roadmap, { limit: 4, run: r.run, onBlocked: (id, because) => blocked.push(`${id}<-${because}`) });
    expect(result.outcomes.get('security')).toBe('failed');
    expect(blocked).toEqual([
      'integration<-security',
      'autoscaling<-integration',
      'cost<-security',
      'continuous-verification<-integration',
    ]);
    for (const id of ['storage', 'gateway', 'monitoring', 'disaster-recovery']) expect(result.outcomes.get(id)).toBe('ok');
    for (const id of ['integration', 'autoscaling', 'cost', 'continuous-verification']) {
      expect(result.outcomes.get(id)).toBe('blocked');
      expect(r.log).not.toContain(`start ${id}`);
    }
  });

  it('a thrown error is fatal: nothing new starts, running tasks are awaited, the rest is not-run', async () => {
    const log: string[] = [];
    const result = await runDag(roadmap, {
      limit: 4,
      run: async (id) => {
        log.push(`start ${id}`);
        if (id === 'security') throw new Error('boom');
        await sleep(id === 'storage' ? 30 : 1);
        log.push(`end ${id}`);
        return true;
      },
    });
    expect((result.error as Error).message).toBe('boom');
    expect(log).toContain('end storage'); // started before the error, awaited
    expect(result.outcomes.get('monitoring')).toBe('not-run');
    expect(log).not.toContain('start monitoring');
  });

  it('stopped() (an interrupt) starts nothing new', async () => {
    let stop = false;
    const r = recorder();
    const result = await runDag(roadmap, {
      limit: 1,
      stopped: () => stop,
      run: async (id) => {
        if (id === 'networking') stop = true;
        return r.run(id);
      },
    });
    expect(r.log.filter((l) => l.startsWith('start'))).toEqual(['start cluster', 'start networking']);
    expect(result.outcomes.get('storage')).toBe('not-run');
  });

  it('needs outside the given tasks count as met (selection of steps)', async () => {
    const r = recorder();
    const result = await runDag(
      [
        { id: 'monitoring', needs: ['storage'] },
        { id: 'cost', needs: ['security', 'monitoring'] },
      ],
      { limit: 4, run: r.run },
    );
    expect(r.log).toEqual(['start monitoring', 'end monitoring', 'start cost', 'end cost']);
    expect(result.outcomes.get('cost')).toBe('ok');
  });

  it('KUBESTRAP_CONCURRENCY sets the limit (default 4; invalid values ignored)', () => {
    expect(stepConcurrency({})).toBe(4);
    expect(stepConcurrency({ KUBESTRAP_CONCURRENCY: '1' })).toBe(1);
    expect(stepConcurrency({ KUBESTRAP_CONCURRENCY: '0' })).toBe(4);
    expect(stepConcurrency({ KUBESTRAP_CONCURRENCY: 'x' })).toBe(4);
  });
});

describe('StateWriter (fake write)', () => {
  const state = (): RunState => ({
    version: 1,
    roadmap: 'r',
    identity: { context: 'c', server: 's', kubeSystemUid: 'u' },
    steps: {},
    updatedAt: '',
  });

  it('writes never overlap, and the last write carries every change asked for before it', async () => {
    const s = state();
    const written: string[] = [];
    let inFlight = 0;
    let overlap = false;
    const writer = new StateWriter({} as Kubectl, s, async (_k, st) => {
      inFlight++;
      if (inFlight > 1) overlap = true;
      const snapshot = JSON.stringify(Object.keys(st.steps));
      await sleep(10);
      written.push(snapshot);
      inFlight--;
    });
    s.steps.cluster = { hash: 'a', status: 'verified', applied: [] };
    const first = writer.save();
    await sleep(1); // the first write is in flight now
    s.steps.networking = { hash: 'b', status: 'verified', applied: [] };
    const second = writer.save();
    s.steps.storage = { hash: 'c', status: 'verified', applied: [] };
    const third = writer.save(); // joins the queued write
    await Promise.all([first, second, third]);
    expect(overlap).toBe(false);
    expect(writer.writes).toBe(2);
    expect(written).toEqual([JSON.stringify(['cluster']), JSON.stringify(['cluster', 'networking', 'storage'])]);
    // Saves asked for before a write starts share it.
    await Promise.all([writer.save(), writer.save(), writer.save()]);
    expect(writer.writes).toBe(3);
  });

  it('a failed write rejects its callers; the next save writes again', async () => {
    let fail = true;
    const writer = new StateWriter({} as Kubectl, state(), async () => {
      if (fail) throw new Error('apiserver gone');
    });
    await expect(writer.save()).rejects.toThrow('apiserver gone');
    fail = false;
    await expect(writer.save()).resolves.toBeUndefined();
  });
});

describe('limiter (fake work)', () => {
  it('runs at most n at once, the others in the order they came; a failure frees its slot too', async () => {
    const slot = limiter(2);
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const work = (id: string, ms: number, fail = false) =>
      slot(async () => {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${id}`);
        await sleep(ms);
        running--;
        log.push(`end ${id}`);
        if (fail) throw new Error(`${id} failed`);
        return id;
      });
    const results = await Promise.allSettled([work('a', 30, true), work('b', 60), work('c', 5), work('d', 5), work('e', 5)]);
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a failed',
      'b',
      'c',
      'd',
      'e',
    ]);
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start d', 'start e']);
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end a'));
    // All slots are free again: two new ones start at once.
    const again: string[] = [];
    await Promise.all([slot(async () => void again.push('x')), slot(async () => void again.push('y'))]);
    expect(again).toEqual(['x', 'y']);
    let concurrent = 0;
    let most = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        slot(async () => {
          most = Math.max(most, ++concurrent);
          await sleep(5);
          concurrent--;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('a limit of one runs one at a time', async () => {
    const slot = limiter(1);
    let running = 0;
    let peak = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        slot(async () => {
          peak = Math.max(peak, ++running);
          await sleep(2);
          running--;
        }),
      ),
    );
    expect(peak).toBe(1);
  });
});
