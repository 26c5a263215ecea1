// The cluster's PKI, made with openssl: one CA, the API server's serving certificate, client
// certificates for the admin and each component, and the service-account signing key pair.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ClusterError } from './errors.ts';

export interface ClientCert {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  saKey: string;
  saPub: string;
  /** Aggregation layer: the CA the API server trusts for request headers, and its proxy client. */
  frontProxyCaCert: string;
  frontProxyClient: ClientCert;
  /** etcd has a CA of its own, so certificates the cluster CA signs (e.g. through CSRs) cannot reach it. */
  etcdCaCert: string;
  etcdServer: ClientCert;
  apiserverEtcdClient: ClientCert;
  admin: ClientCert;
  controllerManager: ClientCert;
  scheduler: ClientCert;
  kwok: ClientCert;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execa('openssl', args, { stdin: 'ignore' });
  } catch (err) {
    const e = err as { stderr?: string; shortMessage?: string };
    throw new ClusterError(`openssl ${args[0]} failed: ${e.shortMessage ?? String(err)}`, e.stderr);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function serial(): string {
  return `0x${randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '1')}`;
}

async function signLeaf(dir: string, name: string, subject: string, ext: string[], ca: { cert: string; key: string }): Promise<ClientCert> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, `${ext.join('\n')}\n`);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    serial(),
    '-days',
    '365',
    '-sha256',
    '-extfile',
    extFile,
    '-out',
    cert,
  ]);
  return { cert, key };
}

const clientExt = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];

async function makeCa(dir: string, name: string, cn: string): Promise<{ cert: string; key: string }> {
  const ca = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await openssl([
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    ca.key,
    '-out',
    ca.cert,
    '-days',
    '3650',
    '-sha256',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return ca;
}

export async function makePki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await makeCa(dir, 'ca', 'kubestrap-test-ca');
  const frontProxyCa = await makeCa(dir, 'front-proxy-ca', 'kubestrap-test-front-proxy-ca');
  const frontProxyClient = await signLeaf(dir, 'front-proxy-client', '/CN=front-proxy-client', clientExt, frontProxyCa);
  const etcdCa = await makeCa(dir, 'etcd-ca', 'kubestrap-test-etcd-ca');
  const etcdServer = await signLeaf(
    dir,
    'etcd-server',
    '/CN=kubestrap-test-etcd',
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth', // also the peer certificate
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    etcdCa,
  );
  const apiserverEtcdClient = await signLeaf(dir, 'apiserver-etcd-client', '/CN=kube-apiserver-etcd-client', clientExt, etcdCa);
  const serving = await signLeaf(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:192.0.2.10,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
    ],
    ca,
  );
  const admin = await signLeaf(dir, 'admin', '/O=system:masters/CN=kubestrap-test-admin', clientExt, ca);
  const controllerManager = await signLeaf(dir, 'controller-manager', '/CN=system:kube-controller-manager', clientExt, ca);
  const scheduler = await signLeaf(dir, 'scheduler', '/CN=system:kube-scheduler', clientExt, ca);
  // KWOK stands in for every kubelet and patches node and pod status cluster-wide.
  const kwok = await signLeaf(dir, 'kwok', '/O=system:masters/CN=kwok-controller', clientExt, ca);
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', saKey]);
  await openssl(['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  return {
    dir,
    caCert: ca.cert,
    caKey: ca.key,
    apiserverCert: serving.cert,
    apiserverKey: serving.key,
    saKey,
    saPub,
    frontProxyCaCert: frontProxyCa.cert,
    frontProxyClient,
    etcdCaCert: etcdCa.cert,
    etcdServer,
    apiserverEtcdClient,
    admin,
    controllerManager,
    scheduler,
    kwok,
  };
}

export function pkiPaths(dir: string): Pki {
  const c = (n: string): ClientCert => ({ cert: join(dir, `${n}.crt`), key: join(dir, `${n}.key`) });
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    apiserverCert: join(dir, 'apiserver.crt'),
    apiserverKey: join(dir, 'apiserver.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    frontProxyCaCert: join(dir, 'front-proxy-ca.crt'),
    frontProxyClient: c('front-proxy-client'),
    etcdCaCert: join(dir, 'etcd-ca.crt'),
    etcdServer: c('etcd-server'),
    apiserverEtcdClient: c('apiserver-etcd-client'),
    admin: c('admin'),
    controllerManager: c('controller-manager'),
    scheduler: c('scheduler'),
    kwok: c('kwok'),
  };
}
