/**
 * Structural templates. A template is a YAML file under templates/ whose placeholders are tagged
 * nodes: `!var a.b` is replaced by the value at a.b of the context, `!opt a.b` likewise but the
 * whole entry is dropped when the value is undefined. Values are inserted as YAML nodes, never
 * spliced into text, so no input can change a document's structure: a value containing a newline,
 * a colon, `---` or `{{` stays one scalar.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
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

/**
 * A template document compiled once from its YAML nodes into plain data: maps become Entries
 * (their pairs in order), lists arrays, scalars their values (Placeholders stay as they are).
 * Rendering walks this instead of the yaml node tree: a plan with many tenants renders the same
 * templates thousands of times.
 */
class Entries {
  constructor(readonly pairs: [string, unknown][]) {}
}
class Other {
  constructor(readonly node: Node) {}
}

function compile(node: unknown): unknown {
  if (isScalar(node)) return node.value;
  if (isMap(node))
    return new Entries(
      node.items.filter(isPair).map((pair) => [isScalar(pair.key) ? String(pair.key.value) : String(pair.key), compile(pair.value)]),
    );
  if (isSeq(node)) return node.items.map(compile);
  return node === null || node === undefined ? null : new Other(node as Node);
}

/** A template's documents in their compiled form, parsed with the yaml package. */
export function parseTemplate(name: string, text: string): unknown[] {
  const parsed = parseAllDocuments(text, { customTags: placeholderTags }) as Document[];
  for (const d of parsed) {
    const [error] = d.errors;
    if (error) throw new Error(`template ${name}: ${error.message}`);
  }
  return parsed.map((d) => compile(d.contents));
}

/*
 * The compiled form as JSON, written at build time (scripts/build-templates.mjs) next to the tsc
 * output: parsing the templates with the yaml package was a sixth of `plan`'s CPU. An entry is used
 * only while the template's text has the same hash; otherwise (an edited template, a run from the
 * sources) the template is parsed as before. JSON: a list is a list, a map {"$map": [[key, value]]},
 * a placeholder {"$var": key} or {"$opt": key}, a scalar itself.
 */
export interface Precompiled {
  [name: string]: { sha256: string; docs: unknown[] };
}
const precompiledFile = new URL('../compiled-templates.json', import.meta.url);
let precompiled: Precompiled | undefined;

function builtStore(): Precompiled {
  if (!precompiled) {
    try {
      precompiled = JSON.parse(readFileSync(precompiledFile, 'utf8')) as Precompiled;
    } catch {
      precompiled = {};
    }
  }
  return precompiled;
}

/** The compiled documents of template `name` from `store`, if it holds them for exactly this text. */
export function precompiledDocs(store: Precompiled, name: string, text: string): unknown[] | undefined {
  const entry = Object.hasOwn(store, name) ? store[name] : undefined;
  if (!entry || entry.sha256 !== sha256(text)) return undefined;
  return entry.docs.map(decode);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function encode(node: unknown): unknown {
  if (node instanceof Placeholder) return { [node.optional ? '$opt' : '$var']: node.key };
  if (node instanceof Entries) return { $map: node.pairs.map(([key, value]) => [key, encode(value)]) };
  if (Array.isArray(node)) return node.map(encode);
  if (typeof node === 'number' && (!Number.isFinite(node) || Object.is(node, -0))) throw new Unencodable();
  if (node === null || ['string', 'number', 'boolean'].includes(typeof node)) return node;
  throw new Unencodable();
}
class Unencodable extends Error {}

function decode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(decode);
  if (node === null || typeof node !== 'object') return node;
  const o = node as { $map?: [string, unknown][]; $var?: string; $opt?: string };
  if (o.$map) return new Entries(o.$map.map(([key, value]) => [key, decode(value)]));
  return new Placeholder(o.$opt ?? o.$var ?? '', o.$opt !== undefined);
}

/**
 * Every template under `dir` (templates/) in the compiled form of precompiledDocs, for the build. A
 * template whose compiled form JSON cannot carry exactly (a YAML node kept as such, a number JSON
 * has no text for) is left out, and parsed at run time.
 */
export function precompileTemplates(dir = templatesDir): Precompiled {
  const out: Precompiled = {};
  const names = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
  for (const name of names) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const docs = parseTemplate(name, text);
    let encoded: unknown[];
    try {
      encoded = docs.map(encode);
    } catch (error) {
      if (error instanceof Unencodable) continue;
      throw error;
    }
    const back = (JSON.parse(JSON.stringify(encoded)) as unknown[]).map(decode);
    if (isDeepStrictEqual(back, docs)) out[name] = { sha256: sha256(text), docs: encoded };
  }
  return out;
}

const cache = new Map<string, unknown[]>();

function load(name: string): unknown[] {
  let docs = cache.get(name);
  if (!docs) {
    const text = readFileSync(path.join(templatesDir, name), 'utf8');
    docs = precompiledDocs(builtStore(), name, text) ?? parseTemplate(name, text);
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
  if (node instanceof Placeholder) {
    const v = lookup(values, node.key);
    if (v === undefined) {
      if (node.optional) return dropped;
      throw new Error(`template ${template}: no value for !var ${node.key}`);
    }
    return v;
  }
  if (node instanceof Entries) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of node.pairs) {
      const v = substitute(value, values, template);
      if (v !== dropped) out[key] = v;
    }
    return out;
  }
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) {
      const v = substitute(item, values, template);
      if (v !== dropped) out.push(v);
    }
    return out;
  }
  if (node instanceof Other) return node.node.toJSON();
  return node;
}

/** Renders every document of a template to plain objects. */
export function renderObjects(name: string, values: Record<string, unknown>): Record<string, unknown>[] {
  return load(name)
    .map((doc) => substitute(doc, values, name))
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
