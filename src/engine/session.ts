/**
 * Everything a cluster-facing command needs, set up once: the exec with redaction, detected tool
 * versions, the kubectl/helm/kind adapters bound to the explicit target context.
 */
import { createExec, type Exec } from '../adapters/exec.js';
import { Helm, helmVersion } from '../adapters/helm.js';
import { Kind } from '../adapters/kind.js';
import { Kubectl } from '../adapters/kubectl.js';
import { Redactor } from '../adapters/redact.js';
import { KubestrapError, UsageError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { targetOf } from '../plan/plan.js';

export interface Session {
  exec: Exec;
  kubectl: Kubectl;
  helm: Helm;
  kind: Kind;
  tools: { kubectl: string; helm: string };
}

export async function openSession(config: Config, env: NodeJS.ProcessEnv, redactor = new Redactor()): Promise<Session> {
  const target = targetOf(config);
  if (!target.context) {
    throw new UsageError(
      'no kube context to target',
      'Set spec.cluster.context (or --context); kubestrap only ever applies to a context you name.',
    );
  }
  const exec = createExec(redactor, env);
  const kubectl = new Kubectl(exec, target);
  // Reads, single-object applies and helm release status through one in-process API client where
  // the context allows it (src/adapters/kube-api.ts); kubectl and helm do the rest.
  kubectl.useApiClient(env);
  // The context's client settings are read while the versions are asked for (three processes at once).
  const [kubectlVersion, helm] = await Promise.all([kubectl.clientVersion(), helmVersion(exec), kubectl.api()]);
  const helmAdapter = new Helm(exec, target, helm.major);
  helmAdapter.readReleasesThrough(kubectl, env);
  return { exec, kubectl, helm: helmAdapter, kind: new Kind(exec), tools: { kubectl: kubectlVersion, helm: helm.version } };
}

export function minorOf(version: string): number {
  return Number(/^v?1\.(\d+)/.exec(version)?.[1] ?? NaN);
}

/** Refuses a kubectl more than one minor away from the server (the supported skew). */
export async function checkReachableAndSkew(session: Session): Promise<string> {
  let server: string;
  try {
    server = await session.kubectl.serverVersion();
  } catch (error) {
    throw new KubestrapError(
      `cannot reach the cluster of context ${session.kubectl.target.context}: ${(error as Error).message.split('\n').slice(-2).join(' ')}`,
      {
        suggestion: `Check that the cluster is running and \`kubectl --context ${session.kubectl.target.context} get nodes\` works.`,
      },
    );
  }
  const skew = Math.abs(minorOf(server) - minorOf(session.tools.kubectl));
  if (!(skew <= 1)) {
    throw new KubestrapError(
      `kubectl ${session.tools.kubectl} is ${skew} minors away from the server ${server}; kubectl supports one minor of skew`,
      {
        suggestion: `Install kubectl 1.${minorOf(server)} (or point KUBESTRAP_KUBECTL at one).`,
      },
    );
  }
  return server;
}
