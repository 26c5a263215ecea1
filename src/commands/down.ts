import { removeRoadmap } from '../engine/remove.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';
import { sinksFor, type OutputFlags } from './run-output.js';

export interface DownCommandOptions extends ConfigFlags, OutputFlags {
  purge?: boolean;
}

export async function downCommand(options: DownCommandOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  await removeRoadmap({ loaded, purge: Boolean(options.purge), sinks: await sinksFor(options, options.env), env: options.env });
}
