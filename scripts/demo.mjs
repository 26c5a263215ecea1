// `npm run demo`: the main job on a machine without Docker. Starts the project's test cluster
// (a real control plane with KWOK nodes; binaries are built on first use; KUBESTRAP_TEST_CLUSTER_DIR
// picks its state folder), assembles the chart folder the KWOK e2e tests use, then walks the whole
// roadmap on it with examples/test-cluster.yaml, and shows the status. Leaves the cluster running.
//
// Charts: the REAL upstream charts at the pinned versions (from KUBESTRAP_UPSTREAM_CHARTS, else
// ../shared/upstream-charts next to the project) wherever they work on simulated nodes, and a small
// stand-in from test/charts where they cannot (test/real-charts/kwok-charts.ts says why, per chart).
// They are copied into the example's spec.charts.localDir, a folder outside the repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const say = (m) => process.stderr.write(`\n[demo] ${m}\n`);
const fail = (m) => {
  process.stderr.write(`\n[demo] error: ${m}\n`);
  process.exit(2);
};
const example = path.join(repo, 'examples/test-cluster.yaml');

// 1. The chart folder, before anything starts: a missing upstream folder is the likely failure.
const upstream = process.env.KUBESTRAP_UPSTREAM_CHARTS || path.resolve(repo, '../shared/upstream-charts');
if (!existsSync(upstream)) {
  fail(`the real upstream charts are not at ${upstream}.
  The demo installs the real charts at the versions src/lock.ts pins (helm packages <chart>-<version>.tgz
  and gateway-api-<version>-standard-install.yaml). Set KUBESTRAP_UPSTREAM_CHARTS to a folder holding them,
  e.g. KUBESTRAP_UPSTREAM_CHARTS=/path/to/upstream-charts npm run demo`);
}
const localDir = parse(readFileSync(example, 'utf8'))?.spec?.charts?.localDir;
if (typeof localDir !== 'string' || !path.isAbsolute(localDir))
  fail(
    `${example}: spec.charts.localDir must be an absolute folder the demo can assemble the charts into (found ${JSON.stringify(localDir)})`,
  );
const marker = path.join(localDir, '.kubestrap-demo-charts');
if (existsSync(localDir)) {
  if (!existsSync(marker))
    fail(
      `${localDir} (spec.charts.localDir of ${example}) exists and was not written by the demo: move it away, the demo replaces that folder`,
    );
  rmSync(localDir, { recursive: true, force: true });
}
say(
  `assembling the charts into ${localDir}: real upstream charts from ${upstream}, stand-ins from test/charts where the real one cannot work on KWOK`,
);
const { createJiti } = await import('jiti');
const jiti = createJiti(import.meta.url);
const { assembleKwokCharts, kwokStandIns } = await jiti.import(path.join(repo, 'test/real-charts/kwok-charts.ts'));
let assembled;
try {
  assembled = assembleKwokCharts(localDir);
} catch (error) {
  rmSync(localDir, { recursive: true, force: true });
  fail(`${error.message}\n  (upstream charts folder: ${upstream}; set KUBESTRAP_UPSTREAM_CHARTS to another one)`);
}
writeFileSync(marker, 'written by npm run demo (scripts/demo.mjs); replaced on every run\n');
say(`real charts (${assembled.real.length}): ${assembled.real.join(', ')}`);
const { lock } = await jiti.import(path.join(repo, 'src/lock.ts'));
for (const [key, why] of Object.entries(kwokStandIns)) say(`stand-in ${lock.charts[key].chart}: ${why}`);

// 2. The test cluster.
say('starting the test cluster (first run builds the control plane from Go modules: ~10-40 min)');
const up = spawnSync(node, [path.join(repo, 'test/cluster/cli.ts'), 'up'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (up.status !== 0) process.exit(up.status ?? 1);
const kubeconfig = up.stdout.trim().split('\n').at(-1);
const envOut = execFileSync(node, [path.join(repo, 'test/cluster/cli.ts'), 'env'], { encoding: 'utf8' });
const binDir = /export PATH='([^']+)'/.exec(envOut)?.[1];
const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${binDir}:${process.env.PATH}` };
const kubectl = (...args) => spawnSync('kubectl', ['--context', 'kubestrap-test', ...args], { env, encoding: 'utf8' });

// examples/test-cluster.yaml backs up to S3 with a credentials Secret the user provides; the demo
// provides a placeholder one (nothing is uploaded: the nodes are simulated).
kubectl('create', 'namespace', 'velero');
if (kubectl('--namespace', 'velero', 'get', 'secret', 'velero-s3-credentials').status !== 0) {
  kubectl('--namespace', 'velero', 'create', 'secret', 'generic', 'velero-s3-credentials', '--from-literal=cloud=[default]');
}

// 3. The roadmap.
const cli = (...args) => spawnSync(node, [path.join(repo, 'bin/kubestrap.js'), ...args, '--config', example], { env, stdio: 'inherit' });
say('kubestrap up (the whole roadmap)');
// --rebind: the demo (re)started this test cluster itself, so a new identity is expected.
const run = cli('up', '--yes', '--rebind');
say('kubestrap status');
cli('status');
say(`the cluster keeps running (charts stay in ${localDir}). Try: eval "$(npm run -s test-cluster -- env)"; npx kubestrap verify --config examples/test-cluster.yaml
[demo] remove the roadmap: npx kubestrap down --config examples/test-cluster.yaml
[demo] stop the cluster:   npm run test-cluster -- down`);
process.exit(run.status ?? 1);
