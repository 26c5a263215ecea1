// Every file kubestrap writes means the same to a YAML 1.1 reader (kubectl, helm: go-yaml) and a
// YAML 1.2 reader (the yaml package, editors): every file of every configuration of the matrix is
// parsed both ways and compared. The writer quotes what either version would read as something
// other than the string it is (Off, y, 0755, 1:20, ...) and escapes YAML 1.1 line breaks.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, type ScalarTag } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml, toYamlStream } from '../../src/render/template.js';
import { emitYaml, isAmbiguousPlain } from '../../src/render/yaml-emit.js';
import { renderMatrix, repoRoot } from '../real-charts/matrix.ts';

const matrix = await renderMatrix();

function readBothWays(text: string, customTags: ScalarTag[] = []) {
  const read = (version: '1.1' | '1.2') =>
    parseAllDocuments(text, { version, customTags, uniqueKeys: false }).map((d) => {
      if (d.errors.length) throw new Error(`YAML ${version}: ${d.errors[0]!.message}`);
      // Dates (YAML 1.1 timestamps) compare by their text, so a timestamp read is a difference.
      return JSON.stringify(d.toJS(), (_k, v) => (v instanceof Date ? { date: v.toISOString() } : v));
    });
  return { v11: read('1.1'), v12: read('1.2') };
}

describe.each(matrix.map((m) => [m.name, m] as const))('%s', (_name, entry) => {
  const yamlFiles = [...entry.files].filter(([f]) => /\.ya?ml$/.test(f));

  it('writes YAML files (kubestrap.yaml for init, every plan artifact)', () => {
    expect(yamlFiles.length).toBeGreaterThan(10);
  });

  it.each(yamlFiles)('%s reads the same under YAML 1.1 and 1.2', (_file, text) => {
    const { v11, v12 } = readBothWays(text);
    expect(v11).toEqual(v12);
    expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
  });
});

describe('the writer', () => {
  const tricky = [
    'Off',
    'off',
    'On',
    'yes',
    'No',
    'y',
    'n',
    'Y',
    'N',
    '0755',
    '0o17',
    '0x1F',
    '1:20',
    '1_000',
    '190:20:30.15',
    '2026-01-02',
    '2001-12-14t21:59:43.10-05:00',
    '~',
    'null',
    '',
    '<<',
    '=',
    '.inf',
    '-.Inf',
    '.NaN',
    '1e3',
    '+12',
    '.5',
    'true',
    'FALSE',
  ];
  const breaks = ['a\u2028b', 'a\u2029b', 'a\u0085b', 'line1\nline2\u2028', 'tab\there', 'del\u007f', 'c1\u0090', '\ufeffbom'];

  it.each([...tricky, ...breaks])('%j is read back as the same string under YAML 1.1 and 1.2, as value and as key', (s) => {
    const text = toYaml({ value: s, [s]: 'key', list: [s] });
    const { v11, v12 } = readBothWays(text);
    expect(v11).toEqual(v12);
    expect(JSON.parse(v11[0]!)).toEqual({ value: s, [s]: 'key', list: [s] });
    expect(text).not.toMatch(/[\u0085\u2028\u2029\u007f-\u009f\ufeff]/);
  });

  it('quotes only what needs it (plain words stay plain)', () => {
    expect(emitYaml({ a: 'plain', b: 'Off', c: 8080, d: true })).toBe('a: plain\nb: "Off"\nc: 8080\nd: true\n');
    expect(isAmbiguousPlain('kubestrap')).toBe(false);
  });

  it('keeps multi-line strings as block scalars and multi-document streams intact', () => {
    const text = toYamlStream([{ script: 'one\ntwo\n' }, { mode: 'Off' }]);
    expect(text).toContain('script: |\n  one\n  two\n');
    const { v11, v12 } = readBothWays(text);
    expect(v11).toEqual(v12);
    expect(v11).toHaveLength(2);
  });

  it("the smoke VPA's updateMode Off stays the string Off for kubectl (YAML 1.1), as the VPA CRD requires", () => {
    const entry = matrix.find(
      (m) => m.plan.config.spec.autoscaling.vpa.enabled && m.plan.config.spec.autoscaling.vpa.updateMode === 'Off',
    )!;
    const [file, text] = [...entry.files].find(([f]) => f.endsWith('smoke-vpa.yaml'))!;
    const doc = parseAllDocuments(text, { version: '1.1' })[0]!.toJS();
    expect({ file, updateMode: doc.spec.updatePolicy.updateMode }).toEqual({ file, updateMode: 'Off' });
  });
});

describe('templates', () => {
  // Placeholders read as plain strings here; what they are replaced with is covered above.
  const tags: ScalarTag[] = ['!var', '!opt'].map((tag) => ({ tag, resolve: (s: string) => `${tag} ${s}` }));
  const dir = path.join(repoRoot, 'templates');
  const files = (d: string): string[] =>
    readdirSync(d).flatMap((e) => (statSync(path.join(d, e)).isDirectory() ? files(path.join(d, e)) : [path.join(d, e)]));
  it.each(files(dir).map((f) => path.relative(dir, f)))(
    '%s reads the same under YAML 1.1 and 1.2 (what the author wrote is what is rendered)',
    (f) => {
      const { v11, v12 } = readBothWays(readFileSync(path.join(dir, f), 'utf8'), tags);
      expect(v11).toEqual(v12);
    },
  );
});
