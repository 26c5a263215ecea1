/**
 * Finds values keys a chart never reads, and values whose type the chart does not expect.
 *
 * A static reading of the chart's templates (its own, its subcharts' under their alias, library
 * charts' under their parent, `global.*` everywhere): every `.Values.a.b` (also through `$`,
 * `$root`, `.Root`, `index`/`get`/`hasKey`, `with` and `range` blocks and `$var := .Values.x`
 * variables) is a read of exactly that path. A path used as a whole (`toYaml`, `range` over it,
 * printed, passed to a helper or a function) reads everything below it: that is how maps with
 * free-form keys (annotations, labels, extraArgs, nodeSelector, resources, ...) are consumed. A
 * path only tested for truth (`if`, `and`, `not`, `eq`, ...) reads nothing below it, so a typo under
 * a map the chart reads key by key is reported.
 *
 * Types are compared with the chart's own defaults (values.yaml of the chart and its subcharts,
 * read as YAML 1.1 like helm does); helm itself checks values.schema.json where a chart has one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface ChartReads {
  /** Paths read exactly (segments joined by "."; "*" matches any key or list index). */
  exact: Set<string>;
  /** Paths read as a whole: everything below them counts as read. */
  whole: Set<string>;
  /** The chart's default values, subcharts merged in under their alias. */
  defaults: Record<string, unknown>;
  /** Paths a values.schema.json types (helm validates those itself; "*" for any key or item). */
  schemaTyped: Set<string>;
}

const conditionFuncs = new Set([
  'not',
  'and',
  'or',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'empty',
  'kindIs',
  'typeIs',
  'kindOf',
  'typeOf',
  'semverCompare',
  'hasPrefix',
  'hasSuffix',
  'contains',
  'has',
  'regexMatch',
]);
const TERM = String.raw`(?:\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*|(?:\.[A-Za-z0-9_]+)+|\.)`;
const termRe = new RegExp(String.raw`(?<![A-Za-z0-9_)\]"])` + TERM + String.raw`(?![A-Za-z0-9_])`, 'g');

interface Scope {
  /** Values paths `.` stands for here (empty: unknown, or not values). */
  dot: string[];
  vars: Map<string, string[]>;
  kind: string;
  /** In a helper (`define "name"`): `.` is what its callers pass, e.g. a dict. */
  helper: string | null;
}

interface Collector {
  exact: Set<string>;
  whole: Set<string>;
  schemaTyped: Set<string>;
  prefix: string;
  /**
   * Values paths callers hand to a helper, per helper and dict key, e.g. include "x" (dict
   * "component" .Values.read): in helper x, `.component.replicas` reads read.replicas.
   */
  dictArgs: Map<string, Set<string>>;
  /** First pass: only collect dictArgs. */
  collectOnly: boolean;
}

type JsonSchema = {
  type?: unknown;
  anyOf?: unknown;
  oneOf?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: unknown;
  items?: unknown;
};

function schemaPaths(schema: JsonSchema | undefined, at: string, out: Set<string>): void {
  if (!schema || typeof schema !== 'object') return;
  if (at && (schema.type !== undefined || schema.anyOf !== undefined || schema.oneOf !== undefined)) out.add(at);
  for (const [k, v] of Object.entries(schema.properties ?? {})) schemaPaths(v, join(at, k), out);
  if (isMap(schema.additionalProperties)) schemaPaths(schema.additionalProperties as JsonSchema, join(at, '*'), out);
  if (isMap(schema.items)) schemaPaths(schema.items as JsonSchema, join(at, '*'), out);
}

const join = (...parts: string[]) => parts.filter((p) => p !== '').join('.');
const under = (bases: string[], ...fields: string[]) => bases.map((b) => join(b, ...fields));

function withPrefix(c: Collector, p: string): string {
  if (p === 'global' || p.startsWith('global.')) return p;
  return join(c.prefix, p);
}

