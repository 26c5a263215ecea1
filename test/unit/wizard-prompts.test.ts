import { describe, expect, it, vi } from 'vitest';
import { ExitCode, InterruptedError } from '../../src/errors.js';

// @inquirer/prompts replaced: what it throws on Ctrl-C (ExitPromptError) and what it receives.
const calls: { kind: string; config: Record<string, unknown> }[] = [];
vi.mock('@inquirer/prompts', () => {
  class ExitPromptError extends Error {
    override name = 'ExitPromptError';
  }
  return {
    select: async (config: Record<string, unknown>) => {
      calls.push({ kind: 'select', config });
      throw new ExitPromptError('User force closed the prompt with SIGINT');
    },
    input: async (config: Record<string, unknown>) => {
      calls.push({ kind: 'input', config });
      return 'typed';
    },
    confirm: async (config: Record<string, unknown>) => {
      calls.push({ kind: 'confirm', config });
      throw Object.assign(new Error('boom'), { name: 'TypeError' });
    },
  };
});

describe('prompt module over @inquirer/prompts', () => {
  it('maps Ctrl-C (ExitPromptError) to InterruptedError, exit 130', async () => {
    const { inquirerPrompter } = await import('../../src/prompts.js');
    const p = inquirerPrompter();
    const error = await p
      .select({
        message: 'CNI?',
        why: 'why',
        choices: [
          { value: 'a', name: 'A' },
          { value: 'b', name: 'B' },
        ],
        default: 'b',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(ExitCode.interrupted);
    // the recommended choice is pre-selected and marked
    const cfg = calls[0]!.config as { default: string; choices: { value: string; name: string }[] };
    expect(cfg.default).toBe('b');
    expect(cfg.choices.map((c) => c.name.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(['A', 'B (recommended)']);
  });
  it('passes validation through to input and leaves other errors alone', async () => {
    const { inquirerPrompter } = await import('../../src/prompts.js');
    const p = inquirerPrompter();
    const validate = (v: string) => (v === 'ok' ? true : 'must be ok');
    expect(await p.input({ message: 'Name?', why: 'why', default: 'x', validate })).toBe('typed');
    const cfg = calls.find((c) => c.kind === 'input')!.config as { validate: (v: string) => true | string; default: string };
    expect(cfg.default).toBe('x');
    expect(cfg.validate('nope')).toBe('must be ok');
    await expect(p.confirm({ message: 'Sure?', why: 'why', default: true })).rejects.toMatchObject({ name: 'TypeError' });
  });
});
