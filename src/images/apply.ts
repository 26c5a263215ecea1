/** Applies spec.images.registry to one rendered step: chart values and kubestrap's own manifests. */
import type { Config } from '../config/schema.js';
import { KubestrapError } from '../errors.js';
import { lock, type ChartKey } from '../lock.js';
import type { StepPlan } from '../roadmap/types.js';
import { mirrorChartValues, mirrorManifest } from './mirror.js';

const chartKeyByName = new Map(Object.entries(lock.charts).map(([key, pin]) => [pin.chart, key as ChartKey]));

/** The lock entry a helm chart argument names (a chart name, a path, an oci:// ref or a packaged `<chart>-<version>.tgz`). */
export function chartKeyOfRef(ref: string): ChartKey {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  const packaged = Object.entries(lock.charts).find(([, pin]) => last === `${pin.chart}-${pin.version}.tgz`);
  const key = packaged ? (packaged[0] as ChartKey) : chartKeyByName.get(last);
  if (!key) throw new KubestrapError(`helm chart reference ${ref} names no chart of the lock`);
  return key;
}

export function withImageMirror(config: Config, step: StepPlan): StepPlan {
  const registry = config.spec.images.registry;
  if (!registry) return step;
  const valuesOf = new Map(
    step.actions.flatMap((a) => (a.type === 'helm' ? [[a.release.values, chartKeyOfRef(a.release.chart.ref)] as const] : [])),
  );
  let changed = false;
  const artifacts = step.artifacts.map((a) => {
    const key = valuesOf.get(a.path);
    const content = key
      ? mirrorChartValues(key, a.content, registry)
      : /\.ya?ml$/.test(a.path)
        ? mirrorManifest(a.content, registry)
        : a.content;
    if (content !== a.content) changed = true;
    return content === a.content ? a : { ...a, content };
  });
  if (!changed) return step;
  return { ...step, artifacts, notes: [...(step.notes ?? []), `images pulled from the mirror ${registry} (spec.images.registry)`] };
}
