// For unit tests only: an Exec whose child processes are faked by a table of argv prefix → stdout.
import type { Exec } from '../../src/adapters/exec.js';
import { Redactor } from '../../src/adapters/redact.js';
import { CommandError } from '../../src/errors.js';

export function fakeExec(table: [string[], string][]): Exec & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    redactor: new Redactor(),
    timings: [],
    async run(argv) {
      calls.push([...argv]);
      const hit = table.find(([prefix]) => prefix.every((p, i) => argv[i] === p));
      if (!hit) throw new CommandError('unexpected command', [...argv], '');
      return { stdout: hit[1], stderr: '', exitCode: 0 };
    },
  };
}
