// What a timed-out wait shows (src/engine/diagnostics.ts) for pods as a real cluster reports them (all
// conditions, several containers) and for objects with fields missing. kubectl's child processes are
// faked (fake-exec.ts).
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

describe('diagnostics on a timeout (kubectl faked)', () => {
  it('names unready pods with their reasons, tails the logs of restarting containers, and lists Warning events oldest first', async () => {
    const { exec, kubectl: k } = kubectl([
      pods([
        {
          metadata: { name: 'web-1' },
          spec: { nodeName: 'node-a' },
          status: {
            phase: 'Running',
            containerStatuses: [
              { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } },
              { name: 'side', ready: true, restartCount: 0, state: {} },
            ],
          },
        },
        {
          metadata: { name: 'web-2' },
          status: {
            phase: 'Pending',
            conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes' }],
          },
        },
        { metadata: { name: 'done' }, status: { phase: 'Succeeded', containerStatuses: [{ name: 'job', ready: false, restartCount: 0 }] } },
        { metadata: { name: 'fine' }, status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0 }] } },
      ]),
      [[...base, 'logs'], 'first\n\nsecond\n'],
      events([
        {
          involvedObject: { kind: 'Pod', name: 'web-2' },
          reason: 'FailedScheduling',
          message: 'no room',
          count: 4,
          lastTimestamp: '2026-12-01T10:05:00Z',
        },
        {
          involvedObject: { kind: 'Pod', name: 'web-1' },
          reason: 'BackOff',
          message: 'restarting',
          count: 1,
          lastTimestamp: '2026-12-01T10:01:00Z',
        },
      ]),
    ]);
    const lines = await diagnose(k, 'apps');
    expect(lines).toEqual([
      'pod apps/web-1 Running on node-a: app: CrashLoopBackOff (3 restarts)',
      '    app| first',
      '    app| second',
      'pod apps/web-2 Pending: unschedulable: 0/3 nodes',
      'event Pod/web-1: BackOff restarting',
      'event Pod/web-2: FailedScheduling no room (x4)',
    ]);
    expect(exec.calls.find((a) => a.includes('logs'))).toEqual([
      ...base,
      'logs',
      '--namespace',
      'apps',
      'web-1',
      '--container',
      'app',
      '--tail',
      '15',
      '--request-timeout',
      '15s',
    ]);
    expect(exec.calls.find((a) => a.includes('events'))).toContain('type=Warning');
  });

  it('a pod without container statuses, a terminated container and a reasonless unscheduled pod', async () => {
    const { kubectl: k } = kubectl([
      pods([
        { metadata: { name: 'a' }, status: { phase: 'Running' } },
        {
          metadata: { name: 'b' },
          status: { phase: 'Running', containerStatuses: [{ name: 'x', ready: false, restartCount: 0, state: {} }] },
        },
        {
          metadata: { name: 'c' },
          status: {
            phase: 'Failed',
            containerStatuses: [{ name: 'y', ready: false, restartCount: 0, state: { terminated: { reason: 'OOMKilled' } } }],
          },
        },
        {
          metadata: { name: 'd' },
          status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
        },
      ]),
      [[...base, 'logs'], { exitCode: 1, stderr: 'previous terminated container not found\nmore' }],
      events([]),
    ]);
    expect(await diagnose(k, 'ns')).toEqual([
      'pod ns/a Running: containers not ready',
      'pod ns/b Running: x: not ready',
      'pod ns/c Failed: y: OOMKilled',
      '    y| (no logs: previous terminated container not found)',
      'pod ns/d Pending: unschedulable: Unschedulable',
    ]);
  });

  it('at most 8 pods and the last 10 events', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ metadata: { name: `p${i}` }, status: { phase: 'Pending' } }));
    const warned = Array.from({ length: 14 }, (_, i) => ({
      involvedObject: { kind: 'Pod', name: `p${i}` },
      reason: 'R',
      message: 'm',
      lastTimestamp: `2026-12-01T10:${String(i).padStart(2, '0')}:00Z`,
    }));
    const lines = await diagnose(kubectl([pods(many), events(warned)]).kubectl, 'ns');
    expect(lines.filter((l) => l.startsWith('pod '))).toHaveLength(8);
    expect(lines.filter((l) => l.startsWith('event '))).toEqual(Array.from({ length: 10 }, (_, i) => `event Pod/p${i + 4}: R m`));
  });

  it('nothing wrong: says so; kubectl failing: says what failed, first line only', async () => {
    expect(await diagnose(kubectl([pods([]), events([])]).kubectl, 'quiet')).toEqual([
      'no failing pods or Warning events in namespace quiet',
    ]);
    const failing = kubectl([[[...base, 'get', 'pods'], { exitCode: 1, stderr: 'boom\nsecond line' }]]).kubectl;
    expect(await diagnose(failing, 'ns')).toEqual([expect.stringMatching(/^could not collect diagnostics in ns: [^\n]+$/)]);
  });

  it('every line goes through redaction', async () => {
    const { exec, kubectl: k } = kubectl([pods([{ metadata: { name: 'leak' }, status: { phase: 'Pending' } }]), events([])]);
    exec.redactor.add('leak');
    const lines = await diagnose(k, 'ns');
    expect(lines.join('\n')).not.toContain('leak');
  });
});
