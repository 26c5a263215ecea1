/**
 * Runs one verification check against the cluster. Readiness checks run everywhere; checks that
 * need real containers (functional probes, APIServices backed by pods, Velero's own status) are
 * reported as skipped with the reason when the cluster's nodes are simulated.
 */
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { INode } from 'kubernetes-models/v1/Node';
import type { IStorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { durationMs, type Kubectl } from '../adapters/kubectl.js';
import { describeCheck } from '../plan/plan.js';
import { toYaml } from '../render/template.js';
import type { Check, StepId } from '../roadmap/types.js';
import { diagnose } from './diagnostics.js';
import type { CheckResult } from './events.js';
import { runProbe } from './probes.js';
import { unanswered } from '../adapters/kube-api.js';
import { isSmokeWorkloadCheck, smokeRemovedReason } from './smoke.js';
import type { CheckEnv } from './check-env.js';

export type { CheckEnv };

const simulatedReason = 'nodes are simulated (KWOK): no container runs, so this needs a real cluster';

export async function runCheck(step: StepId, check: Check, env: CheckEnv): Promise<CheckResult> {
  const started = performance.now();
  const base = { step, check: check.type, description: describeCheck(check) };
  const done = (status: CheckResult['status'], message?: string, diagnostics?: string[]): CheckResult => ({
    ...base,
    status,
    ...(message ? { message: env.kubectl.redact(message) } : {}),
    ...(diagnostics?.length ? { diagnostics } : {}),
    ms: Math.round(performance.now() - started),
  });
  try {
    const failure = await evaluate(check, env);
    if (failure === undefined) return done('ok');
    if ('skipped' in failure) return done('skipped', `skipped: ${failure.skipped}`);
    return done('failed', failure.message, failure.diagnose ? await diagnose(env.kubectl, failure.diagnose) : undefined);
  } catch (error) {
    // Unexpected (a rollout's own failure is caught where it is waited for, with diagnostics).
    return done('failed', (error as Error).message.split('\n').slice(0, 6).join('\n'));
  }
}

type Failure = { message: string; diagnose?: string } | { skipped: string };

async function evaluate(check: Check, env: CheckEnv): Promise<Failure | undefined> {
  const { kubectl } = env;
  if (env.smokeRemovedAt && isSmokeWorkloadCheck(check)) return { skipped: smokeRemovedReason(env.smokeRemovedAt) };
  switch (check.type) {
    case 'api-ready': {
      const body = await kubectl.readyz();
      return body === 'ok' ? undefined : { message: `/readyz answered: ${body}` };
    }
    case 'nodes-ready': {
      // Nodes that just joined (kind's workers right after `kind create cluster --wait`, which
      // waits for the control plane only) turn Ready within seconds: give them up to 2 minutes.
      const ready = (nodes: INode[]) =>
        nodes.length > 0 && nodes.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
      const api = await kubectl.api();
      const watched = api ? await api.waitForList<INode>('nodes', {}, ready, 120_000) : unanswered;
      if (watched !== unanswered) {
        if (watched.met) return undefined;
        const notReady = watched.items.filter((n) => !ready([n])).map((n) => n.metadata?.name ?? '');
        return watched.items.length === 0
          ? { message: 'the cluster has no nodes' }
          : { message: `nodes not Ready after 120s: ${notReady.join(', ')}` };
      }
      const deadline = Date.now() + 120_000;
      for (;;) {
        const nodes = await kubectl.list<INode>('nodes');
        const notReady = nodes
          .filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
          .map((n) => n.metadata?.name ?? '');
        if (nodes.length > 0 && notReady.length === 0) return undefined;
        if (Date.now() > deadline)
          return nodes.length === 0
            ? { message: 'the cluster has no nodes' }
            : { message: `nodes not Ready after 120s: ${notReady.join(', ')}` };
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
    case 'rollout':
      try {
        await kubectl.rolloutStatus(check.namespace, `${check.kind}/${check.name}`, env.timeout);
        return undefined;
      } catch (error) {
        const reason = lastLine(error);
        if (/NotFound/.test(reason)) return { message: `${check.kind}/${check.name} does not exist in namespace ${check.namespace}` };
        return { message: `${check.kind}/${check.name} did not roll out within ${env.timeout}: ${reason}`, diagnose: check.namespace };
      }
    case 'crd-established':
      try {
        await kubectl.waitFor(`crd/${check.name}`, 'condition=Established', '60s');
        return undefined;
      } catch (error) {
        return { message: `CRD ${check.name} is not Established: ${lastLine(error)}` };
      }
    case 'apiservice-available':
      if (env.simulated) return { skipped: `APIService ${check.name} is served by pods; ${simulatedReason}` };
      try {
        await kubectl.waitFor(`apiservice/${check.name}`, 'condition=Available', '120s');
        return undefined;
      } catch (error) {
        return { message: `APIService ${check.name} is not Available: ${lastLine(error)}` };
      }
    case 'helm-deployed': {
      const status = await env.helm.status(check.release, check.namespace);
      if (!status) return { message: `helm release ${check.namespace}/${check.release} is not installed` };
      return status.info.status === 'deployed'
        ? undefined
        : {
            message: `helm release ${check.release} is ${status.info.status}: ${status.info.description ?? ''}`,
            diagnose: check.namespace,
          };
    }
    case 'default-storageclass': {
      const classes = await kubectl.list<IStorageClass>('storageclasses');
      const defaults = classes
        .filter((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
        .map((c) => c.metadata?.name ?? '');
      if (defaults.length === 0)
        return {
          message: `no default StorageClass${check.name ? ` (expected ${check.name})` : ''}; PVCs without a class will stay Pending`,
        };
      if (defaults.length > 1)
        return {
          message: `${defaults.length} default StorageClasses (${defaults.join(', ')}); exactly one may carry the default annotation`,
        };
      return check.name === undefined || defaults[0] === check.name
        ? undefined
        : { message: `the default StorageClass is ${defaults[0]}, expected ${check.name} (spec.storage.defaultClass)` };
    }
    case 'namespace-labels': {
      const ns = await kubectl.get<INamespace>('namespace', check.namespace);
      if (!ns) return { message: `namespace ${check.namespace} does not exist` };
      const wrong = Object.entries(check.labels).filter(([k, v]) => ns.metadata?.labels?.[k] !== v);
      return wrong.length ? { message: `namespace ${check.namespace} lacks ${wrong.map(([k, v]) => `${k}=${v}`).join(', ')}` } : undefined;
    }
    case 'exists': {
      const obj = await kubectl.get(check.resource, check.name, check.namespace);
      return obj ? undefined : { message: `${check.resource} ${check.namespace ? `${check.namespace}/` : ''}${check.name} does not exist` };
    }
    case 'rejects-privileged-pod': {
      const pod = privilegedPod(check.namespace);
      const api = await kubectl.api();
      const answer = api ? await api.dryRunCreate(pod) : unanswered;
      const result = answer !== unanswered ? answer : await kubectl.dryRunCreate(toYaml(pod));
      if (result.ok) return { message: `a privileged pod was admitted in ${check.namespace}: Pod Security is not enforced there` };
      return /PodSecurity|violates/i.test(result.message)
        ? undefined
        : { message: `the privileged pod was rejected, but not by Pod Security: ${result.message.split('\n')[0]}` };
    }
    case 'velero-bsl-available': {
      if (env.simulated) return { skipped: `Velero sets the BackupStorageLocation phase after reaching the bucket; ${simulatedReason}` };
      // Velero validates a new location shortly after its server starts (then every minute): until the
      // verification timeout, a location not yet Available is looked at again.
      const deadline = Date.now() + durationMs(env.timeout);
      let bsl = await kubectl.get<{ status?: { phase?: string; message?: string } }>(
        'backupstoragelocations.velero.io',
        check.name,
        check.namespace,
      );
      while (bsl && bsl.status?.phase !== 'Available' && Date.now() + 3000 <= deadline) {
        await new Promise((r) => setTimeout(r, 3000));
        bsl = await kubectl.get('backupstoragelocations.velero.io', check.name, check.namespace);
      }
      if (!bsl) return { message: `BackupStorageLocation ${check.namespace}/${check.name} does not exist` };
      return bsl.status?.phase === 'Available'
        ? undefined
        : {
            message: `BackupStorageLocation ${check.name} is ${bsl.status?.phase ?? 'not yet validated'}${bsl.status?.message ? `: ${bsl.status.message}` : ''}`,
            diagnose: check.namespace,
          };
    }
    case 'probe':
      if (env.simulated) return { skipped: simulatedReason };
      return runProbe(check.probe, check.namespace, env, check.peerNamespace);
    case 'not-checkable':
      return { skipped: check.reason };
    default: {
      const unknown: never = check;
      return { message: `kubestrap has no check of type ${JSON.stringify(unknown)}` };
    }
  }
}

function lastLine(error: unknown): string {
  const text = (error as Error).message;
  const stderr = /stderr: ([\s\S]*)$/.exec(text)?.[1] ?? text;
  return stderr.trim().split('\n').at(-1)?.trim() ?? '';
}

/** The pod the Pod Security check tries to create (server-side dry run: nothing is created). */
function privilegedPod(namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kubestrap-psa-probe', namespace },
    spec: {
      containers: [{ name: 'probe', image: 'registry.k8s.io/pause:3.10', securityContext: { privileged: true } }],
      hostNetwork: true,
    },
  };
}

/** Lists every node; true when all are KWOK-simulated. */
export async function clusterIsSimulated(kubectl: Kubectl): Promise<boolean> {
  const nodes = await kubectl.list<INode>('nodes');
  return (
    nodes.length > 0 &&
    nodes.every(
      (n) =>
        n.metadata?.annotations?.['kwok.x-k8s.io/node'] !== undefined ||
        (n.status?.nodeInfo?.containerRuntimeVersion ?? '').startsWith('kwok'),
    )
  );
}
