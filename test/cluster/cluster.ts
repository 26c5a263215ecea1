// The three verbs: up, down, env. State (PIDs, ports, paths) lives in <stateDir>/state.json.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureBinaries, linkBinDir } from './binaries.ts';
import { apiserverArgs, controllerManagerArgs, etcdArgs, schedulerArgs, type Ports } from './components.ts';
import {
  ADMIN_USER,
  binaryPaths,
  CLUSTER_NAME,
  CONTEXT_NAME,
  readVersions,
  statePaths,
  type BinaryPaths,
  type StatePaths,
} from './config.ts';
import { ClusterError, log } from './errors.ts';
import { apiJson, apiRequest, isReady, type ApiTarget } from './kubeapi.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { kwokArgs, nodeObject, NODES, writeKwokConfig } from './kwok.ts';
import { makePki, pkiPaths, type ClientCert, type Pki } from './pki.ts';
import { freePorts } from './ports.ts';
import { isAlive, processFailure, startProcess, startTimeOf, stopProcesses, type ProcessRecord } from './processes.ts';

export interface ClusterState {
  version: 1;
  startedAt: string;
  k8sVersion: string;
  ports: Ports;
  processes: ProcessRecord[];
  kubeconfig: string;
  context: string;
  kubectl: string;
  helm: string;
  binDir: string;
}

