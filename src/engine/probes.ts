/**
 * Functional probes for clusters whose nodes run containers: short-lived pods that prove DNS,
 * pod-to-pod traffic across nodes, NetworkPolicy denial and volume provisioning work, an HPA sees
 * CPU metrics, the API server audits and encrypts, and a Velero backup restores. They run in
 * their own namespace and clean up after themselves. On simulated (KWOK) nodes the check layer
 * reports them as skipped; the real kind tier (test/e2e-real) runs every one of them.
 */
import type { INode } from 'kubernetes-models/v1/Node';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { toYaml, toYamlStream } from '../render/template.js';
import type { ProbeId } from '../roadmap/types.js';
import type { CheckEnv, ProbeFailure } from './check-env.js';
import { restoreDrill } from './drill.js';
import { backupScheduleName } from '../names.js';
import { unanswered } from '../adapters/kube-api.js';
import { smokeHttpProbe } from './smoke.js';
import { inClusterVerifierProbe } from './verifier-probe.js';
import { alertDeliveryProbe, alertRulesProbe } from './alert-probe.js';
import {
  cpuLoadObjects,
  deniedScript,
  fetchScript,
  httpServerPod,
  podToPodObjects,
  probeFile,
  probePod,
  probePort,
  type PodToPodObjects,
} from './probe-objects.js';

async function runToCompletion(
  env: CheckEnv,
  objects: unknown[],
  pod: string,
  namespace: string,
  timeoutMs = 120_000,
): Promise<ProbeFailure> {
  const { kubectl } = env;
  await kubectl.applyStdin(toYamlStream(objects));
  // Watched (or polled) rather than `kubectl wait`, which cannot wait for Succeeded OR Failed: a
  // failed probe is reported as soon as its pod ends, not after the timeout.
  const ended = (pods: IPod[]) => ['Succeeded', 'Failed'].includes(pods[0]?.status?.phase ?? '');
  const api = await kubectl.api();
  const watched = api
    ? await api.waitForList<IPod>('pods', { namespace, fieldSelector: `metadata.name=${pod}` }, ended, timeoutMs)
    : unanswered;
  let phase: string | undefined = watched === unanswered ? undefined : watched.items[0]?.status?.phase;
  if (phase === 'Succeeded') return undefined;
  // Without a watch (the API client is off for this context), polled.
  const deadline = watched === unanswered ? Date.now() + timeoutMs : 0;
  while (Date.now() < deadline) {
    phase = (await kubectl.get<IPod>('pod', pod, namespace))?.status?.phase;
    if (phase === 'Succeeded') return undefined;
    if (phase === 'Failed') break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const why = phase === 'Failed' ? 'failed' : `is still ${phase ?? 'missing'} after ${Math.round(timeoutMs / 1000)}s`;
  return { message: `probe pod ${pod} ${why}: ${await kubectl.logsTail(namespace, pod, 'probe', 5)}`, diagnose: namespace };
}

async function cleanup(env: CheckEnv, namespace: string, resources: [string, string][]): Promise<void> {
  for (const [kind, name] of resources) await env.kubectl.delete(kind, name, namespace, '60s');
}

/** How many nodes new pods can land on: not cordoned, no NoSchedule/NoExecute taint, Ready. */
async function schedulableNodes(env: CheckEnv): Promise<number> {
  const nodes = await env.kubectl.list<INode>('nodes');
  return nodes
    .filter((n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'))
    .filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True').length;
}

const dnsLookup = 'for i in $(seq 1 20); do nslookup kubernetes.default.svc.cluster.local && exit 0; sleep 3; done; exit 1';

export async function runProbe(probe: ProbeId, namespace: string, env: CheckEnv, peerNamespace?: string): Promise<ProbeFailure> {
  const { kubectl } = env;
  switch (probe) {
    case 'dns':
      try {
        return await runToCompletion(
          env,
          // CoreDNS may still be starting on a new cluster (its Service then refuses): up to 60 s of tries.
          [probePod(namespace, 'kubestrap-probe-dns', ['sh', '-c', dnsLookup])],
          'kubestrap-probe-dns',
          namespace,
        );
      } finally {
        await cleanup(env, namespace, [['pod', 'kubestrap-probe-dns']]);
      }
    case 'pod-to-pod':
      return podToPodProbe(env, namespace);
    case 'network-policy':
      return networkPolicyProbe(env, namespace, peerNamespace);
    case 'pvc-binds': {
      const pvc = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'kubestrap-probe-pvc', namespace },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
      };
      const pod = probePod(namespace, 'kubestrap-probe-pvc', ['sh', '-c', 'echo ok > /data/probe && cat /data/probe'], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'kubestrap-probe-pvc' } }],
        securityContext: { runAsNonRoot: true, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      });
      pod.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
      try {
        return await runToCompletion(env, [pvc, pod], 'kubestrap-probe-pvc', namespace);
      } finally {
        await cleanup(env, namespace, [
          ['pod', 'kubestrap-probe-pvc'],
          ['pvc', 'kubestrap-probe-pvc'],
        ]);
      }
    }
    case 'hpa-metrics':
      return hpaMetricsProbe(env, namespace);
    case 'smoke-http':
      return smokeHttpProbe(env, namespace);
    case 'in-cluster-verifier':
      return inClusterVerifierProbe(env, namespace);
    case 'audit-log':
      return auditLogProbe(namespace, env);
    case 'secrets-encrypted':
      return secretsEncryptedProbe(namespace, env);
    case 'alert-delivery':
      return alertDeliveryProbe(kubectl, namespace);
    case 'alert-rules':
      return alertRulesProbe(kubectl);
    case 'backup-restore':
      // `namespace` is Velero's; the drill makes its own scratch namespaces.
      return restoreDrill(kubectl, namespace, backupScheduleName);
    default: {
      const unknown: never = probe;
      return { message: `kubestrap has no probe named ${String(unknown)}` };
    }
  }
}

