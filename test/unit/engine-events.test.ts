// The run-event emitter and drained (src/engine/events.ts): every sink gets each event, stamped
// with the time; the end of a command waits for sinks that draw asynchronously, but never hangs.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drained, Emitter, type EventSink, type RunEvent } from '../../src/engine/events.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Emitter', () => {
  it('gives every sink the same event, stamped with the current time', () => {
    const a: RunEvent[] = [];
    const b: RunEvent[] = [];
    const before = Date.now();
    new Emitter([{ emit: (e) => a.push(e) }, { emit: (e) => b.push(e) }]).emit({ event: 'log', level: 'info', message: 'hi' });
    expect(a).toEqual(b);
    expect(a).toEqual([{ event: 'log', level: 'info', message: 'hi', time: expect.any(String) }]);
    const at = Date.parse(a[0]!.time);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});

describe('drained', () => {
  it('returns at once when no sink draws asynchronously', async () => {
    vi.useFakeTimers();
    let done = false;
    void drained([{ emit: () => undefined }]).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
  });

  it('waits for the sinks that are still drawing', async () => {
    vi.useFakeTimers();
    let finish!: () => void;
    const sinks: EventSink[] = [{ emit: () => undefined, finished: new Promise<void>((r) => (finish = r)) }, { emit: () => undefined }];
    let done = false;
    void drained(sinks, 3000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up after the time given (3 s by default) on a sink that never finishes', async () => {
    vi.useFakeTimers();
    const never: EventSink = { emit: () => undefined, finished: new Promise<void>(() => undefined) };
    let done = false;
    void drained([never]).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    let short = false;
    void drained([never], 50).then(() => (short = true));
    await vi.advanceTimersByTimeAsync(50);
    expect(short).toBe(true);
  });
});
