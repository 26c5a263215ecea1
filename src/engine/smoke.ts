/**
 * The smoke-test workload's life after `up`: the smoke-http probe proves it answers HTTP, and once
 * the whole roadmap verified, `up` removes it (Deployment, Service, PDB, route and the scaling
 * objects aimed at it) unless spec.verification.keepSmoke is true. A marker ConfigMap records the
 * removal, so later runs report the workload's checks as skipped, with the reason, not as drift.
 */
import type { Kubectl } from '../adapters/kubectl.js';
import { toYaml } from '../render/template.js';
import type { Check } from '../roadmap/types.js';
import { kubestrapNamespace, smokeName, smokeNamespace, smokePage, smokeServicePort } from '../names.js';
import type { CheckEnv, ProbeFailure } from './check-env.js';
import { fetchScript, probePod } from './probe-objects.js';

const markerName = 'kubestrap-smoke-removed';

/** What `up` deletes, in this order (scalers first, so nothing reacts to the Deployment going). */
export const smokeObjects: [resource: string, optional: boolean][] = [
  ['horizontalpodautoscalers.autoscaling', false],
  ['verticalpodautoscalers.autoscaling.k8s.io', true],
  ['httproutes.gateway.networking.k8s.io', true],
  ['poddisruptionbudgets.policy', false],
  ['services', false],
  ['deployments.apps', false],
];

/** A client pod in the smoke namespace reads the smoke page through the smoke Service. */
export async function smokeHttpProbe(env: CheckEnv, namespace: string): Promise<ProbeFailure> {
  const { kubectl } = env;
  const client = 'kubestrap-probe-smoke-http';
  const url = `http://${smokeName}.${namespace}.svc:${smokeServicePort}/`;
  const pod = probePod(namespace, client, ['sh', '-c', fetchScript(url, 20, smokePage)]);
  try {
    await kubectl.applyStdin(toYaml(pod));
    const deadline = Date.now() + 120_000;
    let phase: string | undefined;
    while (Date.now() < deadline) {
      phase = (await kubectl.get<{ status?: { phase?: string } }>('pod', client, namespace))?.status?.phase;
      if (phase === 'Succeeded') return undefined;
      if (phase === 'Failed') break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const why = phase === 'Failed' ? 'failed' : `is still ${phase ?? 'missing'} after 120s`;
    return {
      message: `the smoke workload did not answer HTTP at ${url}: probe pod ${client} ${why}: ${await kubectl.logsTail(namespace, client, 'probe', 5)}`,
      diagnose: namespace,
    };
  } finally {
    await kubectl.delete('pod', client, namespace, '60s');
  }
}

/** When the smoke workload was removed after verification (the marker's time), or undefined. */
export async function smokeRemovedAt(kubectl: Kubectl): Promise<string | undefined> {
  const marker = await kubectl.get<{ data?: Record<string, string> }>('configmap', markerName, kubestrapNamespace);
  return marker?.data?.['removed-at'];
}

/** Deletes the smoke workload and records that it was removed on purpose. Returns what it deleted. */
export async function removeSmoke(kubectl: Kubectl): Promise<string[]> {
  const removed: string[] = [];
  for (const [resource, optional] of smokeObjects) {
    if (optional && !(await kubectl.get(resource, smokeName, smokeNamespace).catch(() => undefined))) continue;
    await kubectl.delete(resource, smokeName, smokeNamespace, '2m');
    removed.push(`${resource.split('.')[0]}/${smokeName}`);
  }
  await kubectl.applyStdin(
    toYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: markerName, namespace: kubestrapNamespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
      data: {
        'removed-at': new Date().toISOString(),
        removed: removed.join(', '),
        why: 'up removes the smoke-test workload once the roadmap verified; spec.verification.keepSmoke (--keep-smoke) keeps it',
      },
    }),
  );
  return removed;
}

/** With keepSmoke the workload comes back on the next `up`: the marker goes. */
export async function clearSmokeMarker(kubectl: Kubectl): Promise<void> {
  await kubectl.delete('configmap', markerName, kubestrapNamespace, '60s');
}

/** Checks that look at the smoke workload itself (not at its namespace, which stays). */
export function isSmokeWorkloadCheck(check: Check): boolean {
  if (check.type === 'probe') return check.probe === 'smoke-http';
  if (check.type === 'rollout' || check.type === 'exists') return check.namespace === smokeNamespace && check.name === smokeName;
  return false;
}

export function smokeRemovedReason(at: string): string {
  return `the smoke-test workload was removed after verification at ${at} (set spec.verification.keepSmoke or run up --keep-smoke to keep it)`;
}
