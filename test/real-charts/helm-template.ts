/**
 * `helm template` of one release with the real chart at its pinned version: what helm would send
 * to the API server for kubestrap's values (helm validates the values against the chart's
 * values.schema.json, its subcharts' included, before rendering).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { KubernetesMinor } from '../../src/lock.js';
import { chartPackage, helmBinary } from './charts.ts';
import type { RenderedRelease } from './matrix.ts';

/**
 * What a cluster kubestrap set up answers to `.Capabilities.APIVersions.Has`, beyond what
 * `helm template` assumes on its own: the API groups of the CRDs kubestrap installs, and the
 * group/version/Kind forms charts test (helm template knows built-in group/versions, not those:
 * without policy/v1/PodDisruptionBudget, Traefik falls back to the removed policy/v1beta1).
 */
export const installedApiVersions = [
  'policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'monitoring.coreos.com/v1',
  'gateway.networking.k8s.io/v1',
  'gateway.networking.k8s.io/v1/GatewayClass',
  'gateway.networking.k8s.io/v1beta1',
  'autoscaling.k8s.io/v1/VerticalPodAutoscaler',
  'cert-manager.io/v1',
  'autoscaling.k8s.io/v1',
  'snapshot.storage.k8s.io/v1',
  'velero.io/v1',
  'kyverno.io/v1',
  'policies.kyverno.io/v1',
];

export interface TemplateResult {
  ok: boolean;
  manifest: string;
  error: string;
}

export async function helmTemplate(release: RenderedRelease, kubernetesMinor: KubernetesMinor): Promise<TemplateResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-helm-template-'));
  try {
    const values = path.join(dir, 'values.yaml');
    writeFileSync(values, release.valuesText);
    const args = [
      'template',
      release.release,
      chartPackage(release.key),
      '--namespace',
      release.namespace,
      '--values',
      values,
      '--kube-version',
      `v${kubernetesMinor}.0`,
      '--include-crds',
    ];
    for (const api of installedApiVersions) args.push('--api-versions', api);
    const r = await execa(helmBinary(), args, {
      reject: false,
      env: { HELM_CACHE_HOME: path.join(dir, 'cache'), HELM_CONFIG_HOME: path.join(dir, 'config'), HELM_DATA_HOME: path.join(dir, 'data') },
      timeout: 180_000,
    });
    return { ok: r.exitCode === 0, manifest: r.stdout, error: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` over `items` with at most `limit` at once (the machine is shared: two by default). */
export async function pool<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = 2): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
