// The preflight (issue 8): every Secret the roadmap reads, the context and the tools, all problems
// reported at once before anything is applied. Child processes are faked.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { parseConfigText } from '../../src/config/load.js';
import { checkSecrets, preflight, PreflightError, referencedSecrets } from '../../src/engine/preflight.js';
import { ExitCode } from '../../src/errors.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const config = parseConfigText(
  `apiVersion: kubestrap.dev/v1alpha1
kind: Roadmap
metadata:
  name: shop
spec:
  cluster:
    provider: existing
    context: prod
    kubernetesVersion: "1.36"
  monitoring:
    alertReceivers:
      - { name: chat, type: slack, channel: "#alerts", secretRef: { name: alerting, key: slack-url } }
      - { name: pager, type: pagerduty, secretRef: { name: alerting, key: routing-key } }
    deadMansSwitch:
      secretRef: { name: deadman, key: url }
  backup:
    storage:
      type: s3
      bucket: shop-backups
      region: eu-west-1
      credentialsSecret: velero-cloud
`,
  path.join(process.cwd(), 'k.yaml'),
).config;

const allSteps = ['monitoring', 'disaster-recovery'] as const;
const k = ['kubectl', '--context', 'prod'];
const notFound = (name: string): FakeResult => ({ exitCode: 1, stderr: `Error from server (NotFound): secrets "${name}" not found` });
const server = (version: string): [string[], FakeResult] => [[...k, 'version'], JSON.stringify({ serverVersion: { gitVersion: version } })];

describe('referencedSecrets', () => {
  it('lists each user-made Secret once with every key the enabled steps read', () => {
    expect(referencedSecrets(config, allSteps)).toEqual([
      {
        step: 'monitoring',
        namespace: 'monitoring',
        name: 'alerting',
        keys: [
          { key: 'slack-url', purpose: 'the slack URL of alert receiver chat', configPath: 'spec.monitoring.alertReceivers.0.secretRef' },
          {
            key: 'routing-key',
            purpose: 'the pagerduty routing key of alert receiver pager',
            configPath: 'spec.monitoring.alertReceivers.1.secretRef',
          },
        ],
      },
      {
        step: 'monitoring',
        namespace: 'monitoring',
        name: 'deadman',
        keys: [{ key: 'url', purpose: "the dead man's switch URL", configPath: 'spec.monitoring.deadMansSwitch.secretRef' }],
      },
      {
        step: 'disaster-recovery',
        namespace: 'velero',
        name: 'velero-cloud',
        keys: [{ key: 'cloud', purpose: 'the s3 credentials Velero uses', configPath: 'spec.backup.storage.credentialsSecret' }],
      },
    ]);
  });

  it('only for the steps this run applies', () => {
    expect(referencedSecrets(config, ['disaster-recovery']).map((n) => n.name)).toEqual(['velero-cloud']);
    expect(referencedSecrets(config, [])).toEqual([]);
  });
});

