// The alert checks of the monitoring step (src/engine/alert-probe.ts): the objects they create, the
// Alertmanager route kubestrap renders for them, and the probes' control flow with every kubectl
// child process faked (fake exec). The real pipeline (Prometheus, Alertmanager, the receiver pod)
// runs in test/e2e-real/roadmap.test.ts on the real kind tier.
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { loadConfigFile } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import {
  alertDeliveryProbe,
  alertProbeAlertName,
  alertProbeObjects,
  alertRulesProbe,
  receivedAlert,
  receiverScript,
  ruleProblems,
} from '../../src/engine/alert-probe.js';
import { runCheck } from '../../src/engine/checks.js';
import { alertProbe, alertProbeUrl, monitoringNamespace } from '../../src/names.js';
import { alertmanagerConfig, monitoringStep } from '../../src/steps/monitoring.js';
import { fakeExec, type FakeHandler } from './fake-exec.js';

const examples = path.resolve(import.meta.dirname, '../../examples');
const target = { context: 'kind-test' };

async function load(file: string): Promise<Config> {
  return (await loadConfigFile(path.join(examples, file))).config;
}

/** A webhook body as Alertmanager posts it (one line in the receiver's file). */
const webhookBody = (run: string, status = 'firing') =>
  JSON.stringify({
    receiver: alertProbe.receiver,
    status,
    alerts: [{ status, labels: { alertname: alertProbeAlertName, [alertProbe.label]: alertProbe.value, kubestrap_probe_run: run } }],
  });

describe('alert-delivery objects and the Alertmanager route kubestrap renders for them', () => {
  it('the receiver pod, its Service and the always-firing rule are valid, restricted and agree with the route', () => {
    const o = alertProbeObjects(monitoringNamespace, 'run1');
    new Pod(o.receiver as never).validate();
    new Service(o.service as never).validate();
    const pod = o.receiver.spec;
    expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(pod.containers[0].ports?.[0]?.containerPort).toBe(alertProbe.port);
    // The Service selects the receiver pod and is the host:port the route's URL names.
    const spec = o.service.spec as { selector: Record<string, string>; ports: { port: number; targetPort: number }[] };
    for (const [k, v] of Object.entries(spec.selector)) expect(o.receiver.metadata.labels[k]).toBe(v);
    expect(alertProbeUrl).toBe(`http://${o.service.metadata.name}.${monitoringNamespace}.svc:${spec.ports[0]!.port}${alertProbe.path}`);
    // The CGI script lands where the URL points.
    expect(pod.containers[0].command.join(' ')).toContain(`/www${alertProbe.path}`);
    const rule = (o.rule.spec as { groups: { rules: { expr: string; labels: Record<string, string> }[] }[] }).groups[0]!.rules[0]!;
    expect(rule.expr).toBe('vector(1)');
    expect(rule.labels).toMatchObject({ [alertProbe.label]: alertProbe.value, kubestrap_probe_run: 'run1' });
    // Not warning/info/critical: kubestrap's inhibit rules never silence it.
    expect(rule.labels.severity).toBe('none');
  });

  it('the receiver script appends the POST body and answers a CGI header', () => {
    expect(receiverScript[0]).toBe('#!/bin/sh');
    expect(receiverScript.join('\n')).toMatch(/head -c "\$CONTENT_LENGTH" >> \/www\/alerts\.log/);
    expect(receiverScript.at(-1)).toContain('Content-Type: text/plain');
  });

  it.each(['production.yaml', 'kind-dev.yaml'])(
    '%s: the probe route is first, without continue, to the probe webhook only',
    async (file) => {
      const { config } = alertmanagerConfig(await load(file));
      const route = config.route as { routes: Record<string, unknown>[] };
      expect(route.routes[0]).toEqual({
        receiver: alertProbe.receiver,
        matchers: [`${alertProbe.label} = "${alertProbe.value}"`],
        group_wait: '0s',
        group_interval: '10s',
        repeat_interval: '1m',
      });
      expect(route.routes[0]).not.toHaveProperty('continue');
      const receivers = config.receivers as { name: string; webhook_configs?: { url: string; send_resolved: boolean }[] }[];
      expect(receivers.find((r) => r.name === alertProbe.receiver)).toEqual({
        name: alertProbe.receiver,
        webhook_configs: [{ url: alertProbeUrl, send_resolved: false }],
      });
    },
  );

  it('the monitoring step checks alert rules and delivery when kube-prometheus-stack is on, and lets cert-manager issue the webhook certificate', async () => {
    const config = await load('production.yaml');
    expect(config.spec.monitoring.prometheus.enabled).toBe(true);
    const plan = monitoringStep.render({ config, baseDir: examples, outDir: '/tmp/kubestrap-unit-alert-probe' });
    const probes = plan.checks.flatMap((c) => (c.type === 'probe' ? [c.probe] : []));
    expect(probes).toEqual(expect.arrayContaining(['alert-rules', 'alert-delivery']));
    const values = parseAllDocuments(plan.artifacts.find((a) => a.path.endsWith('values-kube-prometheus-stack.yaml'))!.content)[0]!.toJS();
    expect(values.prometheusOperator.admissionWebhooks.certManager.enabled).toBe(config.spec.security.certManager);
    const off = structuredClone(config);
    off.spec.monitoring.prometheus.enabled = false;
    const offPlan = monitoringStep.render({ config: off, baseDir: examples, outDir: '/tmp/kubestrap-unit-alert-probe' });
    expect(offPlan.checks.some((c) => c.type === 'probe' && c.probe.startsWith('alert-'))).toBe(false);
  });
});

