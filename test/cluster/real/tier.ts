// The real (kind) tier's verbs: up --real, down --real, env --real. `up` does not create a kind
// cluster: it readies a Docker engine, the kind CLI and a node image (plus kubectl and helm), so a
// test (or kubestrap itself) can `kind create cluster`. `down` deletes the kind clusters on that
// engine that the tier is answerable for, stops what `up` started (by PID) and restores the host.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { withLock } from '../cluster.ts';
import { cacheDir } from '../config.ts';
import { ClusterError, log } from '../errors.ts';
import { isAlive, stopProcesses, type ProcessRecord } from '../processes.ts';
import { dockerServerVersion, installPackages, isDebianRoot, killOrphanedContainers, startDockerd, type DockerRecord } from './docker.ts';
import { diffHost, restoreHost, snapshotHost, unmountUnder, type HostSnapshot } from './host.ts';
import { deleteKindCluster, kindClusters } from './kind.ts';
import { realPaths, type RealPaths } from './paths.ts';

export interface RealState {
  version: 1;
  startedAt: string;
  /** The host as it was before the tier first started (restored by down). */
  host: HostSnapshot;
  /** The engine this tier started; null when it uses one that was already running. */
  docker: DockerRecord | null;
  /** DOCKER_HOST of a pre-existing engine, when the user set one. */
  dockerHost?: string;
  /** Kind clusters that existed before the tier started (never deleted by down on a foreign engine). */
  preexistingClusters: string[];
  /** Unset in registry mode: kubestrap then uses its pinned kindest/node image. */
  nodeImage?: string;
  binDir: string;
  kind: string;
  timings: Record<string, number>;
}

export interface RealUpResult {
  state: RealState;
  reused: boolean;
  env: Record<string, string>;
}

/** KUBESTRAP_TEST_REAL_REGISTRY=1: a registry is reachable, use the published images. */
export const registryMode = () => process.env.KUBESTRAP_TEST_REAL_REGISTRY === '1';

