/**
 * The real upstream charts at the versions src/lock.ts pins, and the helm that renders them.
 * Charts come from the folder named by KUBESTRAP_UPSTREAM_CHARTS, else ../shared/upstream-charts
 * (next to the project), else `helm pull` of the pinned version where a network exists. A chart
 * found nowhere is an error that says where it was looked for: never a silent skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { lock, type ChartKey } from '../../src/lock.js';
import { repoRoot } from './matrix.ts';

const versionsEnv = readFileSync(path.join(repoRoot, 'test/cluster/versions.env'), 'utf8');
export const helmVersion = /^HELM_VERSION=(\S+)/m.exec(versionsEnv)![1]!;

/** helm 4 as the test control plane's build makes it, or the one the e2e setup names. */
export function helmBinary(): string {
  const candidates = [
    process.env.KUBESTRAP_TEST_HELM,
    path.join(process.env.KUBESTRAP_TEST_CACHE ?? path.join(homedir(), '.cache/kubestrap-test-cluster'), `helm-${helmVersion}`, 'helm'),
  ].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    const v = execFileSync('helm', ['version', '--template', '{{.Version}}'], { encoding: 'utf8' }).trim();
    if (v === helmVersion) return 'helm';
  } catch {
    // not on PATH
  }
  throw new Error(
    `helm ${helmVersion} not found (looked at ${candidates.join(', ')} and PATH): run test/cluster/build-binaries.sh, which builds it into the test cache`,
  );
}

export function upstreamChartsDir(): string {
  return process.env.KUBESTRAP_UPSTREAM_CHARTS ?? path.resolve(repoRoot, '../shared/upstream-charts');
}

const pulledDir = path.join(homedir(), '.cache/kubestrap-upstream-charts');

/** Path of the packaged chart (.tgz) of a lock entry, pulling it only when no folder has it. */
export function chartPackage(key: ChartKey): string {
  const pin = lock.charts[key];
  const file = `${pin.chart}-${pin.version}.tgz`;
  const dir = upstreamChartsDir();
  const tried: string[] = [];
  for (const d of [dir, pulledDir]) {
    const candidate = path.join(d, file);
    if (existsSync(candidate)) return candidate;
    tried.push(candidate);
  }
  const pull =
    'oci' in pin && pin.oci && !pin.repo ? [pin.oci, '--version', pin.version] : [pin.chart, '--repo', pin.repo, '--version', pin.version];
  mkdirSync(pulledDir, { recursive: true });
  try {
    execFileSync(helmBinary(), ['pull', ...pull, '--destination', pulledDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (error) {
    const why = (error as { stderr?: string }).stderr?.trim() || String(error);
    throw new Error(
      `the real chart ${pin.chart} ${pin.version} is missing: not at ${tried.join(' or ')}, and helm pull failed (${why}). Set KUBESTRAP_UPSTREAM_CHARTS to a folder holding ${file}.`,
      { cause: error },
    );
  }
  const pulled = path.join(pulledDir, file);
  if (!existsSync(pulled)) throw new Error(`helm pull of ${pin.chart} ${pin.version} wrote no ${pulled}`);
  return pulled;
}

const extractRoot = path.join(tmpdir(), `kubestrap-real-charts-${process.getuid?.() ?? 'u'}`);

/** Subcharts shipped as packages inside charts/ are unpacked in place, so their templates can be read. */
function unpackSubcharts(dir: string): void {
  const charts = path.join(dir, 'charts');
  if (!existsSync(charts)) return;
  for (const entry of readdirSync(charts)) {
    const full = path.join(charts, entry);
    if (entry.endsWith('.tgz')) {
      execFileSync('tar', ['-xzf', full, '-C', charts]);
      rmSync(full);
    }
  }
  for (const entry of readdirSync(charts)) if (statSync(path.join(charts, entry)).isDirectory()) unpackSubcharts(path.join(charts, entry));
}

/** The chart unpacked (once per machine and version) for reading its templates and values. */
export function chartDir(key: ChartKey): string {
  const pin = lock.charts[key];
  const target = path.join(extractRoot, `${pin.chart}-${pin.version}`);
  const chartRoot = path.join(target, pin.chart);
  if (existsSync(path.join(target, '.complete'))) return chartRoot;
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('tar', ['-xzf', chartPackage(key), '-C', tmp]);
  unpackSubcharts(path.join(tmp, pin.chart));
  const chart = parse(readFileSync(path.join(tmp, pin.chart, 'Chart.yaml'), 'utf8')) as { version: string };
  if (String(chart.version) !== pin.version)
    throw new Error(`${chartPackage(key)} holds ${pin.chart} ${chart.version}, but the lock pins ${pin.version}`);
  execFileSync('touch', [path.join(tmp, '.complete')]);
  rmSync(target, { recursive: true, force: true });
  try {
    renameSync(tmp, target);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another worker won the race
  }
  return chartRoot;
}

/** The Gateway API standard CRDs at the pinned version (what kubestrap applies from the release URL). */
export function gatewayApiCrds(): string {
  const file = path.join(upstreamChartsDir(), `gateway-api-${lock.manifests.gatewayApi.version}-standard-install.yaml`);
  if (!existsSync(file)) throw new Error(`Gateway API CRDs missing: ${file} (set KUBESTRAP_UPSTREAM_CHARTS to a folder holding it)`);
  return file;
}
