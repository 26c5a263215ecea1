// Everything kubestrap applies is accepted by a real API server (v1.36, the test cluster): for
// every configuration of the matrix (each example, and init --yes runs reaching every choice),
// every manifest kubestrap renders AND every object the real upstream charts render for its
// values (`helm template`, real charts at the pinned versions) goes through a server-side dry run
// (schema, defaulting, admission, CEL rules). The real CRDs are installed first: every CRD the
// real charts render, the CRDs kubestrap's chart-crds actions apply (`helm show crds` of the real
// chart, filtered by API group with kubestrap's own crdsOfGroups: Envoy Gateway's, whose chart
// renders none with crds.enabled false), and the Gateway API v1.6.1 standard CRDs, so every custom
// resource is validated against its real schema.
//
// Not validated: objects of the cilium.io group (e.g. the CiliumNetworkPolicy kubestrap writes for
// the Cilium gateway). Cilium's CRDs are registered by the Cilium operator when it starts and are
// not in its chart, so there is no real CRD to validate them against here; the test lists them.
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showCrdsArgs } from '../../src/adapters/helm-args.js';
import { crdsOfGroups } from '../../src/engine/chart-crds.js';
import { chartPackage, gatewayApiCrds, helmBinary } from '../real-charts/charts.ts';
import { helmTemplate, pool, type TemplateResult } from '../real-charts/helm-template.ts';
import { chartKeyOf, renderMatrix, type MatrixEntry, type RenderedRelease } from '../real-charts/matrix.ts';
import { kubectl } from './kube.ts';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string };
  [k: string]: unknown;
};

/** Groups whose CRDs exist nowhere but in a running operator (see the header). */
const operatorRegisteredGroups = /^cilium\.io\//;

const matrix = await renderMatrix();
const rendered = new Map<string, TemplateResult>();
const keyOf = (r: RenderedRelease, minor: string) => `${r.key}\0${minor}\0${r.namespace}\0${r.release}\0${r.valuesText}`;

/**
 * Objects of a YAML stream as kubectl and helm read them (YAML 1.1: an unquoted Off is false);
 * they are sent to the API server as JSON, so nothing is re-interpreted on the way.
 */
function objectsOf(text: string, where: string): Obj[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((d) => {
    if (d.errors.length) throw new Error(`${where}: ${d.errors[0]!.message}`);
    const o = d.toJS() as Obj | null;
    if (!o || typeof o !== 'object' || !o.kind) return [];
    // The shared traefik package keeps crds/kustomization.yaml, which the chart's own .helmignore
    // leaves out of the released package: not a Kubernetes object, and not in what helm installs.
    if (o.apiVersion?.startsWith('kustomize.config.k8s.io/')) return [];
    if (!o.metadata) throw new Error(`${where}: a ${o.kind} without metadata`);
    return [o];
  });
}

/** `helm test` hooks: run by `helm test` only, never by the `helm upgrade --install` kubestrap runs. */
const isTestHook = (o: Obj) =>
  /(^|,)\s*test(-success|-failure)?\s*(,|$)/.test(
    (o.metadata as { annotations?: Record<string, string> }).annotations?.['helm.sh/hook'] ?? '',
  );

/** What kubestrap applies for one configuration: its manifests, then each release's chart output (release namespace filled in as helm does). */
function appliedObjects(entry: MatrixEntry): { source: string; object: Obj }[] {
  const out: { source: string; object: Obj }[] = [];
  for (const step of entry.plan.phases.flatMap((p) => p.steps)) {
    for (const action of step.rendered.actions) {
      if (action.type !== 'apply' || action.absolute) continue;
      const artifact = step.rendered.artifacts.find((a) => a.path === action.manifest)!;
      for (const object of objectsOf(artifact.content, artifact.path)) out.push({ source: artifact.path, object });
    }
  }
  for (const r of entry.releases) {
    const result = rendered.get(keyOf(r, entry.plan.config.spec.cluster.kubernetesVersion))!;
    for (const object of objectsOf(result.manifest, `${r.release} chart output`)) {
      if (object.kind === 'CustomResourceDefinition' || isTestHook(object)) continue; // CRDs: installed for real in beforeAll
      const namespaced = object.metadata.namespace ?? r.namespace;
      out.push({ source: `helm ${r.release}`, object: { ...object, metadata: { ...object.metadata, namespace: namespaced } } });
    }
  }
  return out;
}

