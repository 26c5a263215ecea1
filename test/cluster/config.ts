// Where the test cluster keeps things, and which versions it runs. Everything here is derived
// from test/cluster/versions.env and two environment variables, so every module agrees on paths.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLUSTER_NAME = 'kubestrap-test';
export const CONTEXT_NAME = 'kubestrap-test';
export const ADMIN_USER = 'kubestrap-test-admin';

/** Directory of this file: test/cluster/. */
export const clusterSrcDir = dirname(fileURLToPath(import.meta.url));

export interface Versions {
  k8s: string;
  etcd: string;
  kwok: string;
  helm: string;
}

export function readVersions(file = join(clusterSrcDir, 'versions.env')): Versions {
  const values: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  const need = (key: string): string => {
    const v = values[key];
    if (!v) throw new Error(`${file} does not set ${key}`);
    return v;
  };
  return { k8s: need('K8S_VERSION'), etcd: need('ETCD_VERSION'), kwok: need('KWOK_VERSION'), helm: need('HELM_VERSION') };
}

/** Binary cache shared with build-binaries.sh (KUBESTRAP_TEST_CACHE). */
export function cacheDir(): string {
  return resolve(process.env.KUBESTRAP_TEST_CACHE || join(homedir(), '.cache', 'kubestrap-test-cluster'));
}

/** Where a running cluster keeps its state, PKI, data and logs (KUBESTRAP_TEST_CLUSTER_DIR). */
export function stateDir(): string {
  return resolve(process.env.KUBESTRAP_TEST_CLUSTER_DIR || join(cacheDir(), 'run'));
}

export interface BinaryPaths {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  etcd: string;
  kwok: string;
  helm: string;
  /** A directory holding only kubectl and helm (symlinks), for PATH. */
  binDir: string;
}

export function binaryPaths(v: Versions = readVersions(), cache = cacheDir()): BinaryPaths {
  const k8s = join(cache, `kubernetes-${v.k8s}`);
  return {
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubectl: join(k8s, 'kubectl'),
    etcd: join(cache, `etcd-${v.etcd}`, 'etcd'),
    kwok: join(cache, `kwok-${v.kwok}`, 'kwok'),
    helm: join(cache, `helm-${v.helm}`, 'helm'),
    binDir: join(cache, `bin-kubectl-${v.k8s}-helm-${v.helm}`),
  };
}

/** The cache entries build-binaries.sh fills; each is complete when it holds a .complete marker. */
export function cacheEntries(v: Versions = readVersions(), cache = cacheDir()): string[] {
  return [`kubernetes-${v.k8s}`, `etcd-${v.etcd}`, `kwok-${v.kwok}`, `helm-${v.helm}`].map((e) => join(cache, e));
}

export interface StatePaths {
  root: string;
  stateFile: string;
  lockFile: string;
  pki: string;
  etcdData: string;
  logs: string;
  kubeconfig: string;
  kwokConfig: string;
}

export function statePaths(root = stateDir()): StatePaths {
  return {
    root,
    stateFile: join(root, 'state.json'),
    lockFile: join(dirname(root), `.${basenameOf(root)}.lock`),
    pki: join(root, 'pki'),
    etcdData: join(root, 'etcd-data'),
    logs: join(root, 'logs'),
    kubeconfig: join(root, 'kubeconfig'),
    kwokConfig: join(root, 'kwok.yaml'),
  };
}

function basenameOf(p: string): string {
  const parts = p.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? 'run';
}
