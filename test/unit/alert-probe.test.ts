// The alert checks of the monitoring step (src/engine/alert-probe.ts): the objects they create, the
// Alertmanager route kubestrap renders for them, and the probes' control flow with every kubectl
// child process faked (fake exec). The real pipeline (Prometheus, Alertmanager, the receiver pod)
// runs in test/e2e-real/roadmap.test.ts on the real kind tier.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
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
import { fakeExec, type FakeHandler, type FakeResult } from './fake-exec.js';
import { tempDir } from './temp-dir.js';

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

describe('alertDeliveryProbe (fake exec)', { timeout: 4_000 }, () => {
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
    // Each delete waits up to 60 s; the receiver is waited for (120 s) before the rule is applied; its file is read with cat.
    for (const c of f.exec.calls.filter((x) => x.includes('delete'))) expect(c.slice(-2)).toEqual(['--timeout', '60s']);
    const wait = f.exec.calls.findIndex((c) => c.includes('wait'));
    expect(f.exec.calls[wait]).toEqual(
      expect.arrayContaining(['--for=condition=Ready', `pod/${alertProbe.receiver}`, '--timeout', '120s']),
    );
    expect(f.exec.calls.find((c) => c.includes('exec'))!.slice(-3)).toEqual(['--', 'cat', '/www/alerts.log']);
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
      expect(ruleProblems(rule, [{ name: 'kubestrap.nodes', file: other, rules: [] }])).toEqual([
        'monitoring/kubestrap: group kubestrap.nodes is not loaded by Prometheus',
      ]);
    // Another group of this PrometheusRule's own file does not count either.
    expect(ruleProblems(rule, [{ name: 'kubestrap.other', file, rules: [{ name: 'A', health: 'ok' }] }])).toEqual([
      'monitoring/kubestrap: group kubestrap.nodes is not loaded by Prometheus',
    ]);
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

describe('the receiver, run for real (sh; httpd faked on PATH, /www in a temporary directory)', () => {
  it('its setup installs the CGI script and starts httpd on the probe port; each POST body becomes one line of the log', async () => {
    const dir = tempDir('kubestrap-alert-receiver-');
    const www = path.join(dir, 'www');
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'httpd'), `#!/bin/sh\necho "$*" > ${dir}/httpd-args\n`, { mode: 0o755 });
    const o = alertProbeObjects(monitoringNamespace, 'run1');
    const [shell, flag, setupScript] = o.receiver.spec.containers[0].command;
    const started = await execa(shell, [flag, setupScript.replaceAll('/www', www)], {
      env: { PATH: `${bin}:${process.env.PATH}` },
      reject: false,
    });
    expect(started.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'httpd-args'), 'utf8').trim()).toBe(`-f -p ${alertProbe.port} -h ${www}`);
    // httpd runs what the URL path names; the log exists, empty, before any POST.
    const cgi = path.join(www, alertProbe.path);
    expect(statSync(cgi).mode & 0o777).toBe(0o755);
    expect(readFileSync(path.join(www, 'alerts.log'), 'utf8')).toBe('');
    // The script as kubestrap defines it, quoting intact (with /www where the test put it).
    expect(readFileSync(cgi, 'utf8')).toBe(`${receiverScript.map((l) => l.replaceAll('/www', www)).join('\n')}\n`);
    const post = async (body: string) => execa(cgi, [], { input: `${body}trailing`, env: { CONTENT_LENGTH: String(body.length) } });
    const answer = await post(webhookBody('run1'));
    expect(answer.stdout).toBe('Content-Type: text/plain\r\n\r\nok');
    await post(webhookBody('run2'));
    expect(readFileSync(path.join(www, 'alerts.log'), 'utf8')).toBe(`${webhookBody('run1')}\n${webhookBody('run2')}\n`);
    expect(receivedAlert(readFileSync(path.join(www, 'alerts.log'), 'utf8'), 'run2')).toBe(true);
  });

  it('the receiver pod: its volume, port, readiness, and the rule as the operator gets it', () => {
    const o = alertProbeObjects('mon', 'run7');
    expect(o.receiver.spec.volumes).toEqual([{ name: 'www', emptyDir: { sizeLimit: '1Mi' } }]);
    const [c] = o.receiver.spec.containers;
    expect(c.volumeMounts).toEqual([{ name: 'www', mountPath: '/www' }]);
    expect(c.ports).toEqual([{ containerPort: alertProbe.port, name: 'http' }]);
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: alertProbe.port }, periodSeconds: 2 });
    expect(o.receiver.spec.restartPolicy).toBe('Always');
    expect(o.service).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: alertProbe.service, namespace: 'mon', labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
      spec: { selector: { 'kubestrap.dev/probe': alertProbe.receiver }, ports: [{ port: alertProbe.port, targetPort: alertProbe.port }] },
    });
    expect(o.rule).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: 'kubestrap-alert-probe',
        namespace: 'mon',
        labels: { 'app.kubernetes.io/managed-by': 'kubestrap', 'kubestrap.dev/probe': alertProbe.value },
      },
      spec: {
        groups: [
          {
            name: 'kubestrap.alert-probe',
            interval: '10s',
            rules: [
              {
                alert: alertProbeAlertName,
                expr: 'vector(1)',
                labels: { severity: 'none', [alertProbe.label]: alertProbe.value, kubestrap_probe_run: 'run7' },
                annotations: { summary: expect.stringContaining('kubestrap verify') },
              },
            ],
          },
        ],
      },
    });
  });
});

