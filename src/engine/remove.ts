/**
 * `kubestrap down`: removes what the roadmap applied, in reverse order, from the record in state.
 * PersistentVolumeClaims (and namespaces that hold them) are kept unless purge is set, so data and
 * in-cluster backups survive. For kind with purge, the whole cluster is deleted.
 */
import { rm } from 'node:fs/promises';
import type { LoadedConfig } from '../config/load.js';
import { encryptionKeyFile } from '../names.js';

import { runLayout } from '../roadmap/layout.js';
import { stepIds } from '../roadmap/types.js';
import { Emitter, type EventSink } from './events.js';
import { guardIdentity, identityRecordPath, readIdentity, readIdentityRecord, removeIdentityRecord } from './identity.js';
import { leaseName, RunLease } from './lease.js';
import { busyMs } from '../adapters/exec.js';
import { checkReachableAndSkew, openSession, type Session } from './session.js';
import { KubestrapError } from '../errors.js';
import { readState, stateConfigMap, stateNamespace, writeState, type AppliedUnit } from './state.js';

export interface DownOptions {
  loaded: LoadedConfig;
  purge: boolean;
  sinks: EventSink[];
  env: NodeJS.ProcessEnv;
  /** The volume claims --purge deletes, as listed before confirming (announced before anything goes). */
  volumes?: string[];
}

export interface DownResult {
  removed: string[];
  kept: string[];
}

export async function removeRoadmap(options: DownOptions): Promise<DownResult> {
  const started = performance.now();
  const emitter = new Emitter(options.sinks);
  const session = await openSession(options.loaded.config, options.env);
  try {
    return await removeAll(options, emitter, session, started);
  } catch (error) {
    // A failed down ends its event stream like a failed up: run.end with the exit code.
    emitter.emit({
      event: 'run.end',
      ok: false,
      exitCode: error instanceof KubestrapError ? error.exitCode : 1,
      ms: Math.round(performance.now() - started),
      changed: [],
      skipped: [],
      commandMs: Math.round(busyMs(session.exec.timings)),
      next: 'fix the cause above, then run the same command again: down removes what is left.',
    });
    throw error;
  }
}

async function removeAll(options: DownOptions, emitter: Emitter, session: Session, started: number): Promise<DownResult> {
  const { config, baseDir } = options.loaded;
  const result: DownResult = { removed: [], kept: [] };
  const recordFile = identityRecordPath(baseDir, config.metadata.name);
  const log = (message: string) => emitter.emit({ event: 'log', level: 'info', message });
  // Every step, last first: what down walks, and what the renderers draw.
  const layout = runLayout(stepIds, true);
  emitter.emit({
    event: 'run.start',
    command: 'down',
    roadmap: config.metadata.name,
    context: session.kubectl.target.context,
    steps: [],
    phases: layout,
  });
  if (options.purge && options.volumes?.length) {
    emitter.emit({
      event: 'log',
      level: 'warn',
      message: `--purge deletes ${options.volumes.length} volume claim(s) and their data: ${options.volumes.join('; ')}`,
    });
  }

  if (config.spec.cluster.provider === 'kind' && options.purge) {
    const clusters = await session.kind.clusters();
    if (clusters.includes(config.spec.cluster.name)) {
      log(`deleting kind cluster ${config.spec.cluster.name} (--purge)`);
      await session.kind.delete(config.spec.cluster.name);
      result.removed.push(`kind cluster ${config.spec.cluster.name}`);
    }
    // The cluster and everything it encrypted are gone, so its encryption key goes too.
    await rm(encryptionKeyFile(baseDir, config.spec.cluster.name), { force: true });
    await removeIdentityRecord(recordFile);
    return end(emitter, result, started, session);
  }

  await checkReachableAndSkew(session);
  const live = await readIdentity(session.kubectl);
  const state = await readState(session.kubectl);
  guardIdentity(live, config.metadata.name, await readIdentityRecord(recordFile), state, false);
  if (!state) {
    log('no kubestrap state on this cluster: nothing to remove');
    return end(emitter, result, started, session);
  }
  const lease = new RunLease(session.kubectl, session.exec, Number(options.env.KUBESTRAP_LEASE_SECONDS ?? 60), (m) =>
    emitter.emit({ event: 'log', level: 'warn', message: m }),
  );
  await lease.acquire();
  let released = false;
  try {
    const timeout = config.spec.verification.timeout;
    const pendingNamespaces = new Set<string>();
    const order = layout.flatMap((p) => p.steps.map((id) => ({ phase: p.id, id })));
    for (const { phase, id } of order) {
      const step = state.steps[id];
      if (!step) continue;
      emitter.emit({ event: 'step.start', phase, step: id, title: `removing ${id}` });
      const stepStarted = performance.now();
      const remaining: AppliedUnit[] = [];
      for (const unit of [...step.applied].reverse()) {
        const kept = await removeUnit(
          session,
          unit,
          options.purge,
          timeout,
          (m) => emitter.emit({ event: 'step.progress', step: id, message: m }),
          pendingNamespaces,
        );
        if (kept) {
          result.kept.push(kept);
          remaining.unshift(unit);
          emitter.emit({ event: 'log', level: 'info', message: `kept ${kept}` });
        } else {
          result.removed.push(describeUnit(unit));
        }
      }
      if (remaining.length) state.steps[id] = { ...step, applied: remaining };
      else state.steps = Object.fromEntries(Object.entries(state.steps).filter(([key]) => key !== id)) as typeof state.steps;
      await writeState(session.kubectl, state);
      emitter.emit({ event: 'step.ok', phase, step: id, changed: true, ms: Math.round(performance.now() - stepStarted) });
    }
    if (pendingNamespaces.size) {
      log(`waiting for ${pendingNamespaces.size} namespace(s) to finish terminating`);
      await session.kubectl.waitDeleted(
        [...pendingNamespaces].map((n) => `namespace/${n}`),
        timeout,
      );
    }
    if (Object.keys(state.steps).length === 0) {
      await session.kubectl.delete('configmap', stateConfigMap, stateNamespace);
      await lease.release();
      released = true;
      await session.kubectl.delete('lease', leaseName, stateNamespace);
      const held = await pvcCount(session, stateNamespace);
      if (held === 0 || options.purge) {
        await session.kubectl.delete('namespace', stateNamespace, undefined, timeout);
        result.removed.push(`namespace ${stateNamespace}`);
      }
      // Nothing of the roadmap is left on the cluster, so it is no longer bound to it.
      await removeIdentityRecord(recordFile);
    } else {
      log(`state kept in ${stateNamespace}/${stateConfigMap}: it still records what was kept`);
    }
  } finally {
    if (!released) await lease.release();
  }
  return end(emitter, result, started, session);
}

