// What loadConfigFile / parseConfigText tell the user for each kind of bad input: the message, where it
// points (file:line:col) and the suggestion. Written against the mutants StrykerJS found surviving in
// src/config/load.ts (npm run mutation, docs/mutation.md).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, maxAliasExpansion, maxProblemsShown, parseConfigText } from '../../src/config/load.js';
import { collectOverrides } from '../../src/config/overrides.js';
import { ConfigError } from '../../src/errors.js';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\n';
const file = path.join(process.cwd(), 'k.yaml');

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
const refused = (text: string, overrides = collectOverrides({}, {})) => refusal(() => parseConfigText(text, file, overrides));

async function refusedFile(name: string): Promise<ConfigError> {
  try {
    await loadConfigFile(name);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('a file that cannot be read', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-load-messages-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('missing: "file not found", and how to create one', async () => {
    const e = await refusedFile(path.join(dir, 'nope.yaml'));
    expect(e.problems).toEqual([{ where: path.join(dir, 'nope.yaml'), path: '', message: 'file not found' }]);
    expect(e.suggestion).toContain('kubestrap init');
  });

  it('a directory: says so and names the file inside it to pass instead', async () => {
    const e = await refusedFile(dir);
    expect(e.problems[0]!.message).toBe('is a directory, not a file');
    expect(e.suggestion).toContain(`--config ${path.join(dir, 'kubestrap.yaml')}`);
  });

  it('a path through a file: a part of it is a file, not a directory', async () => {
    writeFileSync(path.join(dir, 'plain'), 'x');
    const e = await refusedFile(path.join(dir, 'plain', 'k.yaml'));
    expect(e.problems[0]!.message).toBe('cannot exist: a part of its path is a file, not a directory');
    expect(e.suggestion).toContain('KUBESTRAP_CONFIG');
  });

  it('any other error: its code in the message, and the permissions hint', async () => {
    mkdirSync(path.join(dir, 'loop'));
    symlinkSync(path.join(dir, 'loop', 'b'), path.join(dir, 'loop', 'a'));
    symlinkSync(path.join(dir, 'loop', 'a'), path.join(dir, 'loop', 'b'));
    const e = await refusedFile(path.join(dir, 'loop', 'a'));
    expect(e.problems[0]!.message).toBe('cannot be read (ELOOP)');
    expect(e.suggestion).toBe('Check the file permissions.');
  });
});

describe('YAML structure', () => {
  it('a syntax error: only the first line of the parser message, located, with the syntax hint', () => {
    const e = refused(`${header}spec:\n  cluster: [unclosed\n`);
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(p.where).toMatch(/^k\.yaml:\d+:\d+$/);
      expect(p.path).toBe('');
      expect(p.message).toMatch(/^YAML syntax: \S/);
      // The parser's own first line, whole (not cut at its first character).
      expect(p.message).toContain('must be sufficiently indented');
      expect(p.message).not.toContain('\n');
    }
    expect(e.suggestion).toBe('Fix the YAML syntax (indentation, quotes, colons) at the position shown.');
  });

  it('a duplicate key points at the second one and names the first', () => {
    const e = refused(`${header}spec:\n  cluster:\n    name: a\n    name: b\n`);
    expect(e.problems).toEqual([
      { where: 'k.yaml:8:5', path: '', message: 'duplicate key "name" (first at k.yaml:7:5): keys must be unique' },
    ]);
    expect(e.suggestion).toContain('Make every key of a mapping unique');
  });

  it('an alias before its anchor is located at the alias', () => {
    const e = refused(`${header}spec:\n  cluster:\n    name: *later\n    context: &later x\n`);
    expect(e.problems).toEqual([{ where: 'k.yaml:7:11', path: '', message: 'alias *later names no anchor defined before it' }]);
  });

  it('only an alias used before its anchor is a problem; one after it is fine', () => {
    const loaded = parseConfigText(`${header}spec:\n  cluster:\n    name: &n abc\n  tenants:\n    - name: *n\n`, file);
    expect(loaded.config.spec.tenants.map((t) => t.name)).toEqual(['abc']);
  });

  it('aliases that expand past the limit are refused at the first alias, with the limit named', () => {
    // Each level doubles: 2^15 nodes from a few lines.
    const levels = Array.from({ length: 15 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}]`).join('\n');
    const e = refused(`${header}x: &l0 [a]\n${levels}\n`);
    expect(e.problems).toEqual([
      {
        where: 'k.yaml:6:10',
        path: '',
        message: `the aliases (*name) expand to more than ${maxAliasExpansion} nodes (aliases of aliases multiply)`,
      },
    ]);
    expect(e.suggestion).toContain('Use fewer nested aliases');
  });

  it('an empty document is an empty mapping: every default applies', () => {
    const e = refused('');
    expect(e.problems.map((p) => p.path).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
  });
});

describe('schema messages', () => {
  const one = (text: string) => {
    const e = refused(text);
    expect(e.problems).toHaveLength(1);
    return e.problems[0]!;
  };

  it('a value outside its choices lists them', () => {
    expect(one(`${header}spec:\n  cluster:\n    provider: gcp\n`)).toEqual({
      where: 'k.yaml:7:15',
      path: 'spec.cluster.provider',
      message: 'must be one of "kind", "existing"',
    });
  });

  it('a missing required key says so and what type it expects', () => {
    const p = one('apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\n');
    expect(p).toMatchObject({ path: 'metadata', message: 'is required (expected object)' });
  });

  it('a wrong type names the expected type with its article and what was given', () => {
    expect(one(`${header}spec:\n  cluster:\n    name: 3\n`).message).toBe('must be a string, got number 3');
    expect(one(`${header}spec:\n  cluster: 3\n`).message).toBe('must be an object, got number 3');
    expect(one(`${header}spec:\n  cluster: null\n`).message).toBe('must be an object, got null');
    expect(one(`${header}spec:\n  cluster: [a]\n`).message).toBe('must be an object, got a list');
    expect(one(`${header}spec:\n  tenants: {a: 1}\n`).message).toBe('must be an array, got a mapping');
    expect(one(`${header}spec:\n  cluster:\n    name: "x"\n    nodes:\n      workers: "2"\n`).message).toBe(
      'must be a number, got string "2"',
    );
  });

  it('too small and too big: numbers by value, strings by length, lists by count', () => {
    expect(one(`${header}spec:\n  cluster:\n    nodes:\n      workers: -1\n`).message).toBe('must be at least 0');
    expect(one(`${header}spec:\n  cluster:\n    nodes:\n      workers: 21\n`).message).toBe('must be at most 20');
    expect(refused(`${header}spec:\n  cluster:\n    context: ""\n`).problems[0]).toEqual({
      where: 'k.yaml:7:14',
      path: 'spec.cluster.context',
      message: 'must not be empty',
    });
    expect(one(`${header}spec:\n  cluster:\n    name: ${'a'.repeat(64)}\n`).message).toBe('must be at most 63 characters');
    const hosts = Array.from({ length: 101 }, (_, i) => `h${i}.example.com`);
    expect(one(`${header}spec:\n  networking:\n    gatewayHostnames: [${hosts.join(', ')}]\n`).message).toBe('must be at most 100');
  });

  it('other zod issues keep the schema message', () => {
    expect(one(`${header}spec:\n  cluster:\n    nodes:\n      controlPlanes: 2\n`).message).toBe('must be odd (etcd quorum)');
  });

  it('an unknown key points at the key, suggests a close one and lists the allowed keys', () => {
    const p = one(`${header}spec:\n  cluster:\n    nmae: x\n`);
    expect(p.where).toBe('k.yaml:7:5');
    expect(p.path).toBe('spec.cluster.nmae');
    expect(p.message).toMatch(/^unknown key "nmae" \(did you mean "name"\?\)\. Allowed here: provider, profile, .*\bname\b/);
  });

  it('an unknown key far from every allowed one gets no suggestion', () => {
    const p = one(`${header}spec:\n  cluster:\n    zzzzzzzzzzzz: x\n`);
    expect(p.message).toMatch(/^unknown key "zzzzzzzzzzzz"\. Allowed here: /);
  });

  it('the suggestion goes to the nearest key, whatever the case', () => {
    expect(one(`${header}spec:\n  cluster:\n    Workers: 1\n`).message).not.toContain('did you mean');
    expect(one(`${header}spec:\n  cluster:\n    NAME: x\n`).message).toContain('(did you mean "name"?)');
    expect(one(`${header}spec:\n  cluster:\n    nodes:\n      worker: 1\n`).message).toMatch(
      /^unknown key "worker" \(did you mean "workers"\?\)\. Allowed here: controlPlanes, workers$/,
    );
  });

  it('an unknown key inside a list item lists that item’s keys', () => {
    const p = one(`${header}spec:\n  tenants:\n    - name: a\n      colour: red\n`);
    expect(p.path).toBe('spec.tenants.0.colour');
    expect(p.where).toBe('k.yaml:8:7');
    expect(p.message).toMatch(/Allowed here: name, groups, viewers, quota, gatewayAccess, podSecurity$/);
  });

  it('a problem in a key that does not exist in the file points at its nearest parent', () => {
    expect(one('apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata: {}\n')).toMatchObject({
      where: 'k.yaml:3:11',
      path: 'metadata.name',
    });
  });

  it('a value from a flag or variable is located at the flag or variable', () => {
    const e = refused(
      `${header}spec:\n  cluster:\n    provider: kind\n`,
      collectOverrides({ provider: 'gcp' }, { KUBESTRAP_CLUSTER_NAME: 'Bad_Name' }),
    );
    expect(e.problems.map((p) => [p.where, p.path])).toEqual([
      ['flag --provider', 'spec.cluster.provider'],
      ['env KUBESTRAP_CLUSTER_NAME', 'spec.cluster.name'],
    ]);
  });

  it('schema problems alone take the default suggestion; control characters take the retype one', () => {
    expect(refused(`${header}spec:\n  cluster:\n    provider: gcp\n`).suggestion).toContain('`kubestrap schema` prints every allowed key');
    expect(refused(`${header}spec:\n  cluster:\n    name: "a\\tb"\n`).suggestion).toContain(
      'Retype the value without the invisible character',
    );
  });

  it('a control character in a key says "key holds", in a value "holds", with the character named', () => {
    const [inKey] = refused(`${header}spec:\n  "a\\tb": 1\n`).problems;
    expect(inKey).toMatchObject({ where: 'k.yaml:6:3', path: 'spec.a\\u0009b' });
    expect(inKey!.message).toMatch(/^key holds U\+0009 \(tab\); no value may contain control characters/);
    const [inValue] = refused(`${header}spec:\n  cluster:\n    name: "a\\tb"\n`).problems;
    expect(inValue!.message).toMatch(/^holds U\+0009 \(tab\); /);
  });

  it('a control character and a schema problem in the same value are one problem, the character', () => {
    const e = refused(`${header}spec:\n  cluster:\n    provider: "gc\\tp"\n    name: Bad\n`);
    expect(e.problems.map((p) => [p.path, p.message.slice(0, 10)])).toEqual([
      ['spec.cluster.provider', 'holds U+00'],
      ['spec.cluster.name', 'must be a '],
    ]);
  });

  it('past the limit, problems are counted, not shown', () => {
    const keys = Array.from({ length: maxProblemsShown + 5 }, (_, i) => `    k${i}: x`).join('\n');
    const e = refused(`${header}spec:\n  cluster:\n${keys}\n`);
    expect(e.problems).toHaveLength(maxProblemsShown);
    expect(e.total).toBe(maxProblemsShown + 5);
  });

  it('past the limit, structural problems (duplicate keys) are counted too', () => {
    const dupes = Array.from({ length: maxProblemsShown + 3 }, (_, i) => `k${i}: 1\nk${i}: 2`).join('\n');
    const e = refused(`${header}${dupes}\n`);
    expect(e.problems).toHaveLength(maxProblemsShown);
    expect(e.total).toBe(maxProblemsShown + 3);
  });

  it('a file outside the current directory is named by its absolute path', () => {
    const outside = path.join(path.dirname(process.cwd()), 'elsewhere', 'k.yaml');
    const e = refusal(() => parseConfigText(`${header}spec:\n  cluster:\n    provider: gcp\n`, outside));
    expect(e.problems[0]!.where).toBe(`${outside}:7:15`);
  });
});
