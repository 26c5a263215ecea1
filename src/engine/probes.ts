/**
 * Functional probes for clusters whose nodes run containers: short-lived pods that prove DNS,
 * pod-to-pod traffic and volume provisioning work, the metrics API answers, and a Velero backup
 * restores. They run in their own namespace and clean up after themselves.
 * Not exercised by the test suite (its nodes are simulated and these are skipped there).
 */
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { lock } from '../lock.js';
import { toYaml, toYamlStream } from '../render/template.js';
import type { ProbeId } from '../roadmap/types.js';
import type { CheckEnv } from './checks.js';

type Failure = { message: string; diagnose?: string } | undefined;

const restricted = {
  runAsNonRoot: true,
  runAsUser: 65534,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function probePod(namespace: string, name: string, command: string[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap', 'kubestrap.dev/probe': name } },
    spec: {
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'probe', image: lock.images.probe, command, securityContext: restricted, resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } } }],
      ...extra,
    },
  };
}

async function runToCompletion(env: CheckEnv, objects: unknown[], pod: string, namespace: string): Promise<Failure> {
  const { kubectl } = env;
  await kubectl.applyStdin(toYamlStream(objects));
  try {
    await kubectl.waitFor(`pod/${pod}`, 'jsonpath={.status.phase}=Succeeded', '120s', namespace);
    return undefined;
  } catch {
    return { message: `probe pod ${pod} did not succeed: ${await kubectl.logsTail(namespace, pod, 'probe', 5)}`, diagnose: namespace };
  }
}

async function cleanup(env: CheckEnv, namespace: string, resources: [string, string][]): Promise<void> {
  for (const [kind, name] of resources) await env.kubectl.delete(kind, name, namespace, '60s');
}

export async function runProbe(probe: ProbeId, namespace: string, env: CheckEnv): Promise<Failure> {
  const { kubectl } = env;
  switch (probe) {
    case 'dns':
      try {
        return await runToCompletion(env, [probePod(namespace, 'kubestrap-probe-dns', ['nslookup', 'kubernetes.default.svc.cluster.local'])], 'kubestrap-probe-dns', namespace);
      } finally {
        await cleanup(env, namespace, [['pod', 'kubestrap-probe-dns']]);
      }
    case 'pod-to-pod': {
      const server = probePod(namespace, 'kubestrap-probe-server', ['httpd', '-f', '-p', '8080']);
      const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubestrap-probe-server', namespace }, spec: { selector: { 'kubestrap.dev/probe': 'kubestrap-probe-server' }, ports: [{ port: 8080 }] } };
      try {
        await kubectl.applyStdin(toYamlStream([server, service]));
        await kubectl.waitFor('pod/kubestrap-probe-server', 'condition=Ready', '120s', namespace);
        const client = probePod(namespace, 'kubestrap-probe-client', ['wget', '-q', '-T', '5', '-O', '/dev/null', `http://kubestrap-probe-server.${namespace}.svc:8080/`], {
          affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'kubestrap.dev/probe': 'kubestrap-probe-server' } } } }] } },
        });
        return await runToCompletion(env, [client], 'kubestrap-probe-client', namespace);
      } finally {
        await cleanup(env, namespace, [['pod', 'kubestrap-probe-client'], ['pod', 'kubestrap-probe-server'], ['service', 'kubestrap-probe-server']]);
      }
    }
    case 'pvc-binds': {
      const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'kubestrap-probe-pvc', namespace }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } };
      const pod = probePod(namespace, 'kubestrap-probe-pvc', ['sh', '-c', 'echo ok > /data/probe && cat /data/probe'], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'kubestrap-probe-pvc' } }],
        securityContext: { runAsNonRoot: true, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      });
      (pod.spec.containers[0] as Record<string, unknown>).volumeMounts = [{ name: 'data', mountPath: '/data' }];
      try {
        return await runToCompletion(env, [pvc, pod], 'kubestrap-probe-pvc', namespace);
      } finally {
        await cleanup(env, namespace, [['pod', 'kubestrap-probe-pvc'], ['pvc', 'kubestrap-probe-pvc']]);
      }
    }
    case 'hpa-metrics': {
      const metrics = await kubectl.get<{ items?: unknown[] }>('nodes.metrics.k8s.io');
      return metrics?.items?.length ? undefined : { message: 'the metrics API (metrics.k8s.io) returned no node metrics; HPAs cannot scale on CPU' };
    }
    case 'audit-log':
      return auditLogProbe(namespace, env);
    case 'secrets-encrypted':
      return secretsEncryptedProbe(namespace, env);
    case 'backup-restore': {
      const scratch = 'kubestrap-drill';
      const restored = 'kubestrap-drill-restored';
      const stamp = Date.now().toString(36);
      try {
        await kubectl.applyStdin(
          toYamlStream([
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: scratch, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } } },
            { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'drill', namespace: scratch }, data: { stamp } },
            { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: `drill-${stamp}`, namespace }, spec: { includedNamespaces: [scratch], ttl: '1h0m0s' } },
          ]),
        );
        await kubectl.waitFor(`backup.velero.io/drill-${stamp}`, 'jsonpath={.status.phase}=Completed', '300s', namespace);
        await kubectl.applyStdin(toYaml({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: `drill-${stamp}`, namespace }, spec: { backupName: `drill-${stamp}`, namespaceMapping: { [scratch]: restored } } }));
        await kubectl.waitFor(`restore.velero.io/drill-${stamp}`, 'jsonpath={.status.phase}=Completed', '300s', namespace);
        const cm = await kubectl.get<IConfigMap>('configmap', 'drill', restored);
        return cm?.data?.stamp === stamp ? undefined : { message: 'the restore completed but the drill ConfigMap did not come back', diagnose: namespace };
      } finally {
        await kubectl.delete('namespace', scratch, undefined, '2m');
        await kubectl.delete('namespace', restored, undefined, '2m');
      }
    }
    default: {
      const unknown: never = probe;
      return { message: `kubestrap has no probe named ${String(unknown)}` };
    }
  }
}

/** kind only: a ConfigMap with a unique name is created, then looked for in the node's audit log. */
async function auditLogProbe(namespace: string, env: CheckEnv): Promise<Failure> {
  if (!env.nodeExec) return { message: 'reading the audit log needs the kind node (docker exec); not available for this provider' };
  const name = `kubestrap-audit-probe-${Date.now().toString(36)}`;
  await env.kubectl.applyStdin(toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { probe: 'audit' } }));
  try {
    const log = await env.nodeExec(['grep', '-c', name, '/var/log/kubernetes/audit/audit.log']);
    return Number(log.trim()) > 0 ? undefined : { message: `the audit log does not mention ${name}` };
  } finally {
    await env.kubectl.delete('configmap', name, namespace, '60s');
  }
}

/** kind only: reads a fresh Secret straight from etcd (through the etcd static pod) and expects the aescbc prefix. */
async function secretsEncryptedProbe(namespace: string, env: CheckEnv): Promise<Failure> {
  if (!env.etcdPod) return { message: 'reading etcd needs the kind control plane; not available for this provider' };
  const name = `kubestrap-encryption-probe-${Date.now().toString(36)}`;
  await env.kubectl.applyStdin(toYaml({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { probe: 'encrypted?' } }));
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
    return raw.includes('k8s:enc:aescbc:v1:') ? undefined : { message: 'the Secret is stored in etcd without the aescbc prefix: encryption at rest is not active' };
  } finally {
    await env.kubectl.delete('secret', name, namespace, '60s');
  }
}
