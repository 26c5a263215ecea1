/**
 * What `down` is about to destroy, read before anything is removed and before any renderer draws
 * (prompts and listr2 must not share the terminal), and whether it needs a typed confirmation:
 * on an existing cluster always, and with --purge (volumes are deleted) on any cluster.
 */
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { Kubectl } from '../adapters/kubectl.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { readIdentity } from './identity.js';
import { readState, stateNamespace, type RunState } from './state.js';

export interface DownPreview {
  context: string;
  /** API server URL, when the cluster answered. */
  server?: string;
  /** `PVC namespace/name (size, class)` for every volume claim the run would delete. */
  volumes: string[];
  /** The cluster could not be read: what would be deleted is not known. */
  unreadable?: string;
}

export function needsDownConfirmation(config: Config, purge: boolean): boolean {
  return config.spec.cluster.provider === 'existing' || purge;
}

/** Reads the target's identity and, with purge, every PVC the run would delete. Never writes. */
export async function previewDown(kubectl: Kubectl, config: Config, purge: boolean): Promise<DownPreview> {
  const context = kubectl.target.context;
  let server: string | undefined;
  try {
    server = (await readIdentity(kubectl)).server;
  } catch (error) {
    return { context, volumes: [], unreadable: (error as Error).message.split('\n')[0] ?? '' };
  }
  if (!purge) return { context, server, volumes: [] };
  const claims =
    config.spec.cluster.provider === 'kind'
      ? await kubectl.list<IPersistentVolumeClaim>('persistentvolumeclaims', { allNamespaces: true })
      : await claimsOfRoadmap(kubectl, await readState(kubectl), config.metadata.name);
  return { context, server, volumes: [...new Set(claims.map(describeClaim))].sort() };
}

/** PVCs recorded in state, and every PVC in a namespace the roadmap created (deleted with it). */
async function claimsOfRoadmap(kubectl: Kubectl, state: RunState | undefined, roadmap: string): Promise<IPersistentVolumeClaim[]> {
  // State of another roadmap: down refuses it anyway (identity guard), so nothing of it is listed.
  if (!state || state.roadmap !== roadmap) return [];
  const refs = Object.values(state.steps)
    .flatMap((s) => s?.applied ?? [])
    .flatMap((u) => (u.type === 'objects' ? u.refs : []));
  const namespaces = new Set([stateNamespace, ...refs.filter((r) => r.kind === 'Namespace').map((r) => r.name)]);
  const recorded = refs.filter((r) => r.kind === 'PersistentVolumeClaim' && r.namespace && !namespaces.has(r.namespace));
  const out: IPersistentVolumeClaim[] = [];
  for (const ns of namespaces) out.push(...(await kubectl.list<IPersistentVolumeClaim>('persistentvolumeclaims', { namespace: ns })));
  for (const r of recorded) {
    const pvc = await kubectl.get<IPersistentVolumeClaim>('persistentvolumeclaims', r.name, r.namespace);
    if (pvc) out.push(pvc);
  }
  return out;
}

function describeClaim(pvc: IPersistentVolumeClaim): string {
  const size = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage;
  const details = [size, pvc.spec?.storageClassName].filter(Boolean).join(', ');
  return `PVC ${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}${details ? ` (${String(details)})` : ''}`;
}

/** What the confirmation shows: the target, and with purge the volumes that go. */
export function describeDown(preview: DownPreview, config: Config, purge: boolean): string {
  const target = `context "${preview.context}"${preview.server ? ` (${preview.server})` : ''}`;
  const lines = [
    purge && config.spec.cluster.provider === 'kind'
      ? `kubestrap down --purge deletes the kind cluster ${config.spec.cluster.name} (${target}) with everything in it.`
      : `kubestrap down removes what roadmap ${config.metadata.name} applied to the cluster of ${target}.`,
  ];
  if (preview.unreadable) lines.push(`The cluster could not be read (${preview.unreadable}); what it holds is not known.`);
  else if (purge) {
    lines.push(
      preview.volumes.length
        ? `--purge deletes these ${preview.volumes.length} volume claim(s) and their data:\n${preview.volumes.map((v) => `  - ${v}`).join('\n')}`
        : '--purge deletes volume claims too; there are none now.',
    );
  }
  return lines.join('\n');
}

export interface ConfirmDownOptions {
  config: Config;
  purge: boolean;
  yes: boolean;
  interactive: boolean;
  preview: DownPreview;
  /** Shows the text, asks for the context name typed back; true when it matches. */
  ask: (text: string, context: string) => Promise<boolean>;
}

/** Resolves true when down may go ahead; throws a usage error when nobody can confirm. */
export async function confirmDown(o: ConfirmDownOptions): Promise<boolean> {
  if (!needsDownConfirmation(o.config, o.purge) || o.yes) return true;
  if (!o.interactive) {
    throw new UsageError(
      `refusing to run down${o.purge ? ' --purge' : ''} on context ${o.preview.context} without confirmation${o.preview.volumes.length ? ` (it would delete ${o.preview.volumes.length} volume claim(s))` : ''}`,
      'Pass --yes to confirm (CI), or run it in a terminal and type the context name.',
    );
  }
  return o.ask(describeDown(o.preview, o.config, o.purge), o.preview.context);
}