/** The values paths a template term denotes (none when it is not a values path). */
function resolveTerm(term: string, scope: Scope, c: Collector): string[] {
  const segs = term.split('.');
  const head = segs[0]!; // '' for `.x`, '$', '$name'
  const fields = segs.slice(1).filter((s) => s !== '');
  const vi = fields.indexOf('Values');
  if (vi >= 0) return [fields.slice(vi + 1).join('.')];
  if (head === '$') return []; // $.Release, $.Chart, ...
  if (head.startsWith('$')) return under(scope.vars.get(head) ?? [], ...fields);
  if (scope.dot.length) return under(scope.dot, ...fields);
  if (scope.helper && fields.length) return under([...(c.dictArgs.get(`${scope.helper}\0${fields[0]}`) ?? [])], ...fields.slice(1));
  return [];
}

/** The text from `start` up to the parenthesis that closes the group `start` is in. */
function balanced(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '"') {
      i = text.indexOf('"', i + 1);
      if (i < 0) break;
    } else if (text[i] === '(') depth++;
    else if (text[i] === ')' && depth-- === 0) return text.slice(start, i);
  }
  return text.slice(start);
}

const strings = (s: string) => [...s.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);

/** Folds in the lookups that name keys by strings or through parentheses, and dict arguments. */
function foldKeyLookups(expr: string, scope: Scope, c: Collector, read: (p: string[], whole: boolean) => void): string {
  // include "helper" (dict "k" X ...): remembered for the helper's `.k`; X is read through the helper.
  for (const m of expr.matchAll(/\b(?:include|template)\s+"([^"]+)"\s+\(\s*dict\b/g)) {
    const helper = m[1]!;
    const body = balanced(expr, m.index + m[0].length);
    const replaced = body.replace(new RegExp(String.raw`"(\w+)"\s+(${TERM})(?![\w.])`, 'g'), (pair, key: string, t: string) => {
      const paths = resolveTerm(t, scope, c);
      if (!paths.length) return pair;
      const id = `${helper}\0${key}`;
      let set = c.dictArgs.get(id);
      if (!set) c.dictArgs.set(id, (set = new Set()));
      for (const p of paths) set.add(p);
      read(paths, false);
      return `"${key}" _`;
    });
    expr = expr.slice(0, m.index + m[0].length) + replaced + expr.slice(m.index + m[0].length + body.length);
  }
  // (X).a.b
  expr = expr.replace(new RegExp(String.raw`\(\s*(${TERM})\s*\)((?:\.[A-Za-z0-9_]+)+)`, 'g'), (_m, t: string, tail: string) => {
    read(under(resolveTerm(t, scope, c), ...tail.split('.').filter(Boolean)), true);
    return ' _ ';
  });
  // (index X "a" "b").c.d  and  index X "a" "b"
  expr = expr.replace(
    new RegExp(String.raw`\(\s*index\s+(${TERM})((?:\s+"[^"]*")+)\s*\)((?:\.[A-Za-z0-9_]+)*)`, 'g'),
    (_m, t: string, keys: string, tail: string) => {
      read(under(resolveTerm(t, scope, c), ...strings(keys), ...tail.split('.').filter(Boolean)), true);
      return ' _ ';
    },
  );
  // set/unset write a key (reading nothing else); hasKey tests one
  expr = expr.replace(
    new RegExp(String.raw`\b(index|get|hasKey|set|unset)\s+(${TERM})((?:\s+"[^"]*")+)`, 'g'),
    (_m, fn: string, t: string, keys: string) => {
      const named = fn === 'set' || fn === 'unset' ? strings(keys).slice(0, 1) : strings(keys);
      read(under(resolveTerm(t, scope, c), ...named), fn === 'index' || fn === 'get');
      return ' _ ';
    },
  );
  // dig "a" "b" default X
  expr = expr.replace(
    new RegExp(String.raw`\bdig((?:\s+"[^"]*")+)\s+(\S+|\([^)]*\))\s+(${TERM})`, 'g'),
    (_m, keys: string, _d: string, t: string) => {
      read(under(resolveTerm(t, scope, c), ...strings(keys)), true);
      return ' _ ';
    },
  );
  return expr;
}

