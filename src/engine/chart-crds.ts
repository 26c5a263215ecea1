/** Picks, from the CRDs a chart carries (`helm show crds`), those of the given API groups. */
import { parse } from 'yaml';
import { KubestrapError } from '../errors.js';

interface Crd {
  kind?: string;
  metadata?: { name?: string };
  spec?: { group?: string };
}

/**
 * The CRDs of `groups` in a multi-document YAML text, as one multi-document YAML text, plus their
 * names. Each document is passed on as the chart wrote it (parsed only to read its kind and group),
 * so kubectl reads exactly what helm would have applied. A group with no CRD in the chart is an
 * error: the chart is not the one kubestrap expects.
 */
export function crdsOfGroups(text: string, groups: string[], chart: string): { yaml: string; names: string[] } {
  const picked: { text: string; name: string; group: string }[] = [];
  // A line of exactly `---` starts a document: inside a block scalar it would be indented.
  for (const chunk of text.split(/^---[ \t]*(?:#.*)?$/m)) {
    let crd: Crd | null;
    try {
      crd = parse(chunk) as Crd | null;
    } catch (e) {
      throw new KubestrapError(`the CRDs of chart ${chart} do not parse: ${(e as Error).message}`);
    }
    const group = crd?.spec?.group;
    if (crd?.kind === 'CustomResourceDefinition' && group !== undefined && groups.includes(group)) {
      picked.push({ text: chunk.replace(/^\n+/, ''), name: crd.metadata?.name ?? '', group });
    }
  }
  const missing = groups.filter((g) => !picked.some((c) => c.group === g));
  if (missing.length > 0) {
    throw new KubestrapError(`chart ${chart} carries no CRD of API group ${missing.join(', ')}`, {
      suggestion: 'The chart is not the version kubestrap pins (see `kubestrap plan`): point spec.charts at the pinned chart.',
    });
  }
  return { yaml: picked.map((c) => (c.text.endsWith('\n') ? c.text : `${c.text}\n`)).join('---\n'), names: picked.map((c) => c.name) };
}
