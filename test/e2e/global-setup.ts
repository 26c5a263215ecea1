// vitest globalSetup of the e2e project: one real test cluster per run.
// setup: `up` (builds the binaries on a cache miss — hookTimeout allows 90 minutes), then
// exposes the cluster through provide("kubestrapCluster") and process.env (see cluster-env.ts).
// teardown: `down`, then checks that no recorded process is still alive.
//
// Where the cluster lives:
// - default: a directory of its own for this run (<cache>/e2e-run-<pid>), so runs of several
//   engineers on one machine do not share (or stop) each other's cluster; clusters of runs that
//   died without teardown are stopped by the next run's setup.
// - KUBESTRAP_TEST_CLUSTER_DIR set: that directory, i.e. the cluster of
//   `npm run test-cluster -- up` is reused if it runs.
// KUBESTRAP_TEST_KEEP_CLUSTER=1 leaves the cluster running after the run, for debugging.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { down, up } from '../cluster/cluster.ts';
import { ClusterError } from '../cluster/errors.ts';
import { isAlive } from '../cluster/processes.ts';
import { claimRun, releaseRun, runDir, sweepOrphanRuns } from '../cluster/runs.ts';
import { ENV_KEYS, type ClusterEnv } from './cluster-env.ts';

function describe(err: unknown): string {
  if (err instanceof ClusterError) return err.detail ? `${err.message}\n${err.detail}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const explicit = process.env.KUBESTRAP_TEST_CLUSTER_DIR;
  const root = explicit ? resolve(explicit) : runDir();
  let started;
  try {
    await sweepOrphanRuns();
    started = await up(root);
    if (!explicit) claimRun(root);
  } catch (err) {
    // Its logs stay for a look; the next run's sweep removes the directory.
    if (!explicit && existsSync(root)) claimRun(root);
    // Fail the run (never skip): the e2e tests mean nothing without the cluster.
    throw new Error(`the e2e test cluster could not start: ${describe(err)}`, { cause: err });
  }
  const env: ClusterEnv = {
    kubeconfig: started.kubeconfig,
    context: started.context,
    kubectl: started.kubectl,
    helm: started.helm,
    binDir: started.binDir,
    stateDir: root,
  };
  for (const [key, name] of Object.entries(ENV_KEYS)) process.env[name] = env[key as keyof ClusterEnv];
  process.env.PATH = `${env.binDir}:${process.env.PATH ?? ''}`;
  project.provide('kubestrapCluster', env);

  return async () => {
    if (process.env.KUBESTRAP_TEST_KEEP_CLUSTER === '1') {
      releaseRun(root);
      process.stderr.write(
        `KUBESTRAP_TEST_KEEP_CLUSTER=1: the test cluster keeps running; KUBECONFIG=${env.kubeconfig}\n` +
          `stop it with: KUBESTRAP_TEST_CLUSTER_DIR=${root} npm run test-cluster -- down\n`,
      );
      return;
    }
    const result = await down(root);
    const alive = result.stopped.filter(isAlive);
    if (alive.length > 0) {
      throw new Error(`test cluster teardown left processes alive: ${alive.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
    }
  };
}
