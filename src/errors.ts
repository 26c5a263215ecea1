import { formatArgv } from './util/argv.js';

/**
 * Typed errors. Code deep in the program throws these; `cli.ts` maps them to exit codes in one
 * place. Every error carries a `suggestion`: what the user should do next.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  verification: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class KubestrapError extends Error {
  readonly exitCode: ExitCode;
  readonly suggestion: string | undefined;
  constructor(message: string, options: { exitCode?: ExitCode; suggestion?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.failed;
    this.suggestion = options.suggestion;
  }
}

/** Bad flags or arguments. Exit 2. */
export class UsageError extends KubestrapError {
  constructor(message: string, suggestion?: string) {
    super(message, { exitCode: ExitCode.usage, ...(suggestion ? { suggestion } : {}) });
  }
}

export interface ConfigProblem {
  /** `file:line:column` or `flag --x` / `env KUBESTRAP_X`, where the bad value came from. */
  where: string;
  /** Dotted key path, e.g. `spec.networking.cni`. */
  path: string;
  message: string;
}

/** One or more problems in kubestrap.yaml, flags or env. Exit 2. */
export class ConfigError extends KubestrapError {
  readonly problems: ConfigProblem[];
  /** How many problems there were in all; `problems` may hold only the first of them. */
  readonly total: number;
  constructor(
    problems: ConfigProblem[],
    suggestion = 'Fix the values above, then run the command again. `kubestrap schema` prints every allowed key.',
    total = problems.length,
  ) {
    super(
      `Invalid configuration (${total} problem${total === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.where}  ${p.path || '(document)'}: ${p.message}`).join('\n') +
        (total > problems.length ? `\n  ... and ${total - problems.length} more (fix these first, then run again to see the rest)` : ''),
      { exitCode: ExitCode.usage, suggestion },
    );
    this.problems = problems;
    this.total = total;
  }
}

/** A cross-step rule is broken (e.g. VPA without metrics-server). Exit 2. */
export class RuleError extends KubestrapError {
  readonly violations: { rule: string; message: string; fix: string }[];
  constructor(violations: { rule: string; message: string; fix: string }[]) {
    super(
      `The configuration combines options that cannot work together:\n` +
        violations.map((v) => `  [${v.rule}] ${v.message}\n      fix: ${v.fix}`).join('\n'),
      { exitCode: ExitCode.usage, suggestion: 'Change the configuration as suggested, then run `kubestrap plan` to check it.' },
    );
    this.violations = violations;
  }
}

/** An external command (kubectl, helm, kind) failed. Carries the redacted argv and stderr. */
export class CommandError extends KubestrapError {
  readonly argv: string[];
  readonly stderr: string;
  constructor(message: string, argv: string[], stderr: string, suggestion?: string) {
    super(
      `${message}\n  command: ${formatArgv(argv)}${stderr ? `\n  stderr: ${stderr.trim().split('\n').slice(-15).join('\n          ')}` : ''}`,
      {
        ...(suggestion ? { suggestion } : {}),
      },
    );
    this.argv = argv;
    this.stderr = stderr;
  }
}

/** One or more verification checks failed. Exit 3. */
export class VerificationError extends KubestrapError {
  constructor(message: string, suggestion?: string) {
    super(message, { exitCode: ExitCode.verification, ...(suggestion ? { suggestion } : {}) });
  }
}

/** The user pressed Ctrl-C or declined a confirmation that is required. Exit 130. */
export class InterruptedError extends KubestrapError {
  constructor(message = 'Interrupted.') {
    super(message, { exitCode: ExitCode.interrupted, suggestion: 'Nothing half-written was kept; run the command again to continue.' });
  }
}
