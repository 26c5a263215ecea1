import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/engine/events.js';
import { runEventSchema } from '../../src/output/events-schema.js';
import { ndjsonRenderer } from '../../src/output/ndjson.js';
import { plainRenderer } from '../../src/output/plain.js';
import { ttyRenderer } from '../../src/output/tty.js';
import { recordedRun } from './fixtures/run-events.js';
import { tempDir } from './temp-dir.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ansi = /\x1b\[[0-9;]*m/g;
const strip = (s: string) => s.replace(ansi, '');

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /T.*Z$/.test(s) });
  return ajv.compile(runEventSchema);
}

describe('NDJSON events (--output json)', () => {
  it('every line of a recorded run validates against the published event schema', () => {
    const lines: string[] = [];
    const sink = ndjsonRenderer((l) => lines.push(l));
    for (const e of recordedRun) sink.emit(e);
    expect(lines).toHaveLength(recordedRun.length);
    const validate = validator();
    for (const line of lines) {
      expect(line).not.toContain('\n');
      const ok = validate(JSON.parse(line));
      expect(ok, `${line}\n${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // every event type the engine declares is covered by the recording or the schema
    const names = new Set(lines.map((l) => (JSON.parse(l) as { event: string }).event));
    for (const n of [
      'run.start',
      'phase.start',
      'phase.end',
      'step.start',
      'step.skip',
      'step.progress',
      'step.ok',
      'step.fail',
      'check.result',
      'log',
      'run.end',
    ])
      expect(names).toContain(n);
  });

  it('rejects events that break the contract', () => {
    const validate = validator();
    const okStep = recordedRun.find((e) => e.event === 'step.ok')!;
    expect(validate({ ...okStep, ms: undefined })).toBe(false);
    expect(validate({ ...okStep, extra: 1 })).toBe(false);
    expect(validate({ ...okStep, step: 'nope' })).toBe(false);
    expect(validate({ event: 'step.done', time: '2026-01-02T03:04:05.000Z' })).toBe(false);
  });

  it('`kubestrap schema --events` prints the same schema', () => {
    const out = execFileSync(process.execPath, [path.join(root, 'bin/kubestrap.js'), 'schema', '--events'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(runEventSchema)));
  });
});

describe('plain renderer', () => {
  const render = (verbose: boolean, quiet: boolean) => {
    const lines: string[] = [];
    const sink = plainRenderer({ write: (l) => lines.push(strip(l)), verbose, quiet, clock: () => 'HH:MM:SS' });
    for (const e of recordedRun) sink.emit(e);
    return lines.join('\n');
  };
  it('snapshot of a recorded run (times normalised)', () => {
    expect(render(false, false)).toMatchSnapshot();
  });
  it('snapshot with --verbose (progress and passing checks) and with --quiet', () => {
    expect(render(true, false)).toMatchSnapshot();
    expect(render(false, true)).toMatchSnapshot();
  });
});

describe('TTY renderer (listr2 bridge)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('phases become parent tasks, steps subtasks settled by the engine events; progress is the live output; summary after', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const summary: string[] = [];
    const sink = ttyRenderer({ verbose: false, quiet: false, renderer: 'test', write: (l) => summary.push(strip(l)) });
    for (const e of recordedRun as RunEvent[]) {
      sink.emit(e);
      await new Promise((r) => setTimeout(r, 5)); // the engine emits over time
    }
    await sink.finished;
    vi.restoreAllMocks();
    const events = out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; data: unknown; task: { path: string[] } });
    const at = (step: string) =>
      events
        .filter((e) => e.task.path.at(-1) === step)
        .map((e) => `${e.event}:${typeof e.data === 'string' ? strip(e.data) : strip(JSON.stringify(e.data))}`);
    expect(events.filter((e) => e.task.path.length === 1).map((e) => `${strip(e.task.path[0]!).split(' ')[0]} ${String(e.data)}`)).toEqual([
      'foundation STARTED',
      'foundation COMPLETED',
      'features STARTED',
      'features FAILED',
    ]);
    expect(at('cluster')).toEqual([
      'STATE:STARTED',
      'OUTPUT:checking: nodes-ready',
      'STATE:SKIPPED',
      expect.stringMatching(/^MESSAGE:.*cluster: skipped \(unchanged since/),
    ]);
    expect(at('storage')).toEqual(
      expect.arrayContaining([
        'OUTPUT:waiting for deployment snapshot-controller in kube-system',
        'TITLE:storage: applied and verified',
        'STATE:COMPLETED',
      ]),
    );
    expect(at('security')).toEqual([
      'STATE:STARTED',
      'OUTPUT:Security hardening',
      'OUTPUT:helm upgrade --install kyverno',
      'OUTPUT:check failed: deployment kyverno-admission-controller rolled out',
      'STATE:FAILED',
    ]);
    expect(summary.join('\n')).toMatch(
      /failed after 609\.0s at step security\nchanged: storage\nskipped: cluster \(unchanged\); networking \(cni is default\)\nphases: foundation 5\.0s/,
    );
    expect(summary.join('\n')).toContain('ImagePullBackOff');
    expect(summary[0]).toMatch(/^warning: \[minio-in-cluster\]/); // logged before the run started
  });
});

describe('colour', () => {
  const plan = (env: Record<string, string>) =>
    execFileSync(
      process.execPath,
      [path.join(root, 'bin/kubestrap.js'), 'plan', '--config', path.join(root, 'examples/kind-dev.yaml'), '--out', tempDir('ks-plan-')],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...env },
      },
    );
  it('NO_COLOR turns colour off and FORCE_COLOR on; nothing in kubestrap forces it', () => {
    expect(plan({ NO_COLOR: '1' })).not.toMatch(ansi);
    expect(plan({})).not.toMatch(ansi); // not a TTY
    expect(plan({ FORCE_COLOR: '1' })).toMatch(ansi);
  });
});
