/** The provider profiles of spec.cluster.profile (what each decides: src/config/profile.ts). */
export const clusterProfiles = ['kind', 'eks', 'gke', 'aks', 'kubeadm', 'generic'] as const;
export type ClusterProfile = (typeof clusterProfiles)[number];

/** Add-ons a provider may already run, which kubestrap then adopts instead of installing. */
export const providerAddonNames = ['metrics-server', 'snapshot-controller', 'gateway-api-crds'] as const;
export type ProviderAddon = (typeof providerAddonNames)[number];
