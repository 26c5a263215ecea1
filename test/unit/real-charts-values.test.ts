// Every helm release of every configuration of the matrix (each example, and init --yes runs that
// reach every choice) against the REAL upstream chart at its pinned version: `helm template` (real
// helm 4, which validates the values against the chart's values.schema.json) must render it, every
// values key must be one the chart (or a subchart, or global.*) reads, and every value must have
// the type the chart's defaults have. No cluster: helm only renders.
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { overrideDefs } from '../../src/config/overrides.js';
import { lock, type ChartKey } from '../../src/lock.js';
import { chartDir, chartPackage } from '../real-charts/charts.ts';
import { helmTemplate, pool, type TemplateResult } from '../real-charts/helm-template.ts';
import { renderMatrix, type RenderedRelease } from '../real-charts/matrix.ts';
import { chartReads, typeMismatches, unreadKeys, type ChartReads } from '../real-charts/values-detector.ts';

const matrix = await renderMatrix();
const releases = matrix.flatMap((m) => m.releases.map((r) => ({ ...r, minor: m.plan.config.spec.cluster.kubernetesVersion })));
const readsCache = new Map<ChartKey, ChartReads>();
const reads = (key: ChartKey) => readsCache.get(key) ?? readsCache.set(key, chartReads(chartDir(key))).get(key)!;
/** Values as helm reads them (YAML 1.1). */
const valuesOf = (r: RenderedRelease) => (parse(r.valuesText, { version: '1.1' }) ?? {}) as Record<string, unknown>;

const rendered = new Map<string, TemplateResult>();
const renderKey = (r: (typeof releases)[number]) => `${r.key}\0${r.minor}\0${r.namespace}\0${r.release}\0${r.valuesText}`;

