/**
 * Generated secrets (Grafana admin, MinIO keys, ...). Values are made here, registered with the
 * redactor before anything can print them, and applied as a Secret through stdin. An existing
 * Secret is kept (its values are registered for redaction) so re-runs do not rotate passwords.
 */
import type { ISecret } from 'kubernetes-models/v1/Secret';
import { randomBytes } from 'node:crypto';
import type { Kubectl } from '../adapters/kubectl.js';
import { KubestrapError } from '../errors.js';
import { managedByLabel } from '../names.js';
import { toYaml } from '../render/template.js';
import type { GeneratedSecret } from '../roadmap/types.js';

const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function randomString(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += alphabet[byte % alphabet.length];
  return out;
}

export async function ensureGeneratedSecret(
  kubectl: Kubectl,
  spec: GeneratedSecret,
  register: (value: string) => void,
): Promise<'created' | 'kept'> {
  const existing = await kubectl.get<ISecret>('secret', spec.name, spec.namespace);
  if (existing) {
    for (const v of Object.values(existing.data ?? {})) register(Buffer.from(v, 'base64').toString('utf8'));
    return 'kept';
  }
  const data: Record<string, string> = { ...(spec.fixed ?? {}) };
  for (const [key, length] of Object.entries(spec.random)) {
    data[key] = randomString(length);
    register(data[key]);
  }
  for (const [key, d] of Object.entries(spec.derived ?? {})) {
    const source = d.fromSecret ? await readSecretData(kubectl, d.fromSecret, spec.namespace) : data;
    const accessKey = source[d.accessKey];
    const secretKey = source[d.secretKey];
    if (accessKey === undefined || secretKey === undefined) {
      throw new KubestrapError(
        `cannot derive ${spec.namespace}/${spec.name}:${key}: keys ${d.accessKey}/${d.secretKey} not found${d.fromSecret ? ` in Secret ${d.fromSecret}` : ''}`,
        {
          suggestion: 'This is a bug in the step that renders the secret; report it.',
        },
      );
    }
    data[key] = `[default]\naws_access_key_id=${accessKey}\naws_secret_access_key=${secretKey}\n`;
  }
  await kubectl.applyStdin(
    toYaml({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: spec.name, namespace: spec.namespace, labels: { ...managedByLabel } },
      stringData: data,
    }),
  );
  return 'created';
}

async function readSecretData(kubectl: Kubectl, name: string, namespace: string): Promise<Record<string, string>> {
  const secret = await kubectl.get<ISecret>('secret', name, namespace);
  if (!secret)
    throw new KubestrapError(`Secret ${namespace}/${name} should exist by now but does not`, {
      suggestion: 'Run again; if it persists, report it.',
    });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
