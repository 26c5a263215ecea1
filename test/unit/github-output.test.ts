import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { githubActionsSink } from '../../src/output/github.js';
import { tempDir } from './temp-dir.ts';

const t = '2026-11-27T00:00:00.000Z';

describe('GitHub Actions output', () => {
  afterEach(() => vi.restoreAllMocks());

  it('folds each phase into a group, annotates failures and writes a job summary table', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const summary = path.join(tempDir('ks-gh-'), 'summary.md');
    const sink = githubActionsSink({ GITHUB_STEP_SUMMARY: summary });
    const events: RunEvent[] = [
      { event: 'phase.start', time: t, phase: 'foundation' },
      { event: 'step.ok', time: t, phase: 'foundation', step: 'cluster', changed: true, ms: 1200 },
      { event: 'step.skip', time: t, phase: 'foundation', step: 'networking', reason: 'unchanged | checks ok' },
      { event: 'step.fail', time: t, phase: 'foundation', step: 'storage', error: 'helm failed with exit code 1\nmore', ms: 3000 },
      { event: 'phase.end', time: t, phase: 'foundation', ms: 4200 },
      {
        event: 'run.end',
        time: t,
        ok: false,
        exitCode: 1,
        ms: 4300,
        changed: ['cluster'],
        skipped: [],
        commandMs: 4000,
        failed: 'storage',
        next: 'fix it, then run again',
      },
    ];
    for (const e of events) sink.emit(e);
    expect(written).toEqual([
      '::group::phase foundation\n',
      '::error title=kubestrap step storage failed::helm failed with exit code 1\n',
      '::endgroup::\n',
    ]);
    const table = readFileSync(summary, 'utf8');
    expect(table).toContain('| phase | step | result | time |');
    expect(table).toContain('| foundation | cluster | applied | 1.2s |');
    expect(table).toContain('| foundation | networking | skipped: unchanged / checks ok | |');
    expect(table).toContain('| foundation | storage | **failed** | 3.0s |');
    expect(table).toContain('fix it, then run again');
  });
});
