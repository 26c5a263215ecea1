/** Options shared by the commands that read a config: --config plus one flag per setting. */
import { Option, type Command } from 'commander';
import { overrideDefs } from '../config/overrides.js';
import { defaultConfigFile } from '../names.js';

export function addConfigOptions(command: Command): Command {
  command.option('-c, --config <file>', 'roadmap configuration file (env KUBESTRAP_CONFIG)', undefined);
  for (const def of overrideDefs.filter((d) => d.scope !== 'init')) {
    const value = def.kind === 'boolean' ? '[bool]' : def.kind === 'integer' ? '<n>' : def.kind === 'list' ? '<a,b>' : '<value>';
    const option = new Option(`--${def.flag} ${value}`, `${def.description} (env ${def.env})`);
    if (def.choices) option.choices([...def.choices]);
    option.hideHelp(!['provider', 'context', 'cni', 'chart-source', 'chart-dir'].includes(def.flag));
    command.addOption(option);
  }
  return command;
}

export function addOutputOption(command: Command, formats: string[] = ['text', 'json']): Command {
  return command.addOption(new Option('-o, --output <format>', 'output format').choices(formats).default(formats[0]));
}

export function configPath(flags: { config?: string }, env: NodeJS.ProcessEnv): string {
  return flags.config ?? env.KUBESTRAP_CONFIG ?? defaultConfigFile;
}
