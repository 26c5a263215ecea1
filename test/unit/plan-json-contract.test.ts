// The contract of `kubestrap plan --output json` (README: CI reads it), checked on the built CLI
// for every example config: the document's shape (a JSON Schema of the fields CI relies on), and
// that it says the same as the text plan and the files on disk: every command `plan` prints is in
// `commands`, every check in `checks`, every file written in `artifacts`. Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { phaseIds } from '../../src/roadmap/types.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/kubestrap.js');
const examples = readdirSync(path.join(root, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const work = mkdtempSync(path.join(tmpdir(), 'kubestrap-plan-json-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const text = { type: 'string', minLength: 1 };
const contract = {
  type: 'object',
  required: ['apiVersion', 'kind', 'config', 'roadmap', 'target', 'outDir', 'warnings', 'phases'],
  properties: {
    apiVersion: { const: 'kubestrap.dev/v1alpha1' },
    kind: { const: 'Plan' },
    config: text,
    roadmap: text,
    target: { type: 'object', required: ['context'], properties: { context: { type: 'string' }, kubeconfig: text } },
    outDir: text,
    warnings: {
      type: 'array',
      items: { type: 'object', required: ['rule', 'message', 'fix'], properties: { rule: text, message: text, fix: text } },
    },
    phases: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'title', 'steps'],
        properties: {
          id: { enum: [...phaseIds] },
          title: text,
          steps: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['id', 'title', 'enabled', 'needs', 'artifacts', 'commands', 'checks'],
              properties: {
                id: text,
                title: text,
                enabled: { type: 'boolean' },
                reason: text,
                needs: { type: 'array', items: text },
                notes: { type: 'array', items: text },
                artifacts: { type: 'array', items: text },
                commands: { type: 'array', items: { type: 'array', minItems: 2, items: { type: 'string' } } },
                stdin: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['command', 'content'],
                    properties: { command: { type: 'integer', minimum: 0 }, content: text },
                  },
                },
                checks: {
                  type: 'array',
                  items: { type: 'object', required: ['type', 'description'], properties: { type: text, description: text } },
                },
              },
              if: { properties: { enabled: { const: false } } },
              then: {
                required: ['reason'],
                properties: { artifacts: { maxItems: 0 }, commands: { maxItems: 0 }, checks: { maxItems: 0 } },
              },
            },
          },
        },
      },
    },
  },
};

function plan(example: string, output: 'json' | 'text', out: string) {
  const r = spawnSync(process.execPath, [bin, 'plan', '--config', path.join(root, 'examples', example), '--output', output, '--out', out], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: 'true', HOME: work },
  });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  return r.stdout;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('plan --output json contract (built CLI, every example config)', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(contract);

  it.each(examples)('%s', (example) => {
    const outJson = path.join(work, `${example}-json`);
    const doc = JSON.parse(plan(example, 'json', outJson));
    expect(validate(doc) ? [] : ajv.errorsText(validate.errors)).toEqual([]);
    expect(doc.phases.map((p: any) => p.id)).toEqual([...phaseIds]);
    expect(doc.config).toBe(path.join(root, 'examples', example));
    const steps: any[] = doc.phases.flatMap((p: any) => p.steps);
    const enabled = steps.filter((s) => s.enabled);
    expect(enabled.length).toBeGreaterThan(3);
    // Every step that applies something says exactly what it runs, naming the target context.
    expect(enabled.filter((s) => s.commands.length === 0 && s.artifacts.length > 0).map((s) => s.id)).toEqual([]);
    for (const command of enabled.flatMap((s) => s.commands)) {
      expect(['kubectl', 'helm', 'kind']).toContain(command[0]);
      if (command[0] !== 'kind') expect(command.join(' ')).toContain(doc.target.context);
    }
    for (const s of enabled) for (const { command } of s.stdin ?? []) expect(command).toBeLessThan(s.commands.length);
    // The files listed are the files written (the plan marker aside), under outDir.
    const listed = enabled
      .flatMap((s) => s.artifacts)
      .map((a: string) => path.resolve(work, a))
      .sort();
    expect(listed).toEqual(
      filesUnder(outJson)
        .filter((f) => path.basename(f) !== '.kubestrap-plan.json')
        .sort(),
    );

    // The text plan shows the same commands, files and checks, step by step.
    const shown = plan(example, 'text', path.join(work, `${example}-text`));
    const perStep = new Map<string, { run: number; check: number; file: number }>();
    let current: string | undefined;
    for (const line of shown.split('\n')) {
      const head = /^ {2}([a-z-]+): /.exec(line);
      if (head && steps.some((s) => s.id === head[1])) perStep.set((current = head[1]!), { run: 0, check: 0, file: 0 });
      const item = /^ {4}(run|check|file) /.exec(line);
      if (item && current) perStep.get(current)![item[1] as 'run' | 'check' | 'file']++;
    }
    expect(
      Object.fromEntries(enabled.map((s) => [s.id, { run: s.commands.length, check: s.checks.length, file: s.artifacts.length }])),
    ).toEqual(Object.fromEntries(perStep));
    const total = /(\d+) steps enabled, (\d+) commands, (\d+) files written/.exec(shown)!;
    expect([Number(total[1]), Number(total[2]), Number(total[3])]).toEqual([
      enabled.length,
      enabled.reduce((n, s) => n + s.commands.length, 0),
      listed.length,
    ]);
  });
});
