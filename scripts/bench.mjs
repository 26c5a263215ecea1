// `npm run bench`: the performance figures the project tracks.
//   1. CLI start: `kubestrap --version` and `--help` (median of N runs, wall time)
//   2. a full `plan` render of each example (median of N runs)
//   3. a full roadmap run (`up`) on the test cluster from an empty state, and
//   4. a re-run on the unchanged cluster — both with the share of time spent in kubectl/helm.
// Usage: npm run bench [-- --runs 10] [-- --no-cluster]
// The cluster part uses its own test-cluster directory and removes the roadmap afterwards.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const bin = path.join(repo, 'bin/kubestrap.js');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 10) || 10;
const withCluster = !args.includes('--no-cluster');

function time(argv, env = process.env) {
  const started = process.hrtime.bigint();
  const r = spawnSync(node, argv, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function median(argv, n = runs) {
  const samples = Array.from({ length: n }, () => time(argv).ms).sort((a, b) => a - b);
  return { median: samples[Math.floor(n / 2)], min: samples[0], max: samples.at(-1) };
}

const results = {};
const out = mkdtempSync(path.join(tmpdir(), 'kubestrap-bench-'));
results['--version'] = median([bin, '--version']);
results['--help'] = median([bin, '--help']);
for (const example of ['kind-dev', 'production']) {
  results[`plan ${example}`] = median([bin, 'plan', '--config', path.join(repo, 'examples', `${example}.yaml`), '--out', path.join(out, example), '--output', 'json']);
}

if (withCluster) {
  const clusterDir = path.join(process.env.KUBESTRAP_TEST_CACHE || path.join(homedir(), '.cache/kubestrap-test-cluster'), 'bench');
  const clusterEnv = { ...process.env, KUBESTRAP_TEST_CLUSTER_DIR: clusterDir };
  const up = spawnSync(node, [path.join(repo, 'test/cluster/cli.ts'), 'up'], { env: clusterEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (up.status !== 0) throw new Error('test cluster did not start');
  const kubeconfig = up.stdout.trim().split('\n').at(-1);
  const binDir = path.join(process.env.KUBESTRAP_TEST_CACHE || path.join(homedir(), '.cache/kubestrap-test-cluster'));
  const envOut = spawnSync(node, [path.join(repo, 'test/cluster/cli.ts'), 'env'], { env: clusterEnv, encoding: 'utf8' }).stdout;
  const pathDir = /export PATH='([^']+)'/.exec(envOut)?.[1] ?? binDir;
  const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${pathDir}:${process.env.PATH}`, CI: 'true' };
  const kubectl = (...a) => spawnSync('kubectl', ['--context', 'kubestrap-test', ...a], { env, encoding: 'utf8' });
  kubectl('create', 'namespace', 'velero');
  kubectl('--namespace', 'velero', 'create', 'secret', 'generic', 'velero-s3-credentials', '--from-literal=cloud=[default]');
  const cfg = ['--config', path.join(repo, 'examples/test-cluster.yaml')];
  const runUp = (label) => {
    const r = time([bin, 'up', '--yes', '--rebind', '--output', 'json', '--work-dir', path.join(out, 'apply'), ...cfg], env);
    const end = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'run.end');
    results[label] = { median: r.ms, commandMs: end.commandMs, kubestrapMs: r.ms - end.commandMs, changed: end.changed.length, skipped: end.skipped.length };
  };
  try {
    runUp('up (full roadmap, empty cluster)');
    runUp('up (re-run, unchanged)');
  } finally {
    spawnSync(node, [bin, 'down', ...cfg, '--output', 'plain'], { env, stdio: 'ignore' });
    spawnSync(node, [path.join(repo, 'test/cluster/cli.ts'), 'down'], { env: clusterEnv, stdio: 'ignore' });
  }
}
rmSync(out, { recursive: true, force: true });

const rows = Object.entries(results).map(([name, r]) => {
  const extra = r.commandMs !== undefined ? `  (kubectl/helm ${(r.commandMs / 1000).toFixed(1)}s, kubestrap ${(r.kubestrapMs / 1000).toFixed(1)}s; ${r.changed} steps applied, ${r.skipped} skipped)` : `  (min ${r.min.toFixed(0)} ms, max ${r.max.toFixed(0)} ms, ${runs} runs)`;
  return `${name.padEnd(36)} ${r.median >= 10_000 ? `${(r.median / 1000).toFixed(1)} s` : `${r.median.toFixed(0)} ms`}${extra}`;
});
process.stdout.write(`kubestrap benchmark (node ${process.version}, ${new Date().toISOString()})\n${rows.join('\n')}\n`);
