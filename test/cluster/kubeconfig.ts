// Kubeconfig files: one for the tests (context kubestrap-test) and one per component.
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { ClientCert } from './pki.ts';

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  client: ClientCert;
  cluster: string;
  user: string;
  context: string;
}

const b64 = (file: string): string => readFileSync(file).toString('base64');

export function kubeconfigYaml(spec: KubeconfigSpec): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: spec.cluster, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caFile) } }],
    users: [{ name: spec.user, user: { 'client-certificate-data': b64(spec.client.cert), 'client-key-data': b64(spec.client.key) } }],
    contexts: [{ name: spec.context, context: { cluster: spec.cluster, user: spec.user } }],
    'current-context': spec.context,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, spec: KubeconfigSpec): void {
  writeFileSync(path, kubeconfigYaml(spec), { mode: 0o600 });
}
