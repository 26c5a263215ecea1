/** Pure argv builders for helm, for both majors; `helm.ts` runs them. Every argv names --kube-context. */
import type { ChartSourceRef, HelmRelease } from './helm-release.js';
import type { Target } from './target.js';

export type HelmMajor = 3 | 4;

export function helmTargetArgs(target: Target): string[] {
  return [...(target.kubeconfig ? ['--kubeconfig', target.kubeconfig] : []), '--kube-context', target.context];
}

/** `helm upgrade --install` with the pinned version and the wait/rollback flags of the helm major. */
export function upgradeInstallArgs(target: Target, r: HelmRelease, valuesFile: string, timeout: string, major: HelmMajor): string[] {
  const waitFlags = major === 4 ? ['--wait=watcher', '--rollback-on-failure'] : ['--wait', '--atomic'];
  return [
    'helm',
    'upgrade',
    '--install',
    r.release,
    r.chart.ref,
    ...(r.chart.repo ? ['--repo', r.chart.repo] : []),
    ...(r.chart.version ? ['--version', r.chart.version] : []),
    '--namespace',
    r.namespace,
    '--create-namespace',
    '--values',
    valuesFile,
    ...waitFlags,
    '--timeout',
    timeout,
    ...helmTargetArgs(target),
  ];
}

/** `helm show crds`: the CRDs a chart (and its subcharts) carries; reads the chart only, never a cluster. */
export function showCrdsArgs(chart: ChartSourceRef): string[] {
  return [
    'helm',
    'show',
    'crds',
    chart.ref,
    ...(chart.repo ? ['--repo', chart.repo] : []),
    ...(chart.version ? ['--version', chart.version] : []),
  ];
}

export function uninstallArgs(target: Target, release: string, namespace: string, timeout: string): string[] {
  return ['helm', 'uninstall', release, '--namespace', namespace, '--wait', '--timeout', timeout, ...helmTargetArgs(target)];
}

export function historyArgs(target: Target, release: string, namespace: string): string[] {
  return ['helm', 'history', release, '--namespace', namespace, '--max', '20', '--output', 'json', ...helmTargetArgs(target)];
}

export function rollbackArgs(
  target: Target,
  release: string,
  namespace: string,
  revision: number,
  timeout: string,
  major: HelmMajor,
): string[] {
  return [
    'helm',
    'rollback',
    release,
    String(revision),
    '--namespace',
    namespace,
    major === 4 ? '--wait=watcher' : '--wait',
    '--timeout',
    timeout,
    ...helmTargetArgs(target),
  ];
}

export function statusArgs(target: Target, release: string, namespace: string): string[] {
  return ['helm', 'status', release, '--namespace', namespace, '--output', 'json', ...helmTargetArgs(target)];
}
