// --verbose: each command is shown, redacted, as it starts (real child processes, no fake exec).
import { describe, expect, it } from 'vitest';
import { createExec, observeCommands } from '../../src/adapters/exec.js';
import { Redactor } from '../../src/adapters/redact.js';
import { echoCommands } from '../../src/commands/echo-commands.js';
import { plainRenderer } from '../../src/output/plain.js';

const node = process.execPath;

describe('--verbose command echo', () => {
  it('an observer sees each redacted argv before the command finishes, and nothing once stopped', async () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-value');
    const exec = createExec(redactor, process.env);
    const seen: string[][] = [];
    const stop = observeCommands((argv) => seen.push([...argv]));
    const running = exec.run([node, '-e', 'setTimeout(() => {}, 200)', 's3cr3t-value']);
    expect(seen, 'shown when it starts, not when it ends').toHaveLength(1);
    await running;
    expect(seen[0]).toEqual([node, '-e', 'setTimeout(() => {}, 200)', '<redacted>']);
    stop();
    await exec.run([node, '-e', '']);
    expect(seen).toHaveLength(1);
  });

  it('echoCommands prints `$ <command>` lines through the run renderer, secrets redacted', async () => {
    const lines: string[] = [];
    const redactor = new Redactor();
    redactor.add('hunter2-password');
    const stop = echoCommands([plainRenderer({ write: (l) => lines.push(l), verbose: true, quiet: false })]);
    try {
      await createExec(redactor, process.env).run([node, '-e', '', '--', '--password=hunter2-password', 'a b']);
    } finally {
      stop();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`$ ${node} -e '' -- '--password=<redacted>' 'a b'`);
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});
