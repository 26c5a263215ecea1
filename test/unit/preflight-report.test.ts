// The preflight's report (src/engine/preflight.ts) as the user reads it: why a kubectl call failed,
// the cluster-profile findings sorted into problems and warnings, the version and tool checks at
// their edges, the Secrets each config makes the preflight look for, and the error `up` exits with.
// kubectl's child processes are faked (fake-exec.ts).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import {
  checkGlobalDefaultPriorityClass,
  checkSecrets,
  preflight,
  PreflightError,
  referencedSecrets,
  type SecretNeed,
} from '../../src/engine/preflight.js';
import { ExitCode } from '../../src/errors.js';
import { lock } from '../../src/lock.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const load = (spec: string): Config =>
  parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: shop\nspec:\n${spec}`,
    path.join(process.cwd(), 'k.yaml'),
  ).config;
const existing = load('  cluster:\n    provider: existing\n    context: prod\n    kubernetesVersion: "1.36"\n');
const k = ['kubectl', '--context', 'prod'];
const server = (version: string): [string[], FakeResult] => [[...k, 'version'], JSON.stringify({ serverVersion: { gitVersion: version } })];
const tools = { kubectl: 'v1.36.0', helm: lock.tools.helm, helmMajor: Number(lock.tools.helm.slice(1).split('.')[0]) };
const notFound: FakeResult = { exitCode: 1, stderr: 'Error from server (NotFound): not found' };

describe('why a kubectl call failed, in the report', () => {
  it('a cluster that does not answer: the last line of what kubectl said, not the exit code', async () => {
    const exec = fakeExec([
      [
        [...k, 'version'],
        {
          exitCode: 1,
          stderr:
            "E1202 memcache.go:265 couldn't get current server API group list\nUnable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout\n",
        },
      ],
    ]);
    const report = await preflight({ kubectl: new Kubectl(exec, { context: 'prod' }), config: existing, steps: [], tools });
    expect(report.problems).toEqual([
      {
        what: 'the cluster of context prod does not answer: Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout',
        fix: 'check that it is running and `kubectl --context prod get nodes` works (Secrets could not be checked either)',
      },
    ]);
    expect(report.server).toBeUndefined();
  });

  it('a command that failed without stderr: the first line of the error', async () => {
    const exec = fakeExec([[[...k, 'version'], { exitCode: 1, stderr: '  \n' }]]);
    const report = await preflight({ kubectl: new Kubectl(exec, { context: 'prod' }), config: existing, steps: [], tools });
    expect(report.problems[0]!.what).toBe('the cluster of context prod does not answer: exit 1');
  });

  it('PriorityClasses that cannot be listed: a problem with the reason and the permission to check', async () => {
    const exec = fakeExec([
      [
        [...k, 'get', 'priorityclasses.scheduling.k8s.io'],
        { exitCode: 1, stderr: 'Error from server (Forbidden): priorityclasses.scheduling.k8s.io is forbidden' },
      ],
    ]);
    expect(await checkGlobalDefaultPriorityClass(new Kubectl(exec, { context: 'prod' }), existing, ['cluster'])).toEqual([
      {
        what: 'PriorityClasses could not be listed: Error from server (Forbidden): priorityclasses.scheduling.k8s.io is forbidden',
        fix: 'check that your user may list priorityclasses.scheduling.k8s.io',
      },
    ]);
  });

  it('on kind there is no PriorityClass to collide with: nothing is asked', async () => {
    const exec = fakeExec([]);
    expect(
      await checkGlobalDefaultPriorityClass(new Kubectl(exec, { context: 'prod' }), load('  cluster:\n    provider: kind\n'), ['cluster']),
    ).toEqual([]);
    expect(exec.calls).toEqual([]);
  });
});

describe("the cluster profile's findings in the preflight report (kubectl faked)", () => {
  const storage = load(
    '  cluster:\n    provider: existing\n    context: prod\n    kubernetesVersion: "1.36"\n  storage:\n    provisioner: builtin\n',
  );

  it('errors become problems, warnings stay warnings, info is left out', async () => {
    const exec = fakeExec(
      [
        server('v1.36.1'),
        [
          [...k, 'get', 'nodes'],
          JSON.stringify({ items: [{ metadata: { name: 'w1', labels: { 'eks.amazonaws.com/nodegroup': 'ng' } } }] }),
        ],
        [[...k, 'get', 'storageclasses'], JSON.stringify({ items: [{ metadata: { name: 'gp3' } }] })],
      ],
      (argv) => (argv.includes('get') ? notFound : undefined),
    );
    const report = await preflight({ kubectl: new Kubectl(exec, { context: 'prod' }), config: storage, steps: ['storage'], tools });
    expect(report.problems.map((p) => p.what)).toEqual([
      expect.stringMatching(/^cluster profile: /),
      expect.stringMatching(/^no StorageClass carries the default annotation; .* \(classes: gp3\)$/),
    ]);
    expect(report.problems[1]!.fix).toBe(
      'mark one default: kubectl --context prod annotate storageclass gp3 storageclass.kubernetes.io/is-default-class=true',
    );
    expect(report.warnings).toEqual([]);
  });

  it('a warning finding (a managed profile no node looks like) is a warning, not a problem', async () => {
    const eks = load('  cluster:\n    provider: existing\n    context: prod\n    kubernetesVersion: "1.36"\n    profile: eks\n');
    const exec = fakeExec([
      server('v1.36.1'),
      [[...k, 'get', 'nodes'], JSON.stringify({ items: [{ metadata: { name: 'w1', labels: {} }, spec: {} }] })],
      [[...k, 'get', 'daemonsets.apps'], notFound],
    ]);
    const report = await preflight({ kubectl: new Kubectl(exec, { context: 'prod' }), config: eks, steps: [], tools });
    expect(report.problems).toEqual([]);
    expect(report.warnings.map((w) => w.what)).toEqual([expect.stringMatching(/^cluster profile: /)]);
  });

  it('a cluster whose nodes cannot be listed: a warning with the reason and what to check, and the rest still checked', async () => {
    const exec = fakeExec([
      server('v1.36.1'),
      [
        [...k, 'get', 'nodes'],
        { exitCode: 1, stderr: 'Error from server (Forbidden): nodes is forbidden: User "dev" cannot list resource "nodes"' },
      ],
    ]);
    const report = await preflight({ kubectl: new Kubectl(exec, { context: 'prod' }), config: existing, steps: [], tools });
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([
      {
        what: 'the cluster\'s profile, default StorageClass and provider add-ons could not be read: Error from server (Forbidden): nodes is forbidden: User "dev" cannot list resource "nodes"',
        fix: 'check that your user may list nodes, storageclasses, apiservices and customresourcedefinitions',
      },
    ]);
    expect(report.server).toBe('v1.36.1');
  });

  it('a global default PriorityClass of the cluster is among the problems of an existing cluster', async () => {
    const exec = fakeExec([
      server('v1.36.1'),
      [
        [...k, 'get', 'priorityclasses.scheduling.k8s.io'],
        JSON.stringify({ items: [{ metadata: { name: 'company' }, globalDefault: true }] }),
      ],
      [[...k, 'get', 'nodes'], JSON.stringify({ items: [] })],
      [[...k, 'get', 'daemonsets.apps'], notFound],
    ]);
    const report = await preflight({ kubectl: new Kubectl(exec, { context: 'prod' }), config: existing, steps: ['cluster'], tools });
    expect(report.problems.map((p) => p.what)).toContain(
      "PriorityClass company is already the cluster's global default; kubestrap's tenant-default would be a second one, which the API server refuses",
    );
  });
});

describe('versions and tools at their edges (kubectl faked)', () => {
  const run = async (config: Config, version: string, t: Partial<typeof tools> & { kind?: string }) => {
    const exec = fakeExec([server(version), [[...k, 'get', 'nodes'], JSON.stringify({ items: [] })]], (argv) =>
      argv.includes('get') ? notFound : undefined,
    );
    return preflight({ kubectl: new Kubectl(exec, { context: 'prod' }), config, steps: [], tools: { ...tools, ...t } });
  };

  it('kubectl one minor away from the server is fine; two is a problem with the kubectl to install', async () => {
    expect((await run(existing, 'v1.36.3', { kubectl: 'v1.35.2' })).problems).toEqual([]);
    expect((await run(existing, 'v1.36.3', { kubectl: 'v1.37.0' })).problems).toEqual([]);
    expect((await run(existing, 'v1.36.3', { kubectl: 'v1.34.0' })).problems).toEqual([
      {
        what: 'kubectl v1.34.0 is 2 minors away from the server v1.36.3',
        fix: 'install kubectl 1.36 (kubectl supports one minor of skew)',
      },
    ]);
  });

  it("the server's minor against the config: a warning with the key to set", async () => {
    expect((await run(existing, 'v1.35.3', { kubectl: 'v1.35.0' })).warnings).toEqual([
      {
        what: 'the server runs v1.35.3; the config says 1.36',
        fix: "set spec.cluster.kubernetesVersion to the cluster's minor so pinned versions match it",
      },
    ]);
  });

  it('helm: another patch of a supported major is a warning with the pinned version; the pinned one is silent', async () => {
    expect((await run(existing, 'v1.36.0', { helm: 'v3.0.0', helmMajor: 3 })).warnings).toEqual([
      { what: `helm v3.0.0; the lock pins ${lock.tools.helm}`, fix: `install helm ${lock.tools.helm} to run what was tested` },
    ]);
    expect((await run(existing, 'v1.36.0', {})).warnings).toEqual([]);
  });

  it('kind: only for the kind provider; missing or another version is a warning with the version to install', async () => {
    const kind = load('  cluster:\n    provider: kind\n    kubernetesVersion: "1.36"\n');
    expect((await run(kind, 'v1.36.0', {})).warnings).toEqual([{ what: 'kind is not installed', fix: `install kind ${lock.tools.kind}` }]);
    expect((await run(kind, 'v1.36.0', { kind: lock.tools.kind })).warnings).toEqual([]);
    expect((await run(existing, 'v1.36.0', { kind: 'v0.1.0' })).warnings).toEqual([]);
  });
});

describe('the Secrets a config makes the preflight look for', () => {
  const monitoring = (extra = '') =>
    load(`  monitoring:
    alertReceivers:
      - { name: a, type: slack, channel: "#a", secretRef: { name: alerting, key: url } }
      - { name: b, type: slack, channel: "#b", secretRef: { name: alerting, key: url } }
      - { name: c, type: pagerduty, secretRef: { name: alerting, key: routing-key } }
