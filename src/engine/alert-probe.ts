/**
 * Alerting, proven end to end on a cluster that runs kube-prometheus-stack:
 * - alert delivery: a PrometheusRule whose expression is always true fires an alert with a label
 *   unique to this run; Prometheus evaluates it, sends it to Alertmanager, and kubestrap's own
 *   Alertmanager route for that label delivers it to a webhook receiver the check runs in the
 *   monitoring namespace (busybox httpd with a CGI script that appends each POST to a file). The
 *   check passes once that file holds the alert; it deletes everything it created.
 * - alert rules: every PrometheusRule kubestrap applied (label app.kubernetes.io/managed-by=kubestrap)
 *   is loaded by Prometheus, each of its groups is there and each rule has been evaluated with
 *   health "ok" and no lastError (read from Prometheus' /api/v1/rules).
 * Prometheus and Alertmanager are read through the API server's service proxy.
 */
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { Kubectl } from '../adapters/kubectl.js';
import { alertmanagerApi, alertProbe, managedByLabel, prometheusApi } from '../names.js';
import { toYamlStream } from '../render/template.js';
import { probePod, type ProbePod } from './probe-objects.js';

type Failure = { message: string; diagnose?: string } | undefined;

const ruleName = 'kubestrap-alert-probe';
export const alertProbeAlertName = 'KubestrapAlertProbe';
/** Where the receiver appends what it is sent (one JSON body per line). */
const receivedFile = '/www/alerts.log';

export interface AlertProbeObjects {
  receiver: ProbePod;
  service: { metadata: { name: string; namespace: string } } & Record<string, unknown>;
  rule: { metadata: { name: string; namespace: string } } & Record<string, unknown>;
}

/** The CGI script the receiver runs for each webhook POST (busybox httpd gives it the body on stdin). */
export const receiverScript = [
  '#!/bin/sh',
  `head -c "$CONTENT_LENGTH" >> ${receivedFile}`,
  `echo >> ${receivedFile}`,
  'printf "Content-Type: text/plain\\r\\n\\r\\nok\\n"',
];

/** Receiver pod + Service (the URL kubestrap's Alertmanager route posts to) + the always-firing rule. */
export function alertProbeObjects(namespace: string, run: string): AlertProbeObjects {
  const setup = [
    'mkdir -p /www/cgi-bin',
    `printf '%s\\n' ${receiverScript.map((l) => `'${l.replace(/'/g, `'\\''`)}'`).join(' ')} > /www/cgi-bin/alert`,
    'chmod 755 /www/cgi-bin/alert',
    `: > ${receivedFile}`,
    `exec httpd -f -p ${alertProbe.port} -h /www`,
  ].join(' && ');
  const receiver = probePod(namespace, alertProbe.receiver, ['sh', '-c', setup], {
    volumes: [{ name: 'www', emptyDir: { sizeLimit: '1Mi' } }],
  });
  const [container] = receiver.spec.containers;
  container.volumeMounts = [{ name: 'www', mountPath: '/www' }];
  container.ports = [{ containerPort: alertProbe.port, name: 'http' }];
  container.readinessProbe = { tcpSocket: { port: alertProbe.port }, periodSeconds: 2 };
  receiver.spec.restartPolicy = 'Always';
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: alertProbe.service, namespace, labels: { ...managedByLabel } },
    spec: {
      selector: { 'kubestrap.dev/probe': alertProbe.receiver },
      ports: [{ port: alertProbe.port, targetPort: alertProbe.port }],
    },
  };
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: ruleName, namespace, labels: { ...managedByLabel, 'kubestrap.dev/probe': alertProbe.value } },
    spec: {
      groups: [
        {
          name: 'kubestrap.alert-probe',
          interval: '10s',
          rules: [
            {
              alert: alertProbeAlertName,
              expr: 'vector(1)',
              labels: { severity: 'none', [alertProbe.label]: alertProbe.value, kubestrap_probe_run: run },
              annotations: {
                summary: 'Fired on purpose by `kubestrap verify` to prove alerts reach a receiver; removed when the check ends.',
              },
            },
          ],
        },
      ],
    },
  };
  return { receiver, service, rule };
}