describe('the API server accepts everything kubestrap applies, for every configuration of the matrix', () => {
  const createdCrds: string[] = [];
  const createdNamespaces = new Set<string>();
  const started = Date.now();
  const clusterScoped = new Set<string>();

  beforeAll(async () => {
    // 1. The real charts' output for every release of every configuration.
    const all = matrix.flatMap((m) => m.releases.map((r) => ({ r, minor: m.plan.config.spec.cluster.kubernetesVersion })));
    const unique = [...new Map(all.map((x) => [keyOf(x.r, x.minor), x])).values()];
    const results = await pool(unique, (x) => helmTemplate(x.r, x.minor as never));
    unique.forEach((x, i) => rendered.set(keyOf(x.r, x.minor), results[i]!));
    const failed = unique.filter((_x, i) => !results[i]!.ok).map((x, i) => `${x.r.configuration} ${x.r.release}: ${results[i]!.error}`);
    if (failed.length) throw new Error(`helm template failed:\n${failed.join('\n')}`);

    // 2. The real CRDs: every CRD any chart renders, those of every chart-crds action, and the Gateway API standard CRDs.
    const crds = new Map<string, Obj>();
    for (const result of rendered.values())
      for (const o of objectsOf(result.manifest, 'chart output')) if (o.kind === 'CustomResourceDefinition') crds.set(o.metadata.name!, o);
    for (const { ref, groups } of chartCrdsActions()) {
      // kubestrap's own command and filter, run on the real chart at its pinned version.
      const [, ...args] = showCrdsArgs({ ref: chartPackage(chartKeyOf(ref)) });
      const shown = await execa(helmBinary(), args, { timeout: 180_000 });
      const { yaml, names } = crdsOfGroups(shown.stdout, groups, ref);
      for (const o of objectsOf(yaml, `chart-crds ${ref} ${groups.join(',')}`)) crds.set(o.metadata.name!, o);
      console.log(`chart-crds ${ref} (${groups.join(', ')}): ${names.length} CRDs`);
    }
    for (const o of objectsOf(readFileSync(gatewayApiCrds(), 'utf8'), 'Gateway API CRDs'))
      if (o.kind === 'CustomResourceDefinition') crds.set(o.metadata.name!, o);
    const existing = new Set(
      String((await kubectl(['get', 'crd', '-o', 'name'])).stdout)
        .split('\n')
        .map((l) => l.replace(/^.*\//, '')),
    );
    for (const name of crds.keys()) if (!existing.has(name)) createdCrds.push(name);
    await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager', 'kubestrap-test', '-f', '-'], {
      input: asList([...crds.values()]),
      timeoutMs: 300_000,
    });
    await kubectl(['wait', '--for=condition=Established', '--timeout=180s', ...[...crds.keys()].map((n) => `crd/${n}`)], {
      timeoutMs: 240_000,
    });
    console.log(
      `${crds.size} real CRDs installed (${createdCrds.length} new); ${unique.length} distinct releases rendered, ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );

    // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND, one line per resource: which kinds are cluster-scoped.
    for (const line of String((await kubectl(['api-resources', '--no-headers'])).stdout).split('\n')) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 4 && cols.at(-2) === 'false') clusterScoped.add(`${groupOf(cols.at(-3)!)}/${cols.at(-1)}`);
    }
  }, 30 * 60_000);

  afterAll(async () => {
    for (const ns of createdNamespaces) await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'], { reject: false });
    if (createdCrds.length) await kubectl(['delete', 'crd', '--wait=false', '--ignore-not-found', ...createdCrds], { reject: false });
    console.log(`server validation took ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }, 10 * 60_000);

  /** Namespaced objects need their namespace to exist for a dry run: create missing ones for real. */
  async function ensureNamespaces(objects: Obj[]): Promise<void> {
    const wanted = new Set(objects.flatMap((o) => (o.metadata.namespace && !isClusterScoped(o) ? [o.metadata.namespace] : [])));
    wanted.add('kubestrap-system');
    const present = new Set(
      String((await kubectl(['get', 'namespaces', '-o', 'name'])).stdout)
        .split('\n')
        .map((l) => l.replace(/^namespace\//, '')),
    );
    for (const ns of wanted) {
      if (present.has(ns)) continue;
      await kubectl(['create', 'namespace', ns]);
      createdNamespaces.add(ns);
    }
  }

  const isClusterScoped = (o: Obj) => clusterScoped.has(`${groupOf(o.apiVersion)}/${o.kind}`);

  it.each(matrix.map((m) => [m.name, m] as const))(
    '%s: every object passes a server-side dry run against the real CRDs',
    async (_n, entry) => {
      const applied = appliedObjects(entry);
      const skipped = applied.filter((a) => operatorRegisteredGroups.test(a.object.apiVersion));
      const checked = applied.filter((a) => !operatorRegisteredGroups.test(a.object.apiVersion));
      expect(checked.length).toBeGreaterThan(30);
      for (const s of skipped)
        console.log(
          `not validated (no real CRD: Cilium's operator registers cilium.io CRDs, its chart has none): ${entry.name} ${s.source} ${s.object.kind} ${s.object.metadata.name}`,
        );
      const objects = checked.map((a) =>
        isClusterScoped(a.object) ? { ...a.object, metadata: { ...a.object.metadata, namespace: undefined } } : a.object,
      );
      await ensureNamespaces(objects);

      const failures: string[] = [];
      // Batches of 60 (kubectl reports each object that fails and goes on).
      const named = objects.filter((o) => o.metadata.name);
      const generated = objects.filter((o) => !o.metadata.name);
      await pool(chunks(named, 60), async (batch) => {
        const r = await kubectl(
          ['apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager', 'kubestrap-test', '-f', '-'],
          { input: asList(batch), reject: false, timeoutMs: 300_000 },
        );
        if (r.exitCode !== 0) failures.push(String(r.stderr));
      });
      for (const o of generated) {
        const r = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(o), reject: false });
        if (r.exitCode !== 0) failures.push(String(r.stderr));
      }
      expect(failures.join('\n')).toBe('');
    },
  );
});

/** The distinct chart-crds actions of every configuration's plan (chart and API groups). */
function chartCrdsActions(): { ref: string; groups: string[] }[] {
  const out = new Map<string, { ref: string; groups: string[] }>();
  for (const step of matrix.flatMap((m) => m.plan.phases.flatMap((p) => p.steps))) {
    for (const action of step.rendered.actions) {
      if (action.type !== 'chart-crds') continue;
      const key = `${chartKeyOf(action.chart.ref)}\0${[...action.groups].sort().join(',')}`;
      if (!out.has(key)) out.set(key, { ref: action.chart.ref, groups: action.groups });
    }
  }
  return [...out.values()];
}

const asList = (items: Obj[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
