/**
 * The identity guard. The first run binds the roadmap to the cluster it applied to (context,
 * API server, kube-system UID), both in the cluster's state and in a record next to the config.
 * Later runs refuse a cluster that does not match, so a roadmap never lands on the wrong one.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { Kubectl } from '../adapters/kubectl.js';
import { KubestrapError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ClusterIdentity, RunState } from './state.js';

export async function readIdentity(kubectl: Kubectl): Promise<ClusterIdentity> {
  const { server } = await kubectl.contextServer();
  const ns = await kubectl.get<INamespace>('namespace', 'kube-system');
  if (!ns?.metadata?.uid)
    throw new KubestrapError(`context ${kubectl.target.context} has no kube-system namespace`, {
      suggestion: 'Check that the context points at a Kubernetes cluster.',
    });
  return { context: kubectl.target.context, server, kubeSystemUid: ns.metadata.uid };
}

export function identityRecordPath(baseDir: string, roadmap: string): string {
  return path.join(baseDir, '.kubestrap', `identity-${roadmap}.json`);
}

export async function readIdentityRecord(file: string): Promise<ClusterIdentity | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterIdentity;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubestrapError(`cannot read the cluster identity record ${file}: ${(error as Error).message}`, {
      suggestion: 'Delete the file only if you are sure the roadmap targets the right cluster.',
    });
  }
}

export async function writeIdentityRecord(file: string, identity: ClusterIdentity): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(identity, null, 2)}\n`);
}

export async function removeIdentityRecord(file: string): Promise<void> {
  await rm(file, { force: true });
}

function sameCluster(a: ClusterIdentity, b: ClusterIdentity): boolean {
  return a.kubeSystemUid === b.kubeSystemUid && a.server === b.server;
}

function describe(i: ClusterIdentity): string {
  return `context ${i.context}, API server ${i.server}, kube-system UID ${i.kubeSystemUid}`;
}

/** Throws when the live cluster is not the one this roadmap is bound to. */
export function guardIdentity(
  live: ClusterIdentity,
  roadmap: string,
  record: ClusterIdentity | undefined,
  state: RunState | undefined,
  rebind: boolean,
): void {
  if (state && state.roadmap !== roadmap) {
    throw new UsageError(
      `this cluster (${describe(live)}) already runs roadmap "${state.roadmap}", not "${roadmap}"`,
      `Use the config of roadmap "${state.roadmap}", or remove it first with \`kubestrap down\` and that config.`,
    );
  }
  if (rebind) return;
  const bound = record ?? state?.identity;
  if (bound && !sameCluster(bound, live)) {
    throw new UsageError(
      `roadmap "${roadmap}" is bound to a different cluster.\n  bound to: ${describe(bound)}\n  target:   ${describe(live)}`,
      'Check --context/KUBECONFIG. If the cluster was deliberately recreated, run again with --rebind to bind the roadmap to this one.',
    );
  }
}
