/**
 * The fast path of emitYaml (yaml-emit.ts): plain data (objects, arrays, strings, numbers, booleans,
 * null), the bulk of every plan, written straight as block YAML — the same bytes the `yaml` package
 * writes for it, without building and visiting a Document (which was most of `plan`'s time with
 * many tenants). Strings outside a small always-plain alphabet take their text from the `yaml`
 * package itself, one string at a time (cached); anything else (multi-line strings, other object
 * types, undefined in a list, very deep nesting) returns undefined so the caller writes the whole
 * value with the `yaml` package.
 */

export interface ScalarWriters {
  /** True when a plain scalar would be read as something other than the string (yaml-emit's isAmbiguousPlain). */
  ambiguous(text: string): boolean;
  /** The full writer: one document of `value`, ending in a newline. */
  document(value: unknown): string;
}

/** Characters a plain scalar may hold without the yaml writer ever quoting or escaping it (given it is not ambiguous). */
const alwaysPlain = /^[A-Za-z0-9_./(][A-Za-z0-9_./()=+,%$ -]*$/;
const maxDepth = 64;

class Unsupported extends Error {}

export function emitPlainYaml(value: unknown, writers: ScalarWriters): string | undefined {
  // A scalar alone is a document of its own (markers like `---` matter there): the full writer.
  if (value === null || typeof value !== 'object') return undefined;
  try {
    const emitter = new PlainEmitter(writers);
    if (Array.isArray(value)) return value.length === 0 ? '[]\n' : emitter.seq(value, '', 0);
    if (!isPlainObject(value)) return undefined;
    const body = emitter.map(value, '', 0);
    return body === '' ? '{}\n' : body;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Texts of strings outside the always-plain alphabet, as map values and as keys (the writer's own output). */
const valueTexts = new Map<string, string>();
const keyTexts = new Map<string, string>();
const ambiguity = new Map<string, boolean>();

class PlainEmitter {
  constructor(private readonly writers: ScalarWriters) {}

  /** Lines of a map; the first line starts with `first` instead of `indent` (`- ` of a list item). */
  map(object: Record<string, unknown>, indent: string, depth: number, first = indent): string {
    if (depth > maxDepth) throw new Unsupported();
    let out = '';
    let lead = first;
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (value === undefined) continue;
      out += `${lead}${this.key(key)}:${this.nested(value, indent, depth)}`;
      lead = indent;
    }
    return out;
  }

  /** Lines of a list; the first line starts with `first` instead of `indent`. */
  seq(items: readonly unknown[], indent: string, depth: number, first = indent): string {
    if (depth > maxDepth) throw new Unsupported();
    let out = '';
    let lead = first;
    const inner = `${indent}  `;
    for (const item of items) {
      if (item === undefined) throw new Unsupported();
      if (item !== null && typeof item === 'object') {
        // A non-empty collection starts on the dash's line: `- a: 1` / `- - x`.
        out += this.isEmpty(item) ? `${lead}- ${this.empty(item)}\n` : this.collection(item, inner, depth + 1, `${lead}- `);
      } else {
        out += `${lead}- ${this.scalar(item)}\n`;
      }
      lead = indent;
    }
    return out;
  }

  /** What follows `key:` — a scalar on the same line, or a block on the next lines. */
  private nested(value: unknown, indent: string, depth: number): string {
    if (value === null || typeof value !== 'object') return ` ${this.scalar(value)}\n`;
    return this.isEmpty(value) ? ` ${this.empty(value)}\n` : `\n${this.collection(value, `${indent}  `, depth + 1)}`;
  }

  private isEmpty(value: object): boolean {
    if (Array.isArray(value)) return value.length === 0;
    if (!isPlainObject(value)) throw new Unsupported();
    for (const key in value) if (Object.hasOwn(value, key) && value[key] !== undefined) return false;
    return true;
  }

  /** Lines of a non-empty collection. */
  private collection(value: object, indent: string, depth: number, first = indent): string {
    return Array.isArray(value) ? this.seq(value, indent, depth, first) : this.map(value as Record<string, unknown>, indent, depth, first);
  }

  private empty(value: object): string {
    return Array.isArray(value) ? '[]' : '{}';
  }

  private scalar(value: unknown): string {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
        return this.fromWriter(value);
      default:
        if (value === null) return 'null';
        throw new Unsupported();
    }
  }

  private string(text: string): string {
    if (alwaysPlain.test(text) && !text.endsWith(' ')) return this.isAmbiguous(text) ? `"${text}"` : text;
    if (text.includes('\n')) throw new Unsupported();
    return this.fromWriter(text);
  }

  private key(text: string): string {
    // Keys over 1024 characters are written as explicit `? key` by the yaml writer.
    if (alwaysPlain.test(text) && !text.endsWith(' ') && text.length <= 1000) return this.isAmbiguous(text) ? `"${text}"` : text;
    let written = keyTexts.get(text);
    if (written === undefined) {
      const doc = this.writers.document({ [text]: 0 });
      if (!doc.endsWith(': 0\n') || doc.slice(0, -4).includes('\n')) throw new Unsupported();
      written = doc.slice(0, -4);
      keyTexts.set(text, written);
    }
    return written;
  }

  /** The writer's text for one single-line scalar as a map value (the same text as a list item). */
  private fromWriter(value: string | number): string {
    const cacheKey = typeof value === 'string' ? `s${value}` : `n${value}`;
    let written = valueTexts.get(cacheKey);
    if (written === undefined) {
      const doc = this.writers.document({ k: value });
      if (!doc.startsWith('k: ') || !doc.endsWith('\n') || doc.slice(3, -1).includes('\n')) throw new Unsupported();
      written = doc.slice(3, -1);
      valueTexts.set(cacheKey, written);
    }
    return written;
  }

  private isAmbiguous(text: string): boolean {
    let answer = ambiguity.get(text);
    if (answer === undefined) {
      answer = this.writers.ambiguous(text);
      ambiguity.set(text, answer);
    }
    return answer;
  }
}
