import path from 'node:path';
import { InterruptedError, UsageError } from '../errors.js';
import { firstBinding } from '../engine/confirm.js';
import { drained } from '../engine/events.js';
import { assertVerified, runRoadmap, type Selection } from '../engine/runner.js';
import { phaseIds, stepIds, type PhaseId, type StepId } from '../roadmap/types.js';
import { canPrompt } from '../util/terminal.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';
import { echoCommands } from './echo-commands.js';
import { sinksFor, type OutputFlags } from './run-output.js';

export interface UpOptions extends ConfigFlags, OutputFlags {
  yes?: boolean;
  from?: PhaseId;
  only?: string[];
  skip?: string[];
  workDir?: string;
  rebind?: boolean;
  /** `kubestrap phase <phase> [step]` */
  phase?: PhaseId;
  step?: string;
  command?: 'up' | 'phase' | 'verify';
}

function stepList(values: string[] | undefined, flag: string): StepId[] {
  const ids = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!(stepIds as readonly string[]).includes(id))
      throw new UsageError(`--${flag}: unknown step "${id}"`, `Steps are: ${stepIds.join(', ')}.`);
  }
  return ids as StepId[];
}

export function selectionFrom(options: UpOptions): Selection {
  const phases = options.phase ? [options.phase] : options.from ? phaseIds.slice(phaseIds.indexOf(options.from)) : undefined;
  const only = [...stepList(options.only, 'only'), ...(options.step ? stepList([options.step], 'step') : [])];
  return { ...(phases ? { phases: [...phases] } : {}), only, skip: stepList(options.skip, 'skip') };
}

export async function upCommand(options: UpOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  const interactive = canPrompt(options.env);
  const command = options.command ?? (options.phase ? 'phase' : 'up');
  // Asked before any renderer draws: prompts and listr2 must not share the terminal.
  const confirmed = command === 'verify' || (await confirmFirstBinding(loaded, options, interactive));
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const sinks = await sinksFor(options, options.env);
  const stopEcho = options.verbose ? echoCommands(sinks) : undefined;
  try {
    const summary = await runRoadmap({
      command,
      loaded,
      workDir: path.resolve(options.cwd, options.workDir ?? '.kubestrap/apply'),
      selection: selectionFrom(options),
      rebind: Boolean(options.rebind),
      confirmTarget: async (context, server) => confirmed || refuseUnconfirmed(context, server),
      sinks,
      env: options.env,
      signal: controller.signal,
    });
    if (options.command === 'verify') assertVerified(summary);
  } catch (error) {
    if (controller.signal.aborted)
      throw new InterruptedError('Interrupted; the step in progress was recorded as failed and the next run resumes there.');
    throw error;
  } finally {
    stopEcho?.();
    process.off('SIGINT', onSigint);
    await drained(sinks);
  }
}

function refuseUnconfirmed(context: string, server: string): never {
  throw new UsageError(
    `refusing to apply to the existing cluster of context ${context} (${server}) without confirmation`,
    'Pass --yes to confirm in CI, or run in a terminal to confirm by typing the context name.',
  );
}

/** First run on an existing cluster: --yes, or the user types the context name; never in CI. */
async function confirmFirstBinding(
  loaded: Awaited<ReturnType<typeof loadConfigFromFlags>>,
  options: UpOptions,
  interactive: boolean,
): Promise<boolean> {
  if (options.yes) return true;
  const binding = await firstBinding(loaded, options.env);
  if (!binding) return false;
  if (!interactive) refuseUnconfirmed(binding.context, binding.server);
  const { confirmByTypingName } = await import('../prompts.js');
  if (!(await confirmByTypingName(binding.context, binding.server)))
    throw new InterruptedError('The name typed does not match the context; nothing was applied.');
  return true;
}
