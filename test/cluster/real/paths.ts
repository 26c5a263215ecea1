// Where the real (kind) tier keeps things. Build products live in <cache>/real (kept across runs);
// the state of a running tier (dockerd PID, host snapshot, logs) in <cache>/real-run, or
// KUBESTRAP_TEST_REAL_DIR.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cacheDir, clusterSrcDir, readVersions } from '../config.ts';

export const realSrcDir = join(clusterSrcDir, 'real');

export interface RealVersions {
  k8s: string;
  helm: string;
  kind: string;
}

function readEnvFile(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return values;
}

export function readRealVersions(): RealVersions {
  const base = readVersions();
  const kind = readEnvFile(join(realSrcDir, 'versions.env')).KIND_VERSION;
  if (!kind) throw new Error(`${join(realSrcDir, 'versions.env')} does not set KIND_VERSION`);
  return { k8s: base.k8s, helm: base.helm, kind };
}

export interface RealPaths {
  /** Build products (binaries, root file systems, image tars, docker's data root). */
  buildRoot: string;
  /** State of the running tier. */
  root: string;
  stateFile: string;
  lockFile: string;
  logs: string;
  dockerLog: string;
  dockerPidFile: string;
  runtimeWrapper: string;
  dockerDataRoot: string;
  buildScript: string;
  kind: string;
  kubectl: string;
  helm: string;
  /** A directory holding only kind, kubectl and helm (symlinks), for PATH. */
  binDir: string;
}

export function realPaths(v: RealVersions = readRealVersions(), cache = cacheDir()): RealPaths {
  const root = resolve(process.env.KUBESTRAP_TEST_REAL_DIR || join(cache, 'real-run'));
  const buildRoot = join(cache, 'real');
  return {
    buildRoot,
    root,
    stateFile: join(root, 'state.json'),
    lockFile: join(dirname(root), `.${root.split('/').filter(Boolean).pop() ?? 'real-run'}.lock`),
    logs: join(root, 'logs'),
    dockerLog: join(root, 'logs', 'dockerd.log'),
    dockerPidFile: join(root, 'dockerd.pid'),
    runtimeWrapper: join(root, 'runc-nosysres'),
    dockerDataRoot: join(buildRoot, 'docker'),
    buildScript: join(realSrcDir, 'build-real.sh'),
    kind: join(buildRoot, `kind-${v.kind}`, 'kind'),
    kubectl: join(cache, `kubernetes-${v.k8s}`, 'kubectl'),
    helm: join(cache, `helm-${v.helm}`, 'helm'),
    binDir: join(buildRoot, `bin-kind-${v.kind}-kubectl-${v.k8s}-helm-${v.helm}`),
  };
}
