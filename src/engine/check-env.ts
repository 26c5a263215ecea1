/**
 * What a check and the probes it runs are given, and what a probe reports. Here, not in
 * checks.ts or probes.ts, so the probes (smoke, verifier, ...) need neither of the modules that
 * call them.
 */
import type { Helm } from '../adapters/helm.js';
import type { Kubectl } from '../adapters/kubectl.js';

export interface CheckEnv {
  kubectl: Kubectl;
  helm: Helm;
  /** Set when every node is simulated (KWOK): nothing really runs. */
  simulated: boolean;
  timeout: string;
  /** kind: runs a command on the control-plane node (docker exec); unset for other providers. */
  nodeExec?: (argv: string[]) => Promise<string>;
  /** kind: name of the etcd static pod in kube-system. */
  etcdPod?: string;
  /** Set when `up` removed the smoke workload after verifying it (and it is not to be kept): when. */
  smokeRemovedAt?: string;
}

/** undefined: the probe passed. */
export type ProbeFailure = { message: string; diagnose?: string } | { skipped: string } | undefined;