describe('receivedAlert, more', () => {
  it('a body with other alerts too counts when one of them is the probe alert; one without labels does not stop the search', () => {
    const body = JSON.stringify({
      alerts: [
        { status: 'firing' },
        { status: 'firing', labels: { alertname: 'Other', kubestrap_probe_run: 'abc' } },
        { status: 'firing', labels: { alertname: alertProbeAlertName, kubestrap_probe_run: 'abc' } },
      ],
    });
    expect(receivedAlert(`\n  \n${body}`, 'abc')).toBe(true);
    expect(
      receivedAlert(JSON.stringify({ alerts: [{ status: 'firing', labels: { alertname: 'Other', kubestrap_probe_run: 'abc' } }] }), 'abc'),
    ).toBe(false);
    expect(receivedAlert(JSON.stringify({ receiver: 'x' }), 'abc')).toBe(false);
  });
});

describe('alertDeliveryProbe, where the alert got stuck (fake exec)', { timeout: 4_000 }, () => {
  /** The receiver never gets the alert; Prometheus and Alertmanager answer (or fail) as given. */
  function stuck(prometheus: FakeResult, alertmanager: FakeResult, pod: FakeResult = JSON.stringify({ status: { phase: 'Running' } })) {
    const exec = fakeExec([], (argv) => {
      const a = argv.join(' ');
      if (a.includes(' exec ')) return { exitCode: 1, stderr: 'error: unable to upgrade connection: container not found' };
      if (a.includes('/api/v1/alerts')) return prometheus;
      if (a.includes('/api/v2/alerts')) return alertmanager;
      if (a.includes(' get pod ')) return pod;
      if (a.includes(' apply ') || a.includes(' wait ') || a.includes(' delete ')) return '';
      return undefined;
    });
    return { exec, kubectl: new Kubectl(exec, target) };
  }
  const run = (f: ReturnType<typeof stuck>) => alertDeliveryProbe(f.kubectl, monitoringNamespace, { run: 'r1', timeoutMs: 5, pollMs: 1 });
  const stderr = (line: string): FakeResult => ({ exitCode: 1, stderr: `E1202 request failed\n${line}` });

  it('neither hop has it: both said so, and the receiver pod phase', async () => {
    const f = stuck(JSON.stringify({ data: { alerts: [{ state: 'firing', labels: { kubestrap_probe_run: 'other' } }] } }), '[]');
    expect((await run(f))?.message).toMatch(
      /within 0s: Prometheus does not have it \(rule not loaded yet\?\); Alertmanager does not have it; receiver pod Running$/,
    );
    // Alertmanager is asked for this run's alert only.
    const am = f.exec.calls.find((c) => c.join(' ').includes('/api/v2/alerts'))!;
    expect(am).toContain(
      `/api/v1/namespaces/monitoring/services/kube-prometheus-stack-alertmanager:9093/proxy/api/v2/alerts?filter=${encodeURIComponent('kubestrap_probe_run="r1"')}`,
    );
  });

  it('an alert pending in Prometheus, or one without a state; a receiver pod that is gone', async () => {
    const pending = stuck(JSON.stringify({ data: { alerts: [{ state: 'pending', labels: { kubestrap_probe_run: 'r1' } }] } }), '[]');
    expect((await run(pending))?.message).toMatch(/: Prometheus has it pending; Alertmanager/);
    const stateless = stuck(JSON.stringify({ data: { alerts: [{ labels: { kubestrap_probe_run: 'r1' } }] } }), '[{}]', {
      exitCode: 1,
      stderr: 'Error from server (NotFound): pods "kubestrap-alert-probe" not found',
    });
    expect((await run(stateless))?.message).toMatch(/: Prometheus has it; Alertmanager has it; receiver pod missing$/);
    const empty = stuck(JSON.stringify({ status: 'success' }), '[]');
    expect((await run(empty))?.message).toMatch(/: Prometheus does not have it/);
  });

  it('each hop is given 20 s; an alert without labels in Prometheus is not this one; a receiver pod without status is "missing"', async () => {
    const f = stuck(
      JSON.stringify({ data: { alerts: [{ state: 'firing' }, { state: 'firing', labels: { kubestrap_probe_run: 'r1' } }] } }),
      '[]',
      '{}',
    );
    expect((await run(f))?.message).toMatch(/: Prometheus has it firing; Alertmanager does not have it; receiver pod missing$/);
    for (const c of f.exec.calls.filter((x) => x.includes('--raw'))) expect(c.slice(-2)).toEqual(['--request-timeout', '20s']);
  });

  it('a hop that cannot be asked: the last line of the error, without indent', async () => {
    const f = stuck(
      stderr('Error from server (ServiceUnavailable): no endpoints available'),
      stderr('Error from server (Forbidden): nope'),
    );
    expect((await run(f))?.message).toMatch(
      /: Prometheus could not be asked \(Error from server \(ServiceUnavailable\): no endpoints available\); Alertmanager could not be asked \(Error from server \(Forbidden\): nope\); receiver pod Running$/,
    );
  });

  it('by default it waits 300 s, reading the receiver every 5 s', async () => {
    const f = stuck('[]', '[]');
    vi.useFakeTimers();
    try {
      const result = alertDeliveryProbe(f.kubectl, monitoringNamespace, { run: 'r1' });
      await vi.runAllTimersAsync();
      expect((await result)?.message).toMatch(/within 300s/);
    } finally {
      vi.useRealTimers();
    }
    expect(f.exec.calls.filter((c) => c.includes('exec'))).toHaveLength(61);
  });
});

