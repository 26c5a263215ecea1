/** Pure argv builders for kind; `kind.ts` runs them. */
export function createClusterArgs(name: string, configFile: string, wait: boolean): string[] {
  return ['kind', 'create', 'cluster', '--name', name, '--config', configFile, ...(wait ? ['--wait', '5m'] : [])];
}

export function deleteClusterArgs(name: string): string[] {
  return ['kind', 'delete', 'cluster', '--name', name];
}

export function exportKubeconfigArgs(name: string): string[] {
  return ['kind', 'export', 'kubeconfig', '--name', name];
}
