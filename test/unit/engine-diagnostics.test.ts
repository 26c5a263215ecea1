// What a timed-out wait shows (src/engine/diagnostics.ts) for pods as a real cluster reports them (all
// conditions, several containers) and for objects with fields missing. kubectl's child processes are
// faked (fake-exec.ts); engine-helpers.test.ts has the first cases.
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { diagnose } from '../../src/engine/diagnostics.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const base = ['kubectl', '--context', 'fake'];
const pods = (items: unknown[]): [string[], FakeResult] => [[...base, 'get', 'pods'], JSON.stringify({ items })];
const events = (items: unknown[]): [string[], FakeResult] => [[...base, 'get', 'events'], JSON.stringify({ items })];
const kubectl = (table: [string[], FakeResult][]) => {
  const exec = fakeExec(table);
  return { exec, kubectl: new Kubectl(exec, { context: 'fake' }) };
};

describe('timeout diagnostics (kubectl faked)', () => {
  it('a scheduled pod with its usual conditions and three failing containers: every reason, no "unschedulable", logs of two', async () => {
    const restarting = (name: string, restartCount: number, state: unknown) => ({ name, ready: false, restartCount, state });
    const { exec, kubectl: k } = kubectl([
      pods([
        {
          metadata: { name: 'api-0' },
          spec: { nodeName: 'n1' },
          status: {
            phase: 'Running',
            conditions: [
              { type: 'PodScheduled', status: 'True' },
              { type: 'Initialized', status: 'True' },
              { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [a b c]' },
            ],
            containerStatuses: [
              restarting('a', 2, { waiting: { reason: 'CrashLoopBackOff' } }),
              restarting('b', 1, { waiting: { reason: 'CrashLoopBackOff' } }),
              restarting('c', 1, { terminated: { reason: 'Error' } }),
            ],
          },
        },
      ]),
      [[...base, 'logs'], 'boom\n'],
      events([]),
    ]);
    expect(await diagnose(k, 'apps')).toEqual([
      'pod apps/api-0 Running on n1: a: CrashLoopBackOff (2 restarts); b: CrashLoopBackOff (1 restarts); c: Error (1 restarts)',
      '    a| boom',
      '    b| boom',
    ]);
    // The pods and events of the namespace asked about, not of kubectl's default namespace.
    for (const resource of ['pods', 'events']) {
      const call = exec.calls.find((a) => a[4] === resource);
      expect(call?.slice(call.indexOf('--namespace'), call.indexOf('--namespace') + 2)).toEqual(['--namespace', 'apps']);
    }
  });

  it('a Pending pod is named even when its container statuses read ready (a stale status)', async () => {
    const { kubectl: k } = kubectl([
      pods([{ metadata: { name: 'p' }, status: { phase: 'Pending', containerStatuses: [{ name: 'c', ready: true, restartCount: 0 }] } }]),
      events([]),
    ]);
    expect(await diagnose(k, 'ns')).toEqual(['pod ns/p Pending: containers not ready']);
  });

  it('objects with fields missing still give one line each instead of losing every diagnostic', async () => {
    const { kubectl: k } = kubectl([
      pods([
        { metadata: { name: 'bare' } },
        { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } },
        {
          metadata: { name: 'stateless' },
          status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 0 }] },
        },
        { status: { phase: 'Running', containerStatuses: [{ name: 'r', ready: false, restartCount: 1 }] } },
      ]),
      [[...base, 'logs'], { exitCode: 1, stderr: 'pod name required' }],
      events([{}]),
    ]);
    expect(await diagnose(k, 'ns')).toEqual([
      'pod ns/bare Unknown: containers not ready',
      'pod ns/ Pending: unschedulable: ',
      'pod ns/stateless Running: c: not ready',
      'pod ns/ Running: r: not ready (1 restarts)',
      '    r| (no logs: pod name required)',
      'event /:  ',
    ]);
  });

  it('kubectl failing: the line holds the first line of the error, whole', async () => {
    const failing = kubectl([[[...base, 'get', 'pods'], { exitCode: 1, stderr: 'boom\nsecond line' }]]).kubectl;
    expect(await diagnose(failing, 'ns')).toEqual(['could not collect diagnostics in ns: exit 1']);
  });
});