/**
 * Pod-to-pod across nodes: a client that may not share a node with the server (required
 * anti-affinity) reads the server's file through its Service. `objects` lets a test swap in a
 * broken server to prove the probe fails.
 */
export async function podToPodProbe(
  env: CheckEnv,
  namespace: string,
  objects: PodToPodObjects = podToPodObjects(namespace),
): Promise<ProbeFailure> {
  const { kubectl } = env;
  const nodes = await schedulableNodes(env);
  if (nodes < 2) return { skipped: `pod-to-pod across nodes needs two schedulable nodes; this cluster has ${nodes}` };
  const server = objects.server.metadata.name;
  const client = objects.client.metadata.name;
  const service = (objects.service as { metadata: { name: string } }).metadata.name;
  try {
    await kubectl.applyStdin(toYamlStream([objects.server, objects.service]));
    await kubectl.waitFor(`pod/${server}`, 'condition=Ready', '120s', namespace);
    const failure = await runToCompletion(env, [objects.client], client, namespace);
    if (failure) return failure;
    const [s, c] = await Promise.all([kubectl.get<IPod>('pod', server, namespace), kubectl.get<IPod>('pod', client, namespace)]);
    const [sNode, cNode] = [s?.spec?.nodeName, c?.spec?.nodeName];
    return sNode && cNode && sNode !== cNode
      ? undefined
      : { message: `the client and the server ran on the same node (${sNode ?? '?'}); anti-affinity was not honoured` };
  } finally {
    await cleanup(env, namespace, [
      ['pod', client],
      ['pod', server],
      ['service', service],
    ]);
  }
}

/**
 * NetworkPolicy denial in a namespace under default-deny: a pod in the same namespace reads the
 * server's file (allowed), a pod in `peerNamespace` cannot reach it (denied). Pod IPs are used,
 * so neither result depends on DNS.
 */
