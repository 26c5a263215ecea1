import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { loadConfigFile } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { lock } from '../../src/lock.js';
import type { Action, Check, RenderContext, Step, StepPlan } from '../../src/roadmap/types.js';
import { autoscalersStep } from '../../src/steps/autoscalers.js';
import { autoscalingStep } from '../../src/steps/autoscaling.js';
import { continuousVerificationStep } from '../../src/steps/continuous-verification.js';
import { costStep, scaleQuantity } from '../../src/steps/cost.js';
import { cronPeriodSeconds, disasterRecoveryStep } from '../../src/steps/disaster-recovery.js';
import { kubePrometheusStackWorkloads, monitoringStep, prometheusBytes, scorecard } from '../../src/steps/monitoring.js';

const root = path.resolve(import.meta.dirname, '../..');
const examples = ['kind-dev.yaml', 'production.yaml'] as const;
const steps: Step[] = [monitoringStep, autoscalersStep, autoscalingStep, disasterRecoveryStep, costStep, continuousVerificationStep];

async function load(example: string): Promise<Config> {
  return (await loadConfigFile(path.join(root, 'examples', example))).config;
}

function ctxFor(config: Config): RenderContext {
  return { config, baseDir: path.join(root, 'examples'), outDir: '/tmp/kubestrap-test-plan' };
}

function variant(config: Config, change: (c: Config) => void): Config {
  const copy = structuredClone(config);
  change(copy);
  return copy;
}

function render(step: Step, config: Config): StepPlan {
  return step.render(ctxFor(config));
}

function docs(content: string): Record<string, any>[] {
  const parsed = parseAllDocuments(content);
  for (const d of parsed) expect(d.errors).toEqual([]);
  return parsed.map((d) => d.toJS() as Record<string, any>);
}

function artifact(plan: StepPlan, file: string): string {
  const a = plan.artifacts.find((x) => x.path.endsWith(`/${file}`));
  if (!a) throw new Error(`no artifact ${file} in ${plan.artifacts.map((x) => x.path).join(', ')}`);
  return a.content;
}

const values = (plan: StepPlan, release: string) => parse(artifact(plan, `values-${release}.yaml`)) as Record<string, any>;

/** Kubernetes objects (manifests, not helm values files). */
function objects(plan: StepPlan): Record<string, any>[] {
  return plan.artifacts.filter((a) => !path.basename(a.path).startsWith('values-')).flatMap((a) => docs(a.content));
}

const models: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/ResourceQuota': ResourceQuota,
  'v1/LimitRange': LimitRange,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'scheduling.k8s.io/v1/PriorityClass': PriorityClass,
};
/** Custom resources, applied after the chart that installs their CRD (checked below). */
const customResources = new Set([
  'monitoring.coreos.com/v1/PrometheusRule',
  'autoscaling.k8s.io/v1/VerticalPodAutoscaler',
  'velero.io/v1/BackupStorageLocation',
  'velero.io/v1/Schedule',
  'snapshot.storage.k8s.io/v1/VolumeSnapshotClass',
]);

function indexOf(plan: StepPlan, match: (a: Action) => boolean, what: string): number {
  const i = plan.actions.findIndex(match);
  expect(i, `action ${what} not found`).toBeGreaterThanOrEqual(0);
  return i;
}
const helm = (release: string) => (a: Action) => a.type === 'helm' && a.release.release === release;
const applies = (file: string) => (a: Action) => a.type === 'apply' && a.manifest.endsWith(`/${file}`);
const secret = (name: string) => (a: Action) => a.type === 'secret' && a.secret.name === name;
const rollouts = (plan: StepPlan) =>
  plan.checks
    .filter((c): c is Extract<Check, { type: 'rollout' }> => c.type === 'rollout')
    .map((c) => `${c.namespace}/${c.kind}/${c.name}`);

