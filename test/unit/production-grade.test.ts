// Issue 11, production-grade output: what the steps render for a team adopting kubestrap on day
// one (no false pages, a dead man's switch, add-ons sized and prioritised, tenants that cannot undo
// their own isolation, an honest decision record). Pure renders of the shipped examples and of
// variants of them; the real-chart side is in production-grade-charts.test.ts.
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { RenderContext, Step, StepPlan } from '../../src/roadmap/types.js';
import { monitoringStep } from '../../src/steps/monitoring.js';

const root = path.resolve(import.meta.dirname, '../..');

async function load(example: string): Promise<Config> {
  return (await loadConfigFile(path.join(root, 'examples', example))).config;
}

function variant(config: Config, change: (c: Config) => void): Config {
  const copy = structuredClone(config);
  change(copy);
  return copy;
}

function render(step: Step, config: Config): StepPlan {
  const ctx: RenderContext = { config, baseDir: path.join(root, 'examples'), outDir: '/tmp/kubestrap-test-plan' };
  return step.render(ctx);
}

function artifact(plan: StepPlan, file: string): string {
  const a = plan.artifacts.find((x) => x.path.endsWith(`/${file}`));
  if (!a) throw new Error(`no artifact ${file} in ${plan.artifacts.map((x) => x.path).join(', ')}`);
  return a.content;
}

const values = (plan: StepPlan, release: string) => parse(artifact(plan, `values-${release}.yaml`)) as Record<string, any>;

export function docs(content: string): Record<string, any>[] {
  const parsed = parseAllDocuments(content);
  for (const d of parsed) expect(d.errors).toEqual([]);
  return parsed.map((d) => d.toJS() as Record<string, any>);
}

const scraped = (kps: Record<string, any>) => ({
  etcd: kps.kubeEtcd.enabled,
  controllerManager: kps.kubeControllerManager.enabled,
  scheduler: kps.kubeScheduler.enabled,
  kubeProxy: kps.kubeProxy.enabled,
});
const none = { etcd: false, controllerManager: false, scheduler: false, kubeProxy: false };
const all = { etcd: true, controllerManager: true, scheduler: true, kubeProxy: true };

describe('A. no false critical pages', () => {
  it('an existing cluster scrapes no control-plane component unless the config says it is reachable', async () => {
    const production = await load('production.yaml');
    const plan = render(monitoringStep, production);
    expect(scraped(values(plan, 'kube-prometheus-stack'))).toEqual(none);
    expect(plan.notes?.join('\n')).toMatch(/are not scraped.*spec\.monitoring\.controlPlaneMetrics/);

    const selfManaged = variant(production, (c) => {
      c.spec.monitoring.controlPlaneMetrics = { ...all };
    });
    expect(scraped(values(render(monitoringStep, selfManaged), 'kube-prometheus-stack'))).toEqual(all);

    // No kube-proxy to scrape where Cilium replaces it.
    const kpr = variant(selfManaged, (c) => {
      c.spec.networking.cni = 'cilium';
      c.spec.networking.kubeProxyReplacement = true;
    });
    expect(scraped(values(render(monitoringStep, kpr), 'kube-prometheus-stack'))).toEqual({ ...all, kubeProxy: false });
  });

  it('kind never scrapes them: its control plane and kube-proxy keep their metrics on localhost', async () => {
    const kind = variant(await load('kind-dev.yaml'), (c) => {
      c.spec.networking.kubeProxyReplacement = false;
      c.spec.monitoring.controlPlaneMetrics = { ...all };
    });
    const plan = render(monitoringStep, kind);
    expect(scraped(values(plan, 'kube-prometheus-stack'))).toEqual(none);
    expect(plan.notes?.join('\n')).toContain('kind keeps their metrics on localhost');
  });

  it("Watchdog goes to a dead man's switch whose URL is read from a Secret, not to the discard receiver", async () => {
    const production = await load('production.yaml');
    const am = values(render(monitoringStep, production), 'kube-prometheus-stack').alertmanager;
    const routes = am.config.route.routes as Record<string, any>[];
    const watchdog = routes.filter((r) => ((r.matchers ?? []) as string[]).includes('alertname = "Watchdog"'));
    expect(watchdog).toEqual([{ receiver: 'kubestrap-deadmansswitch', matchers: ['alertname = "Watchdog"'], group_wait: '0s', group_interval: '1m', repeat_interval: '5m' }]);
    // First route, no `continue`: the Watchdog reaches no person's receiver.
    expect(routes[0]).toBe(watchdog[0]);
    const receiver = (am.config.receivers as Record<string, any>[]).find((r) => r.name === 'kubestrap-deadmansswitch');
    expect(receiver).toEqual({
      name: 'kubestrap-deadmansswitch',
      webhook_configs: [{ url_file: '/etc/alertmanager/secrets/alertmanager-deadmansswitch/url', send_resolved: false }],
    });
    expect(am.alertmanagerSpec.secrets).toContain('alertmanager-deadmansswitch');
  });

  it("without a dead man's switch the plan says nobody learns that monitoring died", async () => {
    const kind = await load('kind-dev.yaml');
    expect(kind.spec.monitoring.deadMansSwitch).toBeUndefined();
    const plan = render(monitoringStep, kind);
    expect(plan.notes).toContainEqual(expect.stringContaining("no dead man's switch"));
  });

  it('every series carries an external cluster label with the cluster name', async () => {
    for (const example of ['production.yaml', 'kind-dev.yaml']) {
      const config = await load(example);
      const spec = values(render(monitoringStep, config), 'kube-prometheus-stack').prometheus.prometheusSpec;
      expect(spec.externalLabels).toEqual({ cluster: config.spec.cluster.name });
    }
  });
});
