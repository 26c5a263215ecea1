// One source of truth for settings: flag choices come from the zod schema, and the README's flags
// table is the one scripts/readme-flags.mjs makes from src/config/overrides.ts (no process faked).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schemaChoices } from '../../src/config/choices.js';
import { overrideDefs } from '../../src/config/overrides.js';
import { configSchema } from '../../src/config/schema.js';
// @ts-expect-error -- a plain .mjs script without type declarations
import { begin, end, flagsTable, withFlagsTable } from '../../scripts/readme-flags.mjs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('flag choices come from the schema', () => {
  it('reads an enum through defaults, optionals and arrays', () => {
    const s = z.object({
      a: z.object({ b: z.enum(['x', 'y']).default('x') }).optional(),
      l: z.array(z.object({ c: z.enum(['p']) })).default([]),
    });
    expect(schemaChoices(s, ['a', 'b'])).toEqual(['x', 'y']);
    expect(schemaChoices(s, ['l', '*', 'c'])).toEqual(['p']);
    expect(schemaChoices(s, ['l'])).toBeUndefined();
    expect(() => schemaChoices(s, ['a', 'nope'])).toThrow(/no a\.nope/);
  });

  it('every setting names a key the schema has, and carries exactly the enum found there', () => {
    for (const def of overrideDefs) {
      expect(def.choices, `--${def.flag}`).toEqual(schemaChoices(configSchema, def.path));
    }
    const cni = overrideDefs.find((d) => d.flag === 'cni');
    expect(cni?.choices).toEqual(['cilium', 'calico', 'default']);
  });

  it('a value outside the choices is what the schema refuses', () => {
    const cni = overrideDefs.find((d) => d.flag === 'cni');
    const parsed = configSchema.safeParse({
      apiVersion: 'kubestrap.dev/v1alpha1',
      kind: 'Roadmap',
      metadata: { name: 'x' },
      spec: { networking: { cni: 'flannel' } },
    });
    expect(parsed.success).toBe(false);
    expect(cni?.choices).not.toContain('flannel');
  });
});

describe('README flags table', () => {
  it('is the table the code makes (run `npm run readme:flags` after changing a setting)', () => {
    const from = readme.indexOf(begin);
    const to = readme.indexOf(end);
    expect(from, 'README has the generated block').toBeGreaterThan(-1);
    expect(readme.slice(from + begin.length, to).trim()).toBe(flagsTable(overrideDefs));
    expect(withFlagsTable(readme, overrideDefs)).toBe(readme);
  });

  it('drifts visibly: a changed description or choice changes the table', () => {
    const changed = overrideDefs.map((d) => (d.flag === 'cni' ? { ...d, choices: ['cilium'] } : d));
    expect(withFlagsTable(readme, changed)).not.toBe(readme);
  });

  it('every flag and variable the README mentions exists, flag and variable paired as in the code', () => {
    const flags = new Set(overrideDefs.map((d) => d.flag));
    const envs = new Map(overrideDefs.map((d) => [d.env, d.flag]));
    const commandFlags =
      /--(yes|output|config|help|version|phase|from|skip|only|dry-run|out|purge|force|verbose|decisions|work-dir|kube-api|real|no-[a-z-]+|wait|timeout|start|json|kubeconfig-[a-z-]+|[a-z]+-dir|step|bundle[a-z-]*|timestamps|concurrency)\b/;
    for (const line of readme.split('\n').filter((l) => l.startsWith('| ') && /KUBESTRAP_[A-Z_]+/.test(l))) {
      for (const [, env] of line.matchAll(/`(KUBESTRAP_[A-Z_]+)`/g)) {
        if (['KUBESTRAP_CONFIG', 'KUBESTRAP_CONCURRENCY'].includes(env!) || env!.startsWith('KUBESTRAP_TEST_') || env!.endsWith('…'))
          continue;
        expect(envs.has(env!), `${env} in README: ${line}`).toBe(true);
        expect(line, `${env} appears without its flag --${envs.get(env!)}`).toContain(`--${envs.get(env!)}`);
      }
      for (const [, flag] of line.matchAll(/`--([a-z][a-z-]*)/g)) {
        if (commandFlags.test(`--${flag}`)) continue;
        expect(flags.has(flag!), `--${flag} in README: ${line}`).toBe(true);
      }
    }
  });
});
