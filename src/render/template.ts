/**
 * Structural templates. A template is a YAML file under templates/ whose placeholders are tagged
 * nodes: `!var a.b` is replaced by the value at a.b of the context, `!opt a.b` likewise but the
 * whole entry is dropped when the value is undefined. Values are inserted as YAML nodes, never
 * spliced into text, so no input can change a document's structure: a value containing a newline,
 * a colon, `---` or `{{` stays one scalar.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Node, type ScalarTag } from 'yaml';
import { emitYaml } from './yaml-emit.js';

export const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

class Placeholder {
  constructor(
    readonly key: string,
    readonly optional: boolean,
  ) {}
}

const placeholderTags: ScalarTag[] = [
  { tag: '!var', resolve: (str) => new Placeholder(str, false) as unknown as string },
  { tag: '!opt', resolve: (str) => new Placeholder(str, true) as unknown as string },
];

const cache = new Map<string, Document[]>();

function load(name: string): Document[] {
  let docs = cache.get(name);
  if (!docs) {
    const text = readFileSync(path.join(templatesDir, name), 'utf8');
    docs = parseAllDocuments(text, { customTags: placeholderTags }) as Document[];
    for (const d of docs) {
      if (d.errors.length) throw new Error(`template ${name}: ${d.errors[0]!.message}`);
    }
    cache.set(name, docs);
  }
  return docs;
}

const dropped = Symbol('dropped');

function lookup(values: Record<string, unknown>, key: string): unknown {
  let cursor: unknown = values;
  for (const part of key.split('.')) {
    cursor = cursor !== null && typeof cursor === 'object' ? (cursor as Record<string, unknown>)[part] : undefined;
  }
  return cursor;
}

function substitute(node: unknown, values: Record<string, unknown>, template: string): unknown {
  if (isScalar(node) && node.value instanceof Placeholder) {
    const v = lookup(values, node.value.key);
    if (v === undefined) {
      if (node.value.optional) return dropped;
      throw new Error(`template ${template}: no value for !var ${node.value.key}`);
    }
    return v;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const v = substitute(pair.value, values, template);
      if (v !== dropped) out[key] = v;
    }
    return out;
  }
  if (isSeq(node)) {
    return node.items.map((item) => substitute(item, values, template)).filter((v) => v !== dropped);
  }
  if (isScalar(node)) return node.value;
  return node === null || node === undefined ? null : (node as Node).toJSON();
}

/** Renders every document of a template to plain objects. */
export function renderObjects(name: string, values: Record<string, unknown>): Record<string, unknown>[] {
  return load(name)
    .map((doc) => substitute(doc.contents, values, name))
    .filter((o): o is Record<string, unknown> => o !== dropped && o !== null && typeof o === 'object');
}

/** Renders a single-document template (e.g. a helm values file) to one object. */
export function renderObject(name: string, values: Record<string, unknown>): Record<string, unknown> {
  const [first, ...rest] = renderObjects(name, values);
  if (!first || rest.length) throw new Error(`template ${name}: expected exactly one document`);
  return first;
}

/** Serialises objects as a multi-document YAML stream (read the same under YAML 1.1 and 1.2). */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((o) => emitYaml(o)).join('---\n');
}

export function toYaml(object: unknown): string {
  return emitYaml(object);
}