/** Each line the receiver wrote that is an Alertmanager webhook body carrying the firing probe alert of `run`. */
export function receivedAlert(log: string, run: string): boolean {
  for (const line of log.split('\n')) {
    try {
      const body = JSON.parse(line) as { alerts?: { status?: string; labels?: Record<string, string> }[] };
      if (
        (body.alerts ?? []).some(
          (a) => a.status === 'firing' && a.labels?.alertname === alertProbeAlertName && a.labels.kubestrap_probe_run === run,
        )
      )
        return true;
    } catch {
      // not a webhook body (or an empty line)
    }
  }
  return false;
}

/** The last line of an error from kubectl, without the indent CommandError gives stderr's lines. */
const lastLine = ({ message }: Error) => message.slice(message.lastIndexOf('\n') + 1).trim();

const proxy = (api: { namespace: string; service: string; port: number }, path: string) =>
  `/api/v1/namespaces/${api.namespace}/services/${api.service}:${api.port}/proxy${path}`;

/** Which hop has the probe alert: Prometheus (firing) and Alertmanager (active); for the failure message. */
async function whereIsTheAlert(kubectl: Kubectl, run: string): Promise<string> {
  const matcher = `kubestrap_probe_run="${run}"`;
  const prom = await kubectl
    .raw(proxy(prometheusApi, '/api/v1/alerts'), '20s')
    .then((out) => {
      const alerts = (JSON.parse(out) as { data?: { alerts?: { state?: string; labels?: Record<string, string> }[] } }).data?.alerts ?? [];
      const mine = alerts.find((a) => a.labels?.kubestrap_probe_run === run);
      return mine ? `Prometheus has it ${mine.state ?? ''}`.trim() : 'Prometheus does not have it (rule not loaded yet?)';
    })
    .catch((error: Error) => `Prometheus could not be asked (${lastLine(error)})`);
  const am = await kubectl
    .raw(proxy(alertmanagerApi, `/api/v2/alerts?filter=${encodeURIComponent(matcher)}`), '20s')
    .then((out) => ((JSON.parse(out) as unknown[]).length > 0 ? 'Alertmanager has it' : 'Alertmanager does not have it'))
    .catch((error: Error) => `Alertmanager could not be asked (${lastLine(error)})`);
  return `${prom}; ${am}`;
}

async function cleanup(kubectl: Kubectl, objects: AlertProbeObjects): Promise<void> {
  const ns = objects.receiver.metadata.namespace;
  await kubectl.delete('prometheusrules.monitoring.coreos.com', objects.rule.metadata.name, ns, '60s');
  await kubectl.delete('pod', objects.receiver.metadata.name, ns, '60s');
  await kubectl.delete('service', objects.service.metadata.name, ns, '60s');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fires the probe alert and waits until the receiver has it. `objects` lets a test swap in a
 * broken receiver to prove the check fails; `timeoutMs` covers the operator writing the rule
 * file, the kubelet syncing it into the Prometheus pod (up to about a minute), the reload, one
 * evaluation and the delivery.
 */
export async function alertDeliveryProbe(
  kubectl: Kubectl,
  namespace: string,
  options: { run?: string; objects?: AlertProbeObjects; timeoutMs?: number; pollMs?: number } = {},
): Promise<Failure> {
  const run = options.run ?? Date.now().toString(36);
  const objects = options.objects ?? alertProbeObjects(namespace, run);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const pod = objects.receiver.metadata.name;
  try {
    await kubectl.applyStdin(toYamlStream([objects.receiver, objects.service]));
    await kubectl.waitFor(`pod/${pod}`, 'condition=Ready', '120s', namespace);
    // The receiver is up before the alert exists, so the first delivery attempt can succeed.
    await kubectl.applyStdin(toYamlStream([objects.rule]));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const log = await kubectl.execIn(namespace, pod, ['cat', receivedFile]).catch(() => '');
      if (receivedAlert(log, run)) return undefined;
      if (Date.now() >= deadline) break;
      await sleep(options.pollMs ?? 5000);
    }
    const phase = (await kubectl.get<IPod>('pod', pod, namespace))?.status?.phase ?? 'missing';
    return {
      message: `the alert ${alertProbeAlertName} (kubestrap_probe_run=${run}) did not reach the receiver ${objects.service.metadata.name}.${namespace} within ${Math.round(timeoutMs / 1000)}s: ${await whereIsTheAlert(kubectl, run)}; receiver pod ${phase}`,
      diagnose: namespace,
    };
  } finally {
    await cleanup(kubectl, objects);
  }
}

