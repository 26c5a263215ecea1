/** Executes one rendered action against the cluster and reports what it left behind. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Helm } from '../adapters/helm.js';
import type { Kind } from '../adapters/kind.js';
import type { Kubectl } from '../adapters/kubectl.js';
import type { Action } from '../roadmap/types.js';
import { ensureGeneratedSecret } from './secrets.js';
import { diagnose } from './diagnostics.js';
import { durationMs } from '../adapters/kubectl.js';
import type { HelmRelease } from '../roadmap/types.js';
import { KubestrapError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { renderObject, toYaml } from '../render/template.js';
import type { AppliedUnit, ObjectRef } from './state.js';
import { planRecovery } from './helm-recovery.js';
import { crdsOfGroups } from './chart-crds.js';

export interface ActionEnv {
  kubectl: Kubectl;
  helm: Helm;
  kind: Kind;
  /** Directory the step's artifacts were written to. */
  workDir: string;
  timeout: string;
  progress: (message: string) => void;
  /** A warning worth a line of its own (e.g. a release recovered from an interrupted run). */
  warn?: (message: string) => void;
  registerSecret: (value: string) => void;
}

export async function executeAction(action: Action, env: ActionEnv): Promise<AppliedUnit | undefined> {
  switch (action.type) {
    case 'kind-create': {
      const existing = await env.kind.clusters();
      if (existing.includes(action.cluster)) {
        env.progress(`kind cluster ${action.cluster} exists; exporting its kubeconfig`);
        await env.kind.exportKubeconfig(action.cluster);
        return undefined;
      }
      if (action.encryptionConfig) await writeEncryptionConfig(action.encryptionConfig, env.registerSecret);
      env.progress(`creating kind cluster ${action.cluster} (a few minutes)`);
      await env.kind.create(action.cluster, path.join(env.workDir, action.config), action.waitForNodes);
      return undefined;
    }
    case 'apply': {
      const file = action.absolute ? action.manifest : path.join(env.workDir, action.manifest);
      env.progress(`applying ${action.description}`);
      await env.kubectl.applyFile(file);
      return { type: 'objects', refs: objectRefs(await readFile(file, 'utf8')) };
    }
    case 'apply-url':
      env.progress(`applying ${action.description}`);
      await env.kubectl.applyFile(action.url);
      return undefined;
    case 'helm':
      env.progress(`helm upgrade --install ${action.release.release} (waiting up to ${env.timeout})`);
      await helmWithDiagnostics(action.release, env);
      return { type: 'release', release: action.release.release, namespace: action.release.namespace };
    case 'chart-crds': {
      env.progress(`applying ${action.description}`);
      const { yaml } = crdsOfGroups(await env.helm.showCrds(action.chart), action.groups, action.chart.ref);
      await env.kubectl.applyStdin(yaml);
      return { type: 'objects', refs: objectRefs(yaml) };
    }
    case 'secret': {
      const outcome = await ensureGeneratedSecret(env.kubectl, action.secret, env.registerSecret);
      env.progress(`secret ${action.secret.namespace}/${action.secret.name} ${outcome}`);
      return { type: 'secret', name: action.secret.name, namespace: action.secret.namespace };
    }
    case 'annotate':
      env.progress(`annotating ${action.description}`);
      await env.kubectl.annotate(action.resource, action.name, action.annotations);
      return undefined;
  }
}

export function objectRefs(yaml: string): ObjectRef[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } | null)
    .filter((o): o is { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } =>
      Boolean(o?.apiVersion && o.kind && o.metadata?.name),
    )
    .map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.metadata.name,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    }));
}

/**
 * The kind API server's encryption-at-rest config with a fresh AES key, written (0600) only when
 * the cluster is created: kind mounts it into the node, and it never enters the plan or state.
 */
async function writeEncryptionConfig(file: string, register: (v: string) => void): Promise<void> {
  // An existing key is kept: a new one could not decrypt what the old one encrypted.
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    return;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64');
  register(key);
  await writeFileAtomic(file, toYaml(renderObject('cluster/encryption-config.yaml', { key })), { mode: 0o600 });
}

/** A failed action, with what the cluster looked like while it was failing. */
export class ActionFailure extends KubestrapError {
  constructor(
    cause: Error,
    readonly diagnostics: string[],
    readonly namespace: string,
  ) {
    super(cause.message, { cause, ...(cause instanceof KubestrapError && cause.suggestion ? { suggestion: cause.suggestion } : {}) });
  }
}

/**
 * helm's rollback on failure removes the very pods that show what went wrong, so the namespace is
 * looked at shortly before helm's wait runs out, and that picture is attached to the failure.
 */
async function helmWithDiagnostics(release: HelmRelease, env: ActionEnv): Promise<void> {
  await settlePendingRelease(release, env);
  let snapshot: Promise<string[]> | undefined;
  const timer = setTimeout(
    () => {
      env.progress(`still waiting for ${release.release}; collecting diagnostics in ${release.namespace}`);
      snapshot = diagnose(env.kubectl, release.namespace);
    },
    Math.max(3_000, durationMs(env.timeout) - 8_000),
  );
  try {
    await env.helm.upgradeInstall(release, path.join(env.workDir, release.values), env.timeout);
  } catch (error) {
    throw new ActionFailure(error as Error, snapshot ? await snapshot : [], release.namespace);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clears a pending-* revision left by an interrupted run (see helm-recovery.ts) before upgrading. */
export async function settlePendingRelease(
  release: HelmRelease,
  env: Pick<ActionEnv, 'helm' | 'timeout' | 'progress' | 'warn'>,
  now: () => number = Date.now,
  pollMs = 2_000,
): Promise<void> {
  const name = `${release.namespace}/${release.release}`;
  let announced = false;
  for (;;) {
    const plan = planRecovery(await env.helm.history(release.release, release.namespace), now(), durationMs(env.timeout));
    switch (plan.action) {
      case 'none':
        return;
      case 'wait':
        if (!announced) {
          env.progress(
            `helm release ${name} is ${plan.status} (revision ${plan.revision}); an interrupted run's helm may still be working on it: waiting until ${new Date(plan.untilMs).toISOString()} at most`,
          );
          announced = true;
        }
        await sleep(Math.min(pollMs, Math.max(0, plan.untilMs - now())));
        continue;
      case 'rollback':
        env.warn?.(
          `helm release ${name} was left ${plan.status} (revision ${plan.revision}) by an interrupted run; rolling back to revision ${plan.to} before upgrading`,
        );
        await env.helm.rollback(release.release, release.namespace, plan.to, env.timeout);
        continue;
      case 'uninstall':
        env.warn?.(
          `helm release ${name} was left ${plan.status} (revision ${plan.revision}) by an interrupted run, with no good revision to go back to; uninstalling it so it installs afresh`,
        );
        await env.helm.uninstall(release.release, release.namespace, env.timeout);
        continue;
    }
  }
}
