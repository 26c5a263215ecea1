import { drained } from '../engine/events.js';
import { removeRoadmap } from '../engine/remove.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';
import { sinksFor, type OutputFlags } from './run-output.js';

export interface DownCommandOptions extends ConfigFlags, OutputFlags {
  purge?: boolean;
}

export async function downCommand(options: DownCommandOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  const sinks = await sinksFor(options, options.env);
  try {
    await removeRoadmap({ loaded, purge: Boolean(options.purge), sinks, env: options.env });
  } finally {
    await drained(sinks);
  }
}
