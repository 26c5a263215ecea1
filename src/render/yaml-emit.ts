/**
 * The one YAML writer for every file kubestrap writes. Its output reads the same under YAML 1.2
 * (the `yaml` package, editors) and YAML 1.1 (kubectl and helm, through go-yaml): a string that
 * either version would resolve to something else (Off, yes, y, 0755, 1:20, 1_000, 2026-01-02,
 * 0o17, ~, <<) is quoted, and a string holding a character a YAML 1.1 reader takes as a line break
 * (U+0085, U+2028, U+2029) or that neither reader accepts raw is written double-quoted with escapes.
 */
import { Document, isScalar, visit, type Schema } from 'yaml';
import { emitPlainYaml, type ScalarWriters } from './yaml-fast.js';

const schemas: Schema[] = (['1.1', '1.2'] as const).map((version) => new Document(null, { version }).schema);
const strTag = 'tag:yaml.org,2002:str';

/** Characters that must never appear raw in a scalar: C0/C1 controls (not tab or newline), YAML 1.1 line breaks, BOM. */
const mustEscape = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
/** Of those, the ones JSON.stringify (which the double-quoted writer builds on) leaves raw. */
const leftRawByJson = /[\x7f-\x9f\u2028\u2029\ufeff]/g;
const namedEscapes: Record<string, string> = { '\x85': '\\N', '\u2028': '\\L', '\u2029': '\\P', '\ufeff': '\\uFEFF' };

/** True when a plain scalar `text` would not be read back as the string `text` by YAML 1.1 or 1.2. */
export function isAmbiguousPlain(text: string): boolean {
  // `=` is YAML 1.1's value key; quoting it costs nothing.
  if (text === '=' || text === '<<') return true;
  return schemas.some((schema) =>
    schema.tags.some((tag) => tag.tag !== strTag && 'test' in tag && tag.test instanceof RegExp && tag.test.test(text)),
  );
}

function escapeRaw(char: string): string {
  return namedEscapes[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** Serialises one value as a YAML document that every reader reads the same. */
export function emitYaml(value: unknown): string {
  // Plain data takes the fast path (yaml-fast.ts), which writes the same bytes as emitYamlDocument.
  return emitPlainYaml(value, writers) ?? emitYamlDocument(value);
}

const writers: ScalarWriters = {
  ambiguous: (text) => mustEscape.test(text) || isAmbiguousPlain(text),
  document: (value) => emitYamlDocument(value),
};

/** emitYaml through the `yaml` package's Document, for every value (exported for the tests comparing both paths). */
export function emitYamlDocument(value: unknown): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_, node) {
      if (!isScalar(node) || typeof node.value !== 'string') return;
      if (mustEscape.test(node.value) || isAmbiguousPlain(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // Every string holding such a character is double-quoted above, so each raw occurrence in the
  // text sits inside a double-quoted scalar, where the escape means the same character.
  return doc.toString({ lineWidth: 0 }).replace(leftRawByJson, escapeRaw);
}
