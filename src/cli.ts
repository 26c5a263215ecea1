/**
 * Command registration. Every command is its own module, imported inside its action so that
 * `--help` and `--version` load nothing heavy. Errors are mapped to exit codes here only.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { addConfigOptions, addOutputOption } from './commands/options.js';
import { ExitCode, KubestrapError } from './errors.js';
import type { PhaseId } from './roadmap/types.js';

const phaseNames: PhaseId[] = ['foundation', 'features', 'observability', 'operations'];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('kubestrap')
    .description('Bootstrap a production Kubernetes cluster by walking a four-phase roadmap:\nfoundation -> features -> observability -> operations. Plan, apply, verify.')
    .version(version(), '-V, --version', 'print the kubestrap version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ kubestrap init                                  answer a few questions, write kubestrap.yaml
  $ kubestrap plan                                  render everything into .kubestrap/plan, list the commands
  $ kubestrap plan --config examples/production.yaml --output json
  $ kubestrap schema > kubestrap.schema.json        JSON Schema for editor completion

Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 verification failed, 130 interrupted.`,
    );

  addOutputOption(
    addConfigOptions(
      program
        .command('plan')
        .description('Render every phase into a directory and list the exact commands it would run. Needs no cluster.')
        .addOption(new Option('-p, --phase <phase>', 'only this phase').choices(phaseNames))
        .option('--out <dir>', 'where to write the rendered files', '.kubestrap/plan'),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ kubestrap plan --config examples/kind-dev.yaml
  $ kubestrap plan --phase features --out /tmp/features
  $ kubestrap plan --output json | jq '.phases[].steps[] | {id, commands}'
  $ KUBESTRAP_CNI=calico kubestrap plan --gateway none     env < flags; both override the file`,
    )
    .action(async (flags, cmd: Command) => (await import('./commands/plan.js')).planCommand({ ...flags, cwd: process.cwd(), env: process.env, explicit: explicitFlags(cmd) }));

  program
    .command('schema')
    .description('Print the JSON Schema of kubestrap.yaml (for editors and CI validation).')
    .addHelpText('after', `\nExample:\n  $ kubestrap schema > kubestrap.schema.json\n  # then, first line of kubestrap.yaml:\n  # yaml-language-server: $schema=./kubestrap.schema.json`)
    .action(async () => (await import('./commands/schema.js')).schemaCommand());

  return program;
}

/** Only flags the user typed, so defaults declared for --help never override the config file. */
function explicitFlags(cmd: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cmd.opts())) {
    if (cmd.getOptionValueSource(key) === 'cli') out[key] = value;
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage;
  }
  if (error instanceof KubestrapError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.suggestion) process.stderr.write(`  next: ${error.suggestion}\n`);
    return error.exitCode;
  }
  const err = error as Error;
  process.stderr.write(`internal error: ${err?.message ?? String(error)}\n`);
  if (process.env.KUBESTRAP_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
  process.stderr.write('  next: this is a bug in kubestrap; rerun with KUBESTRAP_DEBUG=1 and report the output.\n');
  return ExitCode.failed;
}