describe.each(examples)('observability and operations steps for examples/%s', (example) => {
  it.each(steps.map((s) => [s.id, s] as [string, Step]))(
    '%s renders valid, labelled objects, an artifact for every action, and checks',
    async (_id, step) => {
      const config = await load(example);
      expect(step.enabled(config)).toEqual({ enabled: true });
      const plan = render(step, config);
      expect(plan.actions.length).toBeGreaterThan(0);
      expect(plan.checks.length).toBeGreaterThan(0);
      const paths = new Set(plan.artifacts.map((a) => a.path));
      for (const a of plan.actions) {
        if (a.type === 'apply') expect(paths).toContain(a.manifest);
        if (a.type === 'helm') {
          expect(paths).toContain(a.release.values);
          expect(a.release.chart.version).toBe(Object.values(lock.charts).find((c) => c.chart === a.release.chart.ref)?.version);
        }
      }
      for (const o of objects(plan)) {
        const type = `${o.apiVersion}/${o.kind}`;
        expect(o.metadata.labels['app.kubernetes.io/managed-by'], type).toBe('kubestrap');
        expect(o.metadata.labels['kubestrap.dev/step'], type).toBe(step.id);
        expect(o.metadata.labels['kubestrap.dev/roadmap'], type).toBe(config.metadata.name);
        const Model = models[type];
        expect(Model !== undefined || customResources.has(type), `no schema for ${type}`).toBe(true);
        if (Model) expect(() => new Model(o).validate(), `${type} ${o.metadata.name}`).not.toThrow();
      }
    },
  );

  it('render is pure: the same config renders byte-identical plans (no generated value inside)', async () => {
    const config = await load(example);
    for (const step of steps) expect(render(step, config)).toEqual(render(step, structuredClone(config)));
  });

  it('puts no secret in any artifact: generated Secrets are actions, charts reference them by name', async () => {
    const config = await load(example);
    for (const step of steps) {
      const plan = render(step, config);
      for (const o of objects(plan)) expect(o.kind).not.toBe('Secret');
      for (const a of plan.artifacts) {
        expect(a.content).not.toMatch(/adminPassword|secretContents|stringData|MINIO_ROOT_PASSWORD:\s*\S|aws_secret_access_key/);
      }
      for (const a of plan.actions) {
        if (a.type !== 'secret') continue;
        // Only lengths and key names: the values exist only at apply time.
        for (const v of Object.values(a.secret.random)) expect(typeof v).toBe('number');
      }
    }
    const monitoring = render(monitoringStep, config);
    const kps = values(monitoring, 'kube-prometheus-stack');
    expect(kps.grafana.admin).toEqual({ existingSecret: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' });
    const grafanaSecret = monitoring.actions.find(secret('grafana-admin'));
    expect(grafanaSecret).toMatchObject({
      secret: { namespace: 'monitoring', fixed: { 'admin-user': 'admin' }, random: { 'admin-password': expect.any(Number) } },
    });

    const velero = values(render(disasterRecoveryStep, config), 'velero');
    expect(velero.credentials).toEqual({
      useSecret: true,
      existingSecret: config.spec.backup.storage.credentialsSecret ?? 'velero-credentials',
    });
  });

  it('orders actions: namespaces and Secrets before charts, custom resources after the chart with their CRDs', async () => {
    const config = await load(example);
    const monitoring = render(monitoringStep, config);
    const kps = indexOf(monitoring, helm('kube-prometheus-stack'), 'kube-prometheus-stack');
    expect(indexOf(monitoring, applies('namespaces.yaml'), 'namespaces')).toBeLessThan(kps);
    expect(indexOf(monitoring, secret('grafana-admin'), 'grafana secret')).toBeLessThan(kps);
    expect(indexOf(monitoring, applies('kubestrap-alerts.yaml'), 'alerts')).toBeGreaterThan(kps);

    // The smoke VPA needs the VPA's CRD: the autoscaling step that applies it needs the autoscalers step that installs it.
    expect(render(autoscalersStep, config).actions.some(helm('vpa'))).toBe(true);
    expect(render(autoscalingStep, config).actions.some(helm('vpa'))).toBe(false);
    expect(autoscalingStep.needs).toContain('autoscalers');

    const dr = render(disasterRecoveryStep, config);
    const chart = indexOf(dr, helm('velero'), 'velero chart');
    expect(indexOf(dr, applies('namespaces.yaml'), 'namespace')).toBeLessThan(chart);
    expect(indexOf(dr, applies('backup-location.yaml'), 'BSL and Schedule')).toBeGreaterThan(chart);
    expect(indexOf(dr, applies('backup-alerts.yaml'), 'backup alerts')).toBeGreaterThan(chart);
    if (config.spec.backup.storage.type === 'minio') {
      const minio = indexOf(dr, secret('minio-credentials'), 'minio secret');
      const velero = indexOf(dr, secret('velero-credentials'), 'velero secret');
      expect(minio).toBeLessThan(velero);
      expect(velero).toBeLessThan(chart);
      expect(minio).toBeLessThan(indexOf(dr, applies('minio.yaml'), 'minio'));
      expect(indexOf(dr, applies('minio.yaml'), 'minio')).toBeLessThan(indexOf(dr, applies('minio-bucket.yaml'), 'bucket job'));
    }

    const cost = render(costStep, config);
    expect(indexOf(cost, applies('namespaces.yaml'), 'opencost namespace')).toBeLessThan(indexOf(cost, helm('opencost'), 'opencost chart'));

    // Every custom resource lives in a manifest applied after some helm release in its step, or in a
    // step that needs one installing a chart.
    for (const step of steps) {
      const plan = render(step, config);
      const neededChart = steps.some((n) => step.needs.includes(n.id) && render(n, config).actions.some((p) => p.type === 'helm'));
      plan.actions.forEach((a, i) => {
        if (a.type !== 'apply') return;
        const kinds = docs(plan.artifacts.find((x) => x.path === a.manifest)!.content).map((o) => `${o.apiVersion}/${o.kind}`);
        if (kinds.some((k) => customResources.has(k))) {
          expect(neededChart || plan.actions.slice(0, i).some((p) => p.type === 'helm'), `${a.manifest} before any chart`).toBe(true);
        }
      });
    }
  });

  it('monitoring: names follow fullnameOverride; namespaces and values per target', async () => {
    const config = await load(example);
    const isKind = config.spec.cluster.provider === 'kind';
    const plan = render(monitoringStep, config);
    const kps = values(plan, 'kube-prometheus-stack');
    expect(kps.fullnameOverride).toBe('kube-prometheus-stack');
    const w = kubePrometheusStackWorkloads();
    expect(rollouts(plan)).toEqual(
      expect.arrayContaining([
        'kube-system/deployment/metrics-server',
        `monitoring/deployment/${w.operator}`,
        'monitoring/deployment/kube-prometheus-stack-grafana',
        'monitoring/deployment/kube-prometheus-stack-kube-state-metrics',
        'monitoring/daemonset/kube-prometheus-stack-prometheus-node-exporter',
        'monitoring/statefulset/prometheus-kube-prometheus-stack-prometheus',
        'monitoring/statefulset/alertmanager-kube-prometheus-stack-alertmanager',
      ]),
    );
    expect(w.operator).toBe('kube-prometheus-stack-operator');
    expect(plan.checks).toContainEqual({ type: 'apiservice-available', name: 'v1beta1.metrics.k8s.io' });
    for (const crd of ['prometheuses', 'servicemonitors', 'prometheusrules']) {
      expect(plan.checks).toContainEqual({ type: 'crd-established', name: `${crd}.monitoring.coreos.com` });
    }
    const spec = kps.prometheus.prometheusSpec;
    expect(spec.retention).toBe(config.spec.monitoring.prometheus.retention);
    expect(spec.retentionSize).toBe(prometheusBytes(config.spec.monitoring.prometheus.retentionSize));
    expect(spec.ruleSelectorNilUsesHelmValues).toBe(false);
    expect(spec.serviceMonitorSelectorNilUsesHelmValues).toBe(false);
    expect(spec.storageSpec.volumeClaimTemplate.spec).toMatchObject({
      storageClassName: config.spec.storage.defaultClass,
      resources: { requests: { storage: config.spec.monitoring.prometheus.storageSize } },
    });
    // Neither example says its control plane exposes metrics: nothing unreachable is scraped.
    expect(kps.kubeEtcd.enabled).toBe(false);
    expect(kps.kubeScheduler.enabled).toBe(false);
    expect(kps.kubeProxy.enabled).toBe(false);
    // Charts set managed-by Helm themselves; a second one would be a duplicate key.
    expect(kps.commonLabels['app.kubernetes.io/managed-by']).toBeUndefined();
    expect(values(plan, 'metrics-server').args).toEqual(isKind ? ['--kubelet-insecure-tls'] : []);
    // node-exporter needs host access: the monitoring namespace is at the system level.
    const [ns] = docs(artifact(plan, 'namespaces.yaml'));
    expect(ns!.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(config.spec.security.podSecurity.system);
    expect(plan.actions.some(helm('loki'))).toBe(config.spec.monitoring.logs);
  });
});

describe('monitoring details', () => {
  it('builds Alertmanager receivers that read URLs and keys from mounted Secret files', async () => {
    const config = await load('production.yaml');
    const am = values(render(monitoringStep, config), 'kube-prometheus-stack').alertmanager;
    expect(am.alertmanagerSpec.secrets).toEqual(['alertmanager-pagerduty', 'alertmanager-slack', 'alertmanager-deadmansswitch']);
    const receivers = Object.fromEntries((am.config.receivers as any[]).map((r) => [r.name, r]));
    expect(receivers.oncall.pagerduty_configs[0]).toEqual({
      routing_key_file: '/etc/alertmanager/secrets/alertmanager-pagerduty/routing-key',
      send_resolved: true,
    });
    expect(receivers['platform-team'].slack_configs[0]).toMatchObject({
      api_url_file: '/etc/alertmanager/secrets/alertmanager-slack/webhook-url',
      channel: '#platform-alerts',
    });
    // The one URL written out is the alert-delivery check's in-cluster receiver (no secret in it).
    expect(receivers['kubestrap-alert-probe'].webhook_configs).toEqual([
      { url: 'http://kubestrap-alert-probe.monitoring.svc:8080/cgi-bin/alert', send_resolved: false },
    ]);
    const text = JSON.stringify({
      ...am.config,
      receivers: (am.config.receivers as any[]).filter((r) => r.name !== 'kubestrap-alert-probe'),
    });
    expect(text).not.toMatch(/"(api_url|url|routing_key|service_key)":/);
    expect(text).not.toMatch(/https?:\/\//);
    // Watchdog goes to the dead man's switch and stops there (right after the probe's own route); pager gets critical only.
    expect(am.config.route.routes[1]).toMatchObject({ receiver: 'kubestrap-deadmansswitch', matchers: ['alertname = "Watchdog"'] });
    expect(am.config.route.routes).toContainEqual({ receiver: 'oncall', matchers: ['severity = "critical"'], continue: true });
  });

  it('a webhook receiver reads url_file', async () => {
    const config = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.monitoring.alertReceivers = [{ name: 'hook', type: 'webhook', secretRef: { name: 'hook-url', key: 'url' } }];
    });
    const am = values(render(monitoringStep, config), 'kube-prometheus-stack').alertmanager;
    expect(am.config.receivers).toContainEqual({
      name: 'hook',
      webhook_configs: [{ url_file: '/etc/alertmanager/secrets/hook-url/url', send_resolved: true }],
    });
  });

  it("kubestrap's alerts include drift, node readiness and full volumes; the drift alert reads the scorecard label", async () => {
    const plan = render(monitoringStep, await load('kind-dev.yaml'));
    const [rule] = docs(artifact(plan, 'kubestrap-alerts.yaml'));
    const alerts = (rule!.spec.groups as any[]).flatMap((g) => g.rules as any[]);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining(['KubestrapStepDrift', 'KubestrapNodeNotReady', 'KubestrapPersistentVolumeAlmostFull']),
    );
    const drift = alerts.find((a) => a.alert === 'KubestrapStepDrift');
    expect(drift.expr).toContain(`namespace="${scorecard.namespace}"`);
    expect(drift.expr).toContain(`configmap="${scorecard.name}"`);
    expect(drift.expr).toContain(`label_${scorecard.driftLabel.replace(/[./]/g, '_')}="true"`);
    expect(values(plan, 'kube-prometheus-stack')['kube-state-metrics'].metricLabelsAllowlist).toEqual([
      `configmaps=[${scorecard.driftLabel}]`,
    ]);
  });

  it('converts quantities to Prometheus byte sizes', () => {
    expect(prometheusBytes('18Gi')).toBe('18GiB');
    expect(prometheusBytes('500M')).toBe('500MB');
    expect(prometheusBytes('4k')).toBe('4KB');
    expect(prometheusBytes('1024')).toBe('1024B');
  });

  it('is disabled with a reason when nothing is monitored', async () => {
    const config = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.monitoring.metricsServer = false;
      c.spec.monitoring.prometheus.enabled = false;
      c.spec.monitoring.logs = false;
    });
    expect(monitoringStep.enabled(config)).toMatchObject({ enabled: false, reason: expect.stringContaining('spec.monitoring') });
  });
});