describe('preflight, with a faked kubectl', () => {
  it('reports every problem at once: missing Secret, missing key, kubectl skew, unsupported helm', async () => {
    const exec = fakeExec([
      server('v1.36.2'),
      [[...k, 'get', 'secret', 'alerting'], 'slack-url\n'],
      [[...k, 'get', 'secret', 'deadman'], 'url\n'],
      [[...k, 'get', 'secret', 'velero-cloud'], notFound('velero-cloud')],
    ]);
    const report = await preflight({
      kubectl: new Kubectl(exec, { context: 'prod' }),
      config,
      steps: allSteps,
      tools: { kubectl: 'v1.33.0', helm: 'v2.17.0', helmMajor: 2 },
    });
    expect(report.problems.map((p) => p.what)).toEqual([
      'helm v2.17.0 is not a supported major (3 or 4)',
      'kubectl v1.33.0 is 3 minors away from the server v1.36.2',
      'Secret monitoring/alerting has no key "routing-key" (the pagerduty routing key of alert receiver pager, spec.monitoring.alertReceivers.1.secretRef); it has "slack-url"',
      'Secret velero/velero-cloud does not exist; it holds the s3 credentials Velero uses (key cloud, spec.backup.storage.credentialsSecret)',
    ]);
    expect(report.problems.every((p) => p.fix.length > 0)).toBe(true);
    expect(report.problems[3]!.fix).toContain(
      'kubectl --context prod --namespace velero create secret generic velero-cloud --from-file=cloud=<file holding s3 credentials Velero uses>',
    );
    const error = new PreflightError(report.problems);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toMatch(/^preflight found 4 problems; nothing was applied:/);
  });

  it('reads Secret keys only, never their values', async () => {
    const exec = fakeExec([[[...k, 'get', 'secret'], 'cloud\n']]);
    await checkSecrets(new Kubectl(exec, { context: 'prod' }), referencedSecrets(config, ['disaster-recovery']));
    expect(exec.calls).toHaveLength(1);
    const argv = exec.calls[0]!;
    expect(argv[argv.indexOf('--output') + 1]).toBe('go-template={{range $k, $v := .data}}{{$k}}{{"\\n"}}{{end}}');
  });

  it('a cluster that does not answer is one problem, and no Secret is asked for', async () => {
    const exec = fakeExec([
      [[...k, 'version'], { exitCode: 1, stderr: 'Unable to connect to the server: dial tcp 10.0.0.1:6443: connect: connection refused' }],
    ]);
    const report = await preflight({
      kubectl: new Kubectl(exec, { context: 'prod' }),
      config,
      steps: allSteps,
      tools: { kubectl: 'v1.36.0', helm: 'v4.3.1', helmMajor: 4 },
    });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]!.what).toContain('the cluster of context prod does not answer');
    expect(exec.calls.some((c) => c.includes('secret'))).toBe(false);
  });

  it('everything present: no problems; a helm other than the pinned one and a different server minor are warnings', async () => {
    const exec = fakeExec([
      server('v1.35.1'),
      [[...k, 'get', 'secret', 'alerting'], 'slack-url\nrouting-key\n'],
      [[...k, 'get', 'secret'], 'url\ncloud\n'],
      // The profile check (generic: nothing provider-specific to find on a plain worker).
      [[...k, 'get', 'nodes'], JSON.stringify({ items: [{ metadata: { name: 'w1', labels: {} }, spec: {} }] })],
      [
        [...k, 'get', 'apiservices.apiregistration.k8s.io'],
        { exitCode: 1, stderr: 'Error from server (NotFound): apiservices "v1beta1.metrics.k8s.io" not found' },
      ],
      [
        [...k, 'get', 'daemonsets.apps'],
        { exitCode: 1, stderr: 'Error from server (NotFound): daemonsets.apps "node-local-dns" not found' },
      ],
    ]);
    const report = await preflight({
      kubectl: new Kubectl(exec, { context: 'prod' }),
      config,
      steps: allSteps,
      tools: { kubectl: 'v1.35.0', helm: 'v3.19.0', helmMajor: 3 },
    });
    expect(report.problems).toEqual([]);
    expect(report.warnings.map((w) => w.what)).toEqual([
      'helm v3.19.0; the lock pins v4.3.1',
      'the server runs v1.35.1; the config says 1.36',
    ]);
  });

  it('on kind, a kind other than the pinned one is a warning', async () => {
    const kindConfig = parseConfigText(
      'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: dev\n',
      path.join(process.cwd(), 'k.yaml'),
    ).config;
    const exec = fakeExec([
      [['kubectl', '--context', 'kind-kubestrap', 'version'], JSON.stringify({ serverVersion: { gitVersion: 'v1.36.4' } })],
    ]);
    const report = await preflight({
      kubectl: new Kubectl(exec, { context: 'kind-kubestrap' }),
      config: kindConfig,
      steps: [],
      tools: { kubectl: 'v1.36.0', helm: 'v4.3.1', helmMajor: 4, kind: 'v0.29.0' },
    });
    expect(report.problems).toEqual([]);
    expect(report.warnings.map((w) => w.what)).toEqual(['kind v0.29.0; the lock pins v0.33.0']);
  });
});
