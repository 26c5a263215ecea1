// Bad configuration input (issue 8): invisible line breaks and control characters, aliases,
// duplicate keys and very large documents are refused with located problems, in linear time.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxProblemsShown, parseConfigText } from '../../src/config/load.js';
import { collectOverrides } from '../../src/config/overrides.js';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';
import { tempDir } from './temp-dir.ts';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\n';
const file = path.join(process.cwd(), 'k.yaml');

function refused(text: string, overrides = collectOverrides({}, {})): ConfigError {
  try {
    parseConfigText(text, file, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const problems = (text: string, overrides = collectOverrides({}, {})): ConfigProblem[] => refused(text, overrides).problems;

/** Every character class that must never reach a value: C0 (tab, LF, CR included), DEL, C1, LS, PS. */
const forbidden = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x2028,
  0x2029,
].map((c) => String.fromCodePoint(c));
const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
/** A YAML double-quoted escape for any character, so the file itself stays plain ASCII. */
const yamlEscape = (c: string) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;

describe('invisible line breaks and control characters are refused in every value', () => {
  it.each(forbidden.map((c) => [hex(c), c]))('%s in a tenant group (file) is located at the value', (name, c) => {
    const text = `${header}spec:\n  tenants:\n    - name: a\n      groups: ["devs${yamlEscape(c)}- system:masters"]\n`;
    const [p, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ where: 'k.yaml:8:16', path: 'spec.tenants.0.groups.0' });
    expect(p!.message).toContain(name);
    // What is printed never carries the raw character to the terminal.
    expect(`${p!.where} ${p!.path} ${p!.message}`).not.toContain(c);
  });

  it.each(forbidden.map((c) => [hex(c), c]))('%s in the backup schedule (file)', (name, c) => {
    const [p] = problems(`${header}spec:\n  backup:\n    schedule: "0 2 * * *${yamlEscape(c)}- x"\n`);
    expect(p).toMatchObject({ where: 'k.yaml:7:15', path: 'spec.backup.schedule' });
    expect(p!.message).toContain(name);
  });

  it.each(forbidden.map((c) => [hex(c), c]))('%s in --kubeconfig (flag) and KUBESTRAP_CONTEXT (env)', (name, c) => {
    const found = problems(header, collectOverrides({ kubeconfig: `/home/me/.kube/config${c}x` }, { KUBESTRAP_CONTEXT: `prod${c}` }));
    expect(found).toEqual([
      { where: 'env KUBESTRAP_CONTEXT', path: 'spec.cluster.context', message: expect.stringContaining(name) },
      { where: 'flag --kubeconfig', path: 'spec.cluster.kubeconfig', message: expect.stringContaining(name) },
    ]);
  });

  it('also in mapping keys, which are shown escaped', () => {
    const e = refused(`${header}spec:\n  "cluster\\u2028x": {}\n`);
    expect(e.problems[0]).toMatchObject({ where: 'k.yaml:6:3', path: 'spec.cluster\\u2028x' });
    expect(e.message).not.toContain('\u2028');
  });

  it('keeps ordinary Unicode (accents, emoji, non-breaking space) in free text', () => {
    const { config } = parseConfigText(`${header}spec:\n  tenants:\n    - name: a\n      groups: ["équipe-café 🚀", "a\u00a0b"]\n`, file);
    expect(config.spec.tenants[0]!.groups).toEqual(['équipe-café 🚀', 'a\u00a0b']);
  });
});

describe('YAML aliases', () => {
  it('an alias without an anchor is a located problem, not an internal error', () => {
    const [p] = problems(`${header}spec:\n  cluster: *nope\n`);
    expect(p).toMatchObject({ where: 'k.yaml:6:12' });
    expect(p!.message).toContain('*nope');
  });

  it('200 tenants sharing one &quota anchor load', () => {
    let text = `${header}spec:\n  tenants:\n    - name: t0\n      quota: &quota\n        cpu: "2"\n        memory: 4Gi\n`;
    for (let i = 1; i < 200; i++) text += `    - name: t${i}\n      quota: *quota\n`;
    const { config } = parseConfigText(text, file);
    expect(config.spec.tenants).toHaveLength(200);
    expect(config.spec.tenants[199]!.quota).toMatchObject({ cpu: '2', memory: '4Gi' });
  });

  it('refuses billion-laughs expansion with a clear, located problem', () => {
    let text = `${header}l0: &a0 [lol, lol]\n`;
    for (let i = 1; i < 12; i++) text += `l${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]\n`;
    const [p] = problems(text);
    expect(p!.where).toBe('k.yaml:6:10');
    expect(p!.message).toMatch(/aliases .* expand to more than/);
  });
});

describe('large documents', () => {
  const unknownKeys = (n: number) => {
    const lines = [`${header}spec:`];
    for (let i = 0; i < n; i++) lines.push(`  unknownKey${i}: ${i}`);
    return `${lines.join('\n')}\n`;
  };
  /** CPU time (not wall time: other processes on a busy machine do not count) of refusing the text. */
  const time = (text: string) => {
    const started = process.cpuUsage();
    const e = refused(text);
    const used = process.cpuUsage(started);
    return { ms: (used.user + used.system) / 1000, e };
  };

  it('reports the first problems of 20 000 unknown keys and counts the rest', () => {
    const { e } = time(unknownKeys(20_000));
    expect(e.problems).toHaveLength(maxProblemsShown);
    expect(e.total).toBe(20_000);
    expect(e.message).toContain(`and ${20_000 - maxProblemsShown} more`);
    expect(e.problems[19]).toMatchObject({ where: 'k.yaml:25:3', path: 'spec.unknownKey19' });
  });

  it('takes time linear in the size of the document (20 000 keys vs 2 000)', () => {
    const [small2k, large20k] = [unknownKeys(2_000), unknownKeys(20_000)];
    time(small2k); // warm-up
    const small = Math.min(...[0, 1, 2].map(() => time(small2k).ms));
    const large = time(large20k).ms;
    // Linear: about 10x (12-16x measured, GC included). The quadratic duplicate-key check took
    // about 100x (7-10 s of CPU for 20 000 keys, 43x even on a loaded machine); 40x sits between.
    expect(large / small).toBeLessThan(40);
  });

  it('still finds duplicate keys, in one pass', () => {
    const [p] = problems(`${header}spec:\n  cluster: {}\n  cluster: {}\n`);
    expect(p).toMatchObject({ where: 'k.yaml:7:3' });
    expect(p!.message).toMatch(/duplicate key "cluster" \(first at k\.yaml:6:3\): keys must be unique/);
  });
});

describe('wizard answers and init flags', () => {
  it('an answer holding a line separator or control character is asked again, naming the character', async () => {
    const { checkAnswer } = await import('../../src/wizard/wizard.js');
    expect(checkAnswer('context', 'prod\u2028- x', {})).toBe(
      'holds U+2028 (line separator); retype it without control characters or line/paragraph separators',
    );
    expect(checkAnswer('tenants', 'a,b\u0085c', {})).toMatch(/^holds U\+0085/);
    expect(checkAnswer('context', 'prod', {})).toBe(true);
  });
});

describe('the config path', () => {
  it('a directory, or a path under a regular file, is a clear problem (exit 2)', async () => {
    const { writeFileSync } = await import('node:fs');
    const { loadConfigFile } = await import('../../src/config/load.js');
    const dir = tempDir('kubestrap-config-path-');
    writeFileSync(path.join(dir, 'afile'), 'x');
    await expect(loadConfigFile(dir)).rejects.toMatchObject({
      exitCode: 2,
      problems: [{ message: 'is a directory, not a file' }],
      suggestion: expect.stringContaining(path.join(dir, 'kubestrap.yaml')),
    });
    await expect(loadConfigFile(path.join(dir, 'afile', 'k.yaml'))).rejects.toMatchObject({
      exitCode: 2,
      problems: [{ message: expect.stringContaining('a part of its path is a file') }],
    });
  });
});

describe('the JSON Schema says so too', () => {
  it('editors validating with the schema flag a line separator in a group or the schedule', async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const { configJsonSchema } = await import('../../src/config/json-schema.js');
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(configJsonSchema());
    const doc = (spec: unknown) => ({ apiVersion: 'kubestrap.dev/v1alpha1', kind: 'Roadmap', metadata: { name: 'x' }, spec });
    expect(validate(doc({ tenants: [{ name: 'a', groups: ['devs'] }] }))).toBe(true);
    expect(validate(doc({ tenants: [{ name: 'a', groups: ['devs\u2028- system:masters'] }] }))).toBe(false);
    expect(validate(doc({ backup: { schedule: '0 2 * * *\u0085' } }))).toBe(false);
    expect(validate(doc({ cluster: { kubeconfig: '/tmp/a\tb' } }))).toBe(false);
  });
});
