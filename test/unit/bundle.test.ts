// `kubestrap bundle` from the real upstream charts (KUBESTRAP_UPSTREAM_CHARTS, else
// ../shared/upstream-charts) with charts source local: no network. Real helm (the test cache's
// helm 4, as test/real-charts finds it) packages, inspects and renders the charts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createExec } from '../../src/adapters/exec.js';
import { Redactor } from '../../src/adapters/redact.js';
import { buildBundle, type BundleIndex } from '../../src/bundle/bundle.js';
import { BUNDLE_MARKER } from '../../src/bundle/write.js';
import { loadConfigFromFlags } from '../../src/commands/load-config.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import { lock, type ChartKey } from '../../src/lock.js';
import { buildPlan, type Plan } from '../../src/plan/plan.js';
import { chartDir, gatewayApiCrds, helmBinary, upstreamChartsDir } from '../real-charts/charts.ts';
import { helmTemplate } from '../real-charts/helm-template.ts';
import { chartKeyOf, repoRoot } from '../real-charts/matrix.ts';

const helmEnv = { ...process.env, KUBESTRAP_HELM: helmBinary() };
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const work = mkdtempSync(path.join(tmpdir(), 'ks-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function load(example: string, chartDirFlag: string) {
  return loadConfigFromFlags({
    config: path.join(repoRoot, 'examples', example),
    cwd: repoRoot,
    env: {},
    explicit: { chartSource: 'local', chartDir: chartDirFlag },
  });
}

async function bundle(example: string, out: string, from = upstreamChartsDir()): Promise<BundleIndex> {
  return buildBundle({
    loaded: await load(example, from),
    outDir: out,
    exec: createExec(new Redactor(), helmEnv),
    localDirOrigin: 'flag --chart-dir',
  });
}

/** The lock entries of every helm release the plan installs, read from its actions. */
function plannedCharts(plan: Plan): Set<ChartKey> {
  const keys = new Set<ChartKey>();
  for (const s of plan.phases.flatMap((p) => p.steps))
    if (s.enabled) for (const a of s.rendered.actions) if (a.type === 'helm') keys.add(chartKeyOf(a.release.chart.ref));
  return keys;
}

/** appVersion of the real chart, read from its own Chart.yaml. */
const appVersion = (key: ChartKey) =>
  String((parse(readFileSync(path.join(chartDir(key), 'Chart.yaml'), 'utf8')) as { appVersion: string }).appVersion);

describe.each(['kind-dev.yaml', 'production.yaml'])('kubestrap bundle of examples/%s from the real charts', (example) => {
  const out = path.join(work, example.replace('.yaml', ''));
  let index: BundleIndex;
  let plan: Plan;

  beforeAll(async () => {
    index = await bundle(example, out);
    const loaded = await load(example, upstreamChartsDir());
    plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: path.join(work, 'plan') });
  }, 180_000);

  it('holds every chart the plan installs, at the pinned version, and nothing else', () => {
    const want = [...plannedCharts(plan)].map((k) => `${lock.charts[k].chart}-${lock.charts[k].version}.tgz`).sort();
    expect(want.length).toBeGreaterThan(5);
    const have = readdirSync(path.join(out, 'charts'))
      .filter((f) => f.endsWith('.tgz'))
      .sort();
    expect(have).toEqual(want);
    for (const f of have) {
      const meta = parse(spawnSync(helmBinary(), ['show', 'chart', path.join(out, 'charts', f)], { encoding: 'utf8' }).stdout) as {
        name: string;
        version: string;
      };
      expect(`${meta.name}-${meta.version}.tgz`).toBe(f);
    }
  });

  it('bundle.yaml lists each file with its sha256, and the same images as images.txt', () => {
    const onDisk = parse(readFileSync(path.join(out, 'bundle.yaml'), 'utf8')) as BundleIndex;
    expect(onDisk).toMatchObject({ apiVersion: 'kubestrap.dev/v1alpha1', kind: 'Bundle', roadmap: plan.config.metadata.name });
    expect(onDisk.charts.length).toBe(readdirSync(path.join(out, 'charts')).filter((f) => f.endsWith('.tgz')).length);
    for (const entry of [...onDisk.charts, ...onDisk.manifests]) expect(sha(path.join(out, entry.file)), entry.file).toBe(entry.sha256);
    // the copies are the upstream packages byte for byte
    for (const c of onDisk.charts) expect(c.sha256).toBe(sha(path.join(upstreamChartsDir(), `${c.name}-${c.version}.tgz`)));
    const listed = readFileSync(path.join(out, 'images.txt'), 'utf8').trim().split('\n');
    expect(listed).toEqual(onDisk.images);
    expect(listed).toEqual([...new Set(listed)].sort());
    expect(index.images).toEqual(listed);
  });

  it('images.txt names the metrics-server, cert-manager and Kyverno images at the tags the real charts ask for', () => {
    const images = new Set(readFileSync(path.join(out, 'images.txt'), 'utf8').trim().split('\n'));
    expect(images).toContain(`registry.k8s.io/metrics-server/metrics-server:v${appVersion('metricsServer')}`);
    for (const c of ['controller', 'webhook', 'cainjector', 'acmesolver'])
      expect(images).toContain(`quay.io/jetstack/cert-manager-${c}:${appVersion('certManager')}`);
    for (const c of ['kyverno', 'background-controller', 'cleanup-controller', 'reports-controller'])
      expect(images).toContain(`reg.kyverno.io/kyverno/${c}:${appVersion('kyverno')}`);
    expect(images).toContain(`registry.k8s.io/sig-storage/snapshot-controller:${appVersion('snapshotController')}`);
    expect(images).toContain(lock.images.smokeTest); // kubestrap's own manifest
    // every image carries a tag or a digest
    for (const i of images) expect(i, i).toMatch(/:[^/]+$|@sha256:/);
  });

  it('installs the roadmap with source: local from DIR/charts: the plan renders and helm template of each release from the bundle succeeds', async () => {
    const loaded = await load(example, path.join(out, 'charts'));
    const fromBundle = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: path.join(work, 'plan2') });
    const releases = fromBundle.phases
      .flatMap((p) => p.steps)
      .filter((s) => s.enabled)
      .flatMap((s) => s.rendered.actions.flatMap((a) => (a.type === 'helm' ? [{ a, s }] : [])));
    expect(releases.length).toBe(plannedCharts(plan).size);
    const previous = process.env.KUBESTRAP_UPSTREAM_CHARTS;
    process.env.KUBESTRAP_UPSTREAM_CHARTS = path.join(out, 'charts'); // helmTemplate takes the chart from there
    try {
      for (const { a, s } of releases) {
        const ref = a.release.chart.ref;
        expect(path.dirname(ref)).toBe(path.join(out, 'charts'));
        expect(existsSync(ref), ref).toBe(true);
        const values = s.rendered.artifacts.find((x) => x.path === a.release.values)!;
        const r = await helmTemplate(
          {
            configuration: example,
            key: chartKeyOf(ref),
            release: a.release.release,
            namespace: a.release.namespace,
            valuesPath: values.path,
            valuesText: values.content,
          },
          loaded.config.spec.cluster.kubernetesVersion,
        );
        expect(r.ok, `${a.release.release}: ${r.error}`).toBe(true);
        expect(r.manifest).toContain('kind: ');
      }
    } finally {
      if (previous === undefined) delete process.env.KUBESTRAP_UPSTREAM_CHARTS;
      else process.env.KUBESTRAP_UPSTREAM_CHARTS = previous;
    }
    for (const s of fromBundle.phases.flatMap((p) => p.steps)) {
      for (const a of s.rendered.actions) if (a.type === 'apply' && a.absolute) expect(existsSync(a.manifest), a.manifest).toBe(true);
    }
  }, 180_000);
});

