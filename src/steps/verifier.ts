/**
 * The in-cluster verifier (spec.verification.inCluster): kubestrap's drift checks translated into
 * what the verifier program (verifier/main.go) can evaluate with GETs alone, and the ClusterRole
 * rules that allow exactly those GETs. Checks that need more than a read (a dry-run create, a
 * probe pod) are listed as skipped with the reason, so the results say what was not re-checked.
 */
import type { Config } from '../config/schema.js';
import { lock } from '../lock.js';
import { addonPriorityClass, addonResources } from '../render/addons.js';
import { renderObject, renderObjects } from '../render/template.js';
import type { Check } from '../roadmap/types.js';
import { verifier } from '../names.js';

export { verifier };

/** One check as the verifier reads it (verifier/main.go `check`). */
export interface InClusterCheck {
  description: string;
  path?: string;
  expect: 'exists' | 'labels' | 'default-storageclass' | 'phase' | 'skipped';
  labels?: Record<string, string>;
  name?: string;
  phase?: string;
  reason?: string;
}

/** The API group, version and scope of each resource a drift check may name. */
const resources: Record<string, { group: string; version: string; namespaced: boolean }> = {
  namespaces: { group: '', version: 'v1', namespaced: false },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', namespaced: false },
  resourcequotas: { group: '', version: 'v1', namespaced: true },
  limitranges: { group: '', version: 'v1', namespaced: true },
  'networkpolicies.networking.k8s.io': { group: 'networking.k8s.io', version: 'v1', namespaced: true },
  'priorityclasses.scheduling.k8s.io': { group: 'scheduling.k8s.io', version: 'v1', namespaced: false },
  'schedules.velero.io': { group: 'velero.io', version: 'v1', namespaced: true },
  'backupstoragelocations.velero.io': { group: 'velero.io', version: 'v1', namespaced: true },
  'rolebindings.rbac.authorization.k8s.io': { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: true },
  'clusterroles.rbac.authorization.k8s.io': { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: false },
};

