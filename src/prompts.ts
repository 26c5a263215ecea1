/**
 * Every question kubestrap asks lives behind this module, so tests can replace it (inject a
 * `Prompter`) and no prompt ever runs in the middle of side-effecting work without going through
 * here. Ctrl-C inside a prompt becomes an InterruptedError (exit 130) in one place.
 */
import chalk from 'chalk';
import { InterruptedError } from './errors.js';

export interface PromptChoice<V extends string = string> {
  value: V;
  name: string;
  description?: string;
}

export interface SelectQuestion<V extends string = string> {
  message: string;
  /** One line: why the question matters. */
  why: string;
  choices: PromptChoice<V>[];
  /** The recommended value; pre-selected and marked "(recommended)". */
  default: V;
}

export interface InputQuestion {
  message: string;
  why: string;
  default?: string;
  /** true, or the reason the answer is invalid (the question is asked again). */
  validate: (value: string) => true | string;
}

export interface ConfirmQuestion {
  message: string;
  why: string;
  default: boolean;
}

export interface Prompter {
  select<V extends string>(question: SelectQuestion<V>): Promise<V>;
  input(question: InputQuestion): Promise<string>;
  confirm(question: ConfirmQuestion): Promise<boolean>;
  /** A line of information between questions (e.g. an answer taken from a flag). */
  note(text: string): void;
}

function isPromptCancel(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError';
}

async function guarded<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (isPromptCancel(error)) throw new InterruptedError('Interrupted; nothing was written.');
    throw error;
  }
}

/** The why-line shows while the question is open; the answered line keeps only the question. */
const theme = (why: string) => ({
  style: {
    message: (text: string, status: string) => (status === 'done' ? chalk.bold(text) : `${chalk.bold(text)} ${chalk.dim(`- ${why}`)}`),
  },
});

/** The real prompts, on @inquirer/prompts (loaded lazily: only a terminal session needs them). */
export function inquirerPrompter(output: NodeJS.WriteStream = process.stdout): Prompter {
  return {
    select: (q) =>
      guarded(async () => {
        const { select } = await import('@inquirer/prompts');
        return select({
          message: q.message,
          theme: theme(q.why),
          choices: q.choices.map((c) => ({
            value: c.value,
            name: c.value === q.default ? `${c.name} ${chalk.green('(recommended)')}` : c.name,
            ...(c.description ? { description: c.description } : {}),
          })),
          default: q.default,
          loop: false,
        }) as Promise<typeof q.default>;
      }),
    input: (q) =>
      guarded(async () => {
        const { input } = await import('@inquirer/prompts');
        return input({
          message: q.message,
          theme: theme(q.why),
          ...(q.default !== undefined ? { default: q.default } : {}),
          validate: (v) => q.validate(v),
        });
      }),
    confirm: (q) =>
      guarded(async () => {
        const { confirm } = await import('@inquirer/prompts');
        return confirm({ message: q.message, theme: theme(q.why), default: q.default });
      }),
    note: (text) => {
      output.write(`${chalk.dim(text)}\n`);
    },
  };
}

export async function confirmByTypingName(
  context: string,
  server: string,
  what = `kubestrap is about to change the cluster of context "${context}" (${server}) for the first time.`,
): Promise<boolean> {
  return guarded(async () => {
    const { input } = await import('@inquirer/prompts');
    const answer = await input({
      message: `${what}\n  Type the context name to confirm:`,
    });
    return answer.trim() === context;
  });
}
