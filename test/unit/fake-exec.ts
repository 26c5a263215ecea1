// For unit tests only: an Exec whose child processes are faked by a table of argv prefix → stdout.
import type { Exec } from '../../src/adapters/exec.js';
import { Redactor } from '../../src/adapters/redact.js';
import { CommandError } from '../../src/errors.js';

/** What a faked command prints: its stdout, or a whole result (a failing command, e.g. NotFound). */
export type FakeResult = string | { stdout?: string; stderr?: string; exitCode: number };

/** Answers what the table does not: a faked command's result, or undefined for "unexpected". */
export type FakeHandler = (argv: readonly string[], input: string | undefined) => FakeResult | undefined;

export function fakeExec(table: [string[], FakeResult][], fallback?: FakeHandler): Exec & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    redactor: new Redactor(),
    timings: [],
    async run(argv, options) {
      calls.push([...argv]);
      const hit = table.find(([prefix]) => prefix.every((p, i) => argv[i] === p))?.[1] ?? fallback?.(argv, options?.input);
      if (hit === undefined) throw new CommandError('unexpected command', [...argv], '');
      const result = typeof hit === 'string' ? { stdout: hit, stderr: '', exitCode: 0 } : { stdout: '', stderr: '', ...hit };
      if (result.exitCode !== 0 && !(options?.okExitCodes ?? []).includes(result.exitCode))
        throw new CommandError(`exit ${result.exitCode}`, [...argv], result.stderr);
      return result;
    },
  };
}
