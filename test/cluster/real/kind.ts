// Kind clusters on the tier's Docker engine: listed by the label kind puts on its node containers,
// deleted with kind itself (or docker, when the kind binary is not built yet).
import { existsSync } from 'node:fs';
import { execa } from 'execa';

const CLUSTER_LABEL = 'io.x-k8s.kind.cluster';

export async function kindClusters(env: NodeJS.ProcessEnv): Promise<string[]> {
  const r = await execa('docker', ['ps', '-a', '--filter', `label=${CLUSTER_LABEL}`, '--format', `{{.Label "${CLUSTER_LABEL}"}}`], {
    env,
    reject: false,
  });
  if (r.exitCode !== 0) return [];
  return [
    ...new Set(
      r.stdout
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ].sort();
}

/**
 * Deletes one cluster. kind gets a scratch kubeconfig so it never edits the user's; the node
 * containers are then removed by label in case kind left any.
 */
export async function deleteKindCluster(name: string, kind: string, scratchKubeconfig: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (existsSync(kind)) {
    await execa(kind, ['delete', 'cluster', '--name', name, '--kubeconfig', scratchKubeconfig], { env, reject: false });
  }
  const left = await execa('docker', ['ps', '-aq', '--filter', `label=${CLUSTER_LABEL}=${name}`], { env, reject: false });
  const ids = left.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await execa('docker', ['rm', '-f', '-v', ...ids], { env, reject: false });
  const still = await kindClusters(env);
  if (still.includes(name)) throw new Error(`kind cluster ${name} could not be deleted`);
  return name;
}