describe('autoscaling details', () => {
  it('HPA defaults and a VPA that leaves CPU to the HPA unless it only recommends', async () => {
    const config = await load('production.yaml');
    const plan = render(autoscalingStep, config);
    const controllers = render(autoscalersStep, config);
    const [hpa] = docs(artifact(plan, 'smoke-hpa.yaml'));
    expect(hpa).toMatchObject({
      apiVersion: 'autoscaling/v2',
      metadata: { name: 'smoke', namespace: 'kubestrap-smoke' },
      spec: { minReplicas: 3, maxReplicas: 30, behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } },
    });
    const [vpa] = docs(artifact(plan, 'smoke-vpa.yaml'));
    expect(vpa!.spec.updatePolicy.updateMode).toBe('Initial');
    expect(vpa!.spec.resourcePolicy.containerPolicies[0].controlledResources).toEqual(['memory']);
    const off = docs(artifact(render(autoscalingStep, await load('kind-dev.yaml')), 'smoke-vpa.yaml'))[0]!;
    expect(off.spec.resourcePolicy.containerPolicies[0].controlledResources).toEqual(['cpu', 'memory']);
    expect(plan.checks).toContainEqual(expect.objectContaining({ type: 'probe', probe: 'hpa-metrics' }));
    expect(controllers.checks).toContainEqual({ type: 'crd-established', name: 'verticalpodautoscalers.autoscaling.k8s.io' });
    expect(rollouts(controllers)).toEqual(
      expect.arrayContaining([
        'kube-system/deployment/vpa-recommender',
        'kube-system/deployment/vpa-updater',
        'kube-system/deployment/vpa-admission-controller',
      ]),
    );
  });

  it('cluster-autoscaler only with a provider, its image matching the cluster minor', async () => {
    const prod = await load('production.yaml');
    const ca = values(render(autoscalersStep, prod), 'cluster-autoscaler');
    expect(ca).toMatchObject({
      fullnameOverride: 'cluster-autoscaler',
      cloudProvider: 'aws',
      autoDiscovery: { clusterName: 'prod-eu-west-1' },
      image: { tag: lock.clusterAutoscalerImageTags['1.36'] },
    });
    const unnamed = variant(prod, (c) => {
      delete c.spec.autoscaling.clusterAutoscaler.clusterName;
      c.spec.cluster.kubernetesVersion = '1.37';
    });
    expect(values(render(autoscalersStep, unnamed), 'cluster-autoscaler')).toMatchObject({
      autoDiscovery: { clusterName: prod.spec.cluster.name },
      image: { tag: 'v1.37.0' },
    });
    const kind = render(autoscalersStep, await load('kind-dev.yaml'));
    expect(kind.actions.some(helm('cluster-autoscaler'))).toBe(false);
    expect(kind.actions.some(helm('vpa'))).toBe(true);
  });

  it('without VPA: no chart, no VPA object, still the HPA', async () => {
    const config = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.autoscaling.vpa.enabled = false;
    });
    const plan = render(autoscalingStep, config);
    expect(render(autoscalersStep, config).actions.some(helm('vpa'))).toBe(false);
    expect(plan.artifacts.map((a) => path.basename(a.path))).toEqual(['smoke-hpa.yaml']);
    expect(autoscalersStep.enabled(config)).toMatchObject({ enabled: false, reason: expect.stringContaining('spec.autoscaling') });
    const withProvider = variant(config, (c) => {
      c.spec.autoscaling.clusterAutoscaler.provider = 'clusterapi';
    });
    expect(autoscalersStep.enabled(withProvider)).toEqual({ enabled: true });
  });
});

