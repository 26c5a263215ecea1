// Small helpers for e2e tests: real kubectl and helm against the test cluster, argument arrays
// only (no shell), explicit --kubeconfig and --context on every call.
import { randomBytes } from 'node:crypto';
import { execa, type Result } from 'execa';
import { clusterEnv } from './cluster-env.ts';

export interface RunOptions {
  input?: string;
  /** Do not throw on a non-zero exit; the caller inspects exitCode/stderr. */
  reject?: boolean;
  timeoutMs?: number;
  /** Extra arguments, e.g. ['--validate=false'] to let the server do all validation. */
  args?: string[];
}

export async function kubectl(args: string[], opts: RunOptions = {}): Promise<Result> {
  const c = clusterEnv();
  return execa(c.kubectl, ['--kubeconfig', c.kubeconfig, '--context', c.context, ...args], {
    input: opts.input,
    reject: opts.reject ?? true,
    timeout: opts.timeoutMs ?? 180_000,
  });
}

export async function kubectlJson<T = any>(args: string[]): Promise<T> {
  const r = await kubectl([...args, '-o', 'json']);
  return JSON.parse(String(r.stdout)) as T;
}

export async function helm(args: string[], opts: RunOptions = {}): Promise<Result> {
  const c = clusterEnv();
  return execa(c.helm, ['--kubeconfig', c.kubeconfig, '--kube-context', c.context, ...args], {
    input: opts.input,
    reject: opts.reject ?? true,
    timeout: opts.timeoutMs ?? 300_000,
  });
}

/** Applies a manifest given as an object (or list of objects) through `kubectl apply -f -`. */
export async function apply(objects: object | object[], namespace?: string, opts: RunOptions = {}): Promise<Result> {
  const list = Array.isArray(objects) ? objects : [objects];
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: list });
  return kubectl([...(namespace ? ['-n', namespace] : []), 'apply', ...(opts.args ?? []), '-f', '-'], { ...opts, input });
}

/**
 * Creates a namespace with a unique name and waits until its "default" ServiceAccount exists
 * (pods are rejected before that).
 */
export async function createNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await kubectl(['-n', name, 'get', 'serviceaccount', 'default', '-o', 'name'], { reject: false });
    if (r.exitCode === 0) return name;
    if (Date.now() > deadline) throw new Error(`namespace ${name}: the default ServiceAccount did not appear within 60s`);
    await new Promise((r2) => setTimeout(r2, 200));
  }
}

export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found'], { reject: false });
}

/**
 * Waits while a namespace is terminating: one that an earlier test file deleted with --wait=false
 * may still be on its way out, and creating it again then fails with AlreadyExists. Returns once it
 * is gone or Active (another file left it in use: reuse it).
 */
export async function waitNamespaceNotTerminating(name: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await kubectl(['get', 'namespace', name, '--ignore-not-found', '-o', 'jsonpath={.status.phase}']);
    if (String(r.stdout).trim() !== 'Terminating') return;
    if (Date.now() > deadline) throw new Error(`namespace ${name} is still terminating after ${timeoutMs / 1000}s`);
    await new Promise((r2) => setTimeout(r2, 500));
  }
}
