import { clusterProfile, profileFacts, providerRuns } from '../config/profile.js';
import type { Config } from '../config/schema.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources, spreadFor } from '../render/addons.js';
import { chartLabels, commonLabels, defaultStorageClass, namespaceObject } from '../render/common.js';
import { renderObject, renderObjects } from '../render/template.js';
import type { Step } from '../roadmap/types.js';
import { alertProbe, alertProbeUrl, monitoringNamespace, scorecard } from '../names.js';

export { monitoringNamespace, scorecard };
/** Release name and fullnameOverride of kube-prometheus-stack; object names below derive from it. */
export const kubePrometheusStackRelease = 'kube-prometheus-stack';
/** The Prometheus Service the chart creates (`<fullname>-prometheus`), e.g. for OpenCost. */
export const prometheusService = { namespace: monitoringNamespace, name: `${kubePrometheusStackRelease}-prometheus`, port: 9090 } as const;
export const grafanaAdminSecret = 'grafana-admin';
/** The operator's name for the Prometheus data volume: `prometheus-<Prometheus name>-db`. */
export const prometheusDataVolume = `prometheus-${kubePrometheusStackRelease}-prometheus-db`;

/**
 * Names of the workloads kube-prometheus-stack creates with fullnameOverride = the release name
 * (checked against the chart's _helpers.tpl: fullname is truncated to 26 characters, the operator is
 * `<fullname>-operator`, the Prometheus/Alertmanager CRs `<fullname>-prometheus|-alertmanager`
 * and the operator names their StatefulSets `prometheus-<cr>` / `alertmanager-<cr>`; the
 * grafana, kube-state-metrics and prometheus-node-exporter subcharts name theirs
 * `<release>-<subchart>`).
 */
export function kubePrometheusStackWorkloads(fullname: string = kubePrometheusStackRelease) {
  return {
    operator: `${fullname}-operator`,
    grafana: `${kubePrometheusStackRelease}-grafana`,
    kubeStateMetrics: `${kubePrometheusStackRelease}-kube-state-metrics`,
    nodeExporter: `${kubePrometheusStackRelease}-prometheus-node-exporter`,
    prometheus: `prometheus-${fullname}-prometheus`,
    alertmanager: `alertmanager-${fullname}-alertmanager`,
  };
}

/**
 * Prometheus takes its size limit in bytes units (`18GiB`, `500MB`; its CRD pattern is
 * `([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B`), the config a Kubernetes quantity (`18Gi`).
 */
export function prometheusBytes(quantity: string): string {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(quantity);
  if (!m) throw new Error(`not a quantity: ${quantity}`);
  const [, number, suffix] = m;
  if (!suffix) return `${number}B`;
  if (suffix === 'm') return `${Math.ceil(Number(number) / 1000)}B`;
  return `${number}${suffix === 'k' ? 'K' : suffix}B`;
}

const alertmanagerSecretsDir = '/etc/alertmanager/secrets';
const discardReceiver = 'kubestrap-discard';
export const deadMansSwitchReceiver = 'kubestrap-deadmansswitch';

/**
 * Alertmanager configuration from the configured receivers. URLs and routing keys are never
 * written here: each receiver reads them from a file of a Secret the chart mounts
 * (alertmanagerSpec.secrets), so only Secret names and keys appear in the values file.
 */