function apiPath(resource: string, name: string | undefined, namespace?: string): string | undefined {
  const r = resources[resource];
  if (!r) return undefined;
  const plural = resource.replace(/\..*$/, '');
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${namespace}` : '';
  return `${root}${ns}/${plural}${name ? `/${name}` : ''}`;
}

/** A drift check as the verifier runs it, with the (resource, name) it reads; `read` is unset for skipped ones. */
export function toInClusterCheck(check: Check, description: string): { check: InClusterCheck; read?: { resource: string; name?: string } } {
  const skipped = (reason: string) => ({ check: { description, expect: 'skipped' as const, reason } });
  switch (check.type) {
    case 'default-storageclass':
      return {
        check: { description, path: apiPath('storageclasses', undefined), expect: 'default-storageclass', name: check.name },
        read: { resource: 'storageclasses' },
      };
    case 'namespace-labels':
      return {
        check: { description, path: apiPath('namespaces', check.namespace), expect: 'labels', labels: check.labels },
        read: { resource: 'namespaces', name: check.namespace },
      };
    case 'exists': {
      const path = apiPath(check.resource, check.name, check.namespace);
      return path
        ? { check: { description, path, expect: 'exists' }, read: { resource: check.resource, name: check.name } }
        : skipped(`the in-cluster verifier does not read ${check.resource}; kubestrap verify checks it`);
    }
    case 'velero-bsl-available': {
      const resource = 'backupstoragelocations.velero.io';
      const path = apiPath(resource, check.name, check.namespace);
      return path
        ? { check: { description, path, expect: 'phase', phase: 'Available' }, read: { resource, name: check.name } }
        : skipped(`the in-cluster verifier does not read ${resource}`);
    }
    case 'rejects-privileged-pod':
      return skipped('needs a dry-run create of a pod; the in-cluster verifier only reads (kubestrap verify checks it)');
    case 'probe':
      return skipped('a functional probe creates pods; the in-cluster verifier only reads (kubestrap verify runs it)');
    default:
      return skipped(`kubestrap verify checks this (${check.type}); the in-cluster verifier does not`);
  }
}

/** ClusterRole rules: `get` on exactly the named objects, `list` only where a check lists (StorageClasses). */
export function verifierRules(reads: { resource: string; name?: string }[]): Record<string, unknown>[] {
  const byResource = new Map<string, { names: Set<string>; list: boolean }>();
  for (const r of reads) {
    const entry = byResource.get(r.resource) ?? { names: new Set<string>(), list: false };
    if (r.name) entry.names.add(r.name);
    else entry.list = true;
    byResource.set(r.resource, entry);
  }
  return [...byResource.entries()].flatMap(([resource, { names, list }]) => {
    const info = resources[resource];
    if (!info) return [];
    const base = { apiGroups: [info.group], resources: [resource.replace(/\..*$/, '')] };
    return [
      ...(names.size ? [{ ...base, resourceNames: [...names].sort(), verbs: ['get'] }] : []),
      ...(list ? [{ ...base, verbs: ['list'] }] : []),
    ];
  });
}

function seconds(duration: string): number {
  const n = Number(duration.slice(0, -1));
  return duration.endsWith('h') ? n * 3600 : n * 60;
}

export function verifierManifests(
  config: Config,
  namespace: string,
  labels: Record<string, string>,
  driftLabel: string,
  checks: { check: Check; description: string }[],
): Record<string, unknown>[] {
  const translated = checks.map(({ check, description }) => toInClusterCheck(check, description));
  const { inCluster } = config.spec.verification;
  return renderObjects('continuous-verification/verifier.yaml', {
    name: verifier.name,
    namespace,
    labels,
    podLabels: { ...labels, 'app.kubernetes.io/name': verifier.name },
    clusterRules: verifierRules(translated.flatMap((t) => (t.read ? [t.read] : []))),
    checksName: verifier.checks,
    resultsName: verifier.results,
    checksJson: JSON.stringify(
      translated.map((t) => t.check),
      null,
      1,
    ),
    schedule: inCluster.schedule,
    image: inCluster.image ?? lock.images.verifier,
    driftLabel,
    priorityClassName: addonPriorityClass(config),
    resources: addonResources(config, 'helper-jobs'),
  });
}

export function verifierAlerts(
  config: Config,
  namespace: string,
  verifierNamespace: string,
  labels: Record<string, string>,
  driftLabel: string,
): Record<string, unknown> {
  const { staleAfter } = config.spec.verification.inCluster;
  const cron = `namespace="${verifierNamespace}", cronjob="${verifier.cronJob}"`;
  const stale = seconds(staleAfter);
  return renderObject('continuous-verification/verifier-alerts.yaml', {
    namespace,
    labels,
    // Stale: the last completed run is too old; or none ever completed since the CronJob was
    // created that long ago; or the CronJob is gone.
    staleExpr: [
      `(time() - max(kube_cronjob_status_last_successful_time{${cron}}) > ${stale})`,
      `or (absent(kube_cronjob_status_last_successful_time{${cron}}) and on() (time() - max(kube_cronjob_created{${cron}}) > ${stale}))`,
      `or absent(kube_cronjob_created{${cron}})`,
    ].join('\n'),
    staleSummary: `kubestrap's in-cluster verifier has not completed a run for ${staleAfter}: the scorecard is stale.`,
    staleDescription: `Look at the CronJob: kubectl -n ${verifierNamespace} get cronjob,jobs,pods -l app.kubernetes.io/name=${verifier.name}; a pull error means spec.verification.inCluster.image is not reachable.`,
    driftExpr: `max(kube_configmap_labels{namespace="${verifierNamespace}", configmap="${verifier.results}", label_${driftLabel.replace(/[./-]/g, '_')}="true"}) == 1`,
    driftDescription: `Read the failed checks: kubectl -n ${verifierNamespace} get configmap ${verifier.results} -o jsonpath='{.data.checks\\.json}'; kubestrap up converges them.`,
  });
}
