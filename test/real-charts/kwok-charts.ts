/**
 * The chart folder e2e tests on the KWOK tier hand kubestrap (`spec.charts.source: local`): the
 * REAL upstream chart, unpacked at its pinned version, for every chart that can work on simulated
 * nodes, and a stand-in from test/charts only where the real one cannot (each stand-in's
 * Chart.yaml says why). The Gateway API CRDs are the real v1.6.1 standard install.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { lock, type ChartKey } from '../../src/lock.js';
import { chartDir, gatewayApiCrds } from './charts.ts';
import { repoRoot } from './matrix.ts';

/**
 * Charts whose real version cannot work on KWOK nodes (no container ever runs there), with why.
 * Everything else is installed from the real chart. Measured 2026-12-01 on the test cluster with
 * helm v4.3.1 and examples/test-cluster.yaml's values: the real snapshot-controller (3 s), kyverno
 * (31 s), kyverno-policies (1 s), vpa (34 s), velero (18 s) and opencost (4 s) install and roll out.
 * The real gateway-helm works too since the gateway step installs it with its `crds` subchart off
 * (helm 4 conflicted with the Gateway API CRDs kubestrap applies) and applies Envoy Gateway's own
 * CRDs from the chart itself.
 */
export const kwokStandIns: Partial<Record<ChartKey, string>> = {
  certManager:
    'its ValidatingWebhookConfiguration (failurePolicy Fail) sends every cert-manager.io object to the webhook pod, which never runs on KWOK: the ClusterIssuer kubestrap applies is refused (re-checked 2026-12-01 with the real v1.21.1: "failed calling webhook "webhook.cert-manager.io"")',
  metricsServer:
    'it registers the APIService v1beta1.metrics.k8s.io, which nothing serves on KWOK (FailedDiscoveryCheck): an aggregated API that is never Available breaks API discovery for helm, kubectl and namespace deletion (re-checked 2026-12-01 with the real 3.13.1: the APIService stays False (FailedDiscoveryCheck) and a deleted namespace stays Terminating with NamespaceDeletionDiscoveryFailure until the chart is gone)',
  kubePrometheusStack:
    "Grafana's PersistentVolumeClaim never binds on KWOK (no provisioner runs), so its pod stays Pending and helm's wait times out (276 s measured)",
  loki: "the single binary's PersistentVolumeClaim never binds on KWOK (no provisioner runs), so loki-0 stays Pending and helm's wait times out",
};

/** Copies into `dest` one folder per chart name (real or stand-in) and gateway-api/standard-install.yaml. */
export function assembleKwokCharts(dest: string): { real: string[]; standIn: string[] } {
  mkdirSync(dest, { recursive: true });
  const real: string[] = [];
  const standIn: string[] = [];
  for (const key of Object.keys(lock.charts) as ChartKey[]) {
    const { chart } = lock.charts[key];
    if (kwokStandIns[key]) {
      const from = path.join(repoRoot, 'test/charts', chart);
      if (!existsSync(from)) throw new Error(`stand-in chart ${from} is missing (kwokStandIns names ${key})`);
      cpSync(from, path.join(dest, chart), { recursive: true });
      standIn.push(chart);
    } else {
      cpSync(chartDir(key), path.join(dest, chart), { recursive: true });
      real.push(chart);
    }
  }
  mkdirSync(path.join(dest, 'gateway-api'), { recursive: true });
  cpSync(gatewayApiCrds(), path.join(dest, 'gateway-api', 'standard-install.yaml'));
  return { real, standIn };
}
