// `npm run demo`: the main job on a machine without Docker. Starts the project's test cluster
// (a real control plane with KWOK nodes; binaries are built on first use), then walks the whole
// roadmap on it with examples/test-cluster.yaml, and shows the status. Leaves the cluster running.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const say = (m) => process.stderr.write(`\n[demo] ${m}\n`);

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

const cli = (...args) => spawnSync(node, [path.join(repo, 'bin/kubestrap.js'), ...args, '--config', path.join(repo, 'examples/test-cluster.yaml')], { env, stdio: 'inherit' });
say('kubestrap up (the whole roadmap)');
// --rebind: the demo (re)started this test cluster itself, so a new identity is expected.
const run = cli('up', '--yes', '--rebind');
say('kubestrap status');
cli('status');
say(`the cluster keeps running. Try: eval "$(npm run -s test-cluster -- env)"; npx kubestrap verify --config examples/test-cluster.yaml
[demo] remove the roadmap: npx kubestrap down --config examples/test-cluster.yaml
[demo] stop the cluster:   npm run test-cluster -- down`);
process.exit(run.status ?? 1);