describe('alertRulesProbe, more (fake exec)', { timeout: 4_000 }, () => {
  const rule = (name: string, groups: string[]) => ({
    metadata: { name, namespace: 'monitoring', uid: 'u' },
    spec: { groups: groups.map((g) => ({ name: g, rules: [{}] })) },
  });
  function rules(items: unknown[], answer: FakeResult) {
    const exec = fakeExec([], (argv) => {
      const a = argv.join(' ');
      if (a.includes('get prometheusrules')) return JSON.stringify({ items });
      if (a.includes('/api/v1/rules')) return answer;
      return undefined;
    });
    return { exec, kubectl: new Kubectl(exec, target) };
  }

  it("the delivery probe's own rule is not one of kubestrap's rules", async () => {
    const f = rules([rule('kubestrap-alert-probe', ['kubestrap.alert-probe'])], '{}');
    expect(await alertRulesProbe(f.kubectl, { timeoutMs: 0 })).toEqual({
      message: 'no PrometheusRule labelled app.kubernetes.io/managed-by=kubestrap exists',
    });
    const unnamed = rules([{ spec: { groups: [] } }], '{}');
    expect(await alertRulesProbe(unnamed.kubectl, { timeoutMs: 0 })).toBeUndefined();
  });

  it('at most six problems are shown, then "..."; an answer without groups means none is loaded', async () => {
    const f = rules([rule('a', ['g1', 'g2', 'g3', 'g4']), rule('b', ['g5', 'g6', 'g7'])], JSON.stringify({ status: 'success' }));
    const message = (await alertRulesProbe(f.kubectl, { timeoutMs: 0 }))!.message;
    expect(message).toMatch(
      /^7 problem\(s\) with kubestrap's alert rules in Prometheus: monitoring\/a: group g1 is not loaded by Prometheus; /,
    );
    expect(message).toMatch(/monitoring\/b: group g6 is not loaded by Prometheus; \.\.\.$/);
    const six = rules([rule('a', ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'])], JSON.stringify({ data: {} }));
    expect((await alertRulesProbe(six.kubectl, { timeoutMs: 0 }))!.message).toMatch(/g6 is not loaded by Prometheus$/);
  });

  it('Prometheus not answering: the last line of the error, retried every 5 s for 240 s by default', async () => {
    const f = rules([rule('a', ['g'])], {
      exitCode: 1,
      stderr: 'details\nError from server (ServiceUnavailable): no endpoints available for service',
    });
    vi.useFakeTimers();
    let result: Awaited<ReturnType<typeof alertRulesProbe>>;
    try {
      const pending = alertRulesProbe(f.kubectl);
      await vi.runAllTimersAsync();
      result = await pending;
    } finally {
      vi.useRealTimers();
    }
    expect(result).toEqual({
      message:
        "1 problem(s) with kubestrap's alert rules in Prometheus: Prometheus' /api/v1/rules could not be read: Error from server (ServiceUnavailable): no endpoints available for service",
    });
    expect(f.exec.calls.filter((c) => c.join(' ').includes('/api/v1/rules'))).toHaveLength(49);
    expect(f.exec.calls.find((c) => c.join(' ').includes('/api/v1/rules'))!.slice(-2)).toEqual(['--request-timeout', '30s']);
  });

  it('ruleProblems: a rule without metadata, spec or rules is matched by the file name the operator would give it', () => {
    expect(ruleProblems({}, [])).toEqual([]);
    expect(ruleProblems({ spec: { groups: [{ name: 'g' }] } }, [{ name: 'g', file: '/rules/--.yaml', rules: [] }])).toEqual([]);
    expect(ruleProblems({ spec: { groups: [{ name: 'g' }] } }, [])).toEqual(['/: group g is not loaded by Prometheus']);
    expect(
      ruleProblems({ spec: { groups: [{ name: 'g' }] } }, [{ name: 'g', file: '/rules/--.yaml', rules: [{ name: 'r', health: 'ok' }] }]),
    ).toEqual(['/: group g has 1 of 0 rules loaded']);
  });
});
