/** Pure argv builders for kubectl; `kubectl.ts` runs them. Every argv names --context. */
import type { Target } from './target.js';

export function kubectlBase(target: Target): string[] {
  return ['kubectl', ...(target.kubeconfig ? ['--kubeconfig', target.kubeconfig] : []), '--context', target.context];
}

export function serverSideApplyArgs(target: Target, file: string): string[] {
  return [...kubectlBase(target), 'apply', '--server-side', '--field-manager', 'kubestrap', '--force-conflicts', '-f', file];
}

/** Applies a manifest read from stdin (used for generated Secrets, so values never reach argv). */
export function serverSideApplyStdinArgs(target: Target): string[] {
  return [...kubectlBase(target), 'apply', '--server-side', '--field-manager', 'kubestrap', '--force-conflicts', '-f', '-'];
}

/** Sets annotations on an object, replacing values already there. */
export function annotateArgs(target: Target, resource: string, name: string, annotations: Record<string, string>): string[] {
  return [...kubectlBase(target), 'annotate', '--overwrite', resource, name, ...Object.entries(annotations).map(([k, v]) => `${k}=${v}`)];
}

export function rolloutStatusArgs(target: Target, namespace: string, resource: string, timeout: string): string[] {
  return [...kubectlBase(target), 'rollout', 'status', '--namespace', namespace, resource, '--timeout', timeout];
}

export function waitArgs(target: Target, resource: string, condition: string, timeout: string, namespace?: string): string[] {
  return [
    ...kubectlBase(target),
    'wait',
    ...(namespace ? ['--namespace', namespace] : []),
    `--for=${condition}`,
    resource,
    '--timeout',
    timeout,
  ];
}