export function readRealState(paths: RealPaths = realPaths()): RealState | undefined {
  if (!existsSync(paths.stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as RealState;
  } catch {
    return undefined;
  }
}

function writeRealState(paths: RealPaths, state: RealState): void {
  mkdirSync(paths.root, { recursive: true });
  writeFileSync(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

function dockerEnv(state: Pick<RealState, 'docker' | 'dockerHost'>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (state.docker) env.DOCKER_HOST = `unix://${state.docker.socket}`;
  else if (state.dockerHost) env.DOCKER_HOST = state.dockerHost;
  return env;
}

/** The variables a shell or a test needs: PATH (kind, kubectl, helm), the node image, DOCKER_HOST. */
export function realEnv(state: RealState): Record<string, string> {
  const env: Record<string, string> = { KUBESTRAP_TEST_REAL_BIN_DIR: state.binDir };
  if (state.nodeImage) env.KUBESTRAP_NODE_IMAGE = state.nodeImage;
  const host = dockerEnv(state).DOCKER_HOST;
  if (host) env.DOCKER_HOST = host;
  return env;
}

export function envLinesReal(state: RealState | undefined = readRealState()): string[] {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  if (!state) return [];
  const lines = [`export PATH=${q(state.binDir)}:"$PATH"`];
  for (const [k, v] of Object.entries(realEnv(state))) lines.push(`export ${k}=${q(v)}`);
  return lines;
}

export async function upReal(): Promise<RealUpResult> {
  const paths = realPaths();
  return withLock(paths, async () => {
    let state = readRealState(paths);
    if (state?.docker && !isAlive(state.docker.dockerd)) {
      log('the recorded dockerd is gone; cleaning up what is left of the last real tier first');
      await teardown(paths, state);
      state = undefined;
    }
    const reused = state !== undefined;
    if (reused) log(`reusing the running real tier (${paths.root})`);
    try {
      if (!state) state = await startTier(paths);
      await build(paths, state);
      writeRealState(paths, state);
      return { state, reused, env: realEnv(state) };
    } catch (err) {
      if (!reused && state) {
        log('up --real failed; undoing what it started');
        try {
          await teardown(paths, state);
        } catch (e) {
          log(`cleanup after the failure failed too: ${(e as Error).message}`);
        }
      }
      throw err;
    }
  });
}

async function startTier(paths: RealPaths): Promise<RealState> {
  rmSync(paths.root, { recursive: true, force: true });
  mkdirSync(paths.logs, { recursive: true });
  const timings: Record<string, number> = {};
  const host = await snapshotHost();
  const base: RealState = {
    version: 1,
    startedAt: new Date().toISOString(),
    host,
    docker: null,
    preexistingClusters: [],
    binDir: paths.binDir,
    kind: paths.kind,
    timings,
  };
  const running = await dockerServerVersion();
  if (running) {
    log(
      `using the Docker engine that is already running (server ${running}${process.env.DOCKER_HOST ? `, DOCKER_HOST=${process.env.DOCKER_HOST}` : ''}); down --real will not stop it`,
    );
    if (process.env.DOCKER_HOST) base.dockerHost = process.env.DOCKER_HOST;
    base.preexistingClusters = await kindClusters(dockerEnv(base));
    if (isDebianRoot()) timings.packages = await installPackages();
    writeRealState(paths, base);
    return base;
  }
  if (!isDebianRoot()) {
    throw new ClusterError(
      `no Docker engine answers${process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : ' on the default socket'}, and this machine is not Debian/Ubuntu with root, so the tier cannot install one`,
      'start Docker (Docker Desktop, colima, a system dockerd, ...) and rerun `npm run test-cluster -- up --real`; on a machine that reaches container registries also set KUBESTRAP_TEST_REAL_REGISTRY=1',
    );
  }
  timings.packages = await installPackages();
  writeRealState(paths, base); // the host snapshot is on disk before anything changes it
  const t0 = Date.now();
  base.docker = await startDockerd(paths);
  writeRealState(paths, base);
  timings.dockerd = (Date.now() - t0) / 1000;
  log(
    `dockerd pid ${base.docker.dockerd.pid}${base.docker.containerd ? `, containerd pid ${base.docker.containerd.pid}` : ''} ready in ${timings.dockerd.toFixed(1)}s`,
  );
  // The data root persists in the cache (it holds the node image): containers of an earlier run
  // that was killed without `down --real` are still registered there. Start from none.
  await removeAllContainers(dockerEnv(base));
  return base;
}

async function build(paths: RealPaths, state: RealState): Promise<void> {
  const t0 = Date.now();
  const target = registryMode() ? 'tools' : 'all';
  if (registryMode())
    log('KUBESTRAP_TEST_REAL_REGISTRY=1: building only kind; kind pulls the published node image and every image from registries');
  // Its own process group, so an interrupted `up` stops the whole build (go, debootstrap, ...).
  const child = execa('bash', [paths.buildScript, target], {
    env: { ...dockerEnv(state), KUBESTRAP_TEST_CACHE: cacheDir() },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
    reject: false,
    detached: true,
  });
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    log(`${sig}: stopping the build`);
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let r;
  try {
    r = await child;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted)
    throw new ClusterError(`up --real was interrupted (${interrupted}); cached build entries are kept, the next run resumes`);
  if (r.exitCode !== 0)
    throw new ClusterError(
      `the real tier's build (${paths.buildScript} ${target}) failed with exit ${r.exitCode}; its output above names the failing step`,
    );
  state.timings.build = (Date.now() - t0) / 1000;
  if (!registryMode()) {
    const tag = r.stdout.trim().split('\n').pop() ?? '';
    if (!/^kubestrap-test\/node:/.test(tag))
      throw new ClusterError(`build-real.sh did not print a node image tag (last line: ${JSON.stringify(tag)})`);
    state.nodeImage = tag;
  } else {
    delete state.nodeImage;
  }
  linkBinDir(paths);
}

function linkBinDir(paths: RealPaths): void {
  mkdirSync(paths.binDir, { recursive: true });
  for (const [name, target] of [
    ['kind', paths.kind],
    ['kubectl', paths.kubectl],
    ['helm', paths.helm],
  ] as const) {
    if (!existsSync(target)) throw new ClusterError(`${name} is missing at ${target}; delete its cache entry and rerun`);
    const link = `${paths.binDir}/${name}`;
    rmSync(link, { force: true });
    symlinkSync(target, link);
  }
}

async function removeAllContainers(env: NodeJS.ProcessEnv): Promise<void> {
  const ids = (await execa('docker', ['ps', '-aq'], { env, reject: false })).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) {
    log(`removing ${ids.length} container(s) left on the tier's engine`);
    await execa('docker', ['rm', '-f', '-v', ...ids], { env, reject: false });
  }
  await execa('docker', ['network', 'prune', '-f'], { env, reject: false });
}

export interface RealDownResult {
  clustersDeleted: string[];
  stopped: ProcessRecord[];
  restored: string[];
  /** Differences from the host as it was before up (empty when everything was put back). */
  remaining: string[];
  hadState: boolean;
}

export async function downReal(): Promise<RealDownResult> {
  const paths = realPaths();
  return withLock(paths, async () => {
    const state = readRealState(paths);
    if (!state) {
      log('no real tier state found; nothing to stop');
      return { clustersDeleted: [], stopped: [], restored: [], remaining: [], hadState: false };
    }
    return teardown(paths, state);
  });
}

async function teardown(paths: RealPaths, state: RealState): Promise<RealDownResult> {
  const env = dockerEnv(state);
  const ours = state.docker !== null && isAlive(state.docker.dockerd);
  const clustersDeleted: string[] = [];
  if (ours || (state.docker === null && (await dockerServerVersion(env)))) {
    const clusters = (await kindClusters(env)).filter((c) => ours || !state.preexistingClusters.includes(c));
    const scratch = `${paths.root}/scratch-kubeconfig`;
    for (const c of clusters) {
      log(`deleting kind cluster ${c}`);
      clustersDeleted.push(await deleteKindCluster(c, state.kind, scratch, env));
    }
    // Everything on an engine the tier started was made by the tier (or by tests under it).
    if (ours) await removeAllContainers(env);
  }
  if (state.docker && !ours) {
    const n = await killOrphanedContainers();
    if (n > 0) log(`the recorded dockerd was gone; killed ${n} process(es) of its orphaned containers`);
    // Its container root file systems stay mounted in the data root when dockerd cannot unmount them.
    const m = await unmountUnder(state.docker.dataRoot);
    if (m.length > 0) log(`unmounted ${m.length} leftover mount(s) under ${state.docker.dataRoot}`);
  }
  const stopped: ProcessRecord[] = [];
  if (state.docker) {
    const recs = [state.docker.dockerd, ...(state.docker.containerd ? [state.docker.containerd] : [])];
    log(
      `stopping ${
        recs
          .filter(isAlive)
          .map((r) => `${r.name}=${r.pid}`)
          .join(' ') || 'nothing (already gone)'
      }`,
    );
    // dockerd stops its containerd itself; containerd is stopped by PID only if it outlives it.
    const left = await stopProcesses(recs, 30_000);
    stopped.push(...recs);
    if (left.length > 0) throw new ClusterError(`still alive after SIGKILL: ${left.map((r) => `${r.name} (pid ${r.pid})`).join(', ')}`);
    for (const f of [state.docker.socket, paths.dockerPidFile]) rmSync(f, { force: true });
  }
  const restored = await restoreHost(state.host);
  for (const line of restored) log(`restored: ${line}`);
  const remaining = diffHost(state.host, await snapshotHost());
  rmSync(paths.root, { recursive: true, force: true });
  return { clustersDeleted, stopped, restored, remaining, hadState: true };
}