${extra}`);

  it('one entry per Secret, each key once (two receivers reading the same key share it), with what it is for', () => {
    expect(referencedSecrets(monitoring(), ['monitoring'])).toEqual([
      {
        step: 'monitoring',
        namespace: 'monitoring',
        name: 'alerting',
        keys: [
          { key: 'url', purpose: 'the slack URL of alert receiver a', configPath: 'spec.monitoring.alertReceivers.0.secretRef' },
          {
            key: 'routing-key',
            purpose: 'the pagerduty routing key of alert receiver c',
            configPath: 'spec.monitoring.alertReceivers.2.secretRef',
          },
        ],
      },
    ]);
  });

  it('no receiver Secret without Prometheus', () => {
    expect(referencedSecrets(monitoring('    prometheus:\n      enabled: false\n'), ['monitoring'])).toEqual([]);
  });

  it('Velero credentials only for a cloud bucket named with a Secret, with backups on', () => {
    const backup = (storage: string, enabled = true) => load(`  backup:\n    enabled: ${enabled}\n    storage: ${storage}\n`);
    const s3 = '{ type: s3, bucket: shop-backups, region: eu-west-1, credentialsSecret: cloud-creds }';
    expect(
      referencedSecrets(backup(s3), ['disaster-recovery']).map((n) => `${n.namespace}/${n.name}:${n.keys.map((x) => x.key).join()}`),
    ).toEqual(['velero/cloud-creds:cloud']);
    expect(referencedSecrets(backup(s3, false), ['disaster-recovery'])).toEqual([]);
    expect(referencedSecrets(backup('{ type: s3, bucket: shop-backups, region: eu-west-1 }'), ['disaster-recovery'])).toEqual([]);
    expect(referencedSecrets(backup('{ type: minio }'), ['disaster-recovery'])).toEqual([]);
  });

  it('what the user is told for a Secret with several keys missing, or one without any key', async () => {
    const needs: SecretNeed[] = [
      {
        step: 'monitoring',
        namespace: 'monitoring',
        name: 'alerting',
        keys: [
          { key: 'url', purpose: 'the slack URL', configPath: 'p.0' },
          { key: 'routing-key', purpose: 'the routing key', configPath: 'p.1' },
        ],
      },
    ];
    const missing = fakeExec([[[...k, 'get', 'secret'], notFound]]);
    const [gone] = await checkSecrets(new Kubectl(missing, { context: 'prod' }), needs);
    expect(gone).toEqual({
      what: 'Secret monitoring/alerting does not exist; it holds the slack URL (key url, p.0) and the routing key (key routing-key, p.1)',
      fix: 'kubectl --context prod create namespace monitoring (if missing), then kubectl --context prod --namespace monitoring create secret generic alerting --from-file=url=<file holding slack URL> --from-file=routing-key=<file holding routing key>',
    });
    const empty = fakeExec([[[...k, 'get', 'secret'], '']]);
    const [keyless] = await checkSecrets(new Kubectl(empty, { context: 'prod' }), needs);
    expect(keyless!.what).toBe(
      'Secret monitoring/alerting has no key "url" (the slack URL, p.0), "routing-key" (the routing key, p.1); it has no keys',
    );
    expect(keyless!.fix).toMatch(
      /^add the key, e\.g\. recreate it: kubectl --context prod --namespace monitoring delete secret alerting, then kubectl /,
    );
  });
});

describe('PreflightError', () => {
  it('lists every problem with its fix, exits 2 (nothing applied), and says what to do next', () => {
    const one = new PreflightError([{ what: 'a is wrong', fix: 'fix a' }]);
    expect(one.message).toBe('preflight found 1 problem; nothing was applied:\n  - a is wrong\n      fix: fix a');
    expect(one.exitCode).toBe(ExitCode.usage);
    expect(one.suggestion).toBe('Fix every problem above, then run the same command again.');
    const two = new PreflightError([
      { what: 'a', fix: 'fa' },
      { what: 'b', fix: 'fb' },
    ]);
    expect(two.message).toBe('preflight found 2 problems; nothing was applied:\n  - a\n      fix: fa\n  - b\n      fix: fb');
    expect(two.problems).toHaveLength(2);
  });
});