beforeAll(async () => {
  const unique = [...new Map(releases.map((r) => [renderKey(r), r])).values()];
  const started = Date.now();
  const results = await pool(unique, (r) => helmTemplate(r, r.minor));
  unique.forEach((r, i) => rendered.set(renderKey(r), results[i]!));
  console.log(
    `helm template: ${unique.length} distinct releases of ${releases.length} in ${matrix.length} configurations, ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
}, 15 * 60_000);

describe('the matrix', () => {
  it('reaches every choice init offers (each value of every choice flag, every on/off both ways)', () => {
    const configs = matrix.map((m) => m.plan.config);
    const at = (c: unknown, p: readonly string[]) => p.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], c);
    const missing: string[] = [];
    for (const def of overrideDefs) {
      if (def.choices) {
        for (const choice of def.choices) if (!configs.some((c) => at(c, def.path) === choice)) missing.push(`--${def.flag} ${choice}`);
      }
      if (def.kind === 'boolean') {
        for (const v of [true, false]) if (!configs.some((c) => at(c, def.path) === v)) missing.push(`--${def.flag} ${v}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('installs every chart of the lock somewhere', () => {
    const used = new Set(releases.map((r) => r.key));
    expect(Object.keys(lock.charts).filter((k) => !used.has(k as ChartKey))).toEqual([]);
  });

  it('finds every pinned chart (a missing one is an error naming where it was looked for, never a skip)', () => {
    for (const key of Object.keys(lock.charts) as ChartKey[])
      expect(chartPackage(key)).toMatch(new RegExp(`${lock.charts[key].chart}-${lock.charts[key].version}\\.tgz$`));
  });
});

describe.each(matrix.map((m) => [m.name, m] as const))('%s', (_name, entry) => {
  it.each(entry.releases.map((r) => [`${r.release} (${lock.charts[r.key].chart} ${lock.charts[r.key].version})`, r] as const))(
    '%s renders with the real chart',
    (_n, r) => {
      const result = rendered.get(renderKey({ ...r, minor: entry.plan.config.spec.cluster.kubernetesVersion }))!;
      expect(
        result.error
          .split('\n')
          .filter((l) => l && !/^walk\.go|^WARNING|^Warning/.test(l))
          .join('\n'),
      ).toBe('');
      expect(result.ok).toBe(true);
      expect(result.manifest).toMatch(/^kind: /m);
    },
  );

  it.each(entry.releases.map((r) => [r.release, r] as const))('%s: every values key is read by the chart', (_n, r) => {
    expect(unreadKeys(valuesOf(r), reads(r.key))).toEqual([]);
  });

  it.each(entry.releases.map((r) => [r.release, r] as const))('%s: every value has the type the chart expects', (_n, r) => {
    expect(typeMismatches(valuesOf(r), reads(r.key))).toEqual([]);
  });
});

describe('the detector fails on what it is there to catch', () => {
  const sample = (key: ChartKey) => {
    const r = releases.find((x) => x.key === key);
    if (!r) throw new Error(`no configuration of the matrix installs ${key}`);
    return structuredClone(valuesOf(r));
  };

  it('a misspelt key under a map the chart reads key by key', () => {
    const v = sample('snapshotController') as { controller: Record<string, unknown> };
    v.controller.replicaCont = v.controller.replicaCount;
    delete v.controller.replicaCount;
    expect(unreadKeys(v, reads('snapshotController'))).toEqual(['controller.replicaCont']);
  });

  it('the key the snapshot controller chart 5.2.0 does not read (replicaCount at the top; it reads controller.replicaCount)', () => {
    expect(unreadKeys({ replicaCount: 2 }, reads('snapshotController'))).toEqual(['replicaCount']);
  });

  it('a misspelt key deep in kube-prometheus-stack and one in a subchart', () => {
    const v = sample('kubePrometheusStack') as any;
    v.prometheus.prometheusSpec.retension = v.prometheus.prometheusSpec.retention;
    delete v.prometheus.prometheusSpec.retention;
    v.grafana = { ...(v.grafana ?? {}), adminn: { existingSecret: 'x' } };
    expect(unreadKeys(v, reads('kubePrometheusStack'))).toEqual(
      expect.arrayContaining(['prometheus.prometheusSpec.retension', 'grafana.adminn.existingSecret']),
    );
  });

  it('keys of free-form maps (labels, extraArgs) are not typos, a misspelt map name is', () => {
    const v = sample('metricsServer') as any;
    v.commonLabels = { ...(v.commonLabels ?? {}), 'any.example/key': 'x' };
    expect(unreadKeys(v, reads('metricsServer'))).toEqual([]);
    v.commonLabel = { a: 'b' };
    expect(unreadKeys(v, reads('metricsServer'))).toEqual(['commonLabel.a']);
  });

  it('a value of the wrong type (chart without a values schema: compared with its defaults)', () => {
    const v = sample('kubePrometheusStack') as any;
    v.crds.enabled = 'true';
    v.prometheus.prometheusSpec.replicas = '2';
    expect(typeMismatches(v, reads('kubePrometheusStack'))).toEqual([
      expect.stringMatching(/^crds\.enabled: the chart's default is a boolean/),
      expect.stringMatching(/^prometheus\.prometheusSpec\.replicas: the chart's default is a number/),
    ]);
  });

  it('a value of the wrong type (chart with a values schema: helm refuses it)', async () => {
    const r = releases.find((x) => x.key === 'velero')!;
    const v = { ...valuesOf(r), deployNodeAgent: 'true' };
    const result = await helmTemplate({ ...r, valuesText: JSON.stringify(v) }, r.minor);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/deployNodeAgent/);
  });

  it('helm itself rejects a value against the chart values schema (cilium has values.schema.json)', async () => {
    const r = releases.find((x) => x.key === 'cilium')!;
    const v = valuesOf(r) as any;
    v.operator = { ...(v.operator ?? {}), replicas: 'two' };
    const result = await helmTemplate({ ...r, valuesText: JSON.stringify(v) }, r.minor);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/operator.*replicas|replicas.*operator/s);
  });
});
