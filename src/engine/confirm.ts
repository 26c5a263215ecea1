/**
 * Whether this run would bind the roadmap to an existing cluster for the first time, asked before
 * any renderer starts (prompts and listr2 must not share the terminal).
 */
import { createExec } from '../adapters/exec.js';
import { Kubectl } from '../adapters/kubectl.js';
import { Redactor } from '../adapters/redact.js';
import type { LoadedConfig } from '../config/load.js';
import { targetOf } from '../plan/plan.js';
import { identityRecordPath, readIdentity, readIdentityRecord } from './identity.js';
import { readState } from './state.js';

export interface FirstBinding {
  context: string;
  server: string;
}

/** The target to confirm, or undefined when no confirmation is needed (or the cluster cannot be read yet). */
export async function firstBinding(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<FirstBinding | undefined> {
  const { config, baseDir } = loaded;
  if (config.spec.cluster.provider !== 'existing') return undefined;
  if (await readIdentityRecord(identityRecordPath(baseDir, config.metadata.name))) return undefined;
  const kubectl = new Kubectl(createExec(new Redactor(), env), targetOf(config));
  try {
    const live = await readIdentity(kubectl);
    if (await readState(kubectl)) return undefined;
    return { context: live.context, server: live.server };
  } catch {
    // Unreachable or not a cluster: the run itself reports that, with what to do.
    return undefined;
  }
}
