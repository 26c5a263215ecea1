// The templates compiled at build time (scripts/build-templates.mjs → dist/compiled-templates.json,
// issue 12): every template is in the store, comes back from its JSON exactly as parsing it gives,
// and an edited template (another text than the one compiled) is not taken from the store.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTemplate, precompiledDocs, precompileTemplates, templatesDir, type Precompiled } from '../../src/render/template.js';

const names = readdirSync(templatesDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.split(path.sep).join('/'))
  .sort();
// As the build writes it and a run reads it back.
const store = JSON.parse(JSON.stringify(precompileTemplates())) as Precompiled;

describe('precompiled templates', () => {
  it('holds every template under templates/', () => {
    expect(names.length).toBeGreaterThan(40);
    expect(Object.keys(store).sort()).toEqual(names);
  });

  it.each(names)('%s: the stored form is what parsing the template gives', (name) => {
    const text = readFileSync(path.join(templatesDir, name), 'utf8');
    const stored = precompiledDocs(store, name, text);
    expect(stored).toBeDefined();
    expect(stored).toStrictEqual(parseTemplate(name, text));
  });

  it('an edited template is not taken from the store', () => {
    const name = 'common/namespace.yaml';
    const text = readFileSync(path.join(templatesDir, name), 'utf8');
    expect(precompiledDocs(store, name, text)).toBeDefined();
    expect(precompiledDocs(store, name, `${text}\n# edited\n`)).toBeUndefined();
    expect(precompiledDocs(store, 'no/such.yaml', text)).toBeUndefined();
    expect(precompiledDocs(store, 'constructor', text)).toBeUndefined();
  });

  it('a template JSON cannot carry exactly is left out of the store (parsed at run time)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-templates-'));
    try {
      mkdirSync(path.join(dir, 'sub'));
      // .inf and -0 have no JSON text: their compiled form would change on its way through the file.
      writeFileSync(path.join(dir, 'sub/infinite.yaml'), 'a: .inf\n');
      writeFileSync(path.join(dir, 'sub/negative-zero.yaml'), 'a: -0.0\n');
      writeFileSync(path.join(dir, 'plain.yaml'), 'a: !var x\nb: [1, !opt y]\n---\nc: null\n');
      const built = JSON.parse(JSON.stringify(precompileTemplates(dir))) as Precompiled;
      expect(Object.keys(built)).toEqual(['plain.yaml']);
      const text = readFileSync(path.join(dir, 'plain.yaml'), 'utf8');
      expect(precompiledDocs(built, 'plain.yaml', text)).toStrictEqual(parseTemplate('plain.yaml', text));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
