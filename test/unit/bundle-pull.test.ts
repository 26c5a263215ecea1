// `kubestrap bundle` with charts from a repository or OCI: the network is faked (helm pull is
// answered by copying the real upstream package into --destination); helm show chart is real.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExec, type Exec } from '../../src/adapters/exec.js';
import { Redactor } from '../../src/adapters/redact.js';
import { fetchChart } from '../../src/bundle/charts.js';
import { chartSource } from '../../src/render/charts.js';
import { parseConfigText } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { lock, type ChartKey } from '../../src/lock.js';
import { helmBinary, upstreamChartsDir } from '../real-charts/charts.ts';

const work = mkdtempSync(path.join(tmpdir(), 'ks-bundle-pull-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Real helm, except `helm pull`, which copies `served` (a package) into --destination. */
function fakePullExec(served: (ref: string) => string): Exec & { pulls: string[][] } {
  const real = createExec(new Redactor(), { ...process.env, KUBESTRAP_HELM: helmBinary() });
  const pulls: string[][] = [];
  return {
    ...real,
    pulls,
    async run(argv, options) {
      if (argv[0] === 'helm' && argv[1] === 'pull') {
        pulls.push([...argv]);
        const dest = argv[argv.indexOf('--destination') + 1]!;
        const file = served(argv[2]!);
        copyFileSync(file, path.join(dest, path.basename(file)));
        return { stdout: '', stderr: '', exitCode: 0 };
      }
      return real.run(argv, options);
    },
  };
}

const upstream = (key: ChartKey) => path.join(upstreamChartsDir(), `${lock.charts[key].chart}-${lock.charts[key].version}.tgz`);
const config = (charts: string) =>
  parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata: { name: t }\nspec:\n  cluster: { provider: existing, context: t }\n  charts: ${charts}\n`,
    path.join(work, 'kubestrap.yaml'),
  ).config;

describe('bundle fetchChart (helm pull faked)', () => {
  it('pulls from the public repository with --repo and --version', async () => {
    const exec = fakePullExec(() => upstream('certManager'));
    const dest = mkdtempSync(path.join(work, 'd-'));
    const { file, origin } = await fetchChart(exec, config('{ source: repository }'), work, 'certManager', dest, 'test');
    expect(exec.pulls).toEqual([
      ['helm', 'pull', 'cert-manager', '--repo', 'https://charts.jetstack.io', '--version', 'v1.21.1', '--destination', dest],
    ]);
    expect(file).toBe(path.join(dest, 'cert-manager-v1.21.1.tgz'));
    expect(origin.how).toBe('pulled');
  });

  it('pulls a chart published only as OCI from its upstream artifact, and from an OCI mirror when set', async () => {
    const exec = fakePullExec(() => upstream('envoyGateway'));
    const dest = mkdtempSync(path.join(work, 'd-'));
    await fetchChart(exec, config('{ source: repository }'), work, 'envoyGateway', dest, 'test');
    const mirror = mkdtempSync(path.join(work, 'd-'));
    await fetchChart(
      exec,
      config('{ source: oci, ociMirror: "oci://registry.example.com/charts/" }'),
      work,
      'envoyGateway',
      mirror,
      'test',
    );
    expect(exec.pulls).toEqual([
      ['helm', 'pull', 'oci://docker.io/envoyproxy/gateway-helm', '--version', 'v1.9.0', '--destination', dest],
      ['helm', 'pull', 'oci://registry.example.com/charts/gateway-helm', '--version', 'v1.9.0', '--destination', mirror],
    ]);
  });

  it('refuses (exit 2) a pulled package that is not the pinned chart', async () => {
    const exec = fakePullExec(() => upstream('metricsServer'));
    const dest = mkdtempSync(path.join(work, 'd-'));
    // the served file is named like metrics-server, but the request is for vpa: helm "wrote" no vpa package
    await expect(fetchChart(exec, config('{ source: repository }'), work, 'vpa', dest, 'test')).rejects.toThrow(
      /helm wrote no vpa-5\.0\.0\.tgz/,
    );
    const renamed = path.join(work, `vpa-${lock.charts.vpa.version}.tgz`);
    copyFileSync(upstream('metricsServer'), renamed);
    const liar = fakePullExec(() => renamed);
    const error = await fetchChart(liar, config('{ source: repository }'), work, 'vpa', mkdtempSync(path.join(work, 'd-')), 'test').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/holds chart metrics-server 3\.13\.1, but kubestrap pins vpa 5\.0\.0/);
  });
});

describe('spec.charts.source: local reads packages and directories', () => {
  it('takes <dir>/<chart>-<version>.tgz when there is no <dir>/<chart>/ folder, and the folder when there is', () => {
    const c = config(`{ source: local, localDir: ${JSON.stringify(upstreamChartsDir())} }`);
    expect(chartSource(c, work, 'kyverno').ref).toBe(path.join(upstreamChartsDir(), 'kyverno-3.9.0.tgz'));
    // this project's stand-in charts are folders named like the chart
    const testCharts = path.resolve(import.meta.dirname, '../charts');
    const withDir = config('{ source: local, localDir: ../charts }');
    expect(chartSource(withDir, import.meta.dirname, 'metricsServer').ref).toBe(path.join(testCharts, 'metrics-server'));
  });
});
