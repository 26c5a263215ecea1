// What each cross-step rule tells the user: its severity, the facts its message names (the key, the
// value that breaks it) and the change its fix proposes; and, next to each, a neighbouring configuration
// that must not fire it. Written against the mutants StrykerJS found surviving or uncovered in
// src/config/rules.ts (npm run mutation, docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { evaluateRules } from '../../src/config/rules.js';

function results(spec: string) {
  const { config } = parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n${spec}`,
    '/x/k.yaml',
  );
  return evaluateRules(config);
}
const find = (spec: string, rule: string) => results(spec).find((r) => r.rule === rule);

const existing = (profile: string) => `  cluster: { provider: existing, context: prod, profile: ${profile} }\n`;
const wiAws = 'arn:aws:iam::123456789012:role/velero';
const wiGcp = 'velero@my-project.iam.gserviceaccount.com';
const wiAzure = '01234567-89ab-cdef-0123-456789abcdef';
const azureLocation = '{ resourceGroup: rg, storageAccount: acct1 }';

interface Case {
  rule: string;
  spec: string;
  severity: 'error' | 'warning';
  message: string[];
  fix: string[];
  /** A configuration next to `spec` that this rule accepts. */
  not?: string;
}

const cases: Case[] = [
  {
    rule: 'existing-needs-context',
    spec: '  cluster: { provider: existing }\n',
    severity: 'error',
    message: ['no kube context is named'],
    fix: ['spec.cluster.context', '--context'],
    not: existing('generic'),
  },
  {
    rule: 'kind-takes-no-context',
    spec: '  cluster: { name: lab, context: prod }\n',
    severity: 'error',
    message: ['kind-lab'],
    fix: ['spec.cluster.provider: existing'],
    not: '  cluster: { name: lab }\n',
  },
  {
    rule: 'kube-proxy-replacement-needs-cilium',
    spec: '  networking: { cni: calico, kubeProxyReplacement: true }\n',
    severity: 'error',
    message: ['spec.networking.cni is calico'],
    fix: ['cni: cilium', 'kubeProxyReplacement: false'],
    not: '  networking: { cni: cilium, kubeProxyReplacement: true }\n',
  },
  {
    rule: 'kube-proxy-replacement-on-existing',
    spec: `${existing('generic')}  networking: { cni: cilium, kubeProxyReplacement: true }\n`,
    severity: 'warning',
    message: ['existing cluster needs kube-proxy removed'],
    fix: ['kubeProxyReplacement: false'],
    not: '  networking: { cni: cilium, kubeProxyReplacement: true }\n',
  },
  {
    rule: 'cni-on-existing',
    spec: `${existing('generic')}  networking: { cni: calico }\n`,
    severity: 'warning',
    message: ['installing calico on an existing cluster'],
    fix: ['cni: default'],
    not: `${existing('generic')}  networking: { cni: default }\n`,
  },
  {
    rule: 'cilium-gateway-needs-kpr',
    spec: '  networking: { cni: cilium, gateway: cilium }\n',
    severity: 'error',
    message: ['needs Cilium with kube-proxy replacement'],
    fix: ['gateway: envoy-gateway'],
    not: '  networking: { cni: cilium, kubeProxyReplacement: true, gateway: cilium }\n',
  },
  {
    rule: 'policy-controller-needs-default-cni',
    spec: '  networking: { cni: calico, policyController: kube-router }\n',
    severity: 'error',
    message: ['calico enforces NetworkPolicies itself', '(kube-router)'],
    fix: ['policyController: none'],
    not: '  networking: { cni: default, policyController: kube-router }\n',
  },
  {
    rule: 'kind-default-cni-policies',
    spec: '  networking: { cni: default }\n  tenants: [{ name: a }]\n',
    severity: 'warning',
    message: ['NFT_QUEUE'],
    fix: ['policyController: kube-router'],
    not: '  networking: { cni: default }\n  tenants: []\n',
  },
  {
    rule: 'vpa-needs-metrics-server',
    spec: '  monitoring: { metricsServer: false }\n',
    severity: 'error',
    message: ['metrics-server, which is disabled'],
    fix: ['metricsServer: true', 'vpa.enabled: false'],
    not: '  monitoring: { metricsServer: false }\n  autoscaling: { vpa: { enabled: false } }\n',
  },
  {
    rule: 'hpa-needs-metrics-server',
    spec: '  monitoring: { metricsServer: false }\n',
    severity: 'warning',
    message: ['cannot read CPU metrics'],
    fix: ['spec.monitoring.metricsServer: true'],
    not: '  monitoring: { metricsServer: true }\n',
  },
  {
    rule: 'hpa-min-max',
    spec: '  autoscaling: { hpa: { minReplicas: 5, maxReplicas: 3 } }\n',
    severity: 'error',
    message: ['minReplicas (5) is above maxReplicas (3)'],
    fix: ['minReplicas <= maxReplicas'],
    not: '  autoscaling: { hpa: { minReplicas: 3, maxReplicas: 3 } }\n',
  },
  {
    rule: 'cluster-autoscaler-provider',
    spec: '  autoscaling: { clusterAutoscaler: { provider: gce } }\n',
    severity: 'error',
    message: ['provider gce cannot add nodes to a kind cluster'],
    fix: ['provider: none'],
    not: '  autoscaling: { clusterAutoscaler: { provider: none } }\n',
  },
  {
    rule: 'cluster-autoscaler-profile',
    spec: `${existing('gke')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1 } }\n`,
    severity: 'error',
    message: ['provider aws cannot scale a Google GKE cluster', "gce's"],
    fix: ['clusterAutoscaler.provider: gce', 'spec.cluster.profile'],
    not: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1 } }\n`,
  },
  {
    rule: 'cluster-autoscaler-profile',
    spec: `${existing('kubeadm')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1 } }\n`,
    severity: 'error',
    message: ['provider aws needs the cloud', 'a kubeadm cluster does not give'],
    fix: ['clusterapi', 'eks, gke or aks'],
    not: `${existing('kubeadm')}  autoscaling: { clusterAutoscaler: { provider: clusterapi } }\n`,
  },
  {
    rule: 'gce-autoscaler-node-groups',
    spec: `${existing('gke')}  autoscaling: { clusterAutoscaler: { provider: gce } }\n`,
    severity: 'error',
    message: ['nodeGroups is empty'],
    fix: ['namePrefix'],
    not: `${existing('gke')}  autoscaling: { clusterAutoscaler: { provider: gce, nodeGroups: [{ namePrefix: gke-a, minSize: 1, maxSize: 2 }] } }\n`,
  },
  {
    rule: 'autoscaler-node-group-sizes',
    spec: `${existing('gke')}  autoscaling: { clusterAutoscaler: { provider: gce, nodeGroups: [{ namePrefix: gke-a, minSize: 1, maxSize: 1 }, { namePrefix: gke-b, minSize: 5, maxSize: 3 }] } }\n`,
    severity: 'error',
    message: ['node group gke-b: minSize (5) is above maxSize (3)'],
    fix: ['minSize <= maxSize'],
    not: `${existing('gke')}  autoscaling: { clusterAutoscaler: { provider: gce, nodeGroups: [{ namePrefix: gke-a, minSize: 3, maxSize: 3 }] } }\n`,
  },
  {
    rule: 'azure-autoscaler-identity',
    spec: `${existing('aks')}  autoscaling: { clusterAutoscaler: { provider: azure } }\n`,
    severity: 'error',
    message: ['neither workloadIdentity.azureClientId nor a credentialsSecret'],
    fix: ['credentialsSecret in kube-system'],
    not: `${existing('aks')}  autoscaling: { clusterAutoscaler: { provider: azure, credentialsSecret: ca } }\n`,
  },
  {
    rule: 'azure-autoscaler-identity',
    spec: `${existing('aks')}  autoscaling: { clusterAutoscaler: { provider: azure, workloadIdentity: { azureClientId: ${wiAzure} } } }\n`,
    severity: 'error',
    message: ['subscription and node resource group'],
    fix: ['azure.subscriptionId and .resourceGroup'],
    not: `${existing('aks')}  autoscaling: { clusterAutoscaler: { provider: azure, workloadIdentity: { azureClientId: ${wiAzure} }, azure: { subscriptionId: ${wiAzure}, resourceGroup: MC_rg } } }\n`,
  },
  {
    rule: 'autoscaler-identity-profile',
    spec: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1, workloadIdentity: { gcpServiceAccount: ${wiGcp} } } }\n`,
    severity: 'error',
    message: ['spec.autoscaling.clusterAutoscaler.workloadIdentity.gcpServiceAccount is Google GKE workload identity', 'profile is eks.'],
    fix: ['use spec.autoscaling.clusterAutoscaler.workloadIdentity.awsRoleArn instead'],
    not: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`,
  },
  {
    rule: 'autoscaler-static-keys',
    spec: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1, credentialsSecret: ca, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`,
    severity: 'error',
    message: ['both workloadIdentity and a credentialsSecret'],
    fix: ['remove spec.autoscaling.clusterAutoscaler.credentialsSecret'],
    not: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1, credentialsSecret: ca } }\n`,
  },
  {
    rule: 'aws-autoscaler-region',
    spec: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws } }\n`,
    severity: 'error',
    message: ['region of the Auto Scaling groups'],
    fix: ['clusterAutoscaler.region'],
    not: `${existing('eks')}  autoscaling: { clusterAutoscaler: { provider: aws, region: eu-west-1 } }\n`,
  },
  {
    rule: 'opencost-needs-prometheus',
    spec: '  monitoring: { prometheus: { enabled: false }, grafana: false }\n',
    severity: 'error',
    message: ['OpenCost reads usage from Prometheus'],
    fix: ['spec.cost.opencost: false'],
    not: '  monitoring: { prometheus: { enabled: false }, grafana: false }\n  cost: { opencost: false }\n',
  },
  {
    rule: 'grafana-needs-prometheus',
    spec: '  monitoring: { prometheus: { enabled: false } }\n  cost: { opencost: false }\n',
    severity: 'error',
    message: ['Grafana is installed as part of kube-prometheus-stack'],
    fix: ['spec.monitoring.grafana: false'],
    not: '  monitoring: { prometheus: { enabled: false }, grafana: false }\n  cost: { opencost: false }\n',
  },
  {
    rule: 'alerts-need-prometheus',
    spec: '  monitoring: { prometheus: { enabled: false }, grafana: false, alertReceivers: [{ name: w, type: webhook, secretRef: { name: w, key: url } }] }\n  cost: { opencost: false }\n',
    severity: 'error',
    message: ['alert receivers need Alertmanager'],
    fix: ['remove spec.monitoring.alertReceivers'],
    not: '  monitoring: { prometheus: { enabled: false }, grafana: false }\n  cost: { opencost: false }\n',
  },
  {
    rule: 'no-alert-receivers',
    spec: existing('generic'),
    severity: 'warning',
    message: ['alertReceivers is empty'],
    fix: ['slack, webhook or pagerduty'],
    not: `${existing('generic')}  monitoring: { alertReceivers: [{ name: w, type: webhook, secretRef: { name: w, key: url } }] }\n`,
  },
  {
    rule: 'dead-mans-switch-needs-prometheus',
    spec: '  monitoring: { prometheus: { enabled: false }, grafana: false, deadMansSwitch: { secretRef: { name: d, key: url } } }\n  cost: { opencost: false }\n',
    severity: 'error',
    message: ['Watchdog alert'],
    fix: ['remove spec.monitoring.deadMansSwitch'],
    not: '  monitoring: { deadMansSwitch: { secretRef: { name: d, key: url } } }\n',
  },
  {
    rule: 'no-dead-mans-switch',
    spec: existing('generic'),
    severity: 'warning',
    message: ["no dead man's switch"],
    fix: ['deadMansSwitch.secretRef'],
    not: `${existing('generic')}  monitoring: { deadMansSwitch: { secretRef: { name: d, key: url } } }\n`,
  },
  {
    rule: 'control-plane-metrics-on-kind',
    spec: '  monitoring: { controlPlaneMetrics: { kubeProxy: true } }\n',
    severity: 'warning',
    message: ['ignored on kind'],
    fix: ['remove spec.monitoring.controlPlaneMetrics'],
    not: '  monitoring: { controlPlaneMetrics: { kubeProxy: false } }\n',
  },
  {
    rule: 'backup-credentials',
    spec: '  backup: { storage: { type: gcs } }\n',
    severity: 'error',
    message: ['backups to gcs need an identity'],
    fix: ['create a Secret with a "cloud" key'],
    not: '  backup: { storage: { type: gcs, credentialsSecret: c } }\n',
  },
  {
    rule: 'backup-identity-profile',
    spec: `${existing('kubeadm')}  backup: { storage: { type: s3, region: eu-west-1, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`,
    severity: 'error',
    message: [
      'spec.backup.storage.workloadIdentity.awsRoleArn is Amazon EKS workload identity',
      'kubeadm, which has no workload identity kubestrap can wire',
    ],
    fix: ['remove spec.backup.storage.workloadIdentity'],
    not: `${existing('eks')}  backup: { storage: { type: s3, region: eu-west-1, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`,
  },
  {
    rule: 'backup-identity-storage',
    spec: `${existing('eks')}  backup: { storage: { type: gcs, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`,
    severity: 'error',
    message: ['workloadIdentity.awsRoleArn grants access to s3 storage', 'type is gcs.'],
    fix: ['spec.backup.storage.type: s3'],
    not: `${existing('gke')}  backup: { storage: { type: gcs, workloadIdentity: { gcpServiceAccount: ${wiGcp} } } }\n`,
  },
  {
    rule: 'backup-static-keys',
    spec: `${existing('eks')}  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`,
    severity: 'error',
    message: ['both workloadIdentity and a credentialsSecret'],
    fix: ['remove spec.backup.storage.credentialsSecret'],
    not: `${existing('eks')}  backup: { storage: { type: s3, region: eu-west-1, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`,
  },
  {
    rule: 'backup-static-keys',
    spec: `${existing('eks')}  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
    severity: 'warning',
    message: ['static cloud keys from Secret c', 'on Amazon EKS'],
    fix: ['workloadIdentity.awsRoleArn and remove credentialsSecret'],
    not: `${existing('kubeadm')}  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
  },
  {
    rule: 'azure-backup-subscription',
    spec: `${existing('aks')}  backup: { storage: { type: azure, workloadIdentity: { azureClientId: ${wiAzure} }, azure: ${azureLocation} } }\n`,
    severity: 'error',
    message: ["reads the storage account's subscription"],
    fix: ['spec.backup.storage.azure.subscriptionId'],
    not: `${existing('aks')}  backup: { storage: { type: azure, workloadIdentity: { azureClientId: ${wiAzure} }, azure: { resourceGroup: rg, storageAccount: acct1, subscriptionId: ${wiAzure} } } }\n`,
  },
  {
    rule: 'control-plane-metrics-managed',
    spec: `${existing('eks')}  monitoring: { controlPlaneMetrics: { kubeProxy: true, etcd: true, scheduler: true } }\n`,
    severity: 'error',
    message: ['Amazon EKS runs the control plane', 'scraping etcd, scheduler would'],
    fix: ['controlPlaneMetrics.etcd: false'],
    not: `${existing('eks')}  monitoring: { controlPlaneMetrics: { kubeProxy: true } }\n`,
  },
  {
    rule: 'load-balancer-annotations-cilium',
    spec: `${existing('eks')}  networking: { cni: cilium, kubeProxyReplacement: true, gateway: cilium }\n`,
    severity: 'warning',
    message: ["Cilium creates the Gateway's LoadBalancer Service itself"],
    fix: ['spec.infrastructure.annotations'],
    not: `${existing('generic')}  networking: { cni: cilium, kubeProxyReplacement: true, gateway: cilium }\n`,
  },
  {
    rule: 'internal-load-balancer-profile',
    spec: `${existing('generic')}  networking: { loadBalancer: { internal: true } }\n`,
    severity: 'error',
    message: ['the generic profile knows no annotation'],
    fix: ['spec.networking.loadBalancer.annotations'],
    not: `${existing('eks')}  networking: { loadBalancer: { internal: true } }\n`,
  },
  {
    rule: 's3-region',
    spec: '  backup: { storage: { type: s3, credentialsSecret: c } }\n',
    severity: 'error',
    message: ['S3 backups need spec.backup.storage.region'],
    fix: ['eu-west-1'],
    not: '  backup: { storage: { type: s3, credentialsSecret: c, region: eu-west-1 } }\n',
  },
  {
    rule: 'azure-location',
    spec: '  backup: { storage: { type: azure, credentialsSecret: c } }\n',
    severity: 'error',
    message: ['resource group and storage account'],
    fix: ['azure.resourceGroup and .storageAccount'],
    not: `  backup: { storage: { type: azure, credentialsSecret: c, azure: ${azureLocation} } }\n`,
  },
  {
    rule: 'minio-is-for-dev',
    spec: existing('generic'),
    severity: 'warning',
    message: ['in-cluster MinIO'],
    fix: ['s3, gcs or azure'],
    not: `${existing('generic')}  backup: { enabled: false }\n`,
  },
  {
    rule: 'local-charts-need-dir',
    spec: '  charts: { source: local }\n',
    severity: 'error',
    message: ['spec.charts.localDir is not set'],
    fix: ['./charts/cilium'],
    not: '  charts: { source: local, localDir: ./charts }\n',
  },
  {
    rule: 'oci-needs-mirror',
    spec: '  charts: { source: oci }\n',
    severity: 'error',
    message: ['spec.charts.ociMirror is not set'],
    fix: ['oci://registry.example.com/charts'],
    not: '  charts: { source: oci, ociMirror: "oci://registry.example.com/charts" }\n',
  },
  {
    rule: 'snapshot-backups-need-a-driver',
    spec: `${existing('kubeadm')}  backup: { volumes: snapshot }\n`,
    severity: 'error',
    message: ['no CSI driver for the volumes of a kubeadm cluster'],
    fix: ['spec.backup.snapshotDriver'],
    not: `${existing('kubeadm')}  backup: { volumes: snapshot, snapshotDriver: ebs.csi.aws.com }\n`,
  },
  {
    rule: 'tenant-names',
    spec: '  tenants: [{ name: a }, { name: b }, { name: a }]\n',
    severity: 'error',
    message: ['tenant "a" is listed twice'],
    fix: ['list each tenant once'],
    not: '  tenants: [{ name: a }, { name: b }]\n',
  },
  {
    rule: 'tenant-names',
    spec: '  tenants: [{ name: a }, { name: kube-node-lease }]\n',
    severity: 'error',
    message: ['tenant "kube-node-lease" would take over a system namespace'],
    fix: ['choose another tenant name'],
    not: '  tenants: [{ name: kube-node }]\n',
  },
  {
    rule: 'enforce-needs-ha-policy-engine',
    spec: '  security: { policyEngine: { validationFailureAction: Enforce, replicas: 2 } }\n',
    severity: 'warning',
    message: ['fewer than 3 admission replicas'],
    fix: ['replicas: 3'],
    not: '  security: { policyEngine: { validationFailureAction: Enforce, replicas: 3 } }\n',
  },
  {
    rule: 'longhorn-on-kind',
    spec: '  storage: { provisioner: longhorn }\n',
    severity: 'warning',
    message: ['open-iscsi'],
    fix: ['provisioner: builtin'],
    not: `${existing('generic')}  storage: { provisioner: longhorn }\n`,
  },
];

describe('each rule names what breaks it and how to fix it', () => {
  it.each(cases.map((c) => [`${c.rule}: ${c.message[0]!}`, c]))('%s', (_name, c) => {
    const r = find(c.spec, c.rule);
    expect(r, `${c.rule} should fire`).toBeDefined();
    expect(r!.severity).toBe(c.severity);
    for (const m of c.message) expect(r!.message).toContain(m);
    for (const f of c.fix) expect(r!.fix).toContain(f);
  });

  it.each(cases.filter((c) => c.not).map((c) => [`${c.rule}: not for its neighbour of "${c.message[0]!}"`, c]))('%s', (_name, c) => {
    expect(find(c.not!, c.rule)).toBeUndefined();
  });
});

describe('details of single rules', () => {
  it('the identity-mismatch fix names the identity the profile takes, and nothing fires for a matching one', () => {
    const aks = find(
      `${existing('aks')}  backup: { storage: { type: azure, workloadIdentity: { gcpServiceAccount: ${wiGcp} }, azure: ${azureLocation} } }\n`,
      'backup-identity-profile',
    );
    expect(aks?.message).toBe(
      'spec.backup.storage.workloadIdentity.gcpServiceAccount is Google GKE workload identity, but spec.cluster.profile is aks.',
    );
    expect(aks?.fix).toBe('use spec.backup.storage.workloadIdentity.azureClientId instead');
  });

  it('backup identity rules look at nothing while backups are off', () => {
    const spec = `${existing('kubeadm')}  backup: { enabled: false, volumes: snapshot, storage: { type: gcs, credentialsSecret: c, workloadIdentity: { awsRoleArn: "${wiAws}" } } }\n`;
    const fired = results(spec).map((r) => r.rule);
    for (const rule of [
      'backup-credentials',
      'backup-identity-profile',
      'backup-identity-storage',
      'backup-static-keys',
      'snapshot-backups-need-a-driver',
    ])
      expect(fired).not.toContain(rule);
  });

  it('the backup-credentials fix offers the profile’s workload identity first where there is one', () => {
    expect(find(`${existing('gke')}  backup: { storage: { type: gcs } }\n`, 'backup-credentials')?.fix).toMatch(
      /^set spec\.backup\.storage\.workloadIdentity\.gcpServiceAccount \(no key stored in the cluster\), or create a Secret/,
    );
    expect(find(`${existing('kubeadm')}  backup: { storage: { type: gcs } }\n`, 'backup-credentials')?.fix).toMatch(/^create a Secret/);
  });

  it('Longhorn and a known driver both satisfy snapshot backups; an unknown profile does not', () => {
    expect(
      find(
        `${existing('kubeadm')}  backup: { volumes: snapshot }\n  storage: { provisioner: longhorn }\n`,
        'snapshot-backups-need-a-driver',
      ),
    ).toBeUndefined();
    expect(find(`${existing('gke')}  backup: { volumes: snapshot }\n`, 'snapshot-backups-need-a-driver')).toBeUndefined();
    expect(find(`${existing('kubeadm')}  backup: { volumes: file-system }\n`, 'snapshot-backups-need-a-driver')).toBeUndefined();
  });

  it('cluster-autoscaler-profile only judges cloud providers on existing clusters', () => {
    expect(
      find(`${existing('kubeadm')}  autoscaling: { clusterAutoscaler: { provider: none } }\n`, 'cluster-autoscaler-profile'),
    ).toBeUndefined();
    expect(find('  autoscaling: { clusterAutoscaler: { provider: aws } }\n', 'cluster-autoscaler-profile')).toBeUndefined();
  });

  it('an internal load balancer with annotations of the user’s own, or without a gateway, is fine on any profile', () => {
    expect(
      find(
        `${existing('generic')}  networking: { loadBalancer: { internal: true, annotations: { metallb.io/address-pool: internal } } }\n`,
        'internal-load-balancer-profile',
      ),
    ).toBeUndefined();
    expect(
      find(`${existing('generic')}  networking: { gateway: none, loadBalancer: { internal: true } }\n`, 'internal-load-balancer-profile'),
    ).toBeUndefined();
  });

  it('Cilium’s own gateway is warned about on a profile without annotations only when the user asks for some', () => {
    const cilium = 'cni: cilium, kubeProxyReplacement: true, gateway: cilium';
    expect(
      find(`${existing('generic')}  networking: { ${cilium}, loadBalancer: { internal: true } }\n`, 'load-balancer-annotations-cilium'),
    ).toBeDefined();
    expect(
      find(
        `${existing('generic')}  networking: { ${cilium}, loadBalancer: { annotations: { a/b: c } } }\n`,
        'load-balancer-annotations-cilium',
      ),
    ).toBeDefined();
    expect(find(`  networking: { ${cilium}, loadBalancer: { internal: true } }\n`, 'load-balancer-annotations-cilium')).toBeUndefined();
  });
});