describe('kubestrap bundle: the Gateway API CRDs', () => {
  it('come from the upstream file name next to the charts and land where source: local reads them', async () => {
    const out = path.join(work, 'kind-dev');
    if (!existsSync(path.join(out, 'bundle.yaml'))) await bundle('kind-dev.yaml', out);
    const index = parse(readFileSync(path.join(out, 'bundle.yaml'), 'utf8')) as BundleIndex;
    expect(index.manifests).toEqual([
      expect.objectContaining({
        file: 'charts/gateway-api/standard-install.yaml',
        version: lock.manifests.gatewayApi.version,
        from: gatewayApiCrds(),
      }),
    ]);
    expect(sha(path.join(out, 'charts/gateway-api/standard-install.yaml'))).toBe(sha(gatewayApiCrds()));
  }, 120_000);
});

describe('kubestrap bundle: local chart folders', () => {
  it('packages a chart directory and copies .tgz packages from the same folder', async () => {
    const mixed = path.join(work, 'mixed');
    mkdirSync(mixed, { recursive: true });
    for (const f of readdirSync(upstreamChartsDir()))
      if (f !== `metrics-server-${lock.charts.metricsServer.version}.tgz`)
        symlinkSync(path.join(upstreamChartsDir(), f), path.join(mixed, f));
    spawnSync('tar', ['-xzf', path.join(upstreamChartsDir(), `metrics-server-${lock.charts.metricsServer.version}.tgz`), '-C', mixed]);
    expect(existsSync(path.join(mixed, 'metrics-server', 'Chart.yaml'))).toBe(true);
    const out = path.join(work, 'mixed-out');
    const index = await bundle('production.yaml', out, mixed);
    const ms = index.charts.find((c) => c.name === 'metrics-server')!;
    expect(ms.from).toBe(path.join(mixed, 'metrics-server'));
    expect(existsSync(path.join(out, ms.file))).toBe(true);
    expect(index.images).toContain(`registry.k8s.io/metrics-server/metrics-server:v${appVersion('metricsServer')}`);
  }, 180_000);

  it('refuses (exit 2) a chart whose package holds another chart or version', async () => {
    const wrong = path.join(work, 'wrong');
    mkdirSync(wrong, { recursive: true });
    for (const f of readdirSync(upstreamChartsDir()))
      symlinkSync(
        path.join(upstreamChartsDir(), f),
        path.join(wrong, f === `metrics-server-${lock.charts.metricsServer.version}.tgz` ? `${f}.real` : f),
      );
    copyFileSync(
      path.join(upstreamChartsDir(), `vpa-${lock.charts.vpa.version}.tgz`),
      path.join(wrong, `metrics-server-${lock.charts.metricsServer.version}.tgz`),
    );
    const error = await bundle('production.yaml', path.join(work, 'wrong-out'), wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(/holds chart vpa .* but kubestrap pins metrics-server 3\.13\.1/);
    expect(existsSync(path.join(work, 'wrong-out'))).toBe(false);
  }, 120_000);
});

describe('kubestrap bundle (the CLI): bad input', () => {
  const bin = path.join(repoRoot, 'bin/kubestrap.js');
  const run = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, [bin, 'bundle', ...args], {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', KUBESTRAP_HELM: helmBinary() },
      timeout: 120_000,
    });

  it('a typo in the chart folder fails with exit 2, names the folder, the flag and the fix, and writes nothing', () => {
    const cwd = mkdtempSync(path.join(work, 'cli-'));
    const typo = `${upstreamChartsDir()}-typo`;
    const r = run(
      cwd,
      '--config',
      path.join(repoRoot, 'examples/kind-dev.yaml'),
      '--chart-source',
      'local',
      '--chart-dir',
      typo,
      '--out',
      'bundle',
    );
    expect(r.status).toBe(ExitCode.usage);
    expect(r.stderr).toContain(`local chart directory ${typo} (spec.charts.localDir, flag --chart-dir)`);
    expect(r.stderr).toContain('(the directory itself does not exist)');
    expect(r.stderr).toMatch(/--chart-dir/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(path.join(cwd, 'bundle'))).toBe(false);
  });

  it('names the config line of spec.charts.localDir when the file sets it', () => {
    const cwd = mkdtempSync(path.join(work, 'cli-'));
    const config = readFileSync(path.join(repoRoot, 'examples/production.yaml'), 'utf8').replace(
      /^spec:\n/m,
      'spec:\n  charts:\n    source: local\n    localDir: ./no-such-charts\n',
    );
    writeFileSync(path.join(cwd, 'kubestrap.yaml'), config);
    const r = run(cwd, '--out', 'bundle');
    expect(r.status).toBe(ExitCode.usage);
    const line = config.split('\n').findIndex((l) => l.includes('localDir:')) + 1;
    expect(r.stderr).toContain(`spec.charts.localDir, ${path.join(cwd, 'kubestrap.yaml')}:${line}`);
  });

  // A small roadmap (three charts) so that bundling twice stays quick.
  const tiny = [
    'apiVersion: kubestrap.dev/v1alpha1',
    'kind: Roadmap',
    'metadata: { name: tiny }',
    'spec:',
    '  cluster: { provider: existing, context: tiny }',
    '  networking: { cni: default, gateway: none }',
    '  security: { policyEngine: { name: none } }',
    '  monitoring: { prometheus: { enabled: false }, grafana: false }',
    '  autoscaling: { vpa: { enabled: false } }',
    '  backup: { enabled: false }',
    '  cost: { opencost: false }',
    '',
  ].join('\n');

  it('never writes into a directory holding foreign files, the current directory or home; replaces its own bundle', () => {
    const cwd = mkdtempSync(path.join(work, 'cli-'));
    mkdirSync(path.join(cwd, 'busy'));
    writeFileSync(path.join(cwd, 'busy', 'notes.txt'), 'mine\n');
    const config = path.join(work, 'tiny.yaml');
    writeFileSync(config, tiny);
    const args = ['--config', config, '--chart-source', 'local', '--chart-dir', upstreamChartsDir()];
    const busy = run(cwd, ...args, '--out', 'busy');
    expect(busy.status).toBe(ExitCode.usage);
    expect(busy.stderr).toContain('was not written by kubestrap (notes.txt)');
    expect(readFileSync(path.join(cwd, 'busy', 'notes.txt'), 'utf8')).toBe('mine\n');
    for (const o of ['.', cwd]) {
      const r = run(cwd, ...args, '--out', o);
      expect(r.status).toBe(ExitCode.usage);
      expect(r.stderr).toMatch(/is the current directory|is your home directory/);
    }
    expect(readdirSync(cwd).sort()).toEqual(['busy']);
    const first = run(cwd, ...args, '--out', 'b');
    expect(first.status, first.stderr).toBe(0);
    expect(existsSync(path.join(cwd, 'b', BUNDLE_MARKER))).toBe(true);
    expect(readdirSync(path.join(cwd, 'b', 'charts')).sort()).toEqual([
      'cert-manager-v1.21.1.tgz',
      'metrics-server-3.13.1.tgz',
      'snapshot-controller-5.2.0.tgz',
    ]);
    writeFileSync(path.join(cwd, 'b', 'images.txt'), 'edited\n'); // a file it wrote: replaced
    const again = run(cwd, ...args, '--out', 'b');
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, 'b', 'images.txt'), 'utf8')).toContain(
      `registry.k8s.io/metrics-server/metrics-server:v${appVersion('metricsServer')}`,
    );
    expect(readdirSync(cwd).sort()).toEqual(['b', 'busy']); // no temporary directories left behind
  }, 120_000);
});
