// The built kubestrap CLI as the real-tier tests run it: a child process with only the env given,
// no stdin, its NDJSON events parsed when the arguments ask for json output.
import path from 'node:path';
import { execa } from 'execa';

const bin = path.join(import.meta.dirname, '../../bin/kubestrap.js');

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  events: Record<string, any>[];
  seconds: number;
}

export interface CliContext {
  configFile: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
}

export async function runCli(args: string[], ctx: CliContext): Promise<Run> {
  const started = performance.now();
  const r = await execa(process.execPath, [bin, ...args, '--config', ctx.configFile], {
    cwd: ctx.cwd,
    env: ctx.env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: ctx.timeoutMs,
  });
  const events = args.includes('json')
    ? r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, any>)
    : [];
  return {
    exitCode: r.exitCode ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    events,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
