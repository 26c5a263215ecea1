/**
 * spec.images.registry: every image kubestrap and its charts run, pulled from one private registry
 * instead. An image keeps its path and tag/digest and loses its registry host:
 * quay.io/jetstack/cert-manager-controller:v1.21.1 -> <registry>/jetstack/cert-manager-controller:v1.21.1,
 * busybox:1.37.0 -> <registry>/busybox:1.37.0. Charts are told through their own values (the
 * generated table in chart-image-values.ts plus the few charts whose defaults live in templates);
 * kubestrap's own manifests are rewritten field by field.
 */
import { parseAllDocuments, parse } from 'yaml';
import type { ChartKey } from '../lock.js';
import { emitYaml } from '../render/yaml-emit.js';
import { chartImageValues, type ImageValue } from './chart-image-values.js';

/** Charts whose image registry default is in a template, not in values.yaml (read from the chart sources). */
const templateDefaults: Partial<Record<ChartKey, ImageValue[]>> = {
  traefik: [{ path: ['image', 'registry'], from: 'docker.io' }],
  tigeraOperator: [
    { path: ['tigeraOperator', 'registry'], from: 'quay.io' },
    { path: ['installation', 'registry'], from: '' },
  ],
};

function isHost(segment: string): boolean {
  return segment.includes('.') || segment.includes(':') || segment === 'localhost';
}

/** The image as pulled from the mirror. */
export function mirrorImage(image: string, registry: string): string {
  const slash = image.indexOf('/');
  const rest = slash > 0 && isHost(image.slice(0, slash)) ? image.slice(slash + 1) : image;
  return `${registry}/${rest}`;
}

/** A chart's registry value (host, or host/path prefix, or '' for "the chart's default"). */
export function mirrorRegistryValue(from: string, registry: string): string {
  if (from === '') return registry;
  const [first, ...rest] = from.split('/');
  if (first !== undefined && isHost(first)) return [registry, ...rest].join('/');
  return `${registry}/${from}`;
}

type Tree = Record<string | number, unknown>;

function getAt(tree: Tree, p: (string | number)[]): unknown {
  let node: unknown = tree;
  for (const k of p) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Tree)[k];
  }
  return node;
}

function setAt(tree: Tree, p: (string | number)[], value: unknown): void {
  let node = tree;
  const last = p[p.length - 1];
  if (last === undefined) return;
  for (const k of p.slice(0, -1)) {
    if (!node[k] || typeof node[k] !== 'object') node[k] = {};
    node = node[k] as Tree;
  }
  node[last] = value;
}

/** Rewrites every string `image` field that names an image (containers, init containers, CRs). */
function mirrorImageFields(node: unknown, registry: string): void {
  if (Array.isArray(node)) return node.forEach((n) => mirrorImageFields(n, registry));
  if (!node || typeof node !== 'object') return;
  const obj = node as Tree;
  if (typeof obj.image === 'string' && /^[a-z0-9][a-z0-9._\-/:@]*$/i.test(obj.image) && !obj.image.startsWith(`${registry}/`))
    obj.image = mirrorImage(obj.image, registry);
  for (const v of Object.values(obj)) mirrorImageFields(v, registry);
}

/** The values of one release with every image value pointed at the mirror. */
export function mirrorChartValues(key: ChartKey, valuesText: string, registry: string): string {
  const values = (parse(valuesText) ?? {}) as Tree;
  mirrorImageFields(values, registry);
  for (const v of [...chartImageValues[key].values, ...(templateDefaults[key] ?? [])]) {
    const current = getAt(values, v.path);
    const from = typeof current === 'string' ? current : v.from;
    if (typeof current === 'string' && (current === registry || current.startsWith(`${registry}/`))) continue;
    const isRepository = v.path.at(-1) === 'repository';
    setAt(values, v.path, isRepository ? mirrorImage(from, registry) : mirrorRegistryValue(from, registry));
  }
  return emitYaml(values);
}

/** A manifest of kubestrap's own with every image pointed at the mirror (kind's cluster config excepted). */
export function mirrorManifest(text: string, registry: string): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return text;
  const out: string[] = [];
  let changed = false;
  for (const doc of docs) {
    const value = doc.toJS({ maxAliasCount: 10_000 }) as unknown;
    if (value === null || value === undefined) continue;
    // kind's node image has its own setting (spec.cluster.nodeImage).
    if ((value as { apiVersion?: string }).apiVersion?.startsWith('kind.x-k8s.io/')) return text;
    const before = JSON.stringify(value);
    mirrorImageFields(value, registry);
    if (JSON.stringify(value) !== before) changed = true;
    out.push(emitYaml(value));
  }
  // Unchanged files keep their bytes (comments included).
  return changed ? out.join('---\n') : text;
}
