/**
 * Run state, kept with the cluster (ConfigMap kubestrap-state in kubestrap-system) so CI runners
 * and teammates share it. It never holds a secret: only hashes, times, statuses and the names
 * of what was applied.
 */
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { Kubectl } from '../adapters/kubectl.js';
import { podSecurityLabels } from '../render/common.js';
import { toYaml } from '../render/template.js';
import { kubestrapNamespace, managedByLabel, roadmapLabel } from '../names.js';
import { upgradeState } from './state-upgrade.js';
import type { RunState } from './state-types.js';

export type { AppliedUnit, ClusterIdentity, ObjectRef, RunState, StepState } from './state-types.js';

export const stateNamespace = kubestrapNamespace;
export const stateConfigMap = 'kubestrap-state';

export async function readState(kubectl: Kubectl): Promise<RunState | undefined> {
  const cm = await kubectl.get<IConfigMap>('configmap', stateConfigMap, stateNamespace);
  const text = cm?.data?.['state.json'];
  return text ? upgradeState(JSON.parse(text) as RunState) : undefined;
}

export async function writeState(kubectl: Kubectl, state: RunState): Promise<void> {
  state.updatedAt = new Date().toISOString();
  await kubectl.applyStdin(
    toYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: stateConfigMap, namespace: stateNamespace, labels: { ...managedByLabel, [roadmapLabel]: state.roadmap } },
      data: { 'state.json': JSON.stringify(state, null, 2) },
    }),
  );
}

export async function ensureStateNamespace(kubectl: Kubectl, roadmap: string): Promise<void> {
  await kubectl.applyStdin(
    toYaml({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: stateNamespace,
        // kubestrap's own namespace: state, the run lease and probe pods (which are restricted-compliant).
        labels: { ...managedByLabel, [roadmapLabel]: roadmap, ...podSecurityLabels('restricted') },
      },
    }),
  );
}