async function networkPolicyProbe(env: CheckEnv, namespace: string, peerNamespace: string | undefined): Promise<ProbeFailure> {
  if (!peerNamespace) return { message: 'the network-policy probe needs a namespace to probe from' };
  const { kubectl } = env;
  const serverName = 'kubestrap-probe-np-server';
  const inside = 'kubestrap-probe-np-inside';
  const outside = 'kubestrap-probe-np-outside';
  try {
    await kubectl.applyStdin(toYaml(httpServerPod(namespace, serverName)));
    await kubectl.waitFor(`pod/${serverName}`, 'condition=Ready', '120s', namespace);
    const ip = (await kubectl.get<IPod>('pod', serverName, namespace))?.status?.podIP;
    if (!ip) return { message: `the probe server in ${namespace} has no pod IP`, diagnose: namespace };
    const url = `http://${ip}:${probePort}/${probeFile}`;
    const allowed = await runToCompletion(env, [probePod(namespace, inside, ['sh', '-c', fetchScript(url, 20)])], inside, namespace);
    if (allowed && 'message' in allowed)
      return {
        message: `a pod inside ${namespace} could not reach another pod there (allow-same-namespace): ${allowed.message}`,
        diagnose: namespace,
      };
    const denied = await runToCompletion(env, [probePod(peerNamespace, outside, ['sh', '-c', deniedScript(url)])], outside, peerNamespace);
    if (denied && 'message' in denied)
      return { message: `a pod in ${peerNamespace} reached a pod in ${namespace} despite default-deny: ${denied.message}` };
    return undefined;
  } finally {
    await cleanup(env, peerNamespace, [['pod', outside]]);
    await cleanup(env, namespace, [
      ['pod', inside],
      ['pod', serverName],
    ]);
  }
}

/**
 * The HPA loop for real: a Deployment burns CPU, and an HPA on it must report a CPU utilisation
 * read from metrics-server in status.currentMetrics (the node metrics list alone does not prove
 * that pod metrics reach an HPA).
 */
async function hpaMetricsProbe(env: CheckEnv, namespace: string): Promise<ProbeFailure> {
  const { kubectl } = env;
  const [deployment, hpa] = cpuLoadObjects(namespace);
  const name = (hpa as { metadata: { name: string } }).metadata.name;
  try {
    await kubectl.applyStdin(toYamlStream([deployment, hpa]));
    await kubectl.rolloutStatus(namespace, `deployment/${name}`, '120s');
    // metrics-server needs a scrape or two after it starts, the HPA a sync after that.
    const deadline = Date.now() + 240_000;
    let last: IHorizontalPodAutoscaler | undefined;
    while (Date.now() < deadline) {
      last = await kubectl.get<IHorizontalPodAutoscaler>('horizontalpodautoscalers.autoscaling', name, namespace);
      const cpu = last?.status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current;
      if (cpu?.averageUtilization !== undefined && cpu.averageUtilization > 0) return undefined;
      await new Promise((r) => setTimeout(r, 5000));
    }
    const nodeMetrics = await kubectl.get<{ items?: unknown[] }>('nodes.metrics.k8s.io').catch(() => undefined);
    const condition = last?.status?.conditions?.find((c) => c.type === 'ScalingActive');
    return {
      message: `the HPA ${namespace}/${name} reported no CPU utilisation within 240s under load${condition ? ` (ScalingActive ${condition.status}: ${condition.message ?? condition.reason ?? ''})` : ''}${nodeMetrics?.items?.length ? '' : '; the metrics API (metrics.k8s.io) has no node metrics either'}`,
      diagnose: namespace,
    };
  } finally {
    await cleanup(env, namespace, [
      ['horizontalpodautoscalers.autoscaling', name],
      ['deployment', name],
    ]);
  }
}

const auditLogPath = 'kubernetes/audit/audit.log';

/**
 * A ConfigMap with a unique name is created, then its audit event is looked for in the API
 * server's audit log on the control-plane nodes. The log is read through the API (the kubelet
 * serves the node's /var/log at /logs/, reached via the node proxy), so the probe needs nothing
 * but the context kubestrap already uses; where the kubelet does not serve logs (its system log
 * handler is off) and the cluster is kind, it reads the file through the node container instead.
 */
