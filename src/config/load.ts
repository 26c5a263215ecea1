/**
 * Reads kubestrap.yaml, merges env and flag overrides, applies defaults and validates — the
 * boundary where every problem is reported with file:line:column and key path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import type { Override } from './overrides.js';
import { describeChar, forbiddenText, printable } from './text.js';

/** At most this many problems are described (each one located); the rest are counted. */
export const maxProblemsShown = 20;
/**
 * How many nodes aliases may expand to. A config of hundreds of tenants sharing one `&quota`
 * anchor stays far below; a "billion laughs" document (aliases of aliases) goes over at once.
 */
export const maxAliasExpansion = 10_000;

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file, or undefined when built from flags only. */
  file: string | undefined;
  /** Directory relative paths in the config resolve against. */
  baseDir: string;
}

export async function loadConfigFile(file: string, overrides: Override[] = []): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const [message, suggestion] =
      code === 'ENOENT'
        ? ['file not found', 'Create one with `kubestrap init`, or pass an existing file with --config <file>.']
        : code === 'EISDIR'
          ? ['is a directory, not a file', `Pass the file itself, e.g. --config ${path.join(file, 'kubestrap.yaml')}.`]
          : code === 'ENOTDIR'
            ? ['cannot exist: a part of its path is a file, not a directory', 'Check the path given with --config (or KUBESTRAP_CONFIG).']
            : [`cannot be read (${code ?? String(error)})`, 'Check the file permissions.'];
    throw new ConfigError([{ where: printable(file), path: '', message }], suggestion);
  }
  return parseConfigText(text, absolute, overrides);
}

export function parseConfigText(text: string, file: string, overrides: Override[] = []): LoadedConfig {
  const relative = path.relative(process.cwd(), file);
  const display = relative && !relative.startsWith('..') ? relative : file;
  const lineCounter = new LineCounter();
  // yaml's own uniqueKeys check compares every key with every other (quadratic: 20 000 keys took
  // seconds); duplicateKeys() below does the same in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return `${display}:${pos.line}:${pos.col}`;
  };
  if (doc.errors.length > 0) {
    throw configError(
      doc.errors.map((e) => ({ where: at(e.pos[0]), path: '', message: `YAML syntax: ${printable(e.message.split('\n')[0] ?? '')}` })),
      'Fix the YAML syntax (indentation, quotes, colons) at the position shown.',
    );
  }
  const structural = [...duplicateKeys(doc, at), ...undefinedAliases(doc, at)];
  if (structural.length > 0)
    throw configError(structural, 'Make every key of a mapping unique, and define each anchor (&name) before its first alias (*name).');
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: maxAliasExpansion }) ?? {};
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const firstAlias = firstAliasOffset(doc);
    throw configError(
      [
        {
          where: firstAlias === undefined ? display : at(firstAlias),
          path: '',
          message: `the aliases (*name) expand to more than ${maxAliasExpansion} nodes (aliases of aliases multiply)`,
        },
      ],
      'Use fewer nested aliases: anchors and aliases are for sharing a block such as a quota, not for generating data.',
    );
  }
  const merged = applyOverrides(raw, overrides);
  return validate(merged, { doc, lineCounter, display, overrides }, file);
}

/** At most maxProblemsShown problems, the rest counted in the message. */
function configError(problems: ConfigProblem[], suggestion?: string): ConfigError {
  return new ConfigError(problems.slice(0, maxProblemsShown), suggestion, problems.length);
}

function duplicateKeys(doc: Document, at: (offset: number) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Map(_key, map: YAMLMap) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const offset = pair.key.range?.[0] ?? 0;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, offset);
        else
          problems.push({
            where: at(offset),
            path: '',
            message: `duplicate key "${printable(key)}" (first at ${at(first)}): keys must be unique`,
          });
      }
    },
  });
  return problems;
}

function undefinedAliases(doc: Document, at: (offset: number) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const anchors = new Set<string>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        if (!anchors.has(node.source))
          problems.push({
            where: at(node.range?.[0] ?? 0),
            path: '',
            message: `alias *${printable(node.source)} names no anchor defined before it`,
          });
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
    },
  });
  return problems;
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function applyOverrides(raw: unknown, overrides: Override[]): unknown {
  if (overrides.length === 0) return raw;
  const root: Record<string, unknown> = isPlainObject(raw) ? structuredClone(raw) : {};
  for (const o of overrides) {
    let cursor: Record<string, unknown> = root;
    const last = o.path.at(-1);
    if (last === undefined) continue;
    for (const key of o.path.slice(0, -1)) {
      if (!isPlainObject(cursor[key])) cursor[key] = {};
      cursor = cursor[key] as Record<string, unknown>;
    }
    cursor[last] = o.value;
  }
  return root;
}

interface Origin {
  doc?: Document;
  lineCounter?: LineCounter;
  display: string;
  overrides: Override[];
}

/** A problem not yet located: locating costs a lookup, so only the ones shown are located. */
interface Unlocated {
  keyPath: string[];
  preferKey: boolean;
  message: () => string;
}