describe('receivedAlert', () => {
  it('finds the firing probe alert of this run only', () => {
    expect(receivedAlert(`garbage\n${webhookBody('abc')}\n`, 'abc')).toBe(true);
    expect(receivedAlert(webhookBody('other'), 'abc')).toBe(false);
    expect(receivedAlert(webhookBody('abc', 'resolved'), 'abc')).toBe(false);
    expect(receivedAlert('', 'abc')).toBe(false);
  });
});

/** A fake kubectl for the delivery probe: the receiver's file fills after `deliverAfter` reads. */
function deliveryFake(deliverAfter: number | undefined) {
  let reads = 0;
  const applied: string[] = [];
  const handler: FakeHandler = (argv, input) => {
    const a = argv.join(' ');
    if (a.includes(' apply ')) {
      for (const m of (input ?? '').matchAll(/^kind: (\w+)/gm)) applied.push(m[1]!);
      return '';
    }
    if (a.includes(' wait ')) return '';
    if (a.includes(' exec ')) {
      reads++;
      return deliverAfter !== undefined && reads > deliverAfter ? `${webhookBody('run42')}\n` : '';
    }
    if (a.includes(' delete ')) return '';
    if (a.includes('/api/v1/alerts'))
      return JSON.stringify({ data: { alerts: [{ state: 'firing', labels: { kubestrap_probe_run: 'run42' } }] } });
    if (a.includes('/api/v2/alerts')) return JSON.stringify([{ labels: { kubestrap_probe_run: 'run42' } }]);
    if (a.includes(' get pod ')) return JSON.stringify({ status: { phase: 'Running' } });
    return undefined;
  };
  const exec = fakeExec([], handler);
  return { kubectl: new Kubectl(exec, target), exec, applied };
}

describe('alertDeliveryProbe (fake exec)', () => {
  it('passes once the receiver holds the alert; the receiver is up before the rule exists; everything is deleted', async () => {
    const f = deliveryFake(2);
    expect(await alertDeliveryProbe(f.kubectl, monitoringNamespace, { run: 'run42', pollMs: 1 })).toBeUndefined();
    expect(f.applied).toEqual(['Pod', 'Service', 'PrometheusRule']);
    const deletes = f.exec.calls
      .filter((c) => c.includes('delete'))
      .map((c) => c.slice(c.indexOf('delete') + 1, c.indexOf('delete') + 3).join(' '));
    expect(deletes).toEqual([
      'prometheusrules.monitoring.coreos.com kubestrap-alert-probe',
      `pod ${alertProbe.receiver}`,
      `service ${alertProbe.service}`,
    ]);
  });

  it('fails when the receiver never gets it, saying which hop had the alert, and still cleans up', async () => {
    const f = deliveryFake(undefined);
    const result = await alertDeliveryProbe(f.kubectl, monitoringNamespace, { run: 'run42', timeoutMs: 20, pollMs: 5 });
    expect(result?.message).toMatch(/did not reach the receiver kubestrap-alert-probe\.monitoring within 0s/);
    expect(result?.message).toMatch(/Prometheus has it firing; Alertmanager has it; receiver pod Running/);
    expect(f.exec.calls.filter((c) => c.includes('delete'))).toHaveLength(3);
  });

  it('a simulated (KWOK) cluster reports the check as "skipped: <reason>", never ok, and runs nothing', async () => {
    const exec = fakeExec([]);
    const kubectl = new Kubectl(exec, target);
    for (const probe of ['alert-delivery', 'alert-rules'] as const) {
      const result = await runCheck(
        'monitoring',
        { type: 'probe', probe, namespace: monitoringNamespace, description: probe },
        { kubectl, helm: new Helm(exec, target, 4), simulated: true, timeout: '1m' },
      );
      expect(result.status).toBe('skipped');
      expect(result.message).toMatch(/^skipped: nodes are simulated/);
    }
    expect(exec.calls).toEqual([]);
  });
});

