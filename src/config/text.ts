/**
 * Characters no configuration value may hold. kubectl and helm read YAML 1.1, where U+0085, U+2028
 * and U+2029 are line breaks: a value holding one could end its scalar early and add list items or
 * keys nobody wrote (a group `devs<U+2028>- system:masters` would grant system:masters). Control
 * characters (tab and newline included) have no place in any value kubestrap takes either, so all
 * of them are refused where the configuration is read, whatever the source (file, env or flag).
 */
const forbidden = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const forbiddenAll = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;

const names: Record<number, string> = {
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x85: 'next line (NEL)',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
};

const hex = (code: number) => code.toString(16).toUpperCase().padStart(4, '0');

/** `U+2028 (line separator)`, `U+001B (control character)`. */
export function describeChar(char: string): string {
  const code = char.codePointAt(0);
  if (code === undefined) throw new Error('describeChar needs a character, got an empty string');
  return `U+${hex(code)} (${names[code] ?? 'control character'})`;
}

/** The first forbidden character of a string, if any. */
export function forbiddenChar(value: string): string | undefined {
  return forbidden.exec(value)?.[0];
}

/** A string safe to print on one terminal line: forbidden characters shown as \uXXXX escapes. */
export function printable(value: string): string {
  // Every forbidden character is in the BMP: one UTF-16 code unit, which charCodeAt reads.
  return value.replace(forbiddenAll, (c) => `\\u${hex(c.charCodeAt(0))}`);
}

export interface TextProblem {
  path: string[];
  /** The problem is in a mapping key (not its value). */
  inKey: boolean;
  char: string;
}

/** Every string (mapping keys included) below `value` that holds a forbidden character. Linear. */
export function forbiddenText(value: unknown, at: string[] = []): TextProblem[] {
  const out: TextProblem[] = [];
  const walk = (v: unknown, keyPath: string[]) => {
    if (typeof v === 'string') {
      const char = forbiddenChar(v);
      if (char) out.push({ path: keyPath, inKey: false, char });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...keyPath, String(i)]));
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        const char = forbiddenChar(key);
        if (char) out.push({ path: [...keyPath, key], inKey: true, char });
        else walk(item, [...keyPath, key]);
      }
    }
  };
  walk(value, at);
  return out;
}
