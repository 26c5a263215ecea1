/**
 * `kubestrap bundle`: everything an air-gapped install of this roadmap needs besides the tools.
 * DIR/charts/<chart>-<version>.tgz for every release the plan installs (DIR/charts then works as
 * `spec.charts.localDir` with `source: local`), DIR/charts/gateway-api/standard-install.yaml when
 * the roadmap installs the Gateway API CRDs, DIR/images.txt (every image the roadmap runs, found
 * by `helm template` of each bundled chart with the values kubestrap renders, plus kubestrap's own
 * manifests) and DIR/bundle.yaml, the index with a sha256 of every file.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Exec } from '../adapters/exec.js';
import type { LoadedConfig } from '../config/load.js';
import { KubestrapError, UsageError } from '../errors.js';
import { lock, type ChartKey } from '../lock.js';
import { buildPlan, type Plan } from '../plan/plan.js';
import { kindNodeImage } from '../steps/cluster.js';
import { chartKeyOfRef } from '../images/apply.js';
import { mirrorImage } from '../images/mirror.js';
import { fetchChart, type ChartOrigin } from './charts.js';
import { imagesInManifests, sortedImages } from './images.js';
import { writeBundle, checkBundleOutDir, type BundleFile } from './write.js';

/** API groups the CRDs kubestrap installs serve; charts test them with .Capabilities.APIVersions. */
const installedApiVersions = [
  'policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'monitoring.coreos.com/v1',
  'gateway.networking.k8s.io/v1',
  'gateway.networking.k8s.io/v1/GatewayClass',
  'autoscaling.k8s.io/v1',
  'cert-manager.io/v1',
  'snapshot.storage.k8s.io/v1',
  'velero.io/v1',
  'kyverno.io/v1',
];

export const gatewayApiBundlePath = 'charts/gateway-api/standard-install.yaml';

export interface BundleRelease {
  key: ChartKey;
  release: string;
  namespace: string;
  valuesPath: string;
  valuesText: string;
}

export interface BundleIndex {
  apiVersion: 'kubestrap.dev/v1alpha1';
  kind: 'Bundle';
  kubestrap: string;
  roadmap: string;
  chartSource: string;
  charts: { name: string; version: string; file: string; sha256: string; from: string; releases: string[] }[];
  manifests: { name: string; version: string; file: string; sha256: string; from: string }[];
  images: string[];
  /** spec.images.registry: where each image is pulled from by the cluster (copy `from` to `to`). */
  mirror?: { registry: string; images: { from: string; to: string }[] };
}

export function kubestrapVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Every helm release the plan installs, with its rendered values. */
export function releasesOf(plan: Plan): BundleRelease[] {
  const out: BundleRelease[] = [];
  for (const step of plan.phases.flatMap((p) => p.steps)) {
    if (!step.enabled) continue;
    for (const action of step.rendered.actions) {
      if (action.type !== 'helm') continue;
      const { release, namespace, chart, values } = action.release;
      const artifact = step.rendered.artifacts.find((a) => a.path === values);
      if (!artifact) throw new KubestrapError(`values file ${values} of release ${release} is not among the plan's files`);
      out.push({ key: chartKeyOfRef(chart.ref), release, namespace, valuesPath: values, valuesText: artifact.content });
    }
  }
  return out;
}

/** The Gateway API manifest the plan applies, if any: a local file or the pinned URL. */
function gatewayApiOf(plan: Plan): { file?: string; url?: string } | undefined {
  for (const step of plan.phases.flatMap((p) => p.steps)) {
    if (!step.enabled) continue;
    for (const a of step.rendered.actions) {
      if (a.type === 'apply-url' && a.url === lock.manifests.gatewayApi.url) return { url: a.url };
      if (a.type === 'apply' && a.absolute && a.manifest.endsWith(path.join('gateway-api', 'standard-install.yaml')))
        return { file: a.manifest };
    }
  }
  return undefined;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}

/** The Gateway API CRDs, from the local chart directory (either name) or the pinned release URL. */
async function gatewayApiManifest(
  want: { file?: string; url?: string },
  work: string,
  localDirOrigin: string,
): Promise<{ file: string; from: string }> {
  const { version, url } = lock.manifests.gatewayApi;
  if (want.file) {
    const versioned = path.join(path.dirname(path.dirname(want.file)), `gateway-api-${version}-standard-install.yaml`);
    for (const candidate of [want.file, versioned]) if (await isFile(candidate)) return { file: candidate, from: candidate };
    throw new UsageError(
      `the Gateway API ${version} CRDs are not in the local chart directory (spec.charts.localDir, ${localDirOrigin}): neither ${want.file} nor ${versioned} exists.`,
      `Download ${url} into one of those two paths (a bundle writes the first), or set spec.networking.gateway to none.`,
    );
  }
  const response = await fetch(url).catch((e: unknown) => {
    throw new KubestrapError(`could not download the Gateway API CRDs from ${url}: ${String((e as Error).cause ?? e)}`, {
      suggestion:
        'Run kubestrap bundle where that URL is reachable, or bundle from local charts (--chart-source local --chart-dir DIR) holding gateway-api/standard-install.yaml.',
    });
  });
  if (!response.ok) throw new KubestrapError(`could not download the Gateway API CRDs from ${url}: HTTP ${response.status}`);
  const file = path.join(work, 'gateway-api-standard-install.yaml');
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return { file, from: url };
}

