// What e2e tests import to reach the shared test cluster started by global-setup.ts.
//
//   import { clusterEnv } from './cluster-env.ts';
//   const { kubeconfig, context, kubectl, helm, binDir } = clusterEnv();
//
// The values come from vitest's `provide` (key "kubestrapCluster"); the same values are also in
// process.env (KUBECONFIG, KUBESTRAP_TEST_CONTEXT, KUBESTRAP_TEST_KUBECTL, KUBESTRAP_TEST_HELM,
// KUBESTRAP_TEST_BIN_DIR, KUBESTRAP_TEST_CLUSTER_DIR, and PATH starts with binDir) for code that
// shells out by name.
import { inject } from 'vitest';

export interface ClusterEnv {
  /** Absolute path of the kubeconfig holding the test cluster's admin credentials. */
  kubeconfig: string;
  /** Context name inside that kubeconfig: "kubestrap-test". */
  context: string;
  /** kubectl matching the server version (v1.36.x). */
  kubectl: string;
  /** helm 4. */
  helm: string;
  /** Directory holding only kubectl and helm; put it first on PATH. */
  binDir: string;
  /** The cluster's state directory (state.json, pki/, logs/<component>.log). */
  stateDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubestrapCluster: ClusterEnv;
  }
}

export const ENV_KEYS = {
  kubeconfig: 'KUBECONFIG',
  context: 'KUBESTRAP_TEST_CONTEXT',
  kubectl: 'KUBESTRAP_TEST_KUBECTL',
  helm: 'KUBESTRAP_TEST_HELM',
  binDir: 'KUBESTRAP_TEST_BIN_DIR',
  stateDir: 'KUBESTRAP_TEST_CLUSTER_DIR',
} as const;

export function clusterEnv(): ClusterEnv {
  const provided = inject('kubestrapCluster');
  if (provided) return provided;
  const env = process.env;
  const v = {
    kubeconfig: env[ENV_KEYS.kubeconfig],
    context: env[ENV_KEYS.context],
    kubectl: env[ENV_KEYS.kubectl],
    helm: env[ENV_KEYS.helm],
    binDir: env[ENV_KEYS.binDir],
    stateDir: env[ENV_KEYS.stateDir],
  };
  if (!v.kubeconfig || !v.context || !v.kubectl || !v.helm || !v.binDir || !v.stateDir) {
    throw new Error('the test cluster is not set up: run e2e tests through the "e2e" vitest project (its globalSetup starts the cluster)');
  }
  return v as ClusterEnv;
}