describe('alert rules as Prometheus loaded them', () => {
  const rule = {
    metadata: { name: 'kubestrap', namespace: 'monitoring', uid: '0b1c' },
    spec: { groups: [{ name: 'kubestrap.nodes', rules: [{}, {}] }] },
  };
  const file = '/etc/prometheus/rules/prometheus-kube-prometheus-stack-prometheus-rulefiles-0/monitoring-kubestrap-0b1c.yaml';

  it('healthy: every group loaded from this PrometheusRule, every rule ok', () => {
    const loaded = [
      {
        name: 'kubestrap.nodes',
        file,
        rules: [
          { name: 'A', health: 'ok' },
          { name: 'B', health: 'ok' },
        ],
      },
    ];
    expect(ruleProblems(rule, loaded)).toEqual([]);
  });

  it('names a missing group, a rule count mismatch, a lastError and an unevaluated rule', () => {
    expect(ruleProblems(rule, [])).toEqual(['monitoring/kubestrap: group kubestrap.nodes is not loaded by Prometheus']);
    // The same group name from another PrometheusRule's file (or an older object's) does not count.
    for (const other of ['/x/monitoring-other-0b1c.yaml', '/x/monitoring-kubestrap-extra-0b1c.yaml', '/x/monitoring-kubestrap-9999.yaml'])
      expect(ruleProblems(rule, [{ name: 'kubestrap.nodes', file: other, rules: [] }])).toHaveLength(1);
    const loaded = [
      { name: 'kubestrap.nodes', file, rules: [{ name: 'A', health: 'err', lastError: 'vector contains metrics with the same labelset' }] },
    ];
    expect(ruleProblems(rule, loaded)).toEqual([
      'monitoring/kubestrap: group kubestrap.nodes has 1 of 2 rules loaded',
      'monitoring/kubestrap: kubestrap.nodes/A: vector contains metrics with the same labelset',
    ]);
    expect(ruleProblems(rule, [{ name: 'kubestrap.nodes', file, rules: [{ name: 'A', health: 'unknown' }, { name: 'B' }] }])).toEqual([
      'monitoring/kubestrap: kubestrap.nodes/A health unknown (not evaluated yet)',
      'monitoring/kubestrap: kubestrap.nodes/B health unknown (not evaluated yet)',
    ]);
  });

  it('alertRulesProbe (fake exec) lists kubestrap-labelled rules, waits for the first evaluation, then passes', async () => {
    let reads = 0;
    const exec = fakeExec([], (argv) => {
      const a = argv.join(' ');
      if (a.includes('get prometheusrules.monitoring.coreos.com')) {
        expect(argv).toEqual(expect.arrayContaining(['--all-namespaces', '--selector', 'app.kubernetes.io/managed-by=kubestrap']));
        return JSON.stringify({ items: [rule] });
      }
      if (a.includes('/services/kube-prometheus-stack-prometheus:9090/proxy/api/v1/rules')) {
        reads++;
        const health = reads > 1 ? 'ok' : 'unknown';
        return JSON.stringify({
          data: {
            groups: [
              {
                name: 'kubestrap.nodes',
                file,
                rules: [
                  { name: 'A', health },
                  { name: 'B', health },
                ],
              },
            ],
          },
        });
      }
      return undefined;
    });
    expect(await alertRulesProbe(new Kubectl(exec, target), { pollMs: 1 })).toBeUndefined();
    expect(reads).toBe(2);
  });

  it('alertRulesProbe (fake exec) fails with the rule errors after its timeout', async () => {
    const exec = fakeExec([], (argv) => {
      const a = argv.join(' ');
      if (a.includes('get prometheusrules')) return JSON.stringify({ items: [rule] });
      if (a.includes('/api/v1/rules')) return JSON.stringify({ data: { groups: [] } });
      return undefined;
    });
    const result = await alertRulesProbe(new Kubectl(exec, target), { timeoutMs: 5, pollMs: 1 });
    expect(result?.message).toBe(
      "1 problem(s) with kubestrap's alert rules in Prometheus: monitoring/kubestrap: group kubestrap.nodes is not loaded by Prometheus",
    );
  });
});