async function auditLogProbe(namespace: string, env: CheckEnv): Promise<ProbeFailure> {
  const { kubectl } = env;
  const controlPlanes = (await kubectl.list<INode>('nodes', { selector: 'node-role.kubernetes.io/control-plane' })).map(
    (n) => n.metadata?.name ?? '',
  );
  if (controlPlanes.length === 0)
    return { message: 'no node is labelled node-role.kubernetes.io/control-plane; cannot find the audit log' };
  const name = `kubestrap-audit-probe-${Date.now().toString(36)}`;
  await kubectl.applyStdin(toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { probe: 'audit' } }));
  const errors: string[] = [];
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      for (const node of controlPlanes) {
        let log: string;
        try {
          log = await kubectl.raw(`/api/v1/nodes/${node}/proxy/logs/${auditLogPath}`);
        } catch (error) {
          if (!env.nodeExec) {
            const { message } = error as Error;
            // The last line of kubectl's error (CommandError indents stderr's lines).
            errors.push(`${node}: ${message.slice(message.lastIndexOf('\n') + 1).trim()}`);
            continue;
          }
          log = await env.nodeExec(['grep', '-F', name, `/var/log/${auditLogPath}`]).catch(() => '');
        }
        if (auditEventFor(log, namespace, name)) return undefined;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    return {
      message: `no audit event for configmap ${namespace}/${name} in /var/log/${auditLogPath} on ${controlPlanes.join(', ')}${errors.length ? ` (${errors.slice(0, 2).join('; ')})` : ''}`,
    };
  } finally {
    await kubectl.delete('configmap', name, namespace, '60s');
  }
}

/** True when one line of an audit log is a completed event for the named ConfigMap. */
export function auditEventFor(log: string, namespace: string, name: string): boolean {
  for (const line of log.split('\n')) {
    if (!line.includes(name)) continue;
    try {
      const event = JSON.parse(line) as {
        kind?: string;
        stage?: string;
        objectRef?: { resource?: string; namespace?: string; name?: string };
      };
      if (
        event.kind === 'Event' &&
        event.stage === 'ResponseComplete' &&
        event.objectRef?.resource === 'configmaps' &&
        event.objectRef.namespace === namespace &&
        event.objectRef.name === name
      )
        return true;
    } catch {
      // a line cut by rotation; keep looking
    }
  }
  return false;
}

/** Reads a fresh Secret straight from etcd (etcdctl in the etcd static pod): its raw value must carry the k8s:enc: prefix. */
async function secretsEncryptedProbe(namespace: string, env: CheckEnv): Promise<ProbeFailure> {
  if (!env.etcdPod) return { message: 'reading etcd needs the kind control plane; not available for this provider' };
  const name = `kubestrap-encryption-probe-${Date.now().toString(36)}`;
  await env.kubectl.applyStdin(
    toYaml({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { probe: 'encrypted?' } }),
  );
  try {
    const raw = await env.kubectl.execIn('kube-system', env.etcdPod, [
      'etcdctl',
      '--endpoints=https://127.0.0.1:2379',
      '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
      '--cert=/etc/kubernetes/pki/etcd/server.crt',
      '--key=/etc/kubernetes/pki/etcd/server.key',
      'get',
      `/registry/secrets/${namespace}/${name}`,
      '--print-value-only',
    ]);
    if (raw.length === 0) return { message: `etcd has no key /registry/secrets/${namespace}/${name}` };
    // Only the prefix is ever shown: the rest is ciphertext (or, if unencrypted, the Secret itself).
    return raw.startsWith('k8s:enc:')
      ? undefined
      : { message: 'the Secret is stored in etcd without a k8s:enc: prefix: encryption at rest is not active' };
  } finally {
    await env.kubectl.delete('secret', name, namespace, '60s');
  }
}