describe('disaster recovery details', () => {
  it('is disabled with a reason when backup.enabled is false', async () => {
    const config = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.backup.enabled = false;
    });
    const enablement = disasterRecoveryStep.enabled(config);
    expect(enablement.enabled).toBe(false);
    expect(enablement).toMatchObject({ reason: expect.stringContaining('spec.backup.enabled') });
  });

  it('minio: generated credentials, a derived AWS credentials file, a restricted MinIO and a shell-free bucket Job', async () => {
    const config = await load('kind-dev.yaml');
    const plan = render(disasterRecoveryStep, config);
    const velero = plan.actions.find(secret('velero-credentials'));
    expect(velero).toMatchObject({
      secret: {
        namespace: 'velero',
        derived: {
          cloud: { format: 'aws-credentials', accessKey: 'access-key', secretKey: 'secret-key', fromSecret: 'minio-credentials' },
        },
      },
    });
    const minio = docs(artifact(plan, 'minio.yaml'));
    expect(minio.map((o) => o.kind)).toEqual(['PersistentVolumeClaim', 'Deployment', 'Service']);
    const pod = minio[1]!.spec.template.spec;
    expect(pod.containers[0].image).toBe(lock.images.minio);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const [job] = docs(artifact(plan, 'minio-bucket.yaml'));
    const container = job!.spec.template.spec.containers[0];
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(['mb', '--ignore-existing', `backups/${config.spec.backup.storage.bucket}`]);
    const [bsl, schedule] = docs(artifact(plan, 'backup-location.yaml'));
    expect(bsl).toMatchObject({
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace: 'velero' },
      spec: {
        provider: 'aws',
        objectStorage: { bucket: 'velero' },
        config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'http://minio.velero.svc:9000' },
      },
    });
    expect(schedule).toMatchObject({
      kind: 'Schedule',
      metadata: { name: 'kubestrap-daily' },
      spec: {
        schedule: '0 */6 * * *',
        template: {
          ttl: '72h',
          storageLocation: 'default',
          includedNamespaces: ['*'],
          excludedNamespaces: expect.arrayContaining(['kube-system', 'velero']),
        },
      },
    });
    const v = values(plan, 'velero');
    expect(v.initContainers[0].image).toBe(lock.images.veleroPluginForAws);
    expect(v).toMatchObject({ deployNodeAgent: true, upgradeCRDs: true, configuration: { backupStorageLocation: [] } });
    expect(rollouts(plan)).toEqual(
      expect.arrayContaining(['velero/deployment/velero', 'velero/daemonset/node-agent', 'velero/deployment/minio']),
    );
    expect(plan.checks).toContainEqual({ type: 'velero-bsl-available', namespace: 'velero', name: 'default' });
    expect(plan.checks).toContainEqual(expect.objectContaining({ type: 'probe', probe: 'backup-restore' }));
  });

  it('s3, gcs and azure use the user credentials Secret and the matching plugin', async () => {
    const prod = await load('production.yaml');
    const s3 = render(disasterRecoveryStep, prod);
    expect(s3.actions.some((a) => a.type === 'secret')).toBe(false);
    expect(docs(artifact(s3, 'backup-location.yaml'))[0]!.spec.config).toEqual({ region: 'eu-west-1' });
    expect(s3.checks).toContainEqual({ type: 'exists', resource: 'secrets', namespace: 'velero', name: 'velero-s3-credentials' });
    const compatible = variant(prod, (c) => {
      c.spec.backup.storage.s3Url = 'https://s3.example.com';
    });
    expect(docs(artifact(render(disasterRecoveryStep, compatible), 'backup-location.yaml'))[0]!.spec.config).toEqual({
      region: 'eu-west-1',
      s3Url: 'https://s3.example.com',
      s3ForcePathStyle: 'true',
    });
    for (const [type, provider, image] of [
      ['gcs', 'gcp', lock.images.veleroPluginForGcp],
      ['azure', 'azure', lock.images.veleroPluginForAzure],
    ] as const) {
      const plan = render(
        disasterRecoveryStep,
        variant(prod, (c) => (c.spec.backup.storage.type = type)),
      );
      expect(docs(artifact(plan, 'backup-location.yaml'))[0]!.spec.provider).toBe(provider);
      expect(values(plan, 'velero').initContainers[0].image).toBe(image);
    }
  });

  it('lists included namespaces without exclusions; no node agent without volume backups', async () => {
    const config = variant(await load('production.yaml'), (c) => {
      c.spec.backup.includedNamespaces = ['payments'];
      c.spec.backup.volumes = 'none';
      c.spec.backup.restoreDrill = false;
    });
    const plan = render(disasterRecoveryStep, config);
    const schedule = docs(artifact(plan, 'backup-location.yaml'))[1]!;
    expect(schedule.spec.template.includedNamespaces).toEqual(['payments']);
    expect(schedule.spec.template.excludedNamespaces).toBeUndefined();
    expect(rollouts(plan)).not.toContain('velero/daemonset/node-agent');
    expect(plan.checks.some((c) => c.type === 'probe')).toBe(false);
    const [ns] = docs(artifact(plan, 'namespaces.yaml'));
    expect(ns!.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(config.spec.security.podSecurity.platform);
  });

  it('estimates cron periods for the backup-missing alert', () => {
    expect(cronPeriodSeconds('0 2 * * *')).toBe(86400);
    expect(cronPeriodSeconds('0 */6 * * *')).toBe(6 * 3600);
    expect(cronPeriodSeconds('*/15 * * * *')).toBe(900);
    expect(cronPeriodSeconds('0 1,13 * * *')).toBe(43200);
    expect(cronPeriodSeconds('0 3 * * 0')).toBe(7 * 86400);
  });
});

