// schemaChoices looks through pipes as it does through defaults and optionals: a setting whose value is
// an enum refined by a transform (a pipe from the enum) still lists the enum's choices, and a setting
// that is no enum lists none. Written against src/config/choices.ts survivors (docs/mutation.md).
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { schemaChoices } from '../../src/config/choices.js';

describe('schemaChoices through a pipe', () => {
  it('an enum piped into a transform keeps its choices, also inside an object reached through the pipe', () => {
    const s = z.object({
      mode: z.enum(['fast', 'safe']).transform((v) => v.toUpperCase()),
      nested: z
        .object({ level: z.enum(['low', 'high']) })
        .transform((o) => o)
        .optional(),
    });
    expect(schemaChoices(s, ['mode'])).toEqual(['fast', 'safe']);
    expect(schemaChoices(s, ['nested', 'level'])).toEqual(['low', 'high']);
  });

  it('a string behind a pipe has no choices', () => {
    expect(schemaChoices(z.object({ name: z.string().transform((v) => v.trim()) }), ['name'])).toBeUndefined();
  });
});
