// The fast path of emitYaml (src/render/yaml-fast.ts) writes exactly the bytes the `yaml` package's
// Document writer (emitYamlDocument) writes: checked on every object every example plans (and a
// plan with many tenants), on shapes of nesting, and on strings made of the characters YAML treats
// specially. The fast path must also actually be taken for most objects, or the plan stays slow.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { buildPlan } from '../../src/plan/plan.js';
import { emitYaml, emitYamlDocument, isAmbiguousPlain } from '../../src/render/yaml-emit.js';
import { emitPlainYaml } from '../../src/render/yaml-fast.js';

const repo = path.resolve(import.meta.dirname, '../..');
const writers = { ambiguous: isAmbiguousPlain, document: emitYamlDocument };

function objectsOf(file: string, text = readFileSync(file, 'utf8')): unknown[] {
  const loaded = parseConfigText(text, file);
  const plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: '/tmp/kubestrap-yaml-fast' });
  return plan.phases.flatMap((p) =>
    p.steps.flatMap((s) =>
      s.rendered.artifacts
        .filter((a) => /\.ya?ml$/.test(a.path))
        .flatMap((a) => parseAllDocuments(a.content).map((d) => d.toJS() as unknown)),
    ),
  );
}

function manyTenants(n: number): string {
  const doc = parseDocument(readFileSync(path.join(repo, 'examples/production.yaml'), 'utf8'));
  doc.setIn(
    ['spec', 'tenants'],
    doc.createNode(
      Array.from({ length: n }, (_, i) => ({
        name: `team-${i}`,
        groups: [`team-${i}-devs`],
        quota: { cpu: '4', memory: '16Gi', pods: 50, storage: '100Gi' },
      })),
    ),
  );
  return doc.toString();
}

describe('emitYaml fast path', () => {
  it.each(['kind-dev.yaml', 'kind-test.yaml', 'production.yaml', 'test-cluster.yaml', '40 tenants'])(
    'writes the same bytes as the yaml Document writer for every object %s plans',
    (example) => {
      const objects =
        example === '40 tenants'
          ? objectsOf(path.join(repo, 'examples/tenants.yaml'), manyTenants(40))
          : objectsOf(path.join(repo, 'examples', example));
      expect(objects.length).toBeGreaterThan(5);
      let fast = 0;
      for (const object of objects) {
        expect(emitYaml(object)).toBe(emitYamlDocument(object));
        if (emitPlainYaml(object, writers) !== undefined) fast++;
      }
      // Most objects take the fast path (multi-line strings, e.g. alert rule expressions, do not).
      expect(fast / objects.length).toBeGreaterThan(0.6);
    },
  );

  it('writes the same bytes for every shape of nesting', () => {
    const shapes: unknown[] = [
      {},
      [],
      { a: {} },
      { a: [] },
      { a: [1, 'b', { c: 1, d: [] }, [1, [2]], {}, [], null] },
      [[{ a: 1, b: { c: [1] } }]],
      [{}],
      [[]],
      [null, true, false, 0, -1, 1.5, 1e21, -0, Number.NaN, Number.POSITIVE_INFINITY],
      { a: null, b: undefined, c: { d: { e: { f: [{ g: [{ h: 'x' }] }] } } } },
      Object.assign(Object.create(null) as object, { a: 1 }),
    ];
    for (const shape of shapes) expect(emitYaml(shape)).toBe(emitYamlDocument(shape));
  });

  it('writes the same bytes for strings of the characters YAML treats specially (as values, keys and list items)', () => {
    const specials = [
      '',
      ' ',
      'a',
      'Z',
      '0',
      '9',
      '.',
      '-',
      '_',
      '/',
      '(',
      ')',
      '=',
      '+',
      ',',
      '%',
      '$',
      ':',
      '#',
      '?',
      '!',
      '&',
      '*',
      '|',
      '>',
      "'",
      '"',
      '@',
      '`',
      '{',
      '}',
      '[',
      ']',
      '~',
      '^',
      '\\',
      '<',
      '\t',
      '\n',
      '\u0085',
      '\u2028',
      '\u00e9',
      'y',
      'n',
      'on',
      'Off',
      'yes',
      'null',
      'true',
      '1',
      '0x',
      '0o',
      '1_0',
      '.inf',
      '.nan',
      'e',
      '<<',
    ];
    let seed = 12;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const strings = new Set<string>(specials);
    for (const a of specials) for (const b of specials) strings.add(`${a}${b}`);
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const length = 1 + Math.floor(random() * 6);
      for (let j = 0; j < length; j++) s += specials[Math.floor(random() * specials.length)];
      strings.add(s);
    }
    strings.add('2026-01-02');
    strings.add('1:20');
    strings.add('0755');
    strings.add('a: b');
    strings.add('a #b');
    strings.add('x'.repeat(1100));
    for (const s of strings) {
      const value = { v: s, [s]: 1, l: [s, { [s]: s }] };
      expect(emitYaml(value), JSON.stringify(s)).toBe(emitYamlDocument(value));
    }
  });
});
