/**
 * The objects the functional probes create, as pure builders (unit-tested without a cluster).
 * Every pod is compliant with the "restricted" Pod Security Standard, so the probes run in tenant
 * namespaces too, and small enough to fit a tenant's quota.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { lock } from '../lock.js';

const restricted: ISecurityContext = {
  runAsNonRoot: true,
  runAsUser: 65534,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const probeLabel = 'kubestrap.dev/probe';
/** What the probe HTTP server serves, and what a client must read back. */
export const probeBody = 'kubestrap-probe-ok';
export const probePort = 8080;
export const probeFile = 'probe.txt';

/** A probe pod as built here: its name and labels are set, and it has exactly one container. */
export interface ProbePod extends IPod {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: IPodSpec & { containers: [IContainer] };
}

export function probePod(
  namespace: string,
  name: string,
  command: string[],
  spec: Partial<Omit<IPodSpec, 'containers'>> = {},
  cpuLimit = '100m',
): ProbePod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap', [probeLabel]: name } },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      // busybox as PID 1 ignores SIGTERM: without this every cleanup waits the default 30 s.
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' as const } },
      containers: [
        {
          name: 'probe',
          image: lock.images.probe,
          command,
          securityContext: restricted,
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: cpuLimit, memory: '32Mi' } },
        },
      ],
      ...spec,
    },
  };
}

/**
 * An HTTP server pod that serves a real file (busybox httpd answers 404 for `/` without an
 * index, which is why the file is written first and asked for by name). Ready once it listens.
 */
export function httpServerPod(namespace: string, name: string): ProbePod {
  const pod = probePod(namespace, name, ['sh', '-c', `echo ${probeBody} > /www/${probeFile} && exec httpd -f -p ${probePort} -h /www`], {
    volumes: [{ name: 'www', emptyDir: { sizeLimit: '1Mi' } }],
  });
  const [container] = pod.spec.containers;
  container.volumeMounts = [{ name: 'www', mountPath: '/www' }];
  container.ports = [{ containerPort: probePort, name: 'http' }];
  container.readinessProbe = { tcpSocket: { port: probePort }, periodSeconds: 2 };
  // The server runs until the probe deletes it.
  pod.spec.restartPolicy = 'Always';
  return pod;
}

/** Shell that fetches `url` and succeeds only if it reads the expected body (the probe file's by default). */
export function fetchScript(url: string, attempts = 1, body = probeBody): string {
  return [
    'i=0',
    `while [ $i -lt ${attempts} ]; do`,
    `  if [ "$(wget -q -T 5 -O - ${url})" = "${body}" ]; then echo reached; exit 0; fi`,
    '  i=$((i+1)); sleep 1',
    'done',
    'echo "could not read the probe file"; exit 1',
  ].join('\n');
}

/**
 * Shell that succeeds when `url` stays unreachable for `consecutive` tries in a row (a policy
 * controller programs new pods within seconds, so early tries may still get through).
 */
export function deniedScript(url: string, consecutive = 3, attempts = 30): string {
  return [
    'denied=0; i=0',
    `while [ $i -lt ${attempts} ]; do`,
    `  if wget -q -T 2 -O /dev/null ${url}; then denied=0; echo "reached ${url}"; else denied=$((denied+1)); fi`,
    `  if [ $denied -ge ${consecutive} ]; then echo denied; exit 0; fi`,
    '  i=$((i+1)); sleep 1',
    'done',
    `echo "still reachable after ${attempts} tries: the NetworkPolicy is not enforced"; exit 1`,
  ].join('\n');
}

/** Hard anti-affinity: the pod may only run on a node where no pod labelled probe=<other> runs. */
export function requiredAntiAffinity(other: string): NonNullable<IPod['spec']>['affinity'] {
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [probeLabel]: other } } },
      ],
    },
  };
}

export interface PodToPodObjects {
  server: ProbePod;
  service: Record<string, unknown>;
  client: ProbePod;
}

/** Server + Service + a client on ANOTHER node that reads the server's file through the Service. */
export function podToPodObjects(namespace: string): PodToPodObjects {
  const serverName = 'kubestrap-probe-server';
  const server = httpServerPod(namespace, serverName);
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serverName, namespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    spec: { selector: { [probeLabel]: serverName }, ports: [{ port: probePort, targetPort: probePort }] },
  };
  const url = `http://${serverName}.${namespace}.svc:${probePort}/${probeFile}`;
  const client = probePod(namespace, 'kubestrap-probe-client', ['sh', '-c', fetchScript(url, 5)], {
    affinity: requiredAntiAffinity(serverName),
  });
  return { server, service, client };
}

/** A Deployment that burns CPU (up to its 100m limit) and an HPA on it that must see the load. */
export function cpuLoadObjects(namespace: string, name = 'kubestrap-probe-load'): [Record<string, unknown>, Record<string, unknown>] {
  const pod = probePod(namespace, name, ['sh', '-c', 'while :; do :; done'], {}, '100m');
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [probeLabel]: name } },
      template: {
        metadata: { labels: pod.metadata.labels },
        spec: { ...pod.spec, restartPolicy: 'Always', terminationGracePeriodSeconds: 1 },
      },
    },
  };
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1,
      maxReplicas: 2,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    },
  };
  return [deployment, hpa];
}