interface RuleGroup {
  name: string;
  file: string;
  rules: { name: string; health?: string; lastError?: string }[];
}
interface PrometheusRuleObject {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: { groups?: { name: string; rules?: unknown[] }[] };
}

/** Problems of one PrometheusRule as Prometheus loaded it; empty when every group and rule is healthy. */
export function ruleProblems(rule: PrometheusRuleObject, loaded: RuleGroup[]): string[] {
  const ref = `${rule.metadata?.namespace ?? ''}/${rule.metadata?.name ?? ''}`;
  // The operator writes a PrometheusRule to <namespace>-<name>-<uid>.yaml in the rules directory.
  const fileName = `/${rule.metadata?.namespace ?? ''}-${rule.metadata?.name ?? ''}-${rule.metadata?.uid ?? ''}.yaml`;
  const problems: string[] = [];
  for (const group of rule.spec?.groups ?? []) {
    const found = loaded.find((g) => g.name === group.name && g.file.endsWith(fileName));
    if (!found) {
      problems.push(`${ref}: group ${group.name} is not loaded by Prometheus`);
      continue;
    }
    const expected = group.rules?.length ?? 0;
    if (found.rules.length !== expected) problems.push(`${ref}: group ${group.name} has ${found.rules.length} of ${expected} rules loaded`);
    for (const r of found.rules) {
      if (r.lastError) problems.push(`${ref}: ${group.name}/${r.name}: ${r.lastError}`);
      else if (r.health !== 'ok') problems.push(`${ref}: ${group.name}/${r.name} health ${r.health ?? 'unknown'} (not evaluated yet)`);
    }
  }
  return problems;
}

/**
 * Every PrometheusRule kubestrap applied is loaded and each rule evaluates without error. Waits
 * (up to `timeoutMs`) for new rules to be synced into the Prometheus pod and evaluated once.
 */
export async function alertRulesProbe(kubectl: Kubectl, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<Failure> {
  const rules = (
    await kubectl.list<PrometheusRuleObject>('prometheusrules.monitoring.coreos.com', {
      allNamespaces: true,
      selector: 'app.kubernetes.io/managed-by=kubestrap',
    })
  ).filter((r) => r.metadata?.name !== ruleName);
  if (rules.length === 0) return { message: 'no PrometheusRule labelled app.kubernetes.io/managed-by=kubestrap exists' };
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  let problems: string[];
  for (;;) {
    try {
      const out = await kubectl.raw(proxy(prometheusApi, '/api/v1/rules'), '30s');
      const groups = (JSON.parse(out) as { data?: { groups?: RuleGroup[] } }).data?.groups ?? [];
      problems = rules.flatMap((r) => ruleProblems(r, groups));
    } catch (error) {
      problems = [`Prometheus' /api/v1/rules could not be read: ${lastLine(error as Error)}`];
    }
    if (problems.length === 0) return undefined;
    if (Date.now() >= deadline) break;
    await sleep(options.pollMs ?? 5000);
  }
  const shown = problems.slice(0, 6).join('; ');
  return {
    message: `${problems.length} problem(s) with kubestrap's alert rules in Prometheus: ${shown}${problems.length > 6 ? '; ...' : ''}`,
  };
}
