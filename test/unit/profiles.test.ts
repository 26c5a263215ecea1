// Issue 11 item 1, provider profiles: what each profile renders (scraping, provider add-ons adopted,
// workload identity, load balancer annotations, cluster-autoscaler values), the rules that refuse
// what a profile cannot do, bad input located in the file, and the detection from node facts.
// Pure renders and pure functions; the detection against a real API server is test/e2e/profile-detection.test.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { initCommand } from '../../src/commands/init.js';
import { loadConfigFile } from '../../src/config/load.js';
import { compareProfile, detectProfile, type NodeFacts } from '../../src/config/profile.js';
import { evaluateRules } from '../../src/config/rules.js';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import type { Prompter } from '../../src/prompts.js';
import { buildPlan, type Plan } from '../../src/plan/plan.js';

type Spec = NonNullable<ConfigInput['spec']>;
const base = (spec: Spec): Config =>
  configSchema.parse({ apiVersion: 'kubestrap.dev/v1alpha1', kind: 'Roadmap', metadata: { name: 'p' }, spec });
const existing = (profile: string, extra: Omit<Spec, 'cluster'> & { cluster?: Spec['cluster'] } = {}): Config =>
  base({
    ...extra,
    cluster: { provider: 'existing', context: 'ctx', profile: profile as never, ...(extra.cluster ?? {}) },
    networking: { cni: 'default', ...(extra.networking ?? {}) },
  });

const plan = (config: Config): Plan => buildPlan({ config, baseDir: '/tmp', outDir: '/tmp/kubestrap-profiles-plan' });
const steps = (p: Plan) => p.phases.flatMap((ph) => ph.steps);
const releases = (p: Plan) => steps(p).flatMap((s) => s.rendered.actions.flatMap((a) => (a.type === 'helm' ? [a.release] : [])));
function values(p: Plan, release: string): Record<string, any> {
  const r = releases(p).find((x) => x.release === release);
  if (!r) throw new Error(`no release ${release}`);
  const a = steps(p)
    .flatMap((s) => s.rendered.artifacts)
    .find((x) => x.path === r.values)!;
  return parse(a.content) as Record<string, any>;
}
function artifactText(p: Plan, file: string): string {
  return steps(p)
    .flatMap((s) => s.rendered.artifacts)
    .filter((a) => a.path.endsWith(`/${file}`))
    .map((a) => a.content)
    .join('\n---\n');
}
const notes = (p: Plan) => steps(p).flatMap((s) => s.rendered.notes ?? []);
const ruleIds = (c: Config, severity: 'error' | 'warning' = 'error') =>
  evaluateRules(c)
    .filter((r) => r.severity === severity)
    .map((r) => r.rule);