async function templateImages(exec: Exec, plan: Plan, r: BundleRelease, chartFile: string, work: string, into: Set<string>): Promise<void> {
  const values = path.join(work, `values-${r.namespace}-${r.release}.yaml`);
  await writeFile(values, r.valuesText);
  const args = [
    'helm',
    'template',
    r.release,
    chartFile,
    '--namespace',
    r.namespace,
    '--values',
    values,
    '--kube-version',
    `v${plan.config.spec.cluster.kubernetesVersion}.0`,
  ];
  for (const api of installedApiVersions) args.push('--api-versions', api);
  const { stdout } = await exec.run(args, { timeoutMs: 300_000 }).catch((e: unknown) => {
    if (e instanceof KubestrapError)
      throw new KubestrapError(
        `helm template of release ${r.namespace}/${r.release} (${path.basename(chartFile)}) with ${r.valuesPath} failed: ${e.message}`,
        {
          cause: e,
          suggestion:
            'This is the render `kubestrap up` would install: fix the values named in the error (or report it as a kubestrap bug).',
        },
      );
    throw e;
  });
  try {
    imagesInManifests(stdout, into);
  } catch (e) {
    throw new KubestrapError(`helm template of ${r.namespace}/${r.release}: ${(e as Error).message}`);
  }
}

export interface BundleOptions {
  loaded: LoadedConfig;
  outDir: string;
  exec: Exec;
  /** Where spec.charts.localDir was set (file:line, flag or env), for error messages. */
  localDirOrigin: string;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

export async function buildBundle(options: BundleOptions): Promise<BundleIndex> {
  const { loaded, exec } = options;
  const log = options.log ?? (() => {});
  await checkBundleOutDir(options.outDir, loaded.file);
  const work = await mkdtemp(path.join(tmpdir(), 'kubestrap-bundle-'));
  try {
    // The images as upstream names them (what to copy); spec.images.registry maps each to the mirror.
    const registry = loaded.config.spec.images.registry;
    const sourceConfig = { ...loaded.config, spec: { ...loaded.config.spec, images: {} } };
    const plan = buildPlan({ config: sourceConfig, baseDir: loaded.baseDir, outDir: path.join(work, 'plan') });
    const releases = releasesOf(plan);
    const chartsDir = path.join(work, 'charts');
    await mkdir(chartsDir, { recursive: true });

    const fetched = new Map<ChartKey, { file: string; origin: ChartOrigin }>();
    for (const r of releases) {
      if (fetched.has(r.key)) continue;
      const pin = lock.charts[r.key];
      log(`chart  ${pin.chart} ${pin.version}`);
      fetched.set(r.key, await fetchChart(exec, loaded.config, loaded.baseDir, r.key, chartsDir, options.localDirOrigin));
    }

    const images = new Set<string>();
    for (const r of releases) {
      log(`render ${r.namespace}/${r.release}`);
      const chart = fetched.get(r.key);
      if (!chart) throw new Error(`chart ${r.key} was not fetched`);
      await templateImages(exec, plan, r, chart.file, work, images);
    }
    const valuesFiles = new Set(releases.map((r) => r.valuesPath));
    for (const step of plan.phases.flatMap((p) => p.steps)) {
      if (!step.enabled) continue;
      for (const a of step.rendered.artifacts) {
        if (valuesFiles.has(a.path) || !/\.ya?ml$/.test(a.path)) continue;
        try {
          imagesInManifests(a.content, images);
        } catch (e) {
          throw new KubestrapError(`kubestrap's own manifest ${a.path}: ${(e as Error).message}`);
        }
      }
      // Probe pods are created at verify time, from the lock's probe image.
      if (step.rendered.checks.some((c) => c.type === 'probe')) images.add(lock.images.probe);
    }
    if (loaded.config.spec.cluster.provider === 'kind') images.add(kindNodeImage(loaded.config));

    const files: BundleFile[] = [];
    const charts: BundleIndex['charts'] = [];
    for (const [key, { file, origin }] of fetched) {
      const pin = lock.charts[key];
      const rel = `charts/${path.basename(file)}`;
      files.push({ path: rel, copyFrom: file });
      const used = releases.filter((r) => r.key === key).map((r) => `${r.namespace}/${r.release}`);
      charts.push({ name: pin.chart, version: pin.version, file: rel, sha256: await sha256(file), from: origin.from, releases: used });
    }
    charts.sort((a, b) => a.name.localeCompare(b.name));

    const manifests: BundleIndex['manifests'] = [];
    const gw = gatewayApiOf(plan);
    if (gw) {
      log(`crds   Gateway API ${lock.manifests.gatewayApi.version}`);
      const { file, from } = await gatewayApiManifest(gw, work, options.localDirOrigin);
      files.push({ path: gatewayApiBundlePath, copyFrom: file });
      manifests.push({
        name: 'gateway-api-standard-install',
        version: lock.manifests.gatewayApi.version,
        file: gatewayApiBundlePath,
        sha256: await sha256(file),
        from,
      });
    }

    const imageList = sortedImages(images);
    const index: BundleIndex = {
      apiVersion: 'kubestrap.dev/v1alpha1',
      kind: 'Bundle',
      kubestrap: kubestrapVersion(),
      roadmap: loaded.config.metadata.name,
      chartSource: loaded.config.spec.charts.source,
      charts,
      manifests,
      images: imageList,
      ...(registry ? { mirror: { registry, images: imageList.map((from) => ({ from, to: mirrorImage(from, registry) })) } } : {}),
    };
    files.push({ path: 'images.txt', content: imageList.map((i) => `${i}\n`).join('') });
    files.push({
      path: 'bundle.yaml',
      content: `# Written by kubestrap bundle. Install from it with spec.charts: { source: local, localDir: <this folder>/charts }.\n${stringify(index, { lineWidth: 0 })}`,
    });
    await writeBundle(options.outDir, loaded.file, files);
    return index;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
