// Issue 11 items 3, 5 and 6: TLS for what users reach (issuer choice, the Gateway's HTTPS listener,
// HTTP redirected), WireGuard per CNI with impossible combinations refused at the value to change,
// logs only with a shipper, and backups of volume data (CSI snapshots where a driver takes them,
// file-system backup elsewhere) proven by a drill that compares restored data. Pure renders; the
// real charts and CRDs judge the same configurations in real-charts-values.test.ts and
// test/e2e/server-validation.test.ts (matrix.ts extraConfigs).
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { drillBackup, drillHolderPod, drillReaderPod, drillRestore, drillSourceObjects, policyOf } from '../../src/engine/drill.js';
import { enforceRules, evaluateRules } from '../../src/config/rules.js';
import { ConfigError, ExitCode, RuleError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/plan.js';
import type { RenderContext, Step, StepPlan } from '../../src/roadmap/types.js';
import { certificatesStep } from '../../src/steps/certificates.js';
import { disasterRecoveryStep } from '../../src/steps/disaster-recovery.js';
import { gatewayStep } from '../../src/steps/gateway.js';
import { integrationStep } from '../../src/steps/integration.js';
import { monitoringStep } from '../../src/steps/monitoring.js';
import { networkingStep } from '../../src/steps/networking.js';

const file = '/x/kubestrap.yaml';
const head = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n';
const existing = '  cluster: { provider: existing, context: prod }\n';

function config(spec: string): Config {
  return parseConfigText(head + spec, file).config;
}

/** The ConfigError a spec is refused with (fails the test if it loads). */
function refusal(spec: string): ConfigError {
  try {
    parseConfigText(head + spec, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

function render(step: Step, c: Config): StepPlan {
  const ctx: RenderContext = { config: c, baseDir: '/x', outDir: '/tmp/kubestrap-test-plan' };
  return step.render(ctx);
}

function content(plan: StepPlan, name: string): string {
  const a = plan.artifacts.find((x) => x.path.endsWith(`/${name}`));
  if (!a) throw new Error(`no artifact ${name} in ${plan.artifacts.map((x) => x.path).join(', ')}`);
  return a.content;
}
const objects = (plan: StepPlan, name: string) => parseAllDocuments(content(plan, name)).map((d) => d.toJS() as Record<string, any>);
const values = (plan: StepPlan, release: string) => parse(content(plan, `values-${release}.yaml`)) as Record<string, any>;

describe('encryption in transit per CNI', () => {
  it('cilium: WireGuard in the chart values; calico: FelixConfiguration wireguardEnabled through the operator chart', () => {
    const cilium = values(render(networkingStep, config('  networking: { cni: cilium, encryption: true }\n')), 'cilium');
    expect(cilium.encryption).toEqual({ enabled: true, type: 'wireguard' });
    const calico = values(render(networkingStep, config('  networking: { cni: calico, encryption: true }\n')), 'calico');
    expect(calico.defaultFelixConfiguration).toEqual({ enabled: true, wireguardEnabled: true });
    const plain = values(render(networkingStep, config('  networking: { cni: calico }\n')), 'calico');
    expect(plain.defaultFelixConfiguration).toEqual({ enabled: false });
  });

  it("with the cluster's own CNI it is refused at the line of the value (exit 2), not ignored", () => {
    const error = refusal('  networking:\n    cni: default\n    encryption: true\n');
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.problems).toEqual([expect.objectContaining({ where: `${file}:8:17`, path: 'spec.networking.encryption' })]);
    expect(error.problems[0]!.message).toMatch(/cannot turn it on.*Set networking\.cni: cilium or calico, or encryption: false/);
  });
});

describe('TLS: issuers', () => {
  const issuers = (c: Config) => objects(render(certificatesStep, c), 'cluster-issuer.yaml');

  it("default: kubestrap's own root CA, bootstrapped by the self-signed issuer, behind a CA ClusterIssuer", () => {
    const [selfSigned, root, ca] = issuers(config('  cluster: {}\n'));
    expect(selfSigned).toMatchObject({ kind: 'ClusterIssuer', metadata: { name: 'kubestrap-selfsigned' }, spec: { selfSigned: {} } });
    expect(root).toMatchObject({
      kind: 'Certificate',
      metadata: { name: 'kubestrap-root-ca', namespace: 'cert-manager' },
      spec: { isCA: true, secretName: 'kubestrap-root-ca', issuerRef: { kind: 'ClusterIssuer', name: 'kubestrap-selfsigned' } },
    });
    expect(ca).toMatchObject({
      kind: 'ClusterIssuer',
      metadata: { name: 'kubestrap-ca' },
      spec: { ca: { secretName: 'kubestrap-root-ca' } },
    });
  });

  it("the team's CA: no root CA of kubestrap's, the issuer reads the named Secret", () => {
    const list = issuers(config('  security: { tls: { issuer: ca, ca: { secretName: corp-ca } } }\n'));
    expect(list.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ClusterIssuer/kubestrap-selfsigned', 'ClusterIssuer/kubestrap-ca']);
    expect(list[1]!.spec.ca.secretName).toBe('corp-ca');
  });

  it('ACME HTTP-01 answers through the shared Gateway (cert-manager started with --enable-gateway-api)', () => {
    const c = config(
      '  networking: { gatewayHostnames: [apps.example.com] }\n  security: { tls: { issuer: acme, acme: { email: ops@example.com } } }\n',
    );
    const plan = render(certificatesStep, c);
    const acme = objects(plan, 'cluster-issuer.yaml')[1]!;
    expect(acme).toMatchObject({ kind: 'ClusterIssuer', metadata: { name: 'kubestrap-acme' } });
    expect(acme.spec.acme).toEqual({
      email: 'ops@example.com',
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      privateKeySecretRef: { name: 'kubestrap-acme-account-key' },
      solvers: [
        {
          http01: {
            gatewayHTTPRoute: { parentRefs: [{ name: 'kubestrap', namespace: 'kubestrap-gateway', kind: 'Gateway', sectionName: 'http' }] },
          },
        },
      ],
    });
    expect(values(plan, 'cert-manager').extraArgs).toEqual(['--enable-gateway-api']);
    expect(values(render(certificatesStep, config('  cluster: {}\n')), 'cert-manager').extraArgs).toEqual([]);
    const cert = objects(render(gatewayStep, c), 'gateway.yaml').find((o) => o.kind === 'Certificate')!;
    expect(cert.spec).toMatchObject({ dnsNames: ['apps.example.com'], issuerRef: { name: 'kubestrap-acme' } });
    // That flag makes cert-manager refuse to start without the Gateway API v1 CRDs, and the gateway
    // step (which needs this one for its Certificate) comes later: the CRDs go in before the chart.
    const kinds = plan.actions.map((a) => (a.type === 'helm' ? `helm ${a.release.release}` : a.type === 'apply-url' ? a.url : a.type));
    const crds = kinds.findIndex((k) => k.includes('gateway-api') && k.endsWith('standard-install.yaml'));
    expect(crds, kinds.join(', ')).toBeGreaterThanOrEqual(0);
    expect(crds).toBeLessThan(kinds.indexOf('helm cert-manager'));
    expect(render(certificatesStep, config('  cluster: {}\n')).actions.some((a) => a.type === 'apply-url')).toBe(false);
  });

  it("the gateway step needs the certificates step (cert-manager) when the Gateway serves TLS (its Certificate is cert-manager's), not otherwise", () => {
    const needs = (spec: string, step = 'gateway') =>
      buildPlan({ config: config(spec), baseDir: '/x', outDir: '/tmp/kubestrap-test-plan' })
        .phases.flatMap((p) => p.steps)
        .find((s) => s.id === step)!.needs;
    expect(needs('  networking: { gatewayHostnames: [apps.example.com] }\n')).toEqual(['networking', 'certificates']);
    expect(needs('  networking: { gatewayHostnames: [apps.example.com] }\n  security: { tls: { gatewayHttps: false } }\n')).toEqual([
      'networking',
    ]);
    // Not on Kyverno and the rest of security hardening, so the gateway does not wait for them.
    expect(needs('  networking: { gatewayHostnames: [apps.example.com] }\n')).not.toContain('security');
  });

  it("the monitoring step needs the certificates step when cert-manager issues the Prometheus Operator's webhook certificate", () => {
    const monitoring = (spec: string) => {
      const plan = buildPlan({ config: config(spec), baseDir: '/x', outDir: '/tmp/kubestrap-test-plan' });
      const step = plan.phases.flatMap((p) => p.steps).find((s) => s.id === 'monitoring')!;
      const webhookCerts = values(step.rendered, 'kube-prometheus-stack').prometheusOperator.admissionWebhooks.certManager.enabled;
      return { needs: step.needs, webhookCerts };
    };
    expect(monitoring('  monitoring: { prometheus: { enabled: true } }\n')).toEqual({
      needs: ['storage', 'certificates'],
      webhookCerts: true,
    });
    expect(monitoring('  monitoring: { prometheus: { enabled: true } }\n  security: { certManager: false }\n')).toEqual({
      needs: ['storage'],
      webhookCerts: false,
    });
  });

  it.each([
    [
      'cloudflare',
      '{ provider: cloudflare, secretRef: { name: cf, key: token } }',
      { cloudflare: { apiTokenSecretRef: { name: 'cf', key: 'token' } } },
    ],
    ['route53 with workload identity', '{ provider: route53, region: eu-west-1 }', { route53: { region: 'eu-west-1' } }],
    [
      'route53 with a static key',
      '{ provider: route53, region: eu-west-1, accessKeyID: AKIAIOSFODNN7EXAMPLE, secretRef: { name: aws, key: secret } }',
      { route53: { region: 'eu-west-1', accessKeyID: 'AKIAIOSFODNN7EXAMPLE', secretAccessKeySecretRef: { name: 'aws', key: 'secret' } } },
    ],
    ['clouddns', '{ provider: clouddns, project: my-project-1 }', { cloudDNS: { project: 'my-project-1' } }],
    [
      'azuredns',
      '{ provider: azuredns, subscriptionID: 00000000-0000-0000-0000-000000000000, resourceGroupName: rg-dns, hostedZoneName: example.com }',
      {
        azureDNS: {
          subscriptionID: '00000000-0000-0000-0000-000000000000',
          resourceGroupName: 'rg-dns',
          hostedZoneName: 'example.com',
          environment: 'AzurePublicCloud',
        },
      },
    ],
  ])('ACME DNS-01 through %s', (_name, dns01, solver) => {
    const c = config(
      `  networking: { gatewayHostnames: ["*.apps.example.com"] }\n  security: { tls: { issuer: acme, acme: { email: ops@example.com, solver: dns01, dns01: ${dns01} } } }\n`,
    );
    const acme = objects(render(certificatesStep, c), 'cluster-issuer.yaml')[1]!;
    expect(acme.spec.acme.solvers).toEqual([{ dns01: solver }]);
  });
  it.each([
    [
      'acme without hostnames',
      '  security: { tls: { issuer: acme, acme: { email: ops@example.com } } }\n',
      'spec.networking.gatewayHostnames',
      /public DNS names/,
    ],
    [
      'acme without its account',
      '  networking: { gatewayHostnames: [a.example.com] }\n  security: { tls: { issuer: acme } }\n',
      'spec.security.tls.acme',
      /needs the ACME account/,
    ],
    [
      'HTTP-01 for a wildcard',
      '  networking: { gatewayHostnames: [a.example.com, "*.example.com"] }\n  security: { tls: { issuer: acme, acme: { email: ops@example.com } } }\n',
      'spec.networking.gatewayHostnames.1',
      /wildcard/,
    ],
    [
      'HTTP-01 without a gateway',
      '  networking: { gateway: none, gatewayHostnames: [a.example.com] }\n  security: { tls: { issuer: acme, acme: { email: ops@example.com } } }\n',
      'spec.security.tls.acme.solver',
      /through the shared Gateway/,
    ],
    [
      'DNS-01 without a provider',
      '  networking: { gatewayHostnames: [a.example.com] }\n  security: { tls: { issuer: acme, acme: { email: ops@example.com, solver: dns01 } } }\n',
      'spec.security.tls.acme.dns01',
      /DNS provider/,
    ],
    [
      'cloudflare without a token',
      '  networking: { gatewayHostnames: [a.example.com] }\n  security: { tls: { issuer: acme, acme: { email: ops@example.com, solver: dns01, dns01: { provider: cloudflare } } } }\n',
      'spec.security.tls.acme.dns01.secretRef',
      /API token/,
    ],
    [
      'acme without cert-manager',
      '  networking: { gatewayHostnames: [a.example.com] }\n  security: { certManager: false, tls: { issuer: acme, acme: { email: ops@example.com } } }\n',
      'spec.security.tls.issuer',
      /certManager is false/,
    ],
    [
      'a CA Secret with another issuer',
      '  security: { tls: { issuer: selfSigned, ca: { secretName: corp-ca } } }\n',
      'spec.security.tls.ca.secretName',
      /issuer: ca/,
    ],
    [
      'an upper-case hostname',
      '  networking: { gatewayHostnames: [Apps.Example.com] }\n',
      'spec.networking.gatewayHostnames.0',
      /lower-case DNS name/,
    ],
  ])('refused: %s, at the key to change', (_name, spec, keyPath, message) => {
    const error = refusal(spec);
    expect(error.problems.map((p) => p.path)).toContain(keyPath);
    const problem = error.problems.find((p) => p.path === keyPath)!;
    expect(problem.where).toMatch(/^\/x\/kubestrap\.yaml:\d+:\d+$/);
    expect(problem.message).toMatch(message);
  });
});

describe("TLS: the shared Gateway's HTTPS listener", () => {
  const gateway = (c: Config) => objects(render(gatewayStep, c), 'gateway.yaml');

  it('HTTPS on 443 with the Certificate for the configured names; HTTP takes only the redirect; routes attach to https', () => {
    const c = config(
      '  networking: { gatewayHostnames: [apps.example.com, "*.apps.example.com"] }\n  security: { tls: { issuer: selfSigned } }\n',
    );
    const list = gateway(c);
    const cert = list.find((o) => o.kind === 'Certificate')!;
    expect(cert.spec).toMatchObject({
      secretName: 'kubestrap-gateway-tls',
      dnsNames: ['apps.example.com', '*.apps.example.com'],
      issuerRef: { kind: 'ClusterIssuer', name: 'kubestrap-selfsigned' },
    });
    const gw = list.find((o) => o.kind === 'Gateway')!;
    expect(gw.spec.listeners.map((l: any) => [l.name, l.protocol, l.port, l.allowedRoutes.namespaces.from])).toEqual([
      ['http', 'HTTP', 80, 'Same'],
      ['https', 'HTTPS', 443, 'Selector'],
    ]);
    expect(gw.spec.listeners[1].tls.certificateRefs).toEqual([{ kind: 'Secret', group: '', name: 'kubestrap-gateway-tls' }]);
    expect(list.find((o) => o.kind === 'HTTPRoute')!.spec.rules[0].filters[0]).toEqual({
      type: 'RequestRedirect',
      requestRedirect: { scheme: 'https', statusCode: 301 },
    });
    const route = objects(render(integrationStep, c), 'httproute.yaml')[0]!;
    expect(route.spec.parentRefs[0].sectionName).toBe('https');
  });

  it('httpRedirect false: HTTP serves routes too (no redirect route); gatewayHttps false or no cert-manager: HTTP only, and the plan says why', () => {
    const both = gateway(config('  security: { tls: { httpRedirect: false } }\n'));
    expect(both.map((o) => o.kind)).toEqual(['EnvoyProxy', 'GatewayClass', 'Certificate', 'Gateway']);
    const gw = both.find((o) => o.kind === 'Gateway')!;
    expect(gw.spec.listeners.map((l: any) => l.allowedRoutes.namespaces.from)).toEqual(['Selector', 'Selector']);

    for (const [spec, why] of [
      ['  security: { tls: { gatewayHttps: false } }\n', 'spec.security.tls.gatewayHttps is false'],
      ['  security: { certManager: false }\n', 'spec.security.certManager is false'],
    ] as const) {
      const c = config(spec);
      const plan = render(gatewayStep, c);
      const kinds = objects(plan, 'gateway.yaml').map((o) => o.kind);
      expect(kinds).toEqual(['EnvoyProxy', 'GatewayClass', 'Gateway']);
      expect(objects(plan, 'gateway.yaml')[2]!.spec.listeners.map((l: any) => l.name)).toEqual(['http']);
      expect(plan.notes).toContainEqual(expect.stringContaining(`no HTTPS listener (${why})`));
      expect(objects(render(integrationStep, c), 'httproute.yaml')[0]!.spec.parentRefs[0].sectionName).toBe('http');
    }
  });
});

describe('logs', () => {
  it('refused without a shipper, at the logs line; with an external shipper: retention, compaction and a Grafana datasource', () => {
    const error = refusal('  monitoring:\n    logs: true\n');
    expect(error.problems).toEqual([expect.objectContaining({ where: `${file}:7:11`, path: 'spec.monitoring.logs' })]);
    expect(error.problems[0]!.message).toMatch(/no shipper chart yet.*logShipper: external, or set logs: false/);

    const plan = render(monitoringStep, config('  monitoring: { logs: true, logShipper: external, logRetention: 30d }\n'));
    const loki = values(plan, 'loki').loki;
    expect(loki.limits_config).toEqual({ retention_period: '30d' });
    expect(loki.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 'filesystem' });
    const grafana = values(plan, 'kube-prometheus-stack').grafana;
    expect(grafana.additionalDataSources).toEqual([
      { name: 'Loki', type: 'loki', uid: 'loki', access: 'proxy', url: 'http://loki-gateway.monitoring.svc', editable: false },
    ]);
    expect(grafana.persistence.enabled).toBe(true);
    expect(plan.notes).toContainEqual(
      expect.stringMatching(/no shipper is installed.*pushes to http:\/\/loki-gateway\.monitoring\.svc\/loki\/api\/v1\/push/),
    );
    expect(values(render(monitoringStep, config('  cluster: {}\n')), 'kube-prometheus-stack').grafana.additionalDataSources).toEqual([]);
  });
});

describe('backups of volume data', () => {
  const dr = (spec: string) => render(disasterRecoveryStep, config(spec));
  const schedule = (plan: StepPlan) => objects(plan, 'backup-location.yaml').find((o) => o.kind === 'Schedule')!;

  it('kind (local-path has no snapshots): file-system backup by the node agent, no snapshot class', () => {
    const plan = dr('  cluster: {}\n');
    expect(schedule(plan).spec.template).toMatchObject({ snapshotVolumes: false, snapshotMoveData: false, defaultVolumesToFsBackup: true });
    const v = values(plan, 'velero');
    expect(v.deployNodeAgent).toBe(true);
    expect(v.configuration).not.toHaveProperty('features');
    expect(objects(plan, 'backup-location.yaml').map((o) => o.kind)).toEqual(['BackupStorageLocation', 'Schedule']);
    expect(plan.notes).toContainEqual(expect.stringContaining("kind's local-path provisioner cannot take snapshots"));
  });

  it('Longhorn, or a named CSI driver: CSI snapshots with their data moved to the bucket, a VolumeSnapshotClass labelled for Velero', () => {
    for (const [spec, driver] of [
      [
        `${existing}  storage: { provisioner: longhorn }\n  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
        'driver.longhorn.io',
      ],
      [
        `${existing}  backup: { snapshotDriver: ebs.csi.aws.com, storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
        'ebs.csi.aws.com',
      ],
    ] as const) {
      const plan = dr(spec);
      expect(schedule(plan).spec.template).toMatchObject({
        snapshotVolumes: true,
        snapshotMoveData: true,
        defaultVolumesToFsBackup: false,
      });
      const v = values(plan, 'velero');
      expect(v.configuration).toMatchObject({ features: 'EnableCSI', defaultSnapshotMoveData: true, defaultVolumesToFsBackup: false });
      // The data mover runs in the node agent.
      expect(v.deployNodeAgent).toBe(true);
      const vsc = objects(plan, 'backup-location.yaml').find((o) => o.kind === 'VolumeSnapshotClass')!;
      expect(vsc).toMatchObject({
        metadata: { name: 'kubestrap-velero', labels: { 'velero.io/csi-volumesnapshot-class': 'true' } },
        driver,
        deletionPolicy: 'Delete',
      });
      expect(plan.checks).toContainEqual({
        type: 'exists',
        resource: 'volumesnapshotclasses.snapshot.storage.k8s.io',
        name: 'kubestrap-velero',
      });
    }
  });

  it('an existing cluster with no known CSI driver falls back to file-system backup and says how to get snapshots', () => {
    const plan = dr(`${existing}  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`);
    expect(schedule(plan).spec.template.defaultVolumesToFsBackup).toBe(true);
    expect(plan.notes).toContainEqual(expect.stringContaining('set spec.backup.snapshotDriver'));
  });

  it.each([
    ['snapshots on kind', '  backup: { volumes: snapshot }\n', 'spec.backup.volumes', /local-path provisioner cannot take CSI snapshots/],
    [
      'snapshots without the snapshot controller',
      `${existing}  storage: { snapshots: false }\n  backup: { volumes: snapshot, snapshotDriver: ebs.csi.aws.com, storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`,
      'spec.backup.volumes',
      /storage\.snapshots is false/,
    ],
  ])('refused: %s', (_name, spec, keyPath, message) => {
    const problem = refusal(spec).problems.find((p) => p.path === keyPath);
    expect(problem?.message).toMatch(message);
  });

  it('snapshots on a cluster whose profile implies no CSI driver, and none named: a rule error (exit 2) saying what to set', () => {
    const generic = config(`${existing}  backup: { volumes: snapshot, storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n`);
    const broken = evaluateRules(generic).filter((r) => r.severity === 'error');
    expect(broken).toEqual([
      expect.objectContaining({ rule: 'snapshot-backups-need-a-driver', fix: expect.stringContaining('spec.backup.snapshotDriver') }),
    ]);
    expect(() => enforceRules(generic)).toThrow(RuleError);
    // eks implies ebs.csi.aws.com: CSI snapshots, also under auto.
    const eks = config(
      '  cluster: { provider: existing, context: prod, profile: eks }\n  backup: { storage: { type: s3, region: eu-west-1, credentialsSecret: c } }\n',
    );
    const vsc = objects(render(disasterRecoveryStep, eks), 'backup-location.yaml').find((o) => o.kind === 'VolumeSnapshotClass');
    expect(vsc?.driver).toBe('ebs.csi.aws.com');
  });

  it('the drill check says what it proves', () => {
    const check = dr('  cluster: {}\n').checks.find((c) => c.type === 'probe' && c.probe === 'backup-restore');
    expect(check).toMatchObject({
      namespace: 'velero',
      description: expect.stringMatching(/file written to a volume.*restored into a new one and the file read back identical/),
    });
  });
});

describe('the restore drill', () => {
  const stamp = '0123456789abcdef01234567';

  it('writes the stamp with a pod that is gone before the backup; nothing that is backed up can write it again', () => {
    const [ns, pvc, writer] = drillSourceObjects(stamp) as Record<string, any>[];
    expect(ns).toMatchObject({ kind: 'Namespace', metadata: { name: 'kubestrap-drill' } });
    expect(pvc).toMatchObject({ kind: 'PersistentVolumeClaim', metadata: { name: 'drill-data', namespace: 'kubestrap-drill' } });
    expect(writer!.spec.containers[0].command.join(' ')).toContain(`echo ${stamp} > /data/drill.txt`);
    expect(writer!.spec.restartPolicy).toBe('Never');
    const holder = drillHolderPod();
    expect(JSON.stringify(holder)).not.toContain(stamp);
    // Read-write: Velero restores the file into the restored holder's mount (a read-only one fails the restore).
    expect(holder.spec!.containers[0]!.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: false }]);
    expect(holder.spec!.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'drill-data', readOnly: false } }]);
  });

  it('reads the restored file in the new namespace and fails unless it is identical', () => {
    const reader = drillReaderPod(stamp);
    expect(reader.metadata!.namespace).toBe('kubestrap-drill-restored');
    const script = reader.spec!.containers[0]!.command!.join(' ');
    expect(script).toContain(`[ "$got" = "${stamp}" ]`);
    expect(script).toContain('exit 1');
    // Restricted-compliant, like every probe pod.
    expect(reader.spec!.containers[0]!.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it("backs up with the daily Schedule's volume policy and restores into the new namespace", () => {
    const policy = policyOf({ spec: { template: { snapshotVolumes: true, snapshotMoveData: true, defaultVolumesToFsBackup: false } } });
    expect(drillBackup('drill-x', 'velero', policy).spec).toEqual({
      includedNamespaces: ['kubestrap-drill'],
      ttl: '1h0m0s',
      storageLocation: 'default',
      snapshotVolumes: true,
      snapshotMoveData: true,
      defaultVolumesToFsBackup: false,
    });
    expect(policyOf(undefined)).toEqual({ snapshotVolumes: false, snapshotMoveData: false, defaultVolumesToFsBackup: true });
    expect(drillRestore('drill-x', 'velero').spec).toEqual({
      backupName: 'drill-x',
      namespaceMapping: { 'kubestrap-drill': 'kubestrap-drill-restored' },
      restorePVs: true,
    });
  });
});