describe('what a profile scrapes', () => {
  it.each(['eks', 'gke', 'aks'])('%s: no control-plane component is scraped, and asking for one is a rule error', (profile) => {
    const v = values(plan(existing(profile)), 'kube-prometheus-stack');
    expect([v.kubeEtcd.enabled, v.kubeControllerManager.enabled, v.kubeScheduler.enabled, v.kubeProxy.enabled]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(ruleIds(existing(profile, { monitoring: { controlPlaneMetrics: { scheduler: true } } }))).toContain(
      'control-plane-metrics-managed',
    );
  });

  it('kubeadm: scrapes what the config turns on, and the plan says which bind addresses that needs', () => {
    const p = plan(existing('kubeadm', { monitoring: { controlPlaneMetrics: { etcd: true, scheduler: true } } }));
    const v = values(p, 'kube-prometheus-stack');
    expect([v.kubeEtcd.enabled, v.kubeControllerManager.enabled, v.kubeScheduler.enabled]).toEqual([true, false, true]);
    expect(notes(p).join('\n')).toMatch(/kube-scheduler --bind-address=0\.0\.0\.0/);
    expect(notes(p).join('\n')).toMatch(/listen-metrics-urls/);
  });

  it('kubeadm and generic scrape nothing by default', () => {
    for (const profile of ['kubeadm', 'generic']) {
      const v = values(plan(existing(profile)), 'kube-prometheus-stack');
      expect([v.kubeEtcd.enabled, v.kubeControllerManager.enabled, v.kubeScheduler.enabled, v.kubeProxy.enabled]).toEqual([
        false,
        false,
        false,
        false,
      ]);
    }
  });
});

describe('add-ons the provider runs', () => {
  it('gke: metrics-server, the snapshot controller and the Gateway API CRDs are adopted (checked, not installed), and the plan says so', () => {
    const p = plan(existing('gke'));
    const names = releases(p).map((r) => r.release);
    expect(names).not.toContain('metrics-server');
    expect(names).not.toContain('snapshot-controller');
    const actions = steps(p).flatMap((s) => s.rendered.actions);
    expect(actions.some((a) => a.type === 'apply-url')).toBe(false);
    const checks = steps(p).flatMap((s) => s.rendered.checks);
    expect(checks).toContainEqual({ type: 'apiservice-available', name: 'v1beta1.metrics.k8s.io' });
    expect(checks).toContainEqual({ type: 'crd-established', name: 'volumesnapshots.snapshot.storage.k8s.io' });
    expect(checks).toContainEqual({ type: 'crd-established', name: 'gateways.gateway.networking.k8s.io' });
    const text = notes(p).join('\n');
    expect(text).toMatch(/metrics-server: run by the provider/);
    expect(text).toMatch(/snapshot controller: run by the provider/);
    expect(text).toMatch(/Gateway API CRDs: run by the provider/);
  });

  it('aks: metrics-server adopted, the snapshot controller installed; eks installs both; providerAddons overrides the profile', () => {
    expect(releases(plan(existing('aks'))).map((r) => r.release)).toEqual(expect.arrayContaining(['snapshot-controller']));
    expect(releases(plan(existing('aks'))).map((r) => r.release)).not.toContain('metrics-server');
    expect(releases(plan(existing('eks'))).map((r) => r.release)).toEqual(
      expect.arrayContaining(['metrics-server', 'snapshot-controller']),
    );
    const own = plan(existing('gke', { cluster: { providerAddons: [] } }));
    expect(releases(own).map((r) => r.release)).toEqual(expect.arrayContaining(['metrics-server', 'snapshot-controller']));
  });
});

describe('the default StorageClass', () => {
  it('an existing cluster without spec.storage.defaultClass names no class in any volume, and the plan says the cluster default is used', () => {
    const p = plan(existing('generic'));
    const v = values(p, 'kube-prometheus-stack');
    expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBeUndefined();
    expect(v.grafana.persistence.storageClassName).toBeUndefined();
    expect(notes(p).join('\n')).toMatch(/default StorageClass: the cluster's own/);
    expect(steps(p).flatMap((s) => s.rendered.checks)).toContainEqual({ type: 'default-storageclass', name: undefined });
    expect(JSON.stringify(p)).not.toMatch(/"standard"/);
  });

  it('a named class is used and said; kind keeps standard', () => {
    const p = plan(existing('gke', { storage: { defaultClass: 'standard-rwo' } }));
    expect(values(p, 'kube-prometheus-stack').prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe(
      'standard-rwo',
    );
    expect(notes(p).join('\n')).toMatch(/default StorageClass: standard-rwo \(spec\.storage\.defaultClass\)/);
    const kind = plan(base({}));
    expect(values(kind, 'kube-prometheus-stack').prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe(
      'standard',
    );
  });
});

describe('workload identity', () => {
  it('eks: Velero and cluster-autoscaler get the IRSA role annotation and no static key', () => {
    const p = plan(
      existing('eks', {
        backup: {
          storage: {
            type: 's3',
            bucket: 'b-1',
            region: 'eu-west-1',
            workloadIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/velero' },
          },
        },
        autoscaling: {
          clusterAutoscaler: {
            provider: 'aws',
            region: 'eu-west-1',
            workloadIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/ca' },
          },
        },
      }),
    );
    const velero = values(p, 'velero');
    expect(velero.serviceAccount.server.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/velero' });
    expect(velero.credentials.useSecret).toBe(false);
    expect(velero.credentials.existingSecret).toBeUndefined();
    const ca = values(p, 'cluster-autoscaler');
    expect(ca.rbac.serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/ca' });
    expect(ca.awsRegion).toBe('eu-west-1');
    expect(ca.autoDiscovery.clusterName).toBe('kubestrap');
    expect(ca.extraEnvSecrets).toBeUndefined();
  });

  it('gke: the Google service account annotation; the GCS location names it; node pools by MIG prefix', () => {
    const p = plan(
      existing('gke', {
        backup: {
          storage: { type: 'gcs', bucket: 'b-1', workloadIdentity: { gcpServiceAccount: 'velero@my-project.iam.gserviceaccount.com' } },
        },
        autoscaling: {
          clusterAutoscaler: {
            provider: 'gce',
            nodeGroups: [{ namePrefix: 'gke-prod-pool-1', minSize: 1, maxSize: 5 }],
            workloadIdentity: { gcpServiceAccount: 'autoscaler@my-project.iam.gserviceaccount.com' },
          },
        },
      }),
    );
    expect(values(p, 'velero').serviceAccount.server.annotations).toEqual({
      'iam.gke.io/gcp-service-account': 'velero@my-project.iam.gserviceaccount.com',
    });
    expect(artifactText(p, 'backup-location.yaml')).toMatch(/serviceAccount: velero@my-project\.iam\.gserviceaccount\.com/);
    const ca = values(p, 'cluster-autoscaler');
    expect(ca.autoscalingGroupsnamePrefix).toEqual([{ name: 'gke-prod-pool-1', minSize: 1, maxSize: 5 }]);
    expect(ca.rbac.serviceAccount.annotations).toEqual({
      'iam.gke.io/gcp-service-account': 'autoscaler@my-project.iam.gserviceaccount.com',
    });
  });

  it('aks: client ID annotation plus the pod label the webhook selects on, for Velero (server and node agent) and cluster-autoscaler', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const p = plan(
      existing('aks', {
        backup: {
          storage: {
            type: 'azure',
            bucket: 'b-1',
            azure: { resourceGroup: 'rg', storageAccount: 'acct01', subscriptionId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' },
            workloadIdentity: { azureClientId: id },
          },
        },
        autoscaling: {
          clusterAutoscaler: {
            provider: 'azure',
            azure: { subscriptionId: '7c9e6679-7425-40de-944b-e07fc1f90ae7', resourceGroup: 'MC_rg_aks_westeurope' },
            workloadIdentity: { azureClientId: id },
          },
        },
      }),
    );
    const velero = values(p, 'velero');
    expect(velero.serviceAccount.server.annotations).toEqual({ 'azure.workload.identity/client-id': id });
    expect(velero.podLabels).toEqual({ 'azure.workload.identity/use': 'true' });
    expect(velero.nodeAgent.podLabels).toEqual({ 'azure.workload.identity/use': 'true' });
    expect(artifactText(p, 'backup-location.yaml')).toMatch(/useAAD: "true"/);
    const ca = values(p, 'cluster-autoscaler');
    expect(ca.azureUseWorkloadIdentityExtension).toBe(true);
    expect(ca.azureClientID).toBe(id);
    expect(ca.azureResourceGroup).toBe('MC_rg_aks_westeurope');
    expect(ca.podLabels).toEqual({ 'azure.workload.identity/use': 'true' });
    expect(ca.azureClientSecret).toBeUndefined();
  });

  it('static keys are the fallback, with a warning on a provider that has workload identity; an identity of another provider is refused', () => {
    const s3 = { type: 's3' as const, bucket: 'b-1', region: 'eu-west-1' };
    expect(ruleIds(existing('eks', { backup: { storage: s3 } }))).toContain('backup-credentials');
    expect(ruleIds(existing('eks', { backup: { storage: { ...s3, credentialsSecret: 'keys' } } }), 'warning')).toContain(
      'backup-static-keys',
    );
    expect(
      ruleIds(existing('gke', { backup: { storage: { ...s3, workloadIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/v' } } } })),
    ).toContain('backup-identity-profile');
    expect(
      ruleIds(
        existing('eks', {
          backup: { storage: { type: 'gcs', bucket: 'b-1', workloadIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/v' } } },
        }),
      ),
    ).toContain('backup-identity-storage');
    const ca = values(
      plan(existing('aks', { autoscaling: { clusterAutoscaler: { provider: 'azure', credentialsSecret: 'ca-keys' } } })),
      'cluster-autoscaler',
    );
    expect(ca.secretKeyRefNameOverride).toBe('ca-keys');
    expect(ca.azureUseWorkloadIdentityExtension).toBeUndefined();
  });
});

describe('cluster-autoscaler only where it can work', () => {
  it.each([
    ['kubeadm', 'aws'],
    ['generic', 'gce'],
    ['gke', 'aws'],
    ['eks', 'azure'],
  ])('%s with provider %s is a rule error', (profile, provider) => {
    expect(
      ruleIds(
        existing(profile, {
          autoscaling: {
            clusterAutoscaler: {
              provider: provider as never,
              region: 'eu-west-1',
              nodeGroups: [{ namePrefix: 'gke-a', minSize: 0, maxSize: 1 }],
            },
          },
        }),
      ),
    ).toContain('cluster-autoscaler-profile');
  });

  it('gce without node groups, and azure without any identity, are rule errors', () => {
    expect(ruleIds(existing('gke', { autoscaling: { clusterAutoscaler: { provider: 'gce' } } }))).toContain('gce-autoscaler-node-groups');
    expect(ruleIds(existing('aks', { autoscaling: { clusterAutoscaler: { provider: 'azure' } } }))).toContain('azure-autoscaler-identity');
  });
});

describe('the Gateway load balancer', () => {
  it('eks: an NLB, internal on request; gke and aks: their internal annotation; the config adds its own', () => {
    const eks = values(plan(existing('eks', { networking: { gateway: 'traefik', loadBalancer: { internal: true } } })), 'traefik');
    expect(eks.service.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
    });
    const gke = artifactText(
      plan(
        existing('gke', {
          networking: { gateway: 'envoy-gateway', loadBalancer: { internal: true, annotations: { 'example.com/x': 'y' } } },
        }),
      ),
      'gateway.yaml',
    );
    expect(gke).toMatch(/networking\.gke\.io\/load-balancer-type: Internal/);
    expect(gke).toMatch(/example\.com\/x: "y"/);
    expect(
      artifactText(plan(existing('aks', { networking: { gateway: 'envoy-gateway', loadBalancer: { internal: true } } })), 'gateway.yaml'),
    ).toMatch(/azure-load-balancer-internal: "true"/);
    expect(ruleIds(existing('generic', { networking: { gateway: 'envoy-gateway', loadBalancer: { internal: true } } }))).toContain(
      'internal-load-balancer-profile',
    );
    expect(ruleIds(existing('eks', { networking: { cni: 'cilium', kubeProxyReplacement: true, gateway: 'cilium' } }), 'warning')).toContain(
      'load-balancer-annotations-cilium',
    );
  });
});

describe('bad input is located in the file (exit 2 through ConfigError)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-profiles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const failure = async (file: string) => {
    const error = await loadConfigFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  };

  it('an unknown profile names the file, line, key path and the choices', async () => {
    const file = write(
      'unknown.yaml',
      'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: x\nspec:\n  cluster:\n    provider: existing\n    context: c\n    profile: openshift\n',
    );
    const message = await failure(file);
    expect(message).toMatch(/unknown\.yaml:9:\d+/);
    expect(message).toMatch(/spec\.cluster\.profile/);
    expect(message).toMatch(/eks/);
  });

  it('a managed profile with provider kind points at the profile line', async () => {
    const file = write(
      'kind.yaml',
      'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: x\nspec:\n  cluster:\n    provider: kind\n    profile: eks\n',
    );
    const message = await failure(file);
    expect(message).toMatch(/kind\.yaml:8:\d+/);
    expect(message).toMatch(/profile eks describes an existing cluster, but provider is kind/);
  });
});

describe('init with a profile that does not fit the provider', () => {
  it('names the flag (not a file init never wrote), exit 2 through ConfigError, and writes nothing', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'kubestrap-profiles-init-'));
    try {
      const error = await initCommand({
        cwd,
        env: {},
        explicit: { provider: 'kind', profile: 'gke' },
        config: path.join(cwd, 'kubestrap.yaml'),
        yes: true,
        interactive: false,
        write: () => {},
        contexts: async () => undefined,
        now: () => new Date('2026-01-02T00:00:00Z'),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(
        /flag --profile\s+spec\.cluster\.profile: profile gke describes an existing cluster, but the provider is kind/,
      );
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('the interactive wizard recommends what the cluster says', () => {
  it('profile and default StorageClass default to the detected ones, and the wizard says where they came from (cluster facts faked)', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'kubestrap-profiles-wizard-'));
    const notes: string[] = [];
    const defaults: Record<string, unknown> = {};
    // Takes every recommended answer, except the provider and the backup store (no bucket questions).
    const prompter: Prompter = {
      async select(q) {
        defaults[q.message] = q.default;
        if (q.message.startsWith('Where should the cluster run')) return 'existing' as typeof q.default;
        if (q.message.startsWith('Where should backups go')) return 'minio' as typeof q.default;
        return q.default;
      },
      async input(q) {
        defaults[q.message] = q.default;
        return q.default ?? '';
      },
      async confirm(q) {
        return q.default;
      },
      note: (t) => notes.push(t),
    };
    try {
      await initCommand({
        cwd,
        env: {},
        explicit: {},
        config: path.join(cwd, 'kubestrap.yaml'),
        interactive: true,
        prompter,
        write: () => {},
        contexts: async () => ['wizard-gke-ctx'],
        clusterFacts: async (context) =>
          context === 'wizard-gke-ctx'
            ? { profile: 'gke', evidence: 'node n1 has label cloud.google.com/gke-nodepool', defaultClass: 'premium-rwo' }
            : undefined,
        now: () => new Date('2026-01-02T00:00:00Z'),
      });
      const written = parse(readFileSync(path.join(cwd, 'kubestrap.yaml'), 'utf8')) as {
        spec: { cluster: { profile: string }; storage: { defaultClass: string } };
      };
      expect(written.spec.cluster.profile).toBe('gke');
      expect(written.spec.storage.defaultClass).toBe('premium-rwo');
      expect(notes.join('\n')).toMatch(/detected gke on context wizard-gke-ctx: node n1 has label cloud\.google\.com\/gke-nodepool/);
      expect(notes.join('\n')).toMatch(/the cluster's default StorageClass is premium-rwo/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('detection from node facts', () => {
  const node = (name: string, providerID: string | undefined, labels: Record<string, string> = {}): NodeFacts => ({
    name,
    providerID,
    labels,
  });

  it('reads each managed provider from its label, else its providerID, and a visible control plane as self-managed', () => {
    expect(detectProfile([node('a', 'aws:///eu-west-1a/i-1', { 'eks.amazonaws.com/nodegroup': 'ng' })])).toMatchObject({
      profile: 'eks',
      byLabel: true,
    });
    expect(detectProfile([node('a', 'gce://p/z/n', { 'cloud.google.com/gke-nodepool': 'pool' })])).toMatchObject({
      profile: 'gke',
      byLabel: true,
    });
    expect(detectProfile([node('a', 'azure:///subscriptions/x', { 'kubernetes.azure.com/cluster': 'MC_x' })])).toMatchObject({
      profile: 'aks',
      byLabel: true,
    });
    expect(detectProfile([node('a', 'gce://p/z/n')])).toMatchObject({ profile: 'gke', byLabel: false });
    const cp = detectProfile([node('cp', undefined, { 'node-role.kubernetes.io/control-plane': '' })]);
    expect(cp.profile).toBeUndefined();
    expect(cp.selfManaged).toBe(true);
  });

  it('says "detected gke, config says eks" as an error; a hint by providerID alone on a self-managed profile is a warning', () => {
    const gke = detectProfile([node('n1', 'gce://p/z/n1', { 'cloud.google.com/gke-nodepool': 'pool' })]);
    expect(compareProfile('eks', gke)).toEqual({ severity: 'error', message: expect.stringMatching(/^detected gke, config says eks/) });
    expect(compareProfile('gke', gke)).toBeUndefined();
    expect(compareProfile('generic', detectProfile([node('n1', 'aws:///z/i-1')]))?.severity).toBe('warning');
    expect(
      compareProfile('eks', detectProfile([node('cp', 'aws:///z/i-1', { 'node-role.kubernetes.io/control-plane': '' })]))?.severity,
    ).toBe('error');
    expect(
      compareProfile('kubeadm', detectProfile([node('cp', 'aws:///z/i-1', { 'node-role.kubernetes.io/control-plane': '' })])),
    ).toBeUndefined();
  });
});
