// Stops and starts the test cluster's kube-apiserver alone (etcd, controllers and KWOK keep
// running), for fault-injection tests: "the API server went away mid-run and came back".
// The restarted process gets the same flags and ports and replaces the old record in state.json,
// so `down` stops it by PID like everything else.
import { apiserverArgs } from './components.ts';
import { readState, withLock, writeState } from './cluster.ts';
import { statePaths } from './config.ts';
import { ClusterError, log } from './errors.ts';
import { isReady } from './kubeapi.ts';
import { pkiPaths } from './pki.ts';
import { isAlive, processFailure, startProcess, stopProcesses } from './processes.ts';

const NAME = 'kube-apiserver';

function load(root: string) {
  const paths = statePaths(root);
  const state = readState(paths);
  const index = state?.processes.findIndex((p) => p.name === NAME) ?? -1;
  if (!state || index < 0) throw new ClusterError(`no test cluster with a recorded ${NAME} in ${root}`);
  return { paths, state, index, rec: state.processes[index]! };
}

/** SIGKILL (abrupt, like a crashed control plane) or SIGTERM-then-SIGKILL of the recorded kube-apiserver. */
export async function stopApiserver(root: string, abrupt = true): Promise<void> {
  await withLock(statePaths(root), async () => {
    const { rec } = load(root);
    if (abrupt && isAlive(rec)) process.kill(rec.pid, 'SIGKILL');
    const left = await stopProcesses([rec], abrupt ? 0 : 10_000);
    if (left.length > 0) throw new ClusterError(`${NAME} (pid ${rec.pid}) is still alive after SIGKILL`);
    log(`${NAME} (pid ${rec.pid}) stopped`);
  });
}

/** Starts kube-apiserver again with its recorded flags and waits until /readyz answers 200. */
export async function startApiserver(root: string, timeoutMs = 120_000): Promise<void> {
  await withLock(statePaths(root), async () => {
    const { paths, state, index, rec } = load(root);
    if (isAlive(rec)) throw new ClusterError(`${NAME} (pid ${rec.pid}) is still running`);
    const pki = pkiPaths(paths.pki);
    const started = startProcess(NAME, rec.binary, apiserverArgs(state.ports, pki), rec.log);
    state.processes[index] = started;
    writeState(paths, state);
    const target = { port: state.ports.apiserver, caFile: pki.caCert, client: pki.admin };
    const deadline = Date.now() + timeoutMs;
    while (!(await isReady(target))) {
      if (!isAlive(started)) throw processFailure(started, 'exited while restarting');
      if (Date.now() > deadline) throw processFailure(started, `did not answer /readyz within ${timeoutMs / 1000}s after a restart`);
      await new Promise((r) => setTimeout(r, 250));
    }
    log(`${NAME} restarted (pid ${started.pid})`);
  });
}
