/**
 * Every container image named in a stream of Kubernetes manifests: the `image` of containers,
 * init containers and ephemeral containers wherever a pod template sits (Deployments, Jobs,
 * CronJobs, ...), any other string `image` field (custom resources such as Prometheus or
 * Alertmanager name the image their operator runs), and the images operators are told to run
 * through a container argument (`--acme-http01-solver-image=...`, `--prometheus-config-reloader=...`).
 * `helm test` hooks are left out: kubestrap never runs them.
 */
import { parseAllDocuments } from 'yaml';

// Argument flags whose value is an image another pod will run. Known operators only.
const imageArgs = /^--(?:[a-z0-9-]*-image|prometheus-config-reloader)=(\S+)$/;

/** True for a string that reads as an image reference (registry/repo[:tag][@digest]). */
export function looksLikeImage(value: string): boolean {
  return /^[a-z0-9][a-z0-9._\-/:]*[a-z0-9](?:@sha256:[a-f0-9]{64})?$/i.test(value) && !value.includes('//') && !value.startsWith('-');
}

function walk(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.image === 'string' && looksLikeImage(obj.image.trim())) out.add(obj.image.trim());
  for (const key of ['args', 'command']) {
    const list = obj[key];
    if (Array.isArray(list)) {
      for (const a of list) {
        const image = typeof a === 'string' ? imageArgs.exec(a.trim())?.[1] : undefined;
        if (image && looksLikeImage(image)) out.add(image);
      }
    }
  }
  for (const value of Object.values(obj)) walk(value, out);
}

/** Images named in a multi-document YAML text; documents that do not parse are reported. */
export function imagesInManifests(text: string, into = new Set<string>()): Set<string> {
  for (const doc of parseAllDocuments(text)) {
    const problem = 'errors' in doc ? doc.errors[0] : undefined;
    if (problem) throw new Error(`a manifest does not parse: ${problem.message}`);
    const obj = doc.toJS({ maxAliasCount: 10_000 }) as { metadata?: { annotations?: Record<string, unknown> } } | null;
    // `helm test` pods run only when someone runs helm test, which kubestrap never does.
    const hook = obj?.metadata?.annotations?.['helm.sh/hook'];
    if (typeof hook === 'string' && hook.split(',').some((h) => h.trim().startsWith('test'))) continue;
    walk(obj, into);
  }
  return into;
}

/** A docker-style short name (`busybox:1.37.0`) stays as written: the list is what the manifests say. */
export function sortedImages(images: Iterable<string>): string[] {
  return [...new Set(images)].sort();
}
