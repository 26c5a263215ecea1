import { createExec } from '../adapters/exec.js';
import { Kubectl } from '../adapters/kubectl.js';
import { Redactor } from '../adapters/redact.js';
import { InterruptedError } from '../errors.js';
import { confirmDown, needsDownConfirmation, previewDown } from '../engine/down-confirm.js';
import { drained } from '../engine/events.js';
import { removeRoadmap } from '../engine/remove.js';
import { targetOf } from '../plan/plan.js';
import { canPrompt } from '../util/terminal.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';
import { echoCommands } from './echo-commands.js';
import { sinksFor, type OutputFlags } from './run-output.js';

export interface DownCommandOptions extends ConfigFlags, OutputFlags {
  purge?: boolean;
  yes?: boolean;
}

export async function downCommand(options: DownCommandOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  const purge = Boolean(options.purge);
  const interactive = canPrompt(options.env);
  // Read and confirmed before any renderer draws: prompts and listr2 must not share the terminal.
  let volumes: string[] = [];
  // With --yes and no --purge there is nothing to show or ask.
  if (needsDownConfirmation(loaded.config, purge) && targetOf(loaded.config).context && (purge || !options.yes)) {
    const preview = await previewDown(new Kubectl(createExec(new Redactor(), options.env), targetOf(loaded.config)), loaded.config, purge);
    volumes = preview.volumes;
    const confirmed = await confirmDown({
      config: loaded.config,
      purge,
      yes: Boolean(options.yes),
      interactive,
      preview,
      ask: async (text, context) => {
        const { confirmByTypingName } = await import('../prompts.js');
        return confirmByTypingName(context, preview.server ?? '', text);
      },
    });
    if (!confirmed) throw new InterruptedError('The name typed does not match the context; nothing was removed.');
  }
  const sinks = await sinksFor(options, options.env);
  const stopEcho = options.verbose ? echoCommands(sinks) : undefined;
  try {
    await removeRoadmap({ loaded, purge, sinks, env: options.env, volumes });
  } finally {
    stopEcho?.();
    await drained(sinks);
  }
}
