/**
 * Command registration. Every command is its own module, imported inside its action so that
 * `--help` and `--version` load nothing heavy. Errors are mapped to exit codes here only.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { addConfigOptions, addOutputOption } from './commands/options.js';
import { overrideDefs } from './config/overrides.js';
import { printable } from './config/text.js';
import { ExitCode, KubestrapError, UsageError } from './errors.js';
import { roadmapLayout } from './roadmap/layout.js';
import type { PhaseId } from './roadmap/types.js';

const phaseNames: PhaseId[] = ['foundation', 'features', 'observability', 'operations'];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('kubestrap')
    .description(
      'Bootstrap a production Kubernetes cluster by walking a four-phase roadmap:\nfoundation -> features -> observability -> operations. Plan, apply, verify.',
    )
    .version(version(), '-V, --version', 'print the kubestrap version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ kubestrap                                       on a terminal: the wizard, then offers to run the roadmap
  $ kubestrap init                                  answer a few questions, write kubestrap.yaml + docs/decisions.md
  $ kubestrap init --yes --provider kind --cni cilium   the same file with no questions (CI)
  $ kubestrap plan                                  render everything into .kubestrap/plan, list the commands
  $ kubestrap plan --config examples/production.yaml --output json
  $ kubestrap schema > kubestrap.schema.json        JSON Schema for editor completion
  $ kubestrap bundle --out /media/usb/bundle        air-gap: pinned charts, CRDs, images.txt, bundle.yaml
  $ source <(kubestrap completion bash)             shell completion (bash, zsh, fish)

Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 verification failed, 130 interrupted.`,
    );

  const init = program
    .command('init')
    .description(
      'Answer a few questions in roadmap order (or pass them as flags), write kubestrap.yaml and docs/decisions.md, and show the plan.\nEvery question has a flag and an environment variable; with no terminal (or CI=true) nothing is asked.',
    )
    .option('-c, --config <file>', 'where to write the configuration (env KUBESTRAP_CONFIG)', undefined)
    .option(
      '--decisions <file>',
      'where to write the decision record (env KUBESTRAP_DECISIONS; default docs/decisions.md next to the config)',
    )
    .option('-y, --yes', 'accept the recommended answer for every question not given as a flag')
    .option('-f, --force', 'overwrite an existing configuration and decision record')
    .addOption(
      new Option('-o, --output <format>', 'text, or json: the written paths and the plan as JSON on stdout')
        .choices(['text', 'json'])
        .default('text'),
    );
  for (const def of overrideDefs) {
    const value = def.kind === 'boolean' ? '[bool]' : def.kind === 'integer' ? '<n>' : def.kind === 'list' ? '<a,b>' : '<value>';
    const option = new Option(`--${def.flag} ${value}`, `${def.description} (env ${def.env})`);
    if (def.choices) option.choices([...def.choices]);
    init.addOption(option);
  }
  init
    .addHelpText(
      'after',
      `
Each question resolves as: its flag, else its environment variable, else (with --yes, or when nobody
can be asked) the recommended answer, else the question. A question without a safe default (the kube
context of an existing cluster, the region of an S3 bucket) is a usage error (exit 2) naming its flag.

Examples:
  $ kubestrap init                                        the wizard
  $ kubestrap init --yes                                  kind, every recommended answer, no questions
  $ kubestrap init --yes --provider kind --cni calico --tenants payments,web --tenant-cpu 8
  $ kubestrap init --yes --provider existing --context prod-eu --backup-storage s3 \\
        --backup-bucket acme-velero --backup-region eu-west-1 --backup-credentials-secret velero-cloud
  $ KUBESTRAP_CNI=cilium CI=true kubestrap init --force   CI: env vars answer, overwrite the file
  $ kubestrap init --config clusters/dev.yaml --decisions clusters/dev-decisions.md`,
    )
    .action(async (flags, cmd: Command) => {
      await (
        await import('./commands/init.js')
      ).initCommand({ ...flags, cwd: process.cwd(), env: process.env, explicit: explicitFlags(cmd) });
    });

  addOutputOption(
    addConfigOptions(
      program
        .command('plan')
        .description('Render every phase into a directory and list the exact commands it would run. Needs no cluster.')
        .addOption(new Option('-p, --phase <phase>', 'only this phase').choices(phaseNames))
        .option(
          '--out <dir>',
          'where to write the rendered files (a new or empty directory, or one kubestrap wrote; never replaced when it holds other files)',
          '.kubestrap/plan',
        ),
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
    .action(async (flags, cmd: Command) =>
      (await import('./commands/plan.js')).planCommand({ ...flags, cwd: process.cwd(), env: process.env, explicit: explicitFlags(cmd) }),
    );

  const runOptions = (cmd: Command) =>
    addConfigOptions(cmd)
      .option('-y, --yes', 'do not ask: confirm the target cluster and accept defaults')
      .option('--only <steps...>', 'run only these steps (comma-separated or repeated)')
      .option('--skip <steps...>', 'skip these steps')
      .option('--work-dir <dir>', 'where rendered files are written before they are applied', '.kubestrap/apply')
      .option('--rebind', 'bind the roadmap to this cluster even though it was bound to another (after recreating it)')
      .addOption(
        new Option('-o, --output <format>', 'text (listr2 on a TTY), plain lines, or NDJSON events')
          .choices(['text', 'plain', 'json'])
          .default('text'),
      )
      .option('-v, --verbose', 'show every command as it runs (redacted) and every check')
      .option('-q, --quiet', 'only failures and the summary');

  runOptions(
    program
      .command('up')
      .description(
        'Apply and verify every enabled step of every phase, in order. Re-running converges: unchanged steps whose checks pass are skipped; after a failure the next run resumes at the failed step. A preflight first checks the context, the tools and every Secret the roadmap reads, and reports all problems at once (exit 2, nothing applied).',
      )
      .addOption(new Option('--from <phase>', 'start at this phase').choices(phaseNames)),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ kubestrap up                                    the whole roadmap, kubestrap.yaml in this directory
  $ kubestrap up --config prod.yaml --yes -o json   CI: no prompts, NDJSON events on stdout
  $ kubestrap up --from observability               phases observability and operations
  $ kubestrap up --only monitoring --verbose        one step, showing each kubectl/helm command`,
    )
    .action(async (flags, cmd: Command) =>
      (await import('./commands/up.js')).upCommand({ ...flags, cwd: process.cwd(), env: process.env, explicit: explicitFlags(cmd) }),
    );

  runOptions(
    program
      .command('phase')
      .description('Apply and verify one phase, or one step of it (like `kubeadm init phase`).')
      .argument('<phase>', `one of ${phaseNames.join(', ')}`)
      .argument('[step]', 'one step of that phase'),
  )
    .addHelpText(
      'after',
      `
Phases and their steps:
${roadmapLayout.map((p) => `  ${p.id.padEnd(14)} ${p.steps.join(', ')}`).join('\n')}

Examples:
  $ kubestrap phase foundation
  $ kubestrap phase features security --yes`,
    )
    .action(async (phase: string, step: string | undefined, flags, cmd: Command) => {
      if (!(phaseNames as string[]).includes(phase))
        throw new UsageError(`unknown phase "${phase}"`, `Phases are: ${phaseNames.join(', ')}.`);
      return (await import('./commands/up.js')).upCommand({
        ...flags,
        phase: phase as PhaseId,
        ...(step ? { step } : {}),
        cwd: process.cwd(),
        env: process.env,
        explicit: explicitFlags(cmd),
      });
    });

  addConfigOptions(
    program
      .command('verify')
      .description('Run every check without changing anything. Exit 3 when any check fails.')
      .addOption(new Option('-p, --phase <phase>', 'only this phase').choices(phaseNames))
      .option('--only <steps...>', 'only these steps')
      .addOption(new Option('-o, --output <format>', 'text, plain or NDJSON events').choices(['text', 'plain', 'json']).default('text'))
      .option('-v, --verbose', 'show passing checks too'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ kubestrap verify
  $ kubestrap verify --phase operations --output json | jq 'select(.event=="check.result")'`,
    )
    .action(async (flags, cmd: Command) =>
      (await import('./commands/up.js')).upCommand({
        ...flags,
        command: 'verify',
        yes: true,
        cwd: process.cwd(),
        env: process.env,
        explicit: explicitFlags(cmd),
      }),
    );

  addOutputOption(
    addConfigOptions(
      program
        .command('status')
        .description('Show, per phase and step, what is applied, verified, changed since, or failed (from the state kept in the cluster).'),
    ),
  )
    .addHelpText(
      'after',
      `
Example:
  $ kubestrap status --output json`,
    )
    .action(async (flags, cmd: Command) =>
      (await import('./commands/status.js')).statusCommand({
        ...flags,
        cwd: process.cwd(),
        env: process.env,
        explicit: explicitFlags(cmd),
      }),
    );

  addConfigOptions(
    program
      .command('down')
      .description(
        'Remove what the roadmap applied, in reverse order. PVCs and namespaces holding them are kept unless --purge; for kind, --purge deletes the cluster.',
      )
      .option('--purge', 'also delete volumes (PVCs) and, for kind, the whole cluster; lists them first')
      .option('-y, --yes', 'do not ask: confirm removing from an existing cluster, or --purge (needed without a terminal)')
      .addOption(new Option('-o, --output <format>', 'text, plain or NDJSON events').choices(['text', 'plain', 'json']).default('text'))
      .option('-v, --verbose', 'show each removal and every command as it runs (redacted)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ kubestrap down                  # existing cluster: type the context name to confirm
  $ kubestrap down --purge          # lists the volumes it deletes, then asks; kind: deletes the cluster
  $ kubestrap down --yes -o json    # CI: no question (needed without a terminal on an existing cluster)`,
    )
    .action(async (flags, cmd: Command) =>
      (await import('./commands/down.js')).downCommand({ ...flags, cwd: process.cwd(), env: process.env, explicit: explicitFlags(cmd) }),
    );

  addOutputOption(
    addConfigOptions(
      program
        .command('doctor')
        .description(
          'Check kubectl, helm and kind against the lock, that the target context answers, and that every Secret the roadmap reads exists with its keys (the preflight `up` runs).',
        ),
    ),
  )
    .addHelpText(
      'after',
      `
Example:
  $ kubestrap doctor --config examples/production.yaml`,
    )
    .action(async (flags, cmd: Command) =>
      (await import('./commands/doctor.js')).doctorCommand({
        ...flags,
        cwd: process.cwd(),
        env: process.env,
        explicit: explicitFlags(cmd),
      }),
    );

  addOutputOption(
    addConfigOptions(
      program
        .command('bundle')
        .description(
          'Write an air-gap bundle: every pinned chart the roadmap installs as charts/<chart>-<version>.tgz, the Gateway API CRDs it applies, images.txt (every image it runs, from `helm template` of the charts with its values) and bundle.yaml (an index with sha256 sums). Needs helm, no cluster.',
        )
        .requiredOption(
          '--out <dir>',
          'where to write the bundle (a new or empty directory, or one kubestrap bundle wrote; never replaced when it holds other files)',
        ),
    ),
  )
    .addHelpText(
      'after',
      `
Charts come from where spec.charts.source says (helm pull from the repository or OCI mirror, or a
local chart directory: <dir>/<chart>/ or <dir>/<chart>-<version>.tgz). The bundle's charts/ folder
is such a directory: point spec.charts.localDir at it on the air-gapped side. images.txt lists the
images as upstream names them; with spec.images.registry (--image-registry) set, bundle.yaml pairs
each with the name the cluster pulls from the mirror.

Examples:
  $ kubestrap bundle --config examples/production.yaml --out /media/usb/kubestrap-bundle
  $ kubestrap bundle --chart-source local --chart-dir ./upstream-charts --out bundle
  $ kubestrap plan --chart-source local --chart-dir bundle/charts    on the air-gapped side
  $ xargs -n1 docker pull < bundle/images.txt                         fetch the images to mirror`,
    )
    .action(async (flags, cmd: Command) =>
      (await import('./commands/bundle.js')).bundleCommand({
        ...flags,
        cwd: process.cwd(),
        env: process.env,
        explicit: explicitFlags(cmd),
      }),
    );

  program
    .command('schema')
    .description(
      'Print the JSON Schema of kubestrap.yaml (for editors and CI validation), or with --events the schema of the NDJSON events of --output json.',
    )
    .option('--events', 'print the JSON Schema of one NDJSON event line instead')
    .addHelpText(
      'after',
      `\nExamples:\n  $ kubestrap schema > kubestrap.schema.json\n  # then, first line of kubestrap.yaml:\n  # yaml-language-server: $schema=./kubestrap.schema.json\n  $ kubestrap schema --events > events.schema.json   # validate each line of 'kubestrap up -o json'`,
    )
    .action(async (flags: { events?: boolean }) => {
      if (flags.events) {
        const { runEventSchema } = await import('./output/events-schema.js');
        process.stdout.write(`${JSON.stringify(runEventSchema, null, 2)}\n`);
        return;
      }
      (await import('./commands/schema.js')).schemaCommand();
    });

  program
    .command('completion')
    .description('Print a shell completion script (commands, options, their choices, phase and step names).')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Examples:
  $ kubestrap completion bash > ~/.local/share/bash-completion/completions/kubestrap
  $ kubestrap completion zsh > "\${fpath[1]}/_kubestrap"     # then: autoload -U compinit && compinit
  $ kubestrap completion fish > ~/.config/fish/completions/kubestrap.fish
  $ source <(kubestrap completion bash)                      # this shell only`,
    )
    .action(async (shell: string) => (await import('./commands/completion.js')).completionCommand(shell, buildProgram()));

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
  // `kubestrap plan | head` closes stdout early; that is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
    throw error;
  });
  // Under a file size limit (ulimit -f) a write past it must fail with EFBIG, which the plan writer
  // reports, not kill the process with SIGXFSZ. Node ignores SIGXFSZ at start, but execa's
  // signal-exit sets it back to the default action when its listener goes; a listener of our own
  // keeps it handled (found by the fault suite, test/e2e/faults.test.ts).
  process.on('SIGXFSZ', () => {});
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    process.stderr.write(
      `error: kubestrap needs Node.js 22 or newer; this is Node.js ${process.version}.\n  next: install Node.js 22+ (or, in this repository, run it as \`npx kubestrap\`, which uses the Node 24 that npm ci installed).\n`,
    );
    return ExitCode.usage;
  }
  const program = buildProgram();
  try {
    if (argv.length <= 2) {
      // `kubestrap` alone: the wizard on a terminal; in scripts and CI a usage error (exit 2) with
      // the help on stderr, so a forgotten command never passes silently.
      const [{ initCommand }, { canPrompt }] = await Promise.all([import('./commands/init.js'), import('./util/terminal.js')]);
      if (canPrompt(process.env)) {
        await initCommand({ start: true, cwd: process.cwd(), env: process.env, explicit: {} });
        return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
      }
      process.stderr.write(
        `${program.helpInformation()}\nerror: no command given (kubestrap starts the wizard only on a terminal).\n  next: run \`kubestrap init --yes\` or \`kubestrap plan\`; \`kubestrap --help\` lists the commands.\n`,
      );
      return ExitCode.usage;
    }
    rejectUnknownHelpTopic(program, argv.slice(2));
    await program.parseAsync(argv);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}

/** commander prints nothing and exits 0 for `help <unknown>`; a typo there is a usage error. */
function rejectUnknownHelpTopic(program: Command, args: string[]): void {
  if (args[0] !== 'help' || args[1] === undefined || args[1].startsWith('-')) return;
  const names = program.commands.map((c) => c.name());
  if (names.includes(args[1]) || args[1] === 'help') return;
  throw new UsageError(
    `help: unknown command "${printable(args[1])}"`,
    `Commands are: ${names.join(', ')}. \`kubestrap --help\` describes them.`,
  );
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')
      return ExitCode.ok;
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
