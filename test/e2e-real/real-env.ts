// What real-tier e2e tests import to reach the tier readied by global-setup.ts.
//
//   import { realTierEnv } from './real-env.ts';
//   const { binDir, kind, kubectl, helm, nodeImage, dockerHost } = realTierEnv();
//
// The same values are in process.env for code that shells out by name: PATH starts with binDir
// (kind, kubectl, helm), KUBESTRAP_NODE_IMAGE (unset in registry mode), DOCKER_HOST.
// No kind cluster exists yet: tests create it (kubestrap up) and delete it (kubestrap down); any
// cluster left behind is deleted by the teardown's `down --real`.
import { inject } from 'vitest';

export interface RealTierEnv {
  /** Directory holding only kind, kubectl and helm; first on PATH. */
  binDir: string;
  kind: string;
  kubectl: string;
  helm: string;
  /** The locally built kind node image (kubestrap's --node-image / KUBESTRAP_NODE_IMAGE), or '' in registry mode. */
  nodeImage: string;
  /** DOCKER_HOST of the tier's engine ('' = the default socket). */
  dockerHost: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubestrapRealTier: RealTierEnv;
  }
}

export function realTierEnv(): RealTierEnv {
  return inject('kubestrapRealTier');
}
