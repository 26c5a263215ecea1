// An air-gapped install from a bundle, on the test cluster (real kube-apiserver, KWOK nodes, real
// helm 4): `kubestrap bundle --out DIR` from the real upstream charts inside a network namespace
// with no network at all (unshare -n), then `up` with spec.charts.source: local pointing at
// DIR/charts, which holds only the packaged charts (.tgz) and the Gateway API CRDs. The releases
// must come from those packages at the pinned versions, and DIR/images.txt must name every image
// the installed releases' pods and pod templates use. Only components whose real chart works on
// KWOK nodes are on (test/real-charts/kwok-charts.ts says why the others cannot).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lock } from '../../src/lock.js';
import { clusterEnv } from './cluster-env.ts';
import { apply, waitNamespaceNotTerminating } from './kube.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/kubestrap.js');
const upstreamCharts = path.resolve(repo, process.env.KUBESTRAP_UPSTREAM_CHARTS ?? '../shared/upstream-charts');

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string; uid: string; annotations?: Record<string, string>; ownerReferences?: { uid: string }[] };
  spec?: Record<string, any>;
}

/** Every container image of a pod spec (containers, init containers, ephemeral containers). */
function podSpecImages(spec: Record<string, any> | undefined): string[] {
  if (!spec) return [];
  return ['containers', 'initContainers', 'ephemeralContainers'].flatMap((k) =>
    ((spec[k] ?? []) as { image: string }[]).map((c) => c.image),
  );
}

