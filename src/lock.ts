/**
 * The lock: every chart, image and node-image version kubestrap installs, pinned in ONE table.
 * Facts gathered 2026-11-27 (see docs/versions.md). `kubestrap doctor` and `plan` read from here;
 * nothing else in the code base may spell a version.
 */
export interface ChartPin {
  /** Chart name in its repository (and the directory name under a local chart directory). */
  chart: string;
  version: string;
  /** Public HTTP repository, used when `spec.charts.source` is `repository`. */
  repo: string;
  /** Set when upstream publishes the chart only (or preferably) as an OCI artifact. */
  oci?: string;
  appVersion?: string;
}

export const kubernetesMinors = ['1.35', '1.36', '1.37'] as const;
export type KubernetesMinor = (typeof kubernetesMinors)[number];
export const defaultKubernetesMinor: KubernetesMinor = '1.36';

export const lock = {
  tools: {
    kind: 'v0.33.0',
    helmMajors: [3, 4],
    helm: 'v4.3.1',
  },
  kindNodeImages: {
    '1.37': 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
    '1.36': 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed',
    '1.35': 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0',
  } satisfies Record<KubernetesMinor, string>,
  manifests: {
    gatewayApi: {
      version: 'v1.6.1',
      url: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml',
    },
  },
  images: {
    // Plugin v1.14 for Velero 1.18 (v1.13 pairs with 1.17): v1.14.3, the newest patch release of
    // that line, backs up and restores a volume with Velero v1.18.1 on the real kind tier.
    veleroPluginForAws: 'velero/velero-plugin-for-aws:v1.14.3',
    // The in-cluster object store for kind backups (plain manifests, no chart); the real kind tier
    // builds this release from its commit (07c3a429bfed) and runs the restore drill against it.
    minio: 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z',
    // The smoke workload is busybox httpd serving one page (the smoke-http probe reads it).
    smokeTest: 'busybox:1.37.0',
    // Functional probes (DNS, pod-to-pod, PVC) on real clusters.
    probe: 'busybox:1.37.0',
    // ⚠ not published by this repository yet: the in-cluster verifier (verifier/, built into an
    // image by test/cluster/real/addon-images/components/verifier.sh); spec.verification.inCluster.image names your copy.
    verifier: 'ghcr.io/kubestrap/verifier:0.1.0',
    // spec.networking.policyController: kube-router (policy-only). ⚠ v2.1.0 is the newest release the
    // Go module proxy serves the project's build machines (so its real tier can build it); later
    // releases carry security fixes: move the pin when they can be built and tested here.
    kubeRouter: 'docker.io/cloudnativelabs/kube-router:v2.1.0',
    // ⚠ unconfirmed tag: the GCP plugin for Velero 1.18 (assumed to follow the AWS plugin's v1.14).
    veleroPluginForGcp: 'velero/velero-plugin-for-gcp:v1.14.0',
    // ⚠ unconfirmed tag: the Azure plugin for Velero 1.18 (assumed to follow the AWS plugin's v1.14).
    veleroPluginForAzure: 'velero/velero-plugin-for-microsoft-azure:v1.14.0',
    // The MinIO client that creates the kind backup bucket (a Job, no shell); built on the real kind
    // tier from this release's commit (7394ce0dd2a8).
    minioClient: 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z',
  },
  /**
   * cluster-autoscaler must match the cluster's Kubernetes minor; the chart's `image.tag` is set
   * from here. ⚠ unconfirmed: that a vX.Y.0 release exists for each supported minor.
   */
  clusterAutoscalerImageTags: {
    '1.37': 'v1.37.0',
    '1.36': 'v1.36.0',
    '1.35': 'v1.35.0',
  } satisfies Record<KubernetesMinor, string>,
  charts: {
    cilium: { chart: 'cilium', version: '1.19.5', repo: 'https://helm.cilium.io', oci: 'oci://quay.io/cilium/charts/cilium' },
    calicoCrds: { chart: 'crd.projectcalico.org.v1', version: 'v3.32.1', repo: 'https://docs.tigera.io/calico/charts' },
    tigeraOperator: { chart: 'tigera-operator', version: 'v3.32.1', repo: 'https://docs.tigera.io/calico/charts' },
    longhorn: { chart: 'longhorn', version: '1.11.2', repo: 'https://charts.longhorn.io' },
    snapshotController: { chart: 'snapshot-controller', version: '5.2.0', repo: 'https://piraeus.io/helm-charts/' },
    kyverno: { chart: 'kyverno', version: '3.9.0', repo: 'https://kyverno.github.io/kyverno/', appVersion: '1.19.0' },
    // ⚠ the ValidatingPolicy API version Kyverno 1.19 serves (policies.kyverno.io/v1 assumed by the
    // test stand-in) and `vpolExclude` in 3.9.0 were seen in 3.9.x chart sources, not in 3.9.0 itself.
    kyvernoPolicies: { chart: 'kyverno-policies', version: '3.9.0', repo: 'https://kyverno.github.io/kyverno/' },
    certManager: {
      chart: 'cert-manager',
      version: 'v1.21.1',
      repo: 'https://charts.jetstack.io',
      oci: 'oci://quay.io/jetstack/charts/cert-manager',
    },
    // ⚠ which Gateway API version v1.9.0 bundles in its crds/ (helm leaves the pinned CRDs applied first alone).
    envoyGateway: { chart: 'gateway-helm', version: 'v1.9.0', repo: '', oci: 'oci://docker.io/envoyproxy/gateway-helm' },
    // ⚠ the `web` entryPoint port (8000) the shared Gateway's listener uses was read from a recent values.yaml, not 41.3.0.
    traefik: { chart: 'traefik', version: '41.3.0', repo: 'https://traefik.github.io/charts' },
    metricsServer: {
      chart: 'metrics-server',
      version: '3.13.1',
      repo: 'https://kubernetes-sigs.github.io/metrics-server/',
      appVersion: '0.8.1',
    },
    kubePrometheusStack: {
      chart: 'kube-prometheus-stack',
      version: '88.5.3',
      repo: 'https://prometheus-community.github.io/helm-charts',
      appVersion: 'v0.93.1',
    },
    // ⚠ repository URL inferred from the grafana-community organisation (the facts name the org, not the URL).
    loki: { chart: 'loki', version: '18.11.0', repo: 'https://grafana-community.github.io/helm-charts', appVersion: '3.7.6' },
    vpa: { chart: 'vpa', version: '5.0.0', repo: 'https://charts.fairwinds.com/stable', appVersion: '1.7.1' },
    clusterAutoscaler: { chart: 'cluster-autoscaler', version: '9.59.0', repo: 'https://kubernetes.github.io/autoscaler' },
    velero: { chart: 'velero', version: '12.1.0', repo: 'https://vmware-tanzu.github.io/helm-charts', appVersion: '1.18.1' },
    opencost: { chart: 'opencost', version: '2.5.17', repo: 'https://opencost.github.io/opencost-helm-chart', appVersion: '1.120.1' },
  } satisfies Record<string, ChartPin>,
} as const;

export type ChartKey = keyof typeof lock.charts;
