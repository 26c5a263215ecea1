// "Are we in CI / can we prompt" has one meaning (src/util/terminal.ts): CI=false and CI=0 are not CI.
import { describe, expect, it } from 'vitest';
import { canPrompt, drawsForPerson, isCI } from '../../src/util/terminal.js';

const tty = { stdin: { isTTY: true }, stdout: { isTTY: true } };

describe('isCI / canPrompt / drawsForPerson', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['true', true],
    ['1', true],
    ['woodpecker', true],
  ])('CI=%s is CI: %s', (value, expected) => {
    const env = value === undefined ? {} : { CI: value };
    expect(isCI(env)).toBe(expected);
    expect(canPrompt(env, tty)).toBe(!expected);
    expect(drawsForPerson(env, tty)).toBe(!expected);
  });

  it('nobody is asked unless both stdin and stdout are terminals', () => {
    expect(canPrompt({}, { stdin: { isTTY: false }, stdout: { isTTY: true } })).toBe(false);
    expect(canPrompt({}, { stdin: { isTTY: true }, stdout: {} })).toBe(false);
    expect(drawsForPerson({}, { stdout: { isTTY: false } })).toBe(false);
  });
});
