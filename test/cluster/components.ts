// Command lines of the control plane components. Every listener is on 127.0.0.1.
import type { Pki } from './pki.ts';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export const SERVICE_CIDR = '10.96.0.0/12';
export const SA_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/**
 * The address the API server advertises in the `kubernetes` Service's endpoints: the control-plane
 * node's InternalIP. It must not be loopback (endpoints reject 127.0.0.0/8); nothing connects to
 * it, as KWOK pods do not run. The server itself listens on 127.0.0.1 only.
 */
export const ADVERTISE_ADDRESS = '192.0.2.10';

export function etcdArgs(p: Ports, dataDir: string, pki: Pki): string[] {
  const client = `https://127.0.0.1:${p.etcdClient}`;
  const peer = `https://127.0.0.1:${p.etcdPeer}`;
  return [
    // Mutual TLS on both ports, with etcd's own CA.
    `--cert-file=${pki.etcdServer.cert}`,
    `--key-file=${pki.etcdServer.key}`,
    `--trusted-ca-file=${pki.etcdCaCert}`,
    '--client-cert-auth',
    `--peer-cert-file=${pki.etcdServer.cert}`,
    `--peer-key-file=${pki.etcdServer.key}`,
    `--peer-trusted-ca-file=${pki.etcdCaCert}`,
    '--peer-client-cert-auth',
    '--name=kubestrap-test',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=kubestrap-test=${peer}`,
    '--initial-cluster-state=new',
    // A throwaway test store: skip fsync (much faster on slow disks) and keep it small.
    '--unsafe-no-fsync',
    '--quota-backend-bytes=2147483648',
    '--snapshot-count=10000',
    '--log-level=warn',
  ];
}

export function apiserverArgs(p: Ports, pki: Pki): string[] {
  return [
    `--etcd-servers=https://127.0.0.1:${p.etcdClient}`,
    `--etcd-cafile=${pki.etcdCaCert}`,
    `--etcd-certfile=${pki.apiserverEtcdClient.cert}`,
    `--etcd-keyfile=${pki.apiserverEtcdClient.key}`,
    '--bind-address=127.0.0.1',
    `--advertise-address=${ADVERTISE_ADDRESS}`,
    `--secure-port=${p.apiserver}`,
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--authorization-mode=Node,RBAC',
    // The defaults already include most of these; naming them makes the test cluster's
    // guarantees explicit (Pod Security, quotas and LimitRanges are enforced as in production).
    '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,ResourceQuota,NodeRestriction',
    // Privileged pods are allowed by the API server so that Pod Security admission decides.
    '--allow-privileged=true',
    `--service-account-issuer=${SA_ISSUER}`,
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    // Aggregation layer (request-header authentication for aggregated APIs).
    `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
    `--proxy-client-key-file=${pki.frontProxyClient.key}`,
    '--profiling=false',
    '--v=1',
  ];
}

export function controllerManagerArgs(p: Ports, pki: Pki, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${p.controllerManager}`,
    '--leader-elect=false',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pki.saKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    '--profiling=false',
    '--v=1',
  ];
}

export function schedulerArgs(p: Ports, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${p.scheduler}`,
    '--leader-elect=false',
    '--profiling=false',
    '--v=1',
  ];
}