export interface UpResult {
  kubeconfig: string;
  context: string;
  kubectl: string;
  helm: string;
  binDir: string;
  reused: boolean;
  state: ClusterState;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function readState(paths: StatePaths = statePaths()): ClusterState | undefined {
  if (!existsSync(paths.stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function writeState(paths: StatePaths, state: ClusterState): void {
  writeFileSync(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

function adminTarget(paths: StatePaths, port: number): ApiTarget {
  const pki = pkiPaths(paths.pki);
  return { port, caFile: pki.caCert, client: pki.admin };
}

/** A lock so two `up`/`down` runs do not race on one state directory. */
export async function withLock<T>(paths: Pick<StatePaths, 'lockFile'>, fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(paths.lockFile, '..'), { recursive: true });
  const deadline = Date.now() + 90 * 60_000;
  for (;;) {
    try {
      const fd = openSync(paths.lockFile, 'wx');
      writeSync(fd, `${process.pid} ${startTimeOf(process.pid)}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [pid, start] = readFileSync(paths.lockFile, 'utf8').trim().split(' ');
      if (!pid || !isAlive({ pid: Number(pid), startTime: start ?? '' })) {
        rmSync(paths.lockFile, { force: true }); // stale lock of a run that died
        continue;
      }
      if (Date.now() > deadline) throw new ClusterError(`another test-cluster command (pid ${pid}) holds ${paths.lockFile}`);
      if (Math.random() < 0.05) log(`waiting for another test-cluster command (pid ${pid}) to finish`);
      await sleep(1_000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(paths.lockFile, { force: true });
  }
}

async function waitFor(what: string, timeoutMs: number, watched: ProcessRecord[], check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const rec of watched) if (!isAlive(rec)) throw processFailure(rec, `exited while waiting for ${what}`);
    if (await check()) return;
    if (Date.now() > deadline) {
      const last = watched[watched.length - 1];
      if (last) throw processFailure(last, `did not make ${what} within ${timeoutMs / 1000}s`);
      throw new ClusterError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    }
    await sleep(250);
  }
}

async function etcdHealthy(port: number, pki: Pki): Promise<boolean> {
  try {
    const r = await apiRequest({ port, caFile: pki.etcdCaCert, client: pki.apiserverEtcdClient }, 'GET', '/health', undefined, 2_000);
    return r.status === 200 && r.body.includes('"health":"true"');
  } catch {
    return false;
  }
}

function componentKubeconfig(paths: StatePaths, name: string, port: number, client: ClientCert): string {
  const file = join(paths.pki, `${name}.kubeconfig`);
  writeKubeconfig(file, {
    server: `https://127.0.0.1:${port}`,
    caFile: pkiPaths(paths.pki).caCert,
    client,
    cluster: CLUSTER_NAME,
    user: name,
    context: name,
  });
  return file;
}

/** Everything alive and the API server ready? */
export async function isRunning(state: ClusterState | undefined = readState(), paths: StatePaths = statePaths()): Promise<boolean> {
  if (!state || state.processes.length === 0) return false;
  if (!state.processes.every(isAlive)) return false;
  return isReady(adminTarget(paths, state.ports.apiserver));
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.KUBECONFIG;
  return env;
}

/** Starts (or reuses) the cluster whose state lives in `root` (default: stateDir()). */
export async function up(root?: string): Promise<UpResult> {
  const paths = statePaths(root);
  return withLock(paths, async () => {
    const bins = await ensureBinaries();
    const existing = readState(paths);
    if (existing && (await isRunning(existing, paths))) {
      log(`reusing the running test cluster (${paths.root})`);
      return result(existing, bins, true);
    }
    if (existing) {
      log('found a stale test cluster; stopping what is left of it');
      await stopRecorded(existing);
    }
    rmSync(paths.root, { recursive: true, force: true });
    try {
      return await start(paths, bins);
    } catch (err) {
      // Ports are picked free and then handed to the processes; another program may take one in
      // between. That is worth exactly one more try with new ports.
      if (!(err instanceof ClusterError) || !/address already in use/.test(err.detail ?? '')) throw err;
      log('a port was taken between picking and binding it; starting again with new ports');
      rmSync(paths.root, { recursive: true, force: true });
      return await start(paths, bins);
    }
  });
}

function result(state: ClusterState, bins: BinaryPaths, reused: boolean): UpResult {
  return {
    kubeconfig: state.kubeconfig,
    context: state.context,
    kubectl: bins.kubectl,
    helm: bins.helm,
    binDir: bins.binDir,
    reused,
    state,
  };
}

async function start(paths: StatePaths, bins: BinaryPaths): Promise<UpResult> {
  const t0 = Date.now();
  const versions = readVersions();
  mkdirSync(paths.logs, { recursive: true });
  log(`starting the test cluster in ${paths.root}`);
  const pki = await makePki(paths.pki);
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok] = await freePorts(6);
  const ports: Ports = {
    etcdClient: etcdClient!,
    etcdPeer: etcdPeer!,
    apiserver: apiserver!,
    controllerManager: controllerManager!,
    scheduler: scheduler!,
    kwok: kwok!,
  };
  const state: ClusterState = {
    version: 1,
    startedAt: new Date().toISOString(),
    k8sVersion: versions.k8s,
    ports,
    processes: [],
    kubeconfig: paths.kubeconfig,
    context: CONTEXT_NAME,
    kubectl: bins.kubectl,
    helm: bins.helm,
    binDir: bins.binDir,
  };
  const env = childEnv();
  const launch = (name: string, binary: string, args: string[]): ProcessRecord => {
    const rec = startProcess(name, binary, args, join(paths.logs, `${name}.log`), env);
    state.processes.push(rec);
    writeState(paths, state); // recorded at once, so `down` can stop a half-started cluster
    return rec;
  };
  try {
    const etcd = launch('etcd', bins.etcd, etcdArgs(ports, paths.etcdData, pki));
    await waitFor('etcd healthy', 60_000, [etcd], () => etcdHealthy(ports.etcdClient, pki));

    const api = launch('kube-apiserver', bins.kubeApiserver, apiserverArgs(ports, pki));
    const target = adminTarget(paths, ports.apiserver);
    await waitFor('/readyz answer 200', 180_000, [etcd, api], () => isReady(target));
    log(`kube-apiserver ready on https://127.0.0.1:${ports.apiserver}`);

    const kcm = launch(
      'kube-controller-manager',
      bins.kubeControllerManager,
      controllerManagerArgs(ports, pki, componentKubeconfig(paths, 'kube-controller-manager', ports.apiserver, pki.controllerManager)),
    );
    const sched = launch(
      'kube-scheduler',
      bins.kubeScheduler,
      schedulerArgs(ports, componentKubeconfig(paths, 'kube-scheduler', ports.apiserver, pki.scheduler)),
    );

    for (const n of NODES) {
      const res = await apiJson(target, 'POST', '/api/v1/nodes', nodeObject(n, versions.k8s));
      if (res.status !== 201 && res.status !== 409)
        throw new ClusterError(`registering KWOK node ${n.name} failed: HTTP ${res.status}`, res.body);
    }
    writeKwokConfig(paths.kwokConfig);
    const kwokRec = launch(
      'kwok',
      bins.kwok,
      kwokArgs({
        kubeconfig: componentKubeconfig(paths, 'kwok', ports.apiserver, pki.kwok),
        config: paths.kwokConfig,
        serverPort: ports.kwok,
      }),
    );
    const all = [etcd, api, kcm, sched, kwokRec];
    await waitFor(`${NODES.length} KWOK nodes Ready`, 120_000, all, async () => (await readyNodes(target)) >= NODES.length);
    // The service-account controller (in kube-controller-manager) creates "default" in each
    // namespace; pods cannot be created without it.
    await waitFor(
      'the default ServiceAccount',
      120_000,
      all,
      async () => (await apiJson(target, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
    );

    writeKubeconfig(paths.kubeconfig, {
      server: `https://127.0.0.1:${ports.apiserver}`,
      caFile: pki.caCert,
      client: pki.admin,
      cluster: CLUSTER_NAME,
      user: ADMIN_USER,
      context: CONTEXT_NAME,
    });
    installAddons(bins.kubectl, paths.kubeconfig);
    writeState(paths, state);
    log(`test cluster up in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${NODES.length} nodes Ready, context ${CONTEXT_NAME}`);
    return result(state, bins, false);
  } catch (err) {
    log(`start failed; stopping the processes started so far (logs kept in ${paths.logs})`);
    await stopRecorded(state);
    throw err;
  }
}

/**
 * What kind and every real cluster have and a bare control plane lacks: cluster DNS (CoreDNS
 * Deployment + kube-dns Service) and a default StorageClass (test/cluster/addons.yaml).
 */
function installAddons(kubectl: string, kubeconfig: string): void {
  const addons = join(dirname(fileURLToPath(import.meta.url)), 'addons.yaml');
  try {
    execFileSync(
      kubectl,
      ['--kubeconfig', kubeconfig, '--context', CONTEXT_NAME, 'apply', '--server-side', '--field-manager', 'test-cluster', '-f', addons],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    throw new ClusterError(
      'installing the cluster add-ons (CoreDNS, default StorageClass) failed',
      String((err as { stderr?: Buffer }).stderr ?? err),
    );
  }
}

async function readyNodes(target: ApiTarget): Promise<number> {
  const res = await apiJson<{ items?: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }>(
    target,
    'GET',
    '/api/v1/nodes',
  );
  if (res.status !== 200 || !res.json?.items) return 0;
  return res.json.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
}

/** Stops recorded processes, newest first; throws if any survives SIGKILL. */
async function stopRecorded(state: ClusterState): Promise<ProcessRecord[]> {
  const order = [...state.processes].reverse();
  const left = await stopProcesses(order);
  if (left.length > 0) {
    throw new ClusterError(
      `these test cluster processes are still alive after SIGKILL: ${left.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}`,
    );
  }
  return order;
}

export interface DownResult {
  stopped: ProcessRecord[];
  removed: string;
}

/** Stops the cluster whose state lives in `root` (default: stateDir()) and removes that directory. */
export async function down(root?: string): Promise<DownResult> {
  const paths = statePaths(root);
  return withLock(paths, async () => {
    const state = readState(paths);
    if (state) {
      const alive = state.processes.filter(isAlive);
      log(`stopping ${alive.length} test cluster process(es): ${alive.map((r) => `${r.name}=${r.pid}`).join(' ') || 'none alive'}`);
      await stopRecorded(state);
    } else {
      log('no test cluster state found; nothing to stop');
    }
    rmSync(paths.root, { recursive: true, force: true });
    return { stopped: state?.processes ?? [], removed: paths.root };
  });
}

/** Lines for a shell: KUBECONFIG and PATH with the matching kubectl and helm. */
export function envLines(): string[] {
  const paths = statePaths();
  const bins = binaryPaths();
  if (existsSync(bins.kubectl) && existsSync(bins.helm)) linkBinDir(bins);
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return [`export KUBECONFIG=${q(paths.kubeconfig)}`, `export PATH=${q(bins.binDir)}:"$PATH"`];
}
