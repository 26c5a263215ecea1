// The kind roadmap for real: the BUILT CLI creates a kind cluster from examples/kind-test.yaml with
// its own rendered kind config (the tier's locally built node image through KUBESTRAP_NODE_IMAGE),
// installs what the example turns on from the real upstream charts, and `verify` runs every
// check for real: none may be skipped. Then deliberately broken probes must fail against the same
// cluster; the real cert-manager issues a Certificate from kubestrap's ClusterIssuer; the example's
// Kyverno (Audit) admits a pod that breaks a policy, and after switching to Enforce and `up --only
// security` Kyverno's real webhook refuses it while a compliant pod runs. `down --purge` deletes the cluster.
// The install is air-gapped the way a user would do it: `kubestrap bundle` first (with no network at
// all), then every chart comes from the bundle's packages, and the bundle's images.txt must name
// every image the cluster's pods run besides kind's own (which the listed node image carries).
// kube-prometheus-stack (Grafana off) runs from images built here: an alert fired on purpose must
// reach the receiver the check runs (and fail to when that receiver is unreachable), and Prometheus
// must load and evaluate every PrometheusRule kubestrap renders, in any configuration.
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExec } from '../../src/adapters/exec.js';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { Redactor } from '../../src/adapters/redact.js';
import { loadConfigFile } from '../../src/config/load.js';
import { collectOverrides } from '../../src/config/overrides.js';
import type { CheckEnv } from '../../src/engine/checks.js';
import { httpServerPod, podToPodObjects, probePod, requiredAntiAffinity } from '../../src/engine/probe-objects.js';
import { podToPodProbe, runProbe } from '../../src/engine/probes.js';
import { alertDeliveryProbe, alertProbeObjects, alertRulesProbe } from '../../src/engine/alert-probe.js';
import { alertProbe, monitoringNamespace } from '../../src/names.js';
import { lock } from '../../src/lock.js';
import { buildPlan, describeCheck } from '../../src/plan/plan.js';
import type { Check } from '../../src/roadmap/types.js';
import { selfSignedIssuer } from '../../src/render/tls.js';
import { runCli, type Run } from './cli.ts';
import { realTierEnv } from './real-env.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/kubestrap.js');
const upstreamCharts = path.resolve(repo, process.env.KUBESTRAP_UPSTREAM_CHARTS ?? '../shared/upstream-charts');

/** Every check issue 9 names; each must be in the plan, run and pass. */
const required: { name: string; match: (c: Check) => boolean }[] = [
  { name: 'API ready', match: (c) => c.type === 'api-ready' },
  { name: 'nodes Ready', match: (c) => c.type === 'nodes-ready' },
  { name: 'audit log line', match: (c) => c.type === 'probe' && c.probe === 'audit-log' },
  { name: 'Secret encrypted at rest', match: (c) => c.type === 'probe' && c.probe === 'secrets-encrypted' },
  { name: 'DNS', match: (c) => c.type === 'probe' && c.probe === 'dns' },
  { name: 'pod-to-pod across nodes', match: (c) => c.type === 'probe' && c.probe === 'pod-to-pod' },
  { name: 'PVC binds, pod writes', match: (c) => c.type === 'probe' && c.probe === 'pvc-binds' },
  { name: 'privileged pod rejected', match: (c) => c.type === 'rejects-privileged-pod' },
  { name: 'HPA reads CPU metrics', match: (c) => c.type === 'probe' && c.probe === 'hpa-metrics' },
  { name: 'default-deny denies', match: (c) => c.type === 'probe' && c.probe === 'network-policy' },
  // Issue 11 item 7.
  { name: 'alert fired on purpose reaches a receiver', match: (c) => c.type === 'probe' && c.probe === 'alert-delivery' },
  { name: "Prometheus evaluates kubestrap's alert rules", match: (c) => c.type === 'probe' && c.probe === 'alert-rules' },
];

