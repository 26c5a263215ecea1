import { collectOverrides } from '../config/overrides.js';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { configPath } from './options.js';

export interface ConfigFlags {
  config?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Flags the user typed (commander's defaults excluded). */
  explicit: Record<string, unknown>;
}

/** defaults < config file < env < flags, validated at this boundary. */
export function loadConfigFromFlags(flags: ConfigFlags): Promise<LoadedConfig> {
  return loadConfigFile(configPath(flags, flags.env), collectOverrides(flags.explicit, flags.env));
}
