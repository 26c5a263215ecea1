// For unit tests only: an Exec whose child processes are faked by a table of argv prefix → stdout.
import type { Exec } from '../../src/adapters/exec.js';
import { Redactor } from '../../src/adapters/redact.js';
import { CommandError } from '../../src/errors.js';

/** What a faked command prints: its stdout, or a whole result (a failing command, e.g. NotFound). */
export type FakeResult = string | { stdout?: string; stderr?: string; exitCode: number };

export function fakeExec(table: [string[], FakeResult][]): Exec & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    redactor: new Redactor(),
    timings: [],
    async run(argv, options) {
      calls.push([...argv]);
      const hit = table.find(([prefix]) => prefix.every((p, i) => argv[i] === p));
      if (!hit) throw new CommandError('unexpected command', [...argv], '');
      const result = typeof hit[1] === 'string' ? { stdout: hit[1], stderr: '', exitCode: 0 } : { stdout: '', stderr: '', ...hit[1] };
      if (result.exitCode !== 0 && !(options?.okExitCodes ?? []).includes(result.exitCode)) throw new CommandError(`exit ${result.exitCode}`, [...argv], result.stderr);
      return result;
    },
  };
}