function validate(value: unknown, origin: Origin, file: string): LoadedConfig {
  const text: Unlocated[] = forbiddenText(value).map((t) => ({
    keyPath: t.path,
    preferKey: t.inKey,
    message: () =>
      `${t.inKey ? 'key holds' : 'holds'} ${describeChar(t.char)}; no value may contain control characters or line/paragraph separators (YAML 1.1 readers such as kubectl and helm see a line break)`,
  }));
  const result = configSchema.safeParse(value, { reportInput: true });
  if (text.length > 0 || !result.success) {
    const flagged = new Set(text.map((t) => t.keyPath.join('\u0000')));
    const schema = result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue));
    const all = [...text, ...schema.filter((p) => !flagged.has(p.keyPath.join('\u0000')))];
    throw new ConfigError(
      all
        .slice(0, maxProblemsShown)
        .map((p) => ({ where: locate(p.keyPath, origin, p.preferKey), path: p.keyPath.map(printable).join('.'), message: p.message() })),
      text.length > 0
        ? 'Retype the value without the invisible character (copying from chat or a word processor can add one); then run the command again.'
        : undefined,
      all.length,
    );
  }
  return { config: result.data, file, baseDir: path.dirname(file) };
}

function describeIssue(issue: z.core.$ZodIssue): Unlocated[] {
  const keyPath = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      keyPath: [...keyPath, key],
      preferKey: true,
      message: () =>
        `unknown key "${printable(key)}"${suggestKey(key, keyPath)}. Allowed here: ${allowedKeys(keyPath).join(', ') || '(none)'}`,
    }));
  }
  return [{ keyPath, preferKey: false, message: () => humanMessage(issue) }];
}

function humanMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return issue.input === undefined
        ? `is required (expected ${issue.expected})`
        : `must be ${article(issue.expected)} ${issue.expected}, got ${describeValue(issue.input)}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `needs at least ${String(issue.minimum)} item(s)`
        : issue.origin === 'string'
          ? `must not be empty`
          : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : `must be at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${printable(JSON.stringify(v))}`;
}

/** file:line:col of the node at keyPath (or of its key), else of the nearest existing parent. */
function locate(keyPath: string[], origin: Origin, preferKey: boolean): string {
  const fromOverride = [...origin.overrides].reverse().find((o) => startsWith(keyPath, o.path));
  if (fromOverride) return fromOverride.source;
  const { doc, lineCounter } = origin;
  if (!doc || !lineCounter) return origin.display;
  for (let n = keyPath.length; n >= 0; n--) {
    const node = nodeAt(doc, keyPath.slice(0, n), preferKey && n === keyPath.length);
    if (node?.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return `${origin.display}:${pos.line}:${pos.col}`;
    }
  }
  return origin.display;
}

function nodeAt(doc: Document, keyPath: string[], keyNode: boolean): Node | undefined {
  const last = keyPath.at(-1);
  if (last === undefined) return doc.contents ?? undefined;
  const parent = keyPath.length === 1 ? doc.contents : (doc.getIn(keyPath.slice(0, -1).map(asIndex), true) as Node | undefined);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === last);
    if (!pair) return undefined;
    return (keyNode ? pair.key : (pair.value ?? pair.key)) as Node;
  }
  return doc.getIn(keyPath.map(asIndex), true) as Node | undefined;
}

function asIndex(segment: string): string | number {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
}

function startsWith(keyPath: string[], prefix: string[]): boolean {
  return prefix.length <= keyPath.length && prefix.every((p, i) => keyPath[i] === p);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shapeAt(keyPath: string[]): Record<string, unknown> | undefined {
  let schema: unknown = configSchema;
  for (const key of keyPath) {
    schema = unwrap(schema);
    const def = (schema as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown } }).def;
    if (def?.type === 'object' && def.shape) schema = def.shape[key];
    else if (def?.type === 'array') schema = def.element;
    else if (def?.type === 'record') schema = def.valueType;
    else return undefined;
  }
  const def = (unwrap(schema) as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' ? def.shape : undefined;
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  while (s?.def && ['default', 'prefault', 'optional', 'nullable', 'pipe'].includes(s.def.type ?? '')) {
    s = (s.def.innerType ?? s.def.in) as typeof s;
  }
  return s;
}

function allowedKeys(keyPath: string[]): string[] {
  return Object.keys(shapeAt(keyPath) ?? {});
}

function suggestKey(key: string, keyPath: string[]): string {
  const best = allowedKeys(keyPath)
    .map((k) => ({ k, d: distance(k.toLowerCase(), key.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best.k}"?)` : '';
}

/** Levenshtein distance, computed one row of the table at a time. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  let d = b.length;
  for (let i = 0; i < a.length; i++) {
    // Walking the previous row: `up` is its cell j + 1, `diagonal` its cell j, `left` this row's cell j.
    let diagonal = i;
    let left = i + 1;
    const next = [left];
    for (const [j, up] of row.slice(1).entries()) {
      left = Math.min(up + 1, left + 1, diagonal + (a[i] === b[j] ? 0 : 1));
      next.push(left);
      diagonal = up;
    }
    row = next;
    d = left;
  }
  return d;
}
