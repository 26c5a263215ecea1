// The run events have one definition (src/engine/events.ts): the Emitter's TypeScript type and the
// published JSON Schema both come from it. These tests compile a snippet against the real module
// with the project's own tsc (no fake) and check that the schema judges events as zod does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { runEvent } from '../../src/engine/events.js';
import { runEventSchema } from '../../src/output/events-schema.js';
import { recordedRun } from './fixtures/run-events.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-events-typed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each line emits one event; `bad` lines name the part of tsc's message that says why it is refused. */
const lines: { code: string; bad?: string }[] = [
  { code: `e.emit({ event: 'step.ok', phase: 'foundation', step: 'cluster', changed: true, ms: 1 });` },
  {
    code: `e.emit({ event: 'run.start', command: 'up', roadmap: 'r', context: 'c', steps: ['cluster'], phases: [{ id: 'foundation', title: 'F', weeks: 'w', steps: ['cluster'] }] });`,
  },
  { code: `e.emit({ event: 'check.result', step: 'storage', check: 'c', description: 'd', status: 'skipped', message: 'why', ms: 0 });` },
  { code: `e.emit({ event: 'run.end', ok: false, exitCode: 3, ms: 1, changed: [], skipped: [], commandMs: 0, failed: 'gateway' });` },
  { code: `e.emit({ event: 'step.ok', phase: 'foundation', step: 'nope', changed: true, ms: 1 });`, bad: `'"nope"' is not assignable` },
  { code: `e.emit({ event: 'step.ok', phase: 'foundation', step: 'cluster', changed: true });`, bad: `Property 'ms' is missing` },
  {
    code: `e.emit({ event: 'step.ok', phase: 'foundation', step: 'cluster', changed: true, ms: 1, extra: 1 });`,
    bad: `'extra' does not exist`,
  },
  { code: `e.emit({ event: 'step.done', phase: 'foundation' });`, bad: `'"step.done"' is not assignable` },
  { code: `e.emit({ event: 'run.start', command: 'up', roadmap: 'r', context: 'c', steps: [] });`, bad: `Property 'phases' is missing` },
  {
    code: `e.emit({ event: 'run.end', ok: true, exitCode: 5, ms: 1, changed: [], skipped: [], commandMs: 0 });`,
    bad: `'5' is not assignable`,
  },
  {
    code: `e.emit({ event: 'check.result', step: 'storage', check: 'c', description: 'd', status: 'maybe', ms: 0 });`,
    bad: `'"maybe"' is not assignable`,
  },
];

describe('the Emitter is typed by the event definitions', () => {
  it('tsc accepts the events that match and refuses each one that does not, for the reason given', () => {
    const header = [`import { Emitter } from ${JSON.stringify(path.join(repo, 'src/engine/events.js'))};`, 'const e = new Emitter([]);'];
    writeFileSync(path.join(dir, 'snippet.mts'), [...header, ...lines.map((l) => l.code)].join('\n'));
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(repo, 'tsconfig.json'),
        compilerOptions: { noEmit: true, rootDir: '/', typeRoots: [path.join(repo, 'node_modules/@types')] },
        include: [],
        files: ['snippet.mts'],
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', cwd: dir });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    // tsc reports `snippet.mts(<line>,<col>): error TS...: <message>`, with continuation lines indented.
    const errors = new Map<number, string>();
    for (const m of output.matchAll(/^snippet\.mts\((\d+),\d+\): error (.*(?:\n {2}.*)*)/gm)) {
      const line = Number(m[1]) - header.length;
      errors.set(line, `${errors.get(line) ?? ''}${m[2]}\n`);
    }
    expect(output === '' || errors.size > 0, `tsc failed without a snippet error:\n${output}`).toBe(true);
    lines.forEach((l, i) => {
      const found = errors.get(i + 1);
      if (l.bad) expect(found ?? '(compiled)', `line ${i + 1} should be refused: ${l.code}`).toContain(l.bad);
      else expect(found, `line ${i + 1} should compile: ${l.code}`).toBeUndefined();
    });
    expect([...errors.keys()].every((n) => n >= 1 && n <= lines.length)).toBe(true);
  });
});

describe('the JSON Schema is generated from the same definitions', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /T.*Z$/.test(s) });
  const validate = ajv.compile(runEventSchema);

  it('has one branch per event the engine defines', () => {
    const names = runEvent.options.map((o) => o.shape.event.value);
    expect(names).toHaveLength(11);
    expect((runEventSchema.oneOf as { properties: { event: { const: string } } }[]).map((b) => b.properties.event.const)).toEqual(names);
  });

  it('ajv (on the JSON Schema) and zod (on the definitions) agree on recorded events and on broken ones', () => {
    const step = recordedRun.find((e) => e.event === 'step.ok');
    const start = recordedRun.find((e) => e.event === 'run.start');
    const broken = [
      { ...step, ms: undefined },
      { ...step, ms: -1 },
      { ...step, extra: 1 },
      { ...step, step: 'nope' },
      { ...step, time: 'yesterday' },
      { ...start, phases: [{ id: 'foundation', title: 'F', weeks: 'w', steps: ['nope'] }] },
      { event: 'step.done', time: '2026-01-02T03:04:05.000Z' },
    ];
    for (const e of recordedRun) {
      expect(runEvent.safeParse(e).success, JSON.stringify(e)).toBe(true);
      expect(validate(e), JSON.stringify(validate.errors)).toBe(true);
    }
    for (const e of broken) {
      expect(runEvent.safeParse(JSON.parse(JSON.stringify(e))).success, JSON.stringify(e)).toBe(false);
      expect(validate(JSON.parse(JSON.stringify(e))), JSON.stringify(e)).toBe(false);
    }
  });
});
