// vitest globalSetup of the e2e project: one real test cluster per run.
// setup: `up` (builds the binaries on a cache miss — hookTimeout allows 90 minutes), then
// exposes the cluster through provide("kubestrapCluster") and process.env (see cluster-env.ts).
// teardown: `down`, then checks that no recorded process is still alive. Set
// KUBESTRAP_TEST_KEEP_CLUSTER=1 to leave the cluster running for debugging.
import type { TestProject } from 'vitest/node';
import { down, up } from '../cluster/cluster.ts';
import { ClusterError } from '../cluster/errors.ts';
import { isAlive } from '../cluster/processes.ts';
import { ENV_KEYS, type ClusterEnv } from './cluster-env.ts';

function describe(err: unknown): string {
  if (err instanceof ClusterError) return err.detail ? `${err.message}\n${err.detail}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started;
  try {
    started = await up();
  } catch (err) {
    // Fail the run (never skip): the e2e tests mean nothing without the cluster.
    throw new Error(`the e2e test cluster could not start: ${describe(err)}`);
  }
  const env: ClusterEnv = {
    kubeconfig: started.kubeconfig,
    context: started.context,
    kubectl: started.kubectl,
    helm: started.helm,
    binDir: started.binDir,
  };
  for (const [key, name] of Object.entries(ENV_KEYS)) process.env[name] = env[key as keyof ClusterEnv];
  process.env.PATH = `${env.binDir}:${process.env.PATH ?? ''}`;
  project.provide('kubestrapCluster', env);

  return async () => {
    if (process.env.KUBESTRAP_TEST_KEEP_CLUSTER === '1') {
      process.stderr.write(`KUBESTRAP_TEST_KEEP_CLUSTER=1: leaving the test cluster running (npm run test-cluster -- down stops it)\n`);
      return;
    }
    const result = await down();
    const alive = result.stopped.filter(isAlive);
    if (alive.length > 0) {
      throw new Error(`test cluster teardown left processes alive: ${alive.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
    }
  };
}
