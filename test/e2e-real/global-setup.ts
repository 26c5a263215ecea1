// vitest globalSetup of the e2e-real project: readies the real (kind) tier once per run.
// setup: `up --real` (a Docker engine, kind, the node image; a cold build takes about an hour, the
// hook timeout allows two), then exposes it through provide("kubestrapRealTier") and process.env.
// teardown: `down --real` (deletes every kind cluster on the tier's engine, stops what up started,
// restores the host) and fails the run when a process survives or the host is not as it was.
// KUBESTRAP_TEST_KEEP_REAL=1 leaves the tier running after the run.
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ClusterError } from '../cluster/errors.ts';
import { isAlive } from '../cluster/processes.ts';
import { downReal, upReal } from '../cluster/real/tier.ts';
import type { RealTierEnv } from './real-env.ts';

function describe(err: unknown): string {
  if (err instanceof ClusterError) return err.detail ? `${err.message}\n${err.detail}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started;
  try {
    started = await upReal();
  } catch (err) {
    throw new Error(`the real test tier could not start: ${describe(err)}`, { cause: err });
  }
  const { state, env } = started;
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  process.env.PATH = `${state.binDir}:${process.env.PATH ?? ''}`;
  const tier: RealTierEnv = {
    binDir: state.binDir,
    kind: join(state.binDir, 'kind'),
    kubectl: join(state.binDir, 'kubectl'),
    helm: join(state.binDir, 'helm'),
    nodeImage: state.nodeImage ?? '',
    dockerHost: env.DOCKER_HOST ?? '',
  };
  project.provide('kubestrapRealTier', tier);

  return async () => {
    if (process.env.KUBESTRAP_TEST_KEEP_REAL === '1') {
      process.stderr.write('KUBESTRAP_TEST_KEEP_REAL=1: the real tier keeps running; stop it with: npm run test-cluster -- down --real\n');
      return;
    }
    const r = await downReal();
    const alive = r.stopped.filter(isAlive);
    if (alive.length > 0)
      throw new Error(`real tier teardown left processes alive: ${alive.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
    if (r.remaining.length > 0) throw new Error(`real tier teardown did not restore the host:\n${r.remaining.join('\n')}`);
  };
}