function end(emitter: Emitter, result: DownResult, started: number, session: Session): DownResult {
  emitter.emit({
    event: 'run.end',
    ok: true,
    exitCode: 0,
    ms: Math.round(performance.now() - started),
    changed: [],
    skipped: [],
    commandMs: Math.round(busyMs(session.exec.timings)),
    next: result.kept.length
      ? `kept: ${result.kept.join('; ')}. Run \`kubestrap down --purge\` to delete them too.`
      : 'everything kubestrap applied is gone.',
  });
  return result;
}

function describeUnit(unit: AppliedUnit): string {
  if (unit.type === 'release') return `helm release ${unit.namespace}/${unit.release}`;
  if (unit.type === 'secret') return `secret ${unit.namespace}/${unit.name}`;
  return unit.refs.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`).join(', ');
}

async function pvcCount(session: Session, namespace: string): Promise<number> {
  return (await session.kubectl.list('persistentvolumeclaims', { namespace })).length;
}

/** Removes one unit; returns a description of what was kept instead, if anything. */
async function removeUnit(
  session: Session,
  unit: AppliedUnit,
  purge: boolean,
  timeout: string,
  progress: (m: string) => void,
  pendingNamespaces: Set<string>,
): Promise<string | undefined> {
  const { kubectl, helm } = session;
  switch (unit.type) {
    case 'release':
      if (await helm.status(unit.release, unit.namespace)) {
        progress(`helm uninstall ${unit.release}`);
        await helm.uninstall(unit.release, unit.namespace, timeout);
      }
      return undefined;
    case 'secret':
      await kubectl.delete('secret', unit.name, unit.namespace);
      return undefined;
    case 'objects': {
      const kept: string[] = [];
      for (const ref of [...unit.refs].reverse()) {
        if (ref.kind === 'PersistentVolumeClaim' && !purge) {
          kept.push(`PVC ${ref.namespace}/${ref.name}`);
          continue;
        }
        if (ref.kind === 'Namespace' && ref.name === stateNamespace) continue; // holds the state; removed last
        if (ref.kind === 'Namespace' && !purge) {
          const pvcs = await pvcCount(session, ref.name);
          if (pvcs > 0) {
            kept.push(`namespace ${ref.name} (holds ${pvcs} PVC${pvcs === 1 ? '' : 's'})`);
            continue;
          }
        }
        progress(`deleting ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`);
        try {
          // Namespaces finalise slowly; they are deleted without waiting and awaited together at the end.
          if (ref.kind === 'Namespace') {
            await kubectl.deleteNoWait('namespace', ref.name);
            pendingNamespaces.add(ref.name);
            continue;
          }
          await kubectl.delete(`${ref.kind}.${groupOf(ref.apiVersion)}`.replace(/\.$/, ''), ref.name, ref.namespace, timeout);
        } catch (error) {
          // The CRD of a custom resource may already be gone with its chart: then so is the object.
          if (!/the server doesn't have a resource type|no matches for kind/i.test((error as Error).message)) throw error;
        }
      }
      return kept.length ? kept.join(', ') : undefined;
    }
  }
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}