/** Function name governing a position in an expression: the head of the innermost parenthesis or pipeline stage. */
function headBefore(expr: string, index: number): string | undefined {
  let depth = 0;
  let start = 0;
  for (let i = index - 1; i >= 0; i--) {
    const ch = expr[i];
    if (ch === ')') depth++;
    else if (ch === '(') {
      if (depth === 0) {
        start = i + 1;
        break;
      }
      depth--;
    } else if (ch === '|' && depth === 0) {
      start = i + 1;
      break;
    }
  }
  return /^\s*([A-Za-z][A-Za-z0-9_]*)/.exec(expr.slice(start, index))?.[1];
}

function record(c: Collector, paths: string[], whole: boolean): void {
  if (c.collectOnly) return;
  for (const p of paths) {
    if (p === '') continue; // .Values as a whole (handed to a helper): not taken as reading every key
    const full = withPrefix(c, p);
    c.exact.add(full);
    if (whole) c.whole.add(full);
  }
}

function readExpression(expr: string, scope: Scope, c: Collector, allExact: boolean): void {
  const read = (paths: string[], whole: boolean) => record(c, paths, whole && !allExact);
  const rest = foldKeyLookups(expr.replace(/`[^`]*`/g, '""'), scope, c, read).replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of rest.matchAll(termRe)) {
    const paths = resolveTerm(m[0], scope, c);
    if (!paths.length) continue;
    const head = headBefore(rest, m.index);
    read(paths, !(head && conditionFuncs.has(head)));
  }
}

function analyseTemplate(text: string, c: Collector): void {
  // At the top of a template `.` and `$` are the root object (.Values, .Release, ...), not values.
  const stack: Scope[] = [{ dot: [], vars: new Map(), kind: 'root', helper: null }];
  for (const [, raw] of text.matchAll(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g)) {
    const action = raw!.trim();
    if (action.startsWith('/*')) continue;
    const scope = stack.at(-1)!;
    const word = /^([A-Za-z]+)/.exec(action)?.[1] ?? '';
    if (word === 'end') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    if (word === 'define' || word === 'block') {
      stack.push({ dot: [], vars: new Map(), kind: word, helper: /^\w+\s+"([^"]+)"/.exec(action)?.[1] ?? '?' });
      continue;
    }
    if (word === 'else') {
      const rest = action.slice(4).trim();
      scope.dot = (stack.at(-2) ?? scope).dot;
      if (rest.startsWith('if')) readExpression(rest.slice(2), scope, c, true);
      else if (rest.startsWith('with')) readWith(rest.slice(4), scope, scope, c);
      continue;
    }
    if (word === 'if') {
      readExpression(action.slice(2), scope, c, true);
      stack.push({ ...scope, vars: new Map(scope.vars), kind: 'if' });
      continue;
    }
    if (word === 'with') {
      const inner: Scope = { ...scope, dot: [], vars: new Map(scope.vars), kind: 'with' };
      readWith(action.slice(4), scope, inner, c);
      stack.push(inner);
      continue;
    }
    if (word === 'range') {
      const inner: Scope = { ...scope, dot: [], vars: new Map(scope.vars), kind: 'range' };
      const m = new RegExp(String.raw`^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w+)\s*)?:=\s*)?(${TERM})\s*$`).exec(action);
      if (m) {
        const paths = resolveTerm(m[3]!, scope, c);
        record(c, paths, false);
        const each = under(paths, '*');
        inner.dot = each;
        if (m[2]) {
          inner.vars.set(m[1]!, []);
          inner.vars.set(m[2], each);
        } else if (m[1]) inner.vars.set(m[1], each);
      } else {
        const assign = /^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w+)\s*)?:=)?([\s\S]*)$/.exec(action)!;
        readExpression(assign[3]!, scope, c, false);
        for (const v of [assign[1], assign[2]]) if (v) inner.vars.set(v, []);
      }
      stack.push(inner);
      continue;
    }
    // $x := TERM [| default ...]  or  $x := index . "key"  binds $x; anything else is an ordinary expression.
    const literal = String.raw`(?:dict|list|\(dict\)|\(list\)|""|"[^"]*"|\d+|nil|true|false)`;
    const assign = new RegExp(
      String.raw`^(\$\w+)\s*:?=\s*(${TERM}(?:\s*\|\s*default\s+${TERM})*)\s*(?:\|\s*default\s+${literal})?\s*$`,
    ).exec(action);
    const indexed = /^(\$\w+)\s*:?=\s*index\s+\.\s+"(\w+)"\s*$/.exec(action);
    if (assign || indexed) {
      const terms = assign ? assign[2]!.split(/\s*\|\s*default\s+/) : [`.${indexed![2]}`];
      const paths = terms.flatMap((t) => resolveTerm(t.trim(), scope, c));
      record(c, paths, false);
      scope.vars.set((assign ?? indexed)![1]!, paths);
      continue;
    }
    const generic = /^(\$\w+)\s*:?=([\s\S]*)$/.exec(action);
    if (generic) {
      readExpression(generic[2]!, scope, c, false);
      scope.vars.set(generic[1]!, []);
      continue;
    }
    readExpression(action, scope, c, false);
  }
}

