/**
 * The allowed values of a setting, read from the zod schema, so flags, environment variables and
 * the README list the same choices as the validation that enforces them.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string | number>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Looks through defaults, optionals and pipes to the schema that validates the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  return schema;
}

/** The enum values at `path` (`*` steps into array elements), or undefined when the value there is not an enum. */
export function schemaChoices(schema: z.ZodType, path: readonly string[]): readonly string[] | undefined {
  let node = unwrap(schema);
  for (const key of path) {
    const def = defOf(node);
    const next = key === '*' ? def.element : def.shape?.[key];
    if (!next) throw new Error(`the config schema has no ${path.join('.')} (at ${key})`);
    node = unwrap(next);
  }
  const def = defOf(node);
  return def.type === 'enum' && def.entries ? Object.values(def.entries).map(String) : undefined;
}