describe('kubestrap walks the kind roadmap on a real kind cluster (examples/kind-test.yaml)', () => {
  const tier = realTierEnv();
  const work = mkdtempSync(path.join(tmpdir(), 'kubestrap-real-'));
  const configFile = path.join(work, 'kind-test.yaml');
  // kind writes the cluster's context here, never into the user's ~/.kube/config.
  const kubeconfig = path.join(work, 'kubeconfig');
  const childEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PATH: `${tier.binDir}:${process.env.PATH ?? ''}`,
    KUBECONFIG: kubeconfig,
    CI: 'true',
    NO_COLOR: '1',
    // verify must run every check, the smoke workload's too (behaviour.test.ts covers its removal).
    KUBESTRAP_KEEP_SMOKE: '1',
    ...(tier.nodeImage ? { KUBESTRAP_NODE_IMAGE: tier.nodeImage } : {}),
  };
  const timings: Record<string, number> = {};
  let clusterName = '';
  let context = '';
  const bundleDir = path.join(work, 'bundle');
  let bundle: { charts: { name: string; version: string; releases: string[] }[]; images: string[] };

  const cli = (args: string[]): Promise<Run> => runCli(args, { configFile, cwd: work, env: childEnv, timeoutMs: 60 * 60_000 });

  function failures(run: Run): string {
    return (
      run.events
        .filter((e) => (e.event === 'check.result' && e.status !== 'ok') || e.event === 'step.fail')
        .map((e) => `${e.step}: ${e.description ?? ''} -> ${e.status ?? 'failed'} ${e.message ?? e.error ?? ''}`)
        .join('\n') || run.stderr.split('\n').slice(-30).join('\n')
    );
  }

  function checkEnv(): CheckEnv {
    const exec = createExec(new Redactor(), childEnv);
    const target = { context, kubeconfig };
    return { kubectl: new Kubectl(exec, target), helm: new Helm(exec, target, 4), simulated: false, timeout: '2m' };
  }

  beforeAll(() => {
    if (!existsSync(upstreamCharts)) throw new Error(`the upstream charts are not at ${upstreamCharts}; set KUBESTRAP_UPSTREAM_CHARTS`);
    // A copy outside the repository: kubestrap keeps its plan, identity record and the cluster's
    // encryption key next to the config, and the test must create nothing in the repository.
    const doc = parse(readFileSync(path.join(repo, 'examples/kind-test.yaml'), 'utf8'));
    doc.spec.charts.localDir = upstreamCharts;
    writeFileSync(configFile, stringify(doc));
    clusterName = doc.spec.cluster.name;
    context = `kind-${clusterName}`;
  });

  afterAll(async () => {
    // Whatever happened above, the cluster goes (the tier's `down --real` would also remove it).
    const clusters = await execa(tier.kind, ['get', 'clusters'], { env: childEnv, reject: false });
    if (clusters.stdout.split('\n').includes(clusterName))
      await execa(tier.kind, ['delete', 'cluster', '--name', clusterName], { env: childEnv, reject: false });
    process.stdout.write(`real roadmap timings (s): ${JSON.stringify(timings)}\n`);
    rmSync(work, { recursive: true, force: true });
  });

  it('kubestrap bundle --out DIR with no network at all (unshare -n) packages every chart the roadmap installs', async () => {
    const noNet = await execa(
      'unshare',
      ['-n', process.execPath, '-e', "fetch('https://example.com').then(()=>process.exit(0),()=>process.exit(7))"],
      { reject: false },
    );
    expect(noNet.exitCode, `unshare -n must take the network away: ${noNet.stderr}`).toBe(7);
    const started = performance.now();
    const r = await execa('unshare', ['-n', process.execPath, bin, 'bundle', '--out', bundleDir, '--config', configFile], {
      cwd: work,
      env: childEnv,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 10 * 60_000,
    });
    timings.bundle = Math.round((performance.now() - started) / 100) / 10;
    expect(r.exitCode, r.stderr).toBe(0);
    bundle = parse(readFileSync(path.join(bundleDir, 'bundle.yaml'), 'utf8'));
    const releases = bundle.charts.flatMap((c) => c.releases).sort();
    // What examples/kind-test.yaml turns on, no more and no less.
    expect(releases).toEqual([
      'cert-manager/cert-manager',
      'kube-system/metrics-server',
      'kyverno/kyverno',
      'kyverno/kyverno-policies',
      'monitoring/kube-prometheus-stack',
    ]);
    // The node image carries kind's own images (control plane, kindnet, CoreDNS, local-path).
    if (tier.nodeImage) expect(bundle.images).toContain(tier.nodeImage);
    else expect(bundle.images.some((i) => i.startsWith('kindest/node:') || i.includes('/kindest/node:'))).toBe(true);
    // From here on the roadmap reads its charts from the bundle only.
    const doc = parse(readFileSync(configFile, 'utf8'));
    doc.spec.charts.localDir = path.join(bundleDir, 'charts');
    writeFileSync(configFile, stringify(doc));
  });

  it('up creates the kind cluster through `kind create cluster` with its rendered config and applies every step, every chart from the bundle', async () => {
    const run = await cli(['up', '--yes', '--output', 'json']);
    timings.up = run.seconds;
    expect(run.exitCode, failures(run)).toBe(0);
    const installed = JSON.parse(
      (await execa(tier.helm, ['--kube-context', context, 'list', '--all-namespaces', '--output', 'json'], { env: childEnv })).stdout,
    ) as { name: string; namespace: string; chart: string; status: string }[];
    const expected = bundle.charts.flatMap((c) => c.releases.map((rel) => `${rel} ${c.name}-${c.version} deployed`)).sort();
    expect(installed.map((i) => `${i.namespace}/${i.name} ${i.chart} ${i.status}`).sort()).toEqual(expected);
    for (const c of bundle.charts)
      expect(`${c.name}-${c.version}`).toBe(`${c.name}-${Object.values(lock.charts).find((p) => p.chart === c.name)?.version}`);
    const nodes = JSON.parse(
      (await execa(tier.kubectl, ['--context', context, 'get', 'nodes', '--output', 'json'], { env: childEnv })).stdout,
    ) as { items: { spec?: { taints?: unknown[] }; status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } } }[] };
    expect(nodes.items).toHaveLength(3);
    // Real nodes (containerd inside kind node containers), not KWOK.
    expect(nodes.items.every((n) => n.status.nodeInfo.containerRuntimeVersion.startsWith('containerd://'))).toBe(true);
    if (tier.nodeImage) {
      const image = (
        await execa('docker', ['inspect', '--format', '{{.Config.Image}}', `${clusterName}-control-plane`], { env: childEnv })
      ).stdout.trim();
      expect(image).toBe(tier.nodeImage);
    }
  });

  it('verify: every check runs and passes, none is skipped, and every check issue 9 names is among them', async () => {
    const run = await cli(['verify', '--output', 'json']);
    timings.verify = run.seconds;
    const results = run.events.filter((e) => e.event === 'check.result');
    for (const e of results.filter((r) => r.check === 'probe'))
      process.stdout.write(`probe ${e.status} ${(e.ms / 1000).toFixed(1)}s ${e.step}: ${e.description}\n`);
    // The same configuration the CLI read: the file plus KUBESTRAP_* variables.
    const { config, baseDir } = await loadConfigFile(configFile, collectOverrides({}, childEnv));
    const planned = buildPlan({ config, baseDir, outDir: path.join(work, 'plan-for-test') })
      .phases.flatMap((p) => p.steps)
      .flatMap((s) => s.rendered.checks.map((c) => ({ step: s.id, check: c })));
    for (const r of required) {
      const wanted = planned.filter((p) => r.match(p.check));
      expect(wanted.length, `${r.name} is not in the plan`).toBeGreaterThan(0);
      for (const w of wanted) {
        const result = results.find((e) => e.step === w.step && e.description === describeCheck(w.check));
        expect(result, `${r.name} (${w.step}) did not run`).toBeDefined();
        expect(`${r.name}: ${result!.status} ${result!.message ?? ''}`).toBe(`${r.name}: ok `);
      }
    }
    const notOk = results.filter((e) => e.status !== 'ok');
    expect(notOk.map((e) => `${e.step}: ${e.description} -> ${e.status} ${e.message ?? ''}`)).toEqual([]);
    expect(results.length).toBe(planned.length);
    expect(run.exitCode, failures(run)).toBe(0);
    timings.checks = results.length;
  });

  it('a deliberately broken pod-to-pod probe fails: the old server (httpd serving / with no index.html)', async () => {
    const env = checkEnv();
    const objects = podToPodObjects('kubestrap-system');
    // The probe as it was: `httpd -f -p 8080` serving `/`, and a client that asks for `/`.
    objects.server.spec!.containers[0]!.command = ['httpd', '-f', '-p', '8080'];
    objects.server.spec!.volumes = [];
    objects.server.spec!.containers[0]!.volumeMounts = [];
    objects.client.spec!.containers[0]!.command = [
      'wget',
      '-q',
      '-T',
      '5',
      '-O',
      '/dev/null',
      'http://kubestrap-probe-server.kubestrap-system.svc:8080/',
    ];
    objects.client.spec!.affinity = requiredAntiAffinity(objects.server.metadata!.name!);
    const result = await podToPodProbe(env, 'kubestrap-system', objects);
    expect(result && 'message' in result ? result.message : result).toMatch(/kubestrap-probe-client failed/);
    expect(result && 'message' in result ? result.message : '').toMatch(/404|server returned error/i);
    // The fixed probe passes on the same cluster, seconds later.
    expect(await podToPodProbe(env, 'kubestrap-system')).toBeUndefined();
  });

  it('the NetworkPolicy probe fails where nothing denies (kubestrap-system has no default-deny)', async () => {
    const result = await runProbe('network-policy', 'kubestrap-system', checkEnv(), 'default');
    expect(result && 'message' in result ? result.message : result).toMatch(/reached a pod in kubestrap-system despite default-deny/);
  });

  it("a deliberately broken alert-delivery check fails: the receiver's Service points at a port nothing listens on", async () => {
    const env = checkEnv();
    const run = `broken${Date.now().toString(36)}`;
    const objects = alertProbeObjects(monitoringNamespace, run);
    (objects.service.spec as { ports: { port: number; targetPort: number }[] }).ports[0]!.targetPort = alertProbe.port + 1;
    const started = performance.now();
    const result = await alertDeliveryProbe(env.kubectl, monitoringNamespace, { run, objects, timeoutMs: 150_000 });
    timings.brokenAlertDelivery = Math.round((performance.now() - started) / 100) / 10;
    const message = result?.message ?? 'the broken check passed';
    process.stdout.write(`broken alert delivery: ${message}\n`);
    expect(message).toMatch(/did not reach the receiver kubestrap-alert-probe\.monitoring within 150s/);
    // Prometheus fired it and Alertmanager routed it: only the delivery failed.
    expect(message).toMatch(/Prometheus has it firing; Alertmanager has it/);
    // Everything the check made is gone.
    for (const [kind, name] of [
      ['pod', alertProbe.receiver],
      ['service', alertProbe.service],
      ['prometheusrules.monitoring.coreos.com', 'kubestrap-alert-probe'],
    ])
      expect(await env.kubectl.get(kind!, name!, monitoringNamespace), `${kind}/${name} left behind`).toBeUndefined();
  });

  it('Prometheus loads every PrometheusRule kubestrap renders (monitoring, backups, in-cluster verifier) and evaluates each rule without error; a rule that fails at evaluation is reported', async () => {
    const env = checkEnv();
    // production.yaml turns backups on; the in-cluster verifier adds its own rules.
    const { config, baseDir } = await loadConfigFile(path.join(repo, 'examples/production.yaml'));
    config.spec.verification.inCluster.enabled = true;
    const rules = buildPlan({ config, baseDir, outDir: path.join(work, 'plan-rules') })
      .phases.flatMap((p) => p.steps)
      .flatMap((s) => s.rendered.artifacts)
      .flatMap((a) => parseAllDocuments(a.content).map((d) => d.toJS() as { kind?: string; metadata: { name: string; namespace: string } }))
      .filter((d) => d?.kind === 'PrometheusRule');
    const names = rules.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort();
    process.stdout.write(`PrometheusRules rendered: ${names.join(', ')}\n`);
    expect(names.length).toBeGreaterThanOrEqual(3);
    const text = stringify(rules);
    for (const alert of ['KubestrapBackupMissing', 'KubestrapVerificationStale', 'KubestrapNodeNotReady']) expect(text).toContain(alert);
    // monitoring/kubestrap is already applied by the kind roadmap (the same template); the others are added.
    const added: typeof rules = [];
    const broken = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'e2e-broken-rule', namespace: monitoringNamespace, labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
      // Parses (the operator's webhook admits it) but fails at every evaluation: one series per
      // job on the "one" side of a many-to-one match.
      spec: {
        groups: [
          {
            name: 'e2e.broken',
            interval: '10s',
            rules: [{ alert: 'E2EBroken', expr: 'sum by (job) (up) * on() group_right sum by (job) (up)' }],
          },
        ],
      },
    };
    // One sync of the rule files into the Prometheus pod serves both: the probe must come to report
    // exactly one problem, the broken rule's evaluation error, so every rule kubestrap renders is
    // loaded and evaluated healthy, and a rule that fails is caught.
    const brokenOnly =
      /^1 problem\(s\) with kubestrap's alert rules in Prometheus: monitoring\/e2e-broken-rule: e2e\.broken\/E2EBroken: .*(many-to-many|duplicate series|matching labels must be unique)/;
    try {
      for (const rule of rules) {
        if (await env.kubectl.get('prometheusrules.monitoring.coreos.com', rule.metadata.name, rule.metadata.namespace)) continue;
        added.push(rule);
        await env.kubectl.applyStdin(stringify(rule));
      }
      expect(added.length).toBeGreaterThanOrEqual(2);
      await env.kubectl.applyStdin(stringify(broken));
      const started = performance.now();
      let last: string | undefined;
      while (performance.now() - started < 240_000) {
        last = (await alertRulesProbe(env.kubectl, { timeoutMs: 0 }))?.message;
        if (last && brokenOnly.test(last)) break;
        await new Promise((r) => setTimeout(r, 5000));
      }
      timings.rulesEvaluated = Math.round((performance.now() - started) / 100) / 10;
      process.stdout.write(`alert rules: ${last ?? 'no problem reported'}\n`);
      expect(last).toMatch(brokenOnly);
    } finally {
      await env.kubectl.delete('prometheusrules.monitoring.coreos.com', broken.metadata.name, monitoringNamespace, '60s');
      for (const rule of added)
        await env.kubectl.delete('prometheusrules.monitoring.coreos.com', rule.metadata.name, rule.metadata.namespace, '60s');
    }
  });

  it('pods under required anti-affinity never share a node (scheduler, for real)', async () => {
    const env = checkEnv();
    const ns = 'kubestrap-system';
    const a = httpServerPod(ns, 'kubestrap-probe-aa-server');
    const b = probePod(ns, 'kubestrap-probe-aa-client', ['sleep', '1'], { affinity: requiredAntiAffinity('kubestrap-probe-aa-server') });
    try {
      await env.kubectl.applyStdin(stringify(a));
      await env.kubectl.waitFor('pod/kubestrap-probe-aa-server', 'condition=Ready', '120s', ns);
      await env.kubectl.applyStdin(stringify(b));
      await env.kubectl.waitFor('pod/kubestrap-probe-aa-client', 'jsonpath={.status.phase}=Succeeded', '120s', ns);
      const node = async (n: string) => (await env.kubectl.get<{ spec: { nodeName: string } }>('pod', n, ns))!.spec.nodeName;
      expect(await node('kubestrap-probe-aa-client')).not.toBe(await node('kubestrap-probe-aa-server'));
    } finally {
      await env.kubectl.delete('pod', 'kubestrap-probe-aa-client', ns, '60s');
      await env.kubectl.delete('pod', 'kubestrap-probe-aa-server', ns, '60s');
    }
  });

  /** kubectl against the test's cluster; the manifest (if any) on stdin. Never throws. */
  async function kubectl(args: string[], input?: string) {
    const r = await execa(tier.kubectl, ['--context', context, ...args], {
      env: childEnv,
      extendEnv: false,
      reject: false,
      ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  const certNamespace = 'e2e-real-certs';
  const certName = 'e2e-real-cert';
  const dnsName = 'e2e.kubestrap.test';
  const certificate = (spec: Record<string, unknown>) =>
    stringify({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: certName, namespace: certNamespace }, spec });

  it(`cert-manager (real chart, real webhook) issues a Certificate from kubestrap's ClusterIssuer ${selfSignedIssuer}: Ready, the Secret's certificate signed by that issuer`, async () => {
    expect((await kubectl(['wait', `clusterissuer/${selfSignedIssuer}`, '--for=condition=Ready', '--timeout=120s'])).exitCode).toBe(0);
    expect((await kubectl(['create', 'namespace', certNamespace])).exitCode).toBe(0);
    // cert-manager's validating webhook (not the CRD schema) requires at least one name: a
    // Certificate without one is refused by the real webhook, proving it answers.
    const refused = await kubectl(
      ['apply', '-f', '-'],
      certificate({
        secretName: `${certName}-tls`,
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: selfSignedIssuer },
      }),
    );
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/admission webhook "webhook\.cert-manager\.io" denied the request/);
    expect(refused.stderr).toMatch(/at least one of commonName/);

    const started = performance.now();
    const applied = await kubectl(
      ['apply', '-f', '-'],
      certificate({
        secretName: `${certName}-tls`,
        commonName: dnsName,
        dnsNames: [dnsName],
        duration: '24h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: selfSignedIssuer },
      }),
    );
    expect(applied.exitCode, applied.stderr).toBe(0);
    const ready = await kubectl([
      'wait',
      '--namespace',
      certNamespace,
      `certificate/${certName}`,
      '--for=condition=Ready',
      '--timeout=180s',
    ]);
    const status = (
      await kubectl(['get', '--namespace', certNamespace, `certificate/${certName}`, '--output', 'jsonpath={.status.conditions}'])
    ).stdout;
    expect(ready.exitCode, `Certificate not Ready: ${ready.stderr} ${status}`).toBe(0);
    timings.certificateReady = Math.round((performance.now() - started) / 100) / 10;

    const secret = JSON.parse(
      (await kubectl(['get', '--namespace', certNamespace, `secret/${certName}-tls`, '--output', 'json'])).stdout,
    ) as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/tls');
    const decode = (k: string) => Buffer.from(secret.data[k] ?? '', 'base64');
    const cert = new X509Certificate(decode('tls.crt'));
    expect(cert.subject).toMatch(new RegExp(`CN=${dnsName.replace(/\./g, '\\.')}`));
    expect(cert.subjectAltName).toContain(`DNS:${dnsName}`);
    // A SelfSigned issuer signs with the Certificate's own key and publishes that certificate as
    // the CA (ca.crt): tls.crt's issuer is ca.crt's subject and its signature verifies with ca.crt's
    // key, and with no other key. (X509Certificate.checkIssued says no: a leaf without the
    // keyCertSign usage is not a CA to OpenSSL, rightly; the signature is what proves the issuer.)
    const ca = new X509Certificate(decode('ca.crt'));
    expect(cert.issuer).toBe(ca.subject);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.verify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toBe(false);
    expect(ca.fingerprint256).toBe(cert.fingerprint256);
    // tls.key is the key the certificate was issued for.
    const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' }).toString('hex');
    expect(spki(createPublicKey(createPrivateKey(decode('tls.key'))))).toBe(spki(cert.publicKey));
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    const now = Date.now();
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(now + 60_000);
    expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).toBe(24 * 3600_000);
    await kubectl(['delete', 'namespace', certNamespace, '--wait=false']);
  });

  // Kyverno: kubestrap installs the Pod Security Standards as Kyverno ValidatingPolicies that cover
  // every namespace but the platform's, including namespaces created later. This namespace lets
  // Pod Security allow everything (enforce=privileged), so whatever refuses a pod here is Kyverno.
  const policyNamespace = 'e2e-real-kyverno';
  const policyName = 'disallow-host-ports';
  /** A pod that meets the restricted standard; with a hostPort it breaks only disallow-host-ports. */
  const restrictedPod = (name: string, hostPort?: number) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: policyNamespace },
      spec: {
        terminationGracePeriodSeconds: 0,
        securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'main',
            image: lock.images.probe,
            imagePullPolicy: 'IfNotPresent',
            command: ['sleep', '3600'],
            ...(hostPort ? { ports: [{ containerPort: 8080, hostPort }] } : {}),
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
          },
        ],
      },
    });

  it(`Kyverno in Audit (the example's setting): a pod breaking ${policyName} is admitted in a namespace Pod Security does not restrict`, async () => {
    const ns = stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: policyNamespace, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
    });
    expect((await kubectl(['apply', '-f', '-'], ns)).exitCode).toBe(0);
    const policy = JSON.parse(
      (await kubectl(['get', `validatingpolicies.policies.kyverno.io/${policyName}`, '--output', 'json'])).stdout,
    ) as { spec: { validationActions: string[] } };
    expect(policy.spec.validationActions).toEqual(['Audit']);
    const admitted = await kubectl(['apply', '-f', '-'], restrictedPod('e2e-audit-hostport', 18080));
    expect(admitted.exitCode, admitted.stderr).toBe(0);
    await kubectl(['delete', '--namespace', policyNamespace, 'pod/e2e-audit-hostport', '--wait=false']);
  });

  it('validationFailureAction: Enforce, then `up --only security`: kubestrap upgrades kyverno-policies to deny', async () => {
    const doc = parse(readFileSync(configFile, 'utf8'));
    doc.spec.security.policyEngine.validationFailureAction = 'Enforce';
    writeFileSync(configFile, stringify(doc));
    const run = await cli(['up', '--only', 'security', '--yes', '--output', 'json']);
    timings.upEnforce = run.seconds;
    expect(run.exitCode, failures(run)).toBe(0);
    const policy = JSON.parse(
      (await kubectl(['get', `validatingpolicies.policies.kyverno.io/${policyName}`, '--output', 'json'])).stdout,
    ) as { spec: { validationActions: string[]; failurePolicy: string } };
    expect(policy.spec.validationActions).toEqual(['Deny']);
    expect(policy.spec.failurePolicy).toBe('Fail');
  });

  it(`Kyverno's real admission webhook rejects the pod breaking ${policyName}, naming the policy; a compliant pod in the same namespace is admitted and runs`, async () => {
    // Kyverno reprograms its webhook from the updated policy within seconds: try until refused.
    const started = performance.now();
    let refused = { exitCode: 0, stdout: '', stderr: '' };
    while (performance.now() - started < 90_000) {
      refused = await kubectl(['apply', '-f', '-'], restrictedPod('e2e-enforce-hostport', 18080));
      if (refused.exitCode !== 0) break;
      await kubectl(['delete', '--namespace', policyNamespace, 'pod/e2e-enforce-hostport', '--wait=true', '--timeout=30s']);
      await new Promise((r) => setTimeout(r, 3000));
    }
    timings.kyvernoDenies = Math.round((performance.now() - started) / 100) / 10;
    expect(refused.exitCode, `the pod was admitted for 90 s after Enforce: ${refused.stdout}`).not.toBe(0);
    process.stdout.write(`kyverno refused: ${refused.stderr}\n`);
    // Refused by Kyverno's webhook (not by Pod Security, whose messages say "violates PodSecurity").
    expect(refused.stderr).toMatch(/admission webhook "[^"]*kyverno[^"]*" denied the request/);
    expect(refused.stderr).toContain(policyName);
    expect(refused.stderr).not.toMatch(/violates PodSecurity/);
    expect((await kubectl(['get', '--namespace', policyNamespace, 'pod/e2e-enforce-hostport'])).exitCode).not.toBe(0);

    const compliant = await kubectl(['apply', '-f', '-'], restrictedPod('e2e-enforce-compliant'));
    expect(compliant.exitCode, compliant.stderr).toBe(0);
    const ready = await kubectl([
      'wait',
      '--namespace',
      policyNamespace,
      'pod/e2e-enforce-compliant',
      '--for=condition=Ready',
      '--timeout=120s',
    ]);
    expect(ready.exitCode, ready.stderr).toBe(0);
    await kubectl(['delete', 'namespace', policyNamespace, '--wait=false']);
  });

  it("the bundle's images.txt names every image the cluster's pods run, besides kind's own", async () => {
    const listed = new Set(readFileSync(path.join(bundleDir, 'images.txt'), 'utf8').split('\n').filter(Boolean));
    expect([...listed].sort()).toEqual([...bundle.images].sort());
    const pods = JSON.parse((await kubectl(['get', 'pods', '--all-namespaces', '--output', 'json'])).stdout) as {
      items: { metadata: { name: string; namespace: string }; spec: Record<string, { image: string }[] | undefined> }[];
    };
    // kind's own pods: the control plane's static pods, its CNI, kube-proxy, CoreDNS and the local
    // path provisioner. Their images are inside the node image, which the bundle lists.
    const kindOwn = (p: { metadata: { name: string; namespace: string } }) =>
      p.metadata.namespace === 'local-path-storage' ||
      (p.metadata.namespace === 'kube-system' &&
        /^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy|kindnet|coredns)-/.test(p.metadata.name));
    const checked = pods.items.filter((p) => !kindOwn(p));
    const missing = checked.flatMap((p) =>
      ['containers', 'initContainers']
        .flatMap((k) => p.spec[k] ?? [])
        .filter((c) => !listed.has(c.image))
        .map((c) => `${c.image} (pod ${p.metadata.namespace}/${p.metadata.name})`),
    );
    expect(missing).toEqual([]);
    // Enough of the install is running for the comparison to mean something: cert-manager,
    // metrics-server, Kyverno, kube-router, kube-prometheus-stack and the smoke workload.
    expect(checked.length).toBeGreaterThan(8);
    process.stdout.write(`bundle: ${listed.size} images listed; ${checked.length} pods checked\n`);
  });

  it('down --purge deletes the kind cluster', async () => {
    // `down` takes --yes where it asks before deleting (see its --help).
    const help = await execa(process.execPath, [bin, 'down', '--help'], { env: childEnv, reject: false });
    const run = await cli(['down', '--purge', ...(help.stdout.includes('--yes') ? ['--yes'] : []), '--output', 'json']);
    timings.down = run.seconds;
    expect(run.exitCode, failures(run)).toBe(0);
    const clusters = await execa(tier.kind, ['get', 'clusters'], { env: childEnv });
    expect(`${clusters.stdout}\n${clusters.stderr}`.split('\n')).not.toContain(clusterName);
    // --purge also removes the encryption-at-rest key kubestrap created next to the config.
    expect(existsSync(path.join(work, '.kubestrap', 'secrets', `kind-${clusterName}-encryption-config.yaml`))).toBe(false);
  });
});