function readWith(expr: string, outer: Scope, inner: Scope, c: Collector): void {
  const m = new RegExp(String.raw`^\s*(?:(\$\w+)\s*:=\s*)?(${TERM})\s*$`).exec(expr);
  if (m) {
    const paths = resolveTerm(m[2]!, outer, c);
    record(c, paths, false);
    inner.dot = paths;
    if (m[1]) inner.vars.set(m[1], paths);
    return;
  }
  readExpression(expr, outer, c, false);
  inner.dot = [];
}

function templateFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((e) => {
    const full = path.join(dir, e);
    return statSync(full).isDirectory() ? templateFiles(full) : /\.(ya?ml|tpl|txt|json|conf)$/.test(e) ? [full] : [];
  });
}

interface ChartYaml {
  type?: string;
  dependencies?: { name: string; alias?: string; condition?: string; tags?: string[] }[];
}

const readYaml11 = (file: string): unknown =>
  existsSync(file) ? parse(readFileSync(file, 'utf8'), { version: '1.1', uniqueKeys: false }) : undefined;

function setAt(root: Record<string, unknown>, prefix: string, value: unknown): void {
  if (!prefix) {
    mergeInto(root, value as Record<string, unknown>);
    return;
  }
  const parts = prefix.split('.');
  let cursor = root;
  for (const p of parts.slice(0, -1)) {
    if (typeof cursor[p] !== 'object' || cursor[p] === null) cursor[p] = {};
    cursor = cursor[p] as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  const existing = cursor[last];
  // The parent's values for a subchart override the subchart's own defaults.
  cursor[last] = mergeUnder(value as Record<string, unknown>, existing);
}

function mergeUnder(base: Record<string, unknown> | undefined, over: unknown): unknown {
  if (!isMap(over)) return over ?? base;
  const out: Record<string, unknown> = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? mergeUnder(out[k] as Record<string, unknown>, v) : v;
  return out;
}

function mergeInto(root: Record<string, unknown>, value: Record<string, unknown> | undefined): void {
  for (const [k, v] of Object.entries(value ?? {}))
    root[k] = isMap(v) && isMap(root[k]) ? mergeUnder(root[k] as Record<string, unknown>, v) : (root[k] ?? v);
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function analyseChart(dir: string, prefix: string, c: Collector, defaults: Record<string, unknown>): void {
  // Templates, and values.yaml itself: charts such as Loki keep `tpl` templates in string values.
  const files = [...templateFiles(path.join(dir, 'templates')), path.join(dir, 'values.yaml')].filter((f) => existsSync(f));
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  // Twice: the first pass learns what callers hand to helpers, the second reads with that known.
  const collector: Collector = { ...c, prefix, dictArgs: new Map(), collectOnly: true };
  for (const t of texts) analyseTemplate(t, collector);
  collector.collectOnly = false;
  for (const t of texts) analyseTemplate(t, collector);
  const schemaFile = path.join(dir, 'values.schema.json');
  if (existsSync(schemaFile)) schemaPaths(JSON.parse(readFileSync(schemaFile, 'utf8')) as JsonSchema, prefix, c.schemaTyped);
  const ownDefaults = (readYaml11(path.join(dir, 'values.yaml')) ?? {}) as Record<string, unknown>;
  setAt(defaults, prefix, ownDefaults);
  const chart = (readYaml11(path.join(dir, 'Chart.yaml')) ?? {}) as ChartYaml;
  const subDir = path.join(dir, 'charts');
  if (!existsSync(subDir)) return;
  for (const entry of readdirSync(subDir)) {
    const sub = path.join(subDir, entry);
    if (!statSync(sub).isDirectory()) throw new Error(`${sub}: packaged subcharts are not unpacked by the detector`);
    const subChart = (readYaml11(path.join(sub, 'Chart.yaml')) ?? {}) as ChartYaml & { name: string };
    const dep = chart.dependencies?.find((d) => d.name === subChart.name);
    const alias = dep?.alias ?? subChart.name;
    for (const cond of (dep?.condition ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      c.exact.add(join(prefix, cond));
    for (const tag of dep?.tags ?? []) c.exact.add(`tags.${tag}`);
    // A library chart's helpers run with the including chart's values.
    analyseChart(sub, subChart.type === 'library' ? prefix : join(prefix, alias), c, defaults);
  }
}

export function chartReads(chartDir: string): ChartReads {
  const c: Collector = { exact: new Set(), whole: new Set(), schemaTyped: new Set(), prefix: '', dictArgs: new Map(), collectOnly: false };
  const defaults: Record<string, unknown> = {};
  analyseChart(chartDir, '', c, defaults);
  return { exact: c.exact, whole: c.whole, defaults, schemaTyped: c.schemaTyped };
}

/** Leaf key paths of a values object (list items as "*"), with their values. */
export function leafPaths(value: unknown, prefix: string[] = []): [string[], unknown][] {
  if (isMap(value) && Object.keys(value).length) return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  if (Array.isArray(value) && value.length) return value.flatMap((v) => leafPaths(v, [...prefix, '*']));
  return prefix.length ? [[prefix, value]] : [];
}

function matches(pattern: string, segs: string[]): boolean {
  const p = pattern.split('.');
  return p.length === segs.length && p.every((s, i) => s === '*' || segs[i] === '*' || s === segs[i]);
}

/** Keys of `values` that the chart reads neither exactly nor under a path it uses as a whole. */
export function unreadKeys(values: Record<string, unknown>, reads: ChartReads): string[] {
  const whole = [...reads.whole].map((w) => w.split('.'));
  const exact = [...reads.exact];
  const out: string[] = [];
  for (const [segs] of leafPaths(values)) {
    if (exact.some((e) => matches(e, segs))) continue;
    if (whole.some((w) => w.length <= segs.length && matches(w.join('.'), segs.slice(0, w.length)))) continue;
    out.push(segs.join('.'));
  }
  return out;
}

const kindOf = (v: unknown): string => (v === null || v === undefined ? 'null' : Array.isArray(v) ? 'list' : isMap(v) ? 'map' : typeof v);

/**
 * Values whose kind (map, list, string, number, boolean) differs from the chart's default at that
 * path, where no values.schema.json types the path (there helm's own validation decides).
 */
export function typeMismatches(values: unknown, reads: ChartReads): string[] {
  const typed = [...reads.schemaTyped];
  return kindMismatches(values, reads.defaults, [], (at) => typed.some((t) => matches(t, at)));
}

function kindMismatches(values: unknown, defaults: unknown, at: string[], schemaTyped: (at: string[]) => boolean): string[] {
  if (defaults === null || defaults === undefined) return [];
  if (at.length && schemaTyped(at)) return [];
  const want = kindOf(defaults);
  const got = kindOf(values);
  if (got === 'null') return [];
  if (want !== got)
    return [
      `${at.join('.')}: the chart's default is a ${want} (${JSON.stringify(defaults).slice(0, 60)}), kubestrap gives a ${got} (${JSON.stringify(values).slice(0, 60)})`,
    ];
  if (isMap(values) && isMap(defaults))
    return Object.entries(values).flatMap(([k, v]) => kindMismatches(v, defaults[k], [...at, k], schemaTyped));
  if (Array.isArray(values) && Array.isArray(defaults) && defaults.length && !isMap(defaults[0])) {
    return values.flatMap((v) => kindMismatches(v, defaults[0], [...at, '*'], schemaTyped));
  }
  return [];
}