/** The pod spec a workload object runs (a Pod's own, a workload's template, a CronJob's job template's). */
function podSpecOf(o: KubeObject): Record<string, any> | undefined {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

describe('kubestrap bundle, then an install from it with no network (test cluster)', () => {
  const env = clusterEnv();
  const work = mkdtempSync(path.join(tmpdir(), 'kubestrap-e2e-bundle-'));
  const bundleDir = path.join(work, 'bundle');
  const configFile = path.join(work, 'kubestrap.yaml');
  const childEnv = {
    ...process.env,
    KUBECONFIG: env.kubeconfig,
    PATH: `${env.binDir}:${process.env.PATH}`,
    CI: 'true',
    NO_COLOR: '1',
  } as Record<string, string>;
  let index: { charts: { name: string; version: string; file: string; releases: string[] }[]; images: string[] };

  function writeConfig(localDir: string): void {
    const doc = parse(readFileSync(path.join(repo, 'examples/test-cluster.yaml'), 'utf8'));
    // Real charts that cannot work on KWOK nodes are off (webhooks and APIServices nothing serves,
    // PVCs nothing binds); everything else the example turns on stays on.
    doc.spec.security.certManager = false;
    doc.spec.monitoring.metricsServer = false;
    doc.spec.monitoring.prometheus.enabled = false;
    doc.spec.monitoring.grafana = false;
    doc.spec.monitoring.logs = false;
    delete doc.spec.monitoring.logShipper; // only valid with logs
    // They need metrics-server (the VPA recommender) and Prometheus (OpenCost): kubestrap refuses them without.
    doc.spec.autoscaling.vpa.enabled = false;
    doc.spec.cost.opencost = false;
    doc.spec.charts = { source: 'local', localDir };
    // The real kyverno and vpa charts need ~35 s to roll out on a loaded KWOK cluster.
    doc.spec.verification.timeout = '90s';
    writeFileSync(configFile, stringify(doc));
  }

  async function cli(args: string[], prefix: string[] = []): Promise<Run> {
    const argv = [...prefix, process.execPath, bin, ...args, '--config', configFile];
    const r = await execa(argv[0]!, argv.slice(1), {
      cwd: work,
      env: childEnv,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 20 * 60_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  async function kubectl(...args: string[]): Promise<string> {
    return (await execa(env.kubectl, ['--context', env.context, ...args], { env: childEnv })).stdout;
  }

  async function helm(...args: string[]): Promise<string> {
    return (await execa(env.helm, ['--kube-context', env.context, ...args], { env: childEnv })).stdout;
  }

  beforeAll(async () => {
    if (!existsSync(upstreamCharts)) throw new Error(`the upstream charts are not at ${upstreamCharts}; set KUBESTRAP_UPSTREAM_CHARTS`);
    // The Secret the example tells Velero to use (spec.backup.storage.credentialsSecret). An earlier
    // test file may have left the velero namespace in use (then it is reused) or still terminating.
    await waitNamespaceNotTerminating('velero');
    const objects = [
      await kubectl('create', 'namespace', 'velero', '--dry-run=client', '--output', 'json'),
      await kubectl(
        '--namespace',
        'velero',
        'create',
        'secret',
        'generic',
        'velero-s3-credentials',
        '--from-literal=cloud=[default]',
        '--dry-run=client',
        '--output',
        'json',
      ),
    ].map((o) => JSON.parse(o) as object);
    await apply(objects);
  });

  afterAll(async () => {
    await execa(env.kubectl, ['--context', env.context, 'delete', 'namespace', 'velero', '--ignore-not-found', '--wait=false'], {
      env: childEnv,
      reject: false,
    });
    rmSync(work, { recursive: true, force: true });
  });

  it('kubestrap bundle --out DIR writes every pinned chart as a package, with no network at all (unshare -n)', async () => {
    writeConfig(upstreamCharts);
    // A network namespace with only a loopback that is down: any download would fail.
    const probe = await execa('unshare', ['-n', 'true'], { reject: false });
    expect(probe.exitCode, `unshare -n is needed to take the network away (root or user namespaces): ${probe.stderr}`).toBe(0);
    const noNet = await execa(
      'unshare',
      ['-n', process.execPath, '-e', "fetch('https://example.com').then(()=>process.exit(0),()=>process.exit(7))"],
      { reject: false },
    );
    expect(noNet.exitCode, 'the network namespace still reaches the network').toBe(7);

    const r = await cli(['bundle', '--out', bundleDir, '--output', 'json'], ['unshare', '-n']);
    expect(r.exitCode, r.stderr).toBe(0);
    index = parse(readFileSync(path.join(bundleDir, 'bundle.yaml'), 'utf8'));
    const packages = readdirSync(path.join(bundleDir, 'charts'))
      .filter((f) => f.endsWith('.tgz'))
      .sort();
    expect(packages).toEqual(index.charts.map((c) => path.basename(c.file)).sort());
    for (const c of index.charts) expect(c.file).toBe(`charts/${c.name}-${c.version}.tgz`);
    // Only packages and the Gateway API CRDs: nothing unpacked that `up` could read instead.
    expect(
      readdirSync(path.join(bundleDir, 'charts'))
        .filter((f) => !f.endsWith('.tgz'))
        .sort(),
    ).toEqual(['gateway-api']);
    expect(index.images.length).toBeGreaterThan(5);
  });

  it('up with spec.charts.source: local pointing at DIR/charts installs every release from those packages', async () => {
    writeConfig(path.join(bundleDir, 'charts'));
    // Every helm command of the plan names a package from the bundle.
    const plan = JSON.parse((await cli(['plan', '--output', 'json', '--out', path.join(work, 'plan')])).stdout) as {
      phases: { steps: { commands: string[][] }[] }[];
    };
    const helmCharts = plan.phases
      .flatMap((p) => p.steps)
      .flatMap((s) => s.commands)
      .filter((c) => c[0] === 'helm')
      .map((c) => c[4]!);
    expect(helmCharts.length).toBeGreaterThan(0);
    for (const chart of helmCharts)
      expect(chart.startsWith(path.join(bundleDir, 'charts') + path.sep) && chart.endsWith('.tgz'), chart).toBe(true);

    const r = await cli(['up', '--yes', '--output', 'json']);
    const failures = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === 'step.fail' || (e.event === 'check.result' && e.status === 'failed'));
    expect(r.exitCode, `${JSON.stringify(failures, null, 1)}\n${r.stderr.slice(-3000)}`).toBe(0);

    const installed = JSON.parse(await helm('list', '--all-namespaces', '--output', 'json')) as {
      name: string;
      namespace: string;
      chart: string;
      status: string;
    }[];
    const expected = index.charts.flatMap((c) => c.releases.map((r) => ({ release: r, chart: `${c.name}-${c.version}` })));
    expect(expected.length).toBeGreaterThan(3);
    for (const { release, chart } of expected) {
      const [namespace, name] = release.split('/') as [string, string];
      const found = installed.find((i) => i.name === name && i.namespace === namespace);
      expect(found, `release ${release} is not installed`).toBeDefined();
      expect(`${release} ${found!.chart} ${found!.status}`).toBe(`${release} ${chart} deployed`);
      const meta = JSON.parse(await helm('get', 'metadata', name, '--namespace', namespace, '--output', 'json')) as {
        chart: string;
        version: string;
      };
      expect(`${meta.chart}-${meta.version}`).toBe(chart);
    }
    // Each bundled package is the version kubestrap pins.
    const pinned = new Set(Object.values(lock.charts).map((p) => `${p.chart}-${p.version}`));
    for (const c of index.charts) expect(pinned.has(`${c.name}-${c.version}`), `${c.name}-${c.version}`).toBe(true);
  });

  it("images.txt names every image the installed releases' pods and pod templates use", async () => {
    const listed = new Set(readFileSync(path.join(bundleDir, 'images.txt'), 'utf8').split('\n').filter(Boolean));
    expect([...listed].sort()).toEqual([...index.images].sort());
    const releases = new Set(index.charts.flatMap((c) => c.releases));
    const objects = (
      JSON.parse(
        await kubectl('get', 'pods,replicasets,deployments,daemonsets,statefulsets,jobs,cronjobs', '--all-namespaces', '--output', 'json'),
      ) as { items: KubeObject[] }
    ).items;
    const byUid = new Map(objects.map((o) => [o.metadata.uid, o]));
    /** The helm release (namespace/name) an object belongs to, following owner references up. */
    const releaseOf = (o: KubeObject, depth = 0): string | undefined => {
      const a = o.metadata.annotations ?? {};
      if (a['meta.helm.sh/release-name']) return `${a['meta.helm.sh/release-namespace']}/${a['meta.helm.sh/release-name']}`;
      const owner = o.metadata.ownerReferences?.map((r) => byUid.get(r.uid)).find(Boolean);
      return owner && depth < 5 ? releaseOf(owner, depth + 1) : undefined;
    };
    const used = new Map<string, string>();
    const seenReleases = new Set<string>();
    let pods = 0;
    for (const o of objects) {
      const release = releaseOf(o);
      if (!release || !releases.has(release)) continue;
      seenReleases.add(release);
      if (o.kind === 'Pod') pods++;
      for (const image of podSpecImages(podSpecOf(o))) used.set(image, `${o.kind} ${o.metadata.namespace}/${o.metadata.name} (${release})`);
    }
    // Enough of the install is seen for the comparison to mean something.
    expect(pods).toBeGreaterThan(5);
    expect(seenReleases.size).toBeGreaterThanOrEqual(4);
    expect(seenReleases).toContain('envoy-gateway-system/envoy-gateway');
    const missing = [...used].filter(([image]) => !listed.has(image)).map(([image, where]) => `${image} (${where})`);
    expect(missing).toEqual([]);
    process.stdout.write(`bundle: ${listed.size} images listed, ${used.size} used by ${pods} pods of ${seenReleases.size} releases\n`);
  });

  it('down removes what the bundle install created', async () => {
    const r = await cli(['down', '--yes', '--output', 'json']);
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    const left = JSON.parse(await helm('list', '--all-namespaces', '--output', 'json')) as unknown[];
    expect(left).toEqual([]);
  });
});