export function alertmanagerConfig(config: Config): { config: Record<string, unknown>; secrets: string[] } {
  const { alertReceivers: receivers, deadMansSwitch } = config.spec.monitoring;
  const file = (r: { secretRef: { name: string; key: string } }) => `${alertmanagerSecretsDir}/${r.secretRef.name}/${r.secretRef.key}`;
  const rendered = receivers.map((r) => {
    switch (r.type) {
      case 'slack':
        return {
          name: r.name,
          slack_configs: [{ api_url_file: file(r), send_resolved: true, ...(r.channel ? { channel: r.channel } : {}) }],
        };
      case 'webhook':
        return { name: r.name, webhook_configs: [{ url_file: file(r), send_resolved: true }] };
      case 'pagerduty':
        return { name: r.name, pagerduty_configs: [{ routing_key_file: file(r), send_resolved: true }] };
    }
  });
  const routes: Record<string, unknown>[] = [
    // The alert-delivery check's own alert (fired on purpose by `kubestrap verify`) goes only to the
    // receiver pod the check runs while it runs: first, without continue, so no team is told.
    {
      receiver: alertProbe.receiver,
      matchers: [`${alertProbe.label} = "${alertProbe.value}"`],
      group_wait: '0s',
      group_interval: '10s',
      repeat_interval: '1m',
    },
    // The always-firing Watchdog is not for people: it goes to the dead man's switch, an outside
    // service that raises the alarm when the pings stop (Prometheus or Alertmanager is down).
    // The 5-minute repeat is the ping period to configure there. Without one it is dropped.
    deadMansSwitch
      ? {
          receiver: deadMansSwitchReceiver,
          matchers: ['alertname = "Watchdog"'],
          group_wait: '0s',
          group_interval: '1m',
          repeat_interval: '5m',
        }
      : { receiver: discardReceiver, matchers: ['alertname = "Watchdog"'] },
    // The InfoInhibitor helper only silences info alerts.
    { receiver: discardReceiver, matchers: ['alertname = "InfoInhibitor"'] },
    // Paging receivers get critical alerts only; chat and webhooks get everything.
    ...receivers.map((r) => ({
      receiver: r.name,
      ...(r.type === 'pagerduty' ? { matchers: ['severity = "critical"'] } : {}),
      continue: true,
    })),
  ];
  if (deadMansSwitch)
    rendered.push({ name: deadMansSwitchReceiver, webhook_configs: [{ url_file: file(deadMansSwitch), send_resolved: false }] });
  return {
    secrets: [...new Set([...receivers, ...(deadMansSwitch ? [deadMansSwitch] : [])].map((r) => r.secretRef.name))],
    config: {
      global: { resolve_timeout: '5m' },
      inhibit_rules: [
        { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ['namespace', 'alertname'] },
        { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ['namespace', 'alertname'] },
      ],
      route: {
        receiver: discardReceiver,
        group_by: ['namespace', 'alertname'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '12h',
        routes,
      },
      receivers: [
        { name: discardReceiver },
        { name: alertProbe.receiver, webhook_configs: [{ url: alertProbeUrl, send_resolved: false }] },
        ...rendered,
      ],
    },
  };
}

/**
 * Which control-plane components kube-prometheus-stack scrapes (and so alerts on when they are
 * down). kind keeps etcd, controller-manager and scheduler on 127.0.0.1 and leaves kube-proxy's
 * metrics at kubeadm's 127.0.0.1:10249, so a target there would only ever be down. Elsewhere only
 * what the team says its cluster exposes: managed control planes never do, stock kubeadm binds
 * them to 127.0.0.1 too. Without kube-proxy (Cilium's replacement) there is nothing to scrape.
 */
export function controlPlaneScraping(config: Config): {
  etcd: boolean;
  controllerManager: boolean;
  scheduler: boolean;
  kubeProxy: boolean;
} {
  const { cluster, networking, monitoring } = config.spec;
  const wanted = monitoring.controlPlaneMetrics;
  const profile = profileFacts[clusterProfile(config)];
  const reachable = cluster.provider !== 'kind';
  // A managed control plane (eks, gke, aks) is never scraped; the rules refuse asking for it.
  const controlPlane = reachable && !profile.managedControlPlane;
  const kubeProxyRuns = !(networking.cni === 'cilium' && networking.kubeProxyReplacement);
  return {
    etcd: controlPlane && wanted.etcd,
    controllerManager: controlPlane && wanted.controllerManager,
    scheduler: controlPlane && wanted.scheduler,
    kubeProxy: reachable && kubeProxyRuns && wanted.kubeProxy,
  };
}

/** What the plan says about control-plane scraping, per profile. */
function controlPlaneNote(config: Config, scraped: string[]): string {
  const profile = clusterProfile(config);
  const facts = profileFacts[profile];
  if (config.spec.cluster.provider === 'kind')
    return 'etcd, kube-controller-manager, kube-scheduler and kube-proxy are not scraped (kind keeps their metrics on localhost)';
  const scrapedText = scraped.length
    ? `scraped and alerted on: ${scraped.join(', ')} (spec.monitoring.controlPlaneMetrics)`
    : 'no control-plane component is scraped';
  if (facts.managedControlPlane) {
    return `${scrapedText}; ${facts.title} runs etcd, the controller manager and the scheduler out of the pods' reach: they are not scraped, whatever spec.monitoring.controlPlaneMetrics says (the provider monitors them)`;
  }
  if (profile === 'kubeadm') {
    // Stock kubeadm binds these to 127.0.0.1; the chart finds the static pods by their component label.
    const needs: Record<string, string> = {
      etcd: 'etcd --listen-metrics-urls=http://0.0.0.0:2381',
      controllerManager: 'kube-controller-manager --bind-address=0.0.0.0',
      scheduler: 'kube-scheduler --bind-address=0.0.0.0',
      kubeProxy: 'kube-proxy metricsBindAddress: 0.0.0.0:10249',
    };
    return scraped.length
      ? `${scrapedText}; kubeadm binds them to 127.0.0.1 unless changed on every control-plane node: ${scraped.map((c) => needs[c]).join(', ')}`
      : `${scrapedText} (kubeadm binds their metrics to 127.0.0.1); to scrape one, change its bind address on the control-plane nodes and turn it on in spec.monitoring.controlPlaneMetrics`;
  }
  return `${scrapedText}; turn on only what the cluster exposes to pods in spec.monitoring.controlPlaneMetrics`;
}

/** Loki's gateway Service (release `loki`, fullnameOverride loki): Grafana's datasource and the push URL. */
export const lokiUrl = `http://loki-gateway.${monitoringNamespace}.svc`;

/**
 * Keeps Prometheus' TSDB out of backups: metrics are rebuilt by scraping, and a copy of a live TSDB
 * restores inconsistent. The pod annotation stops file-system backup of the volume; the label on
 * the claim keeps the PVC (and so its CSI snapshot) out of every backup.
 */
export function prometheusBackupExclusion(config: Config): {
  podMetadata?: Record<string, unknown>;
  volumeMetadata?: Record<string, unknown>;
} {
  if (!config.spec.backup.enabled || config.spec.backup.volumes === 'none') return {};
  return {
    podMetadata: { annotations: { 'backup.velero.io/backup-volumes-excludes': prometheusDataVolume } },
    volumeMetadata: { labels: { 'velero.io/exclude-from-backup': 'true' } },
  };
}

/**
 * Monitoring from the first deployment: metrics-server (resource metrics for kubectl top, HPA and
 * VPA), kube-prometheus-stack with kubestrap's own alerts and Grafana behind a generated admin
 * Secret, and Loki for logs when asked.
 */
export const monitoringStep: Step = {
  id: 'monitoring',
  phase: 'observability',
  title: 'Monitoring',
  needs: ['storage'],
  // With cert-manager on, the Prometheus Operator's webhook certificate is a cert-manager object in
  // kube-prometheus-stack's release: the release fails while cert-manager's CRDs are absent.
  needsFor: (config) => (config.spec.security.certManager && config.spec.monitoring.prometheus.enabled ? ['certificates'] : []),
  enabled: (config) =>
    config.spec.monitoring.metricsServer || config.spec.monitoring.prometheus.enabled || config.spec.monitoring.logs
      ? { enabled: true }
      : { enabled: false, reason: 'spec.monitoring turns off metrics-server, Prometheus and logs' },
  render(ctx) {
    const b = new PlanBuilder(ctx, 'observability', 'monitoring');
    const { config } = ctx;
    const { cluster, monitoring } = config.spec;
    const isKind = cluster.provider === 'kind';
    const labels = commonLabels(config, 'monitoring');
    const storageClass = defaultStorageClass(config);

    if (monitoring.metricsServer && providerRuns(config, 'metrics-server')) {
      b.note(
        `metrics-server: run by the provider (${profileFacts[clusterProfile(config)].title}; spec.cluster.providerAddons), not installed; its APIService is checked`,
      );
      b.check({ type: 'apiservice-available', name: 'v1beta1.metrics.k8s.io' });
    } else if (monitoring.metricsServer) {
      const replicas = isKind ? 1 : 2;
      b.helm(
        'metricsServer',
        'metrics-server',
        'kube-system',
        renderObject('monitoring/metrics-server-values.yaml', {
          replicas,
          pdb: replicas >= 2,
          resources: addonResources(config, 'metrics-server'),
          spread: spreadFor(replicas, { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' }),
          // kind's kubelets serve self-signed certificates.
          args: isKind ? ['--kubelet-insecure-tls'] : [],
          labels: chartLabels(config, 'monitoring'),
        }),
      );
      b.rollout('kube-system', ['deployment', 'metrics-server']);
      b.check({ type: 'apiservice-available', name: 'v1beta1.metrics.k8s.io' });
    }

    const stack = monitoring.prometheus.enabled;
    if (stack || monitoring.logs) {
      // node-exporter needs the host's network, PID namespace and file systems: system level.
      const level = stack ? config.spec.security.podSecurity.system : config.spec.security.podSecurity.platform;
      b.manifest(
        'namespaces.yaml',
        [namespaceObject(config, 'monitoring', monitoringNamespace, level)],
        `${monitoringNamespace} namespace (Pod Security ${level})`,
      );
    }

    if (stack) {
      const scraped = Object.entries(controlPlaneScraping(config))
        .filter(([, on]) => on)
        .map(([name]) => name);
      b.note(controlPlaneNote(config, scraped));
      if (!monitoring.deadMansSwitch) {
        b.note("no dead man's switch: nobody is told when Prometheus or Alertmanager stops (set spec.monitoring.deadMansSwitch)");
      }
      if (monitoring.grafana) {
        b.action({
          type: 'secret',
          secret: {
            namespace: monitoringNamespace,
            name: grafanaAdminSecret,
            fixed: { 'admin-user': 'admin' },
            random: { 'admin-password': 32 },
          },
        });
      }
      const alertmanager = alertmanagerConfig(config);
      const workloads = kubePrometheusStackWorkloads();
      const tsdbBackup = prometheusBackupExclusion(config);
      b.helm(
        'kubePrometheusStack',
        kubePrometheusStackRelease,
        monitoringNamespace,
        renderObject('monitoring/kube-prometheus-stack-values.yaml', {
          fullname: kubePrometheusStackRelease,
          labels: chartLabels(config, 'monitoring'),
          storageClass,
          priorityClassName: addonPriorityClass(config),
          resources: {
            operator: addonResources(config, 'prometheus-operator'),
            configReloader: addonResources(config, 'config-reloader'),
            helperJobs: addonResources(config, 'helper-jobs'),
            prometheus: addonResources(config, 'prometheus'),
            alertmanager: addonResources(config, 'alertmanager'),
            grafana: addonResources(config, 'grafana'),
            grafanaSidecar: addonResources(config, 'grafana-sidecar'),
            kubeStateMetrics: addonResources(config, 'kube-state-metrics'),
            nodeExporter: addonResources(config, 'node-exporter'),
          },
          // With cert-manager installed (the certificates step, which this one then needs) it issues the operator's
          // admission webhook certificate and injects its CA, instead of the chart's certgen hook Jobs.
          webhookCertsFromCertManager: config.spec.security.certManager,
          prometheus: {
            ...monitoring.prometheus,
            retentionSize: prometheusBytes(monitoring.prometheus.retentionSize),
            externalLabels: { cluster: cluster.name },
            pdb: monitoring.prometheus.replicas >= 2,
            podMetadata: tsdbBackup.podMetadata,
            volumeMetadata: tsdbBackup.volumeMetadata,
            // The operator labels the pods with the Prometheus and Alertmanager resources' names.
            spread: spreadFor(monitoring.prometheus.replicas, {
              'app.kubernetes.io/name': 'prometheus',
              'operator.prometheus.io/name': `${kubePrometheusStackRelease}-prometheus`,
            }),
          },
          alertmanager: {
            replicas: monitoring.prometheus.replicas,
            pdb: monitoring.prometheus.replicas >= 2,
            spread: spreadFor(monitoring.prometheus.replicas, {
              'app.kubernetes.io/name': 'alertmanager',
              alertmanager: `${kubePrometheusStackRelease}-alertmanager`,
            }),
            storageSize: isKind ? '1Gi' : '5Gi',
            secrets: alertmanager.secrets,
            config: alertmanager.config,
          },
          grafana: {
            enabled: monitoring.grafana,
            adminSecret: grafanaAdminSecret,
            storageSize: isKind ? '1Gi' : '10Gi',
            // Loki as a datasource next to Prometheus, so logs are one click away in Grafana.
            additionalDataSources: monitoring.logs
              ? [{ name: 'Loki', type: 'loki', uid: 'loki', access: 'proxy', url: lokiUrl, editable: false }]
              : [],
          },
          kubeStateMetrics: { metricLabelsAllowlist: [`configmaps=[${scorecard.driftLabel}]`] },
          // kind nodes are containers whose root file system mount is not shared (⚠ the usual fix).
          nodeExporter: { hostRootFsMount: !isKind },
          controlPlane: controlPlaneScraping(config),
        }),
      );
      for (const crd of ['prometheuses', 'alertmanagers', 'servicemonitors', 'podmonitors', 'prometheusrules']) {
        b.check({ type: 'crd-established', name: `${crd}.monitoring.coreos.com` });
      }
      b.rollout(
        monitoringNamespace,
        ['deployment', workloads.operator],
        ['deployment', workloads.kubeStateMetrics],
        ['daemonset', workloads.nodeExporter],
      );
      if (monitoring.grafana) b.rollout(monitoringNamespace, ['deployment', workloads.grafana]);
      b.rollout(monitoringNamespace, ['statefulset', workloads.prometheus], ['statefulset', workloads.alertmanager]);

      // The PrometheusRule CRD comes with the chart, so the rules are applied after it.
      b.manifest(
        'kubestrap-alerts.yaml',
        renderObjects('monitoring/kubestrap-alerts.yaml', { namespace: monitoringNamespace, labels }),
        "kubestrap's own alerts (PrometheusRule)",
      );
      b.check({ type: 'exists', resource: 'prometheusrules.monitoring.coreos.com', namespace: monitoringNamespace, name: 'kubestrap' });
      b.check({
        type: 'probe',
        probe: 'alert-rules',
        namespace: monitoringNamespace,
        description: "Prometheus loads kubestrap's alert rules and evaluates each without error",
      });
      b.check({
        type: 'probe',
        probe: 'alert-delivery',
        namespace: monitoringNamespace,
        description: 'an alert fired on purpose reaches a receiver through Alertmanager',
      });
    }

    if (monitoring.logs) {
      b.helm(
        'loki',
        'loki',
        monitoringNamespace,
        renderObject('monitoring/loki-values.yaml', {
          fullname: 'loki',
          storageClass,
          retention: monitoring.logRetention,
          storageSize: monitoring.prometheus.storageSize,
          priorityClassName: addonPriorityClass(config),
          resources: {
            loki: addonResources(config, 'loki'),
            sidecar: addonResources(config, 'loki-sidecar'),
            gateway: addonResources(config, 'loki-gateway'),
            gatewayExporter: addonResources(config, 'helper-jobs'),
          },
        }),
      );
      b.rollout(monitoringNamespace, ['statefulset', 'loki']);
      b.note(
        `logs: Loki keeps ${monitoring.logRetention} (compactor retention); no shipper is installed (spec.monitoring.logShipper: external): your agent pushes to ${lokiUrl}/loki/api/v1/push${monitoring.grafana && stack ? '; Grafana has Loki as a datasource' : ''}`,
      );
    }
    return b.build();
  },
};
