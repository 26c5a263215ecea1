/**
 * The one place kubestrap starts external programs: execa with an argument array (never a shell),
 * a timeout, stdin only when given, output and errors passed through redaction, and the time
 * spent waiting recorded so runs can report how much was kubectl/helm versus kubestrap.
 */
import { execa } from 'execa';
import { CommandError } from '../errors.js';
import type { Redactor } from './redact.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  /** Accept these exit codes as success (e.g. `kubectl get` on a missing object). */
  okExitCodes?: number[];
}

export interface CommandTiming {
  argv: string[];
  /** performance.now() at start and the duration. */
  start: number;
  ms: number;
  ok: boolean;
}

/** Wall time during which at least one command was running (commands may overlap). */
export function busyMs(timings: readonly CommandTiming[]): number {
  const spans = timings.map((t) => [t.start, t.start + t.ms] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const [s, e] of spans) {
    if (s > to) {
      if (to > from) total += to - from;
      [from, to] = [s, e];
    } else if (e > to) to = e;
  }
  if (to > from) total += to - from;
  return total;
}

export interface Exec {
  run(argv: readonly string[], options?: ExecOptions): Promise<ExecResult & { exitCode: number }>;
  readonly redactor: Redactor;
  readonly timings: CommandTiming[];
}

type CommandObserver = (argv: readonly string[]) => void;
const observers = new Set<CommandObserver>();

/**
 * For --verbose: `observer` sees each command's redacted argv just before it starts, from every Exec
 * of this process (the engine makes its own), until the returned function is called.
 */
export function observeCommands(observer: CommandObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Binaries can be overridden (KUBESTRAP_KUBECTL, KUBESTRAP_HELM, KUBESTRAP_KIND), e.g. to pin a path. */
export function resolveBinary(name: string, env: NodeJS.ProcessEnv): string {
  const override = env[`KUBESTRAP_${name.toUpperCase()}`];
  return override && override.length > 0 ? override : name;
}

export function createExec(redactor: Redactor, env: NodeJS.ProcessEnv = process.env): Exec {
  const timings: CommandTiming[] = [];
  const exec: Exec = {
    redactor,
    timings,
    async run(argv, options = {}) {
      const [name, ...args] = argv;
      if (!name) throw new Error('empty argv');
      const shown = redactor.redactArgv(argv);
      for (const observe of observers) observe(shown);
      const started = performance.now();
      let result;
      try {
        result = await execa(resolveBinary(name, env), args, {
          reject: false,
          timeout: options.timeoutMs ?? 15 * 60_000,
          ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
          stripFinalNewline: true,
          env: { ...env, NO_COLOR: '1' },
          extendEnv: false,
        });
      } finally {
        timings.push({ argv: shown, start: started, ms: performance.now() - started, ok: false });
      }
      const timing = timings[timings.length - 1] as CommandTiming;
      const stdout = String(result.stdout ?? '');
      const stderr = redactor.redact(String(result.stderr ?? ''));
      const code = result.exitCode ?? -1;
      if (result.failed && (result.code === 'ENOENT' || (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')) {
        throw new CommandError(
          `${name} is not installed or not on PATH`,
          shown,
          '',
          `Install ${name} (\`kubestrap doctor\` lists the versions kubestrap expects), or point KUBESTRAP_${name.toUpperCase()} at it.`,
        );
      }
      if (result.timedOut) {
        throw new CommandError(`${name} did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)}s`, shown, stderr);
      }
      if (code !== 0 && !(options.okExitCodes ?? []).includes(code)) {
        throw new CommandError(`${name} failed with exit code ${code}`, shown, stderr);
      }
      timing.ok = true;
      return { stdout, stderr, exitCode: code };
    },
  };
  return exec;
}