describe('cost details', () => {
  it('quota per tenant with limits twice the requests, LimitRange defaults, OpenCost on Prometheus', async () => {
    const config = await load('production.yaml');
    const plan = render(costStep, config);
    const objs = docs(artifact(plan, 'tenant-quotas.yaml'));
    const quota = objs.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'payments')!;
    expect(quota.spec.hard).toEqual({
      'requests.cpu': '16',
      'requests.memory': '64Gi',
      'limits.cpu': '32',
      'limits.memory': '128Gi',
      pods: '200',
      'requests.storage': '500Gi',
      persistentvolumeclaims: '20',
      'services.loadbalancers': '0',
    });
    const limits = objs.find((o) => o.kind === 'LimitRange' && o.metadata.namespace === 'search')!;
    expect(limits.spec.limits[0]).toEqual({
      type: 'Container',
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
    });
    expect(values(plan, 'opencost').opencost.prometheus.internal).toEqual({
      enabled: true,
      serviceName: 'kube-prometheus-stack-prometheus',
      namespaceName: 'monitoring',
      port: 9090,
    });
    expect(rollouts(plan)).toContain('opencost/deployment/opencost');
    for (const t of ['payments', 'search']) {
      expect(plan.checks).toContainEqual({ type: 'exists', resource: 'resourcequotas', namespace: t, name: 'tenant-quota' });
      expect(plan.checks).toContainEqual({ type: 'exists', resource: 'limitranges', namespace: t, name: 'tenant-defaults' });
    }
    // PriorityClasses are the cluster step's (foundation), before the add-ons that name them.
    expect(plan.artifacts.some((a) => a.path.endsWith('/priority-classes.yaml'))).toBe(false);
  });

  it('scales quantities keeping the suffix', () => {
    expect(scaleQuantity('2', 2)).toBe('4');
    expect(scaleQuantity('500m', 2)).toBe('1000m');
    expect(scaleQuantity('1.5', 2)).toBe('3');
    expect(scaleQuantity('0.1', 2)).toBe('0.2');
    expect(scaleQuantity('8Gi', 2)).toBe('16Gi');
  });

  it('is disabled with a reason when everything is off', async () => {
    const config = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.cost = { ...c.spec.cost, quotas: false, priorityClasses: false, opencost: false };
    });
    expect(costStep.enabled(config)).toMatchObject({ enabled: false, reason: expect.stringContaining('spec.cost') });
  });
});

