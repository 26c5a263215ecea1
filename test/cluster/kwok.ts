// KWOK: the controller that stands in for kubelets, its configuration, and the fake nodes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterSrcDir } from './config.ts';

export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** kwok's --config file: the Stage documents in kwok-stages.yaml. */
export function writeKwokConfig(path: string): void {
  writeFileSync(path, readFileSync(join(clusterSrcDir, 'kwok-stages.yaml'), 'utf8'));
}

export function kwokArgs(o: { kubeconfig: string; config: string; serverPort: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--config=${o.config}`,
    `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
    '--cidr=10.244.0.0/16',
    '--node-lease-duration-seconds=40',
    // Health and debugging endpoints; loopback only.
    `--server-address=127.0.0.1:${o.serverPort}`,
  ];
}

interface NodeSpec {
  name: string;
  zone: string;
  controlPlane: boolean;
  ip: string;
}

export const NODES: NodeSpec[] = [
  { name: 'kst-control-plane', zone: 'zone-a', controlPlane: true, ip: '192.0.2.10' },
  { name: 'kst-worker-1', zone: 'zone-b', controlPlane: false, ip: '192.0.2.11' },
  { name: 'kst-worker-2', zone: 'zone-c', controlPlane: false, ip: '192.0.2.12' },
];

/** A Node object as a kubelet would register it, with realistic capacity. */
export function nodeObject(n: NodeSpec, kubeletVersion: string): Record<string, unknown> {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/instance-type': 'kwok-4cpu-16gi',
    'topology.kubernetes.io/region': 'kubestrap-test',
    'topology.kubernetes.io/zone': n.zone,
    type: 'kwok',
  };
  if (n.controlPlane) labels['node-role.kubernetes.io/control-plane'] = '';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels,
      annotations: { [FAKE_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: n.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '3800m', memory: '15Gi', pods: '110', 'ephemeral-storage': '95Gi' },
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion,
        containerRuntimeVersion: 'kwok://simulated',
        kernelVersion: 'simulated',
        osImage: 'KWOK simulated node',
        machineID: '',
        systemUUID: '',
        bootID: '',
        kubeProxyVersion: '',
      },
    },
  };
}