describe('continuous verification details', () => {
  it('re-checks the invariants that drift and writes them into the scorecard spec', async () => {
    const config = await load('production.yaml');
    const plan = render(continuousVerificationStep, config);
    expect(plan.checks).toContainEqual({ type: 'default-storageclass', name: 'gp3' });
    for (const t of ['payments', 'search']) {
      expect(plan.checks).toContainEqual(
        expect.objectContaining({
          type: 'namespace-labels',
          namespace: t,
          labels: expect.objectContaining({ 'pod-security.kubernetes.io/enforce': 'restricted' }),
        }),
      );
      expect(plan.checks).toContainEqual({ type: 'rejects-privileged-pod', namespace: t });
      expect(plan.checks).toContainEqual({
        type: 'exists',
        resource: 'networkpolicies.networking.k8s.io',
        namespace: t,
        name: 'default-deny',
      });
      expect(plan.checks).toContainEqual({ type: 'exists', resource: 'resourcequotas', namespace: t, name: 'tenant-quota' });
    }
    expect(plan.checks).toContainEqual({ type: 'velero-bsl-available', namespace: 'velero', name: 'default' });
    const [cm] = docs(artifact(plan, 'scorecard-spec.yaml'));
    expect(cm).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'kubestrap-scorecard-spec', namespace: 'kubestrap-system' },
      data: { results: 'kubestrap-system/kubestrap-scorecard', driftLabel: 'kubestrap.dev/drift' },
    });
    expect(parse(cm!.data['checks.yaml'])).toEqual(plan.checks);
    expect(plan.actions).toHaveLength(1);
  });

  it('drops backup and quota checks when those areas are off; is disabled without a scorecard', async () => {
    const config = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.backup.enabled = false;
      c.spec.cost.quotas = false;
    });
    const checks = render(continuousVerificationStep, config).checks;
    expect(checks.some((c) => c.type === 'velero-bsl-available')).toBe(false);
    expect(checks.some((c) => c.type === 'exists' && c.resource === 'resourcequotas')).toBe(false);
    const off = variant(config, (c) => (c.spec.verification.scorecard = false));
    expect(continuousVerificationStep.enabled(off)).toMatchObject({ enabled: false, reason: expect.stringContaining('scorecard') });
  });
});
