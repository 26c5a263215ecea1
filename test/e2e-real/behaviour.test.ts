// Checks that prove behaviour, on a real kind cluster (issue 11, item 7): the smoke workload answers
// HTTP and `up` removes it once verified; the in-cluster verifier (kubestrap's own image, built
// here by test/cluster/real/addon-images/components/verifier.sh and `kind load`ed) runs from its
// CronJob with only the RBAC it needs, writes its results, and reports drift it finds.
// Disaster recovery for real: kubestrap's in-cluster MinIO, the Velero chart with its AWS plugin
// and node agent (images built from source by test/cluster/real/addon-images, components/velero.sh
// and minio.sh, at the pinned releases), and the restore drill: a stamp written to a PVC comes back
// in the restored namespace through a file-system backup. Broken on purpose: a hostPath volume
// (which Velero never backs up) and a node agent that runs nowhere must fail the drill, saying why.
// A smaller cluster than roadmap.test.ts (one worker, no Kyverno or cert-manager): what is proved
// here does not need them.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExec } from '../../src/adapters/exec.js';
import { Helm } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { Redactor } from '../../src/adapters/redact.js';
import type { CheckEnv } from '../../src/engine/checks.js';
import { runProbe } from '../../src/engine/probes.js';
import { tenantQuotaName } from '../../src/steps/cost.js';
import { verifier } from '../../src/steps/verifier.js';
import { runCli, type Run } from './cli.ts';
import { realTierEnv } from './real-env.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const upstreamCharts = path.resolve(repo, process.env.KUBESTRAP_UPSTREAM_CHARTS ?? '../shared/upstream-charts');
const buildScript = path.join(repo, 'test/cluster/real/addon-images/components/verifier.sh');

describe('behaviour checks on a real kind cluster: smoke workload over HTTP and removed, in-cluster verifier', () => {
  const tier = realTierEnv();
  const work = mkdtempSync(path.join(tmpdir(), 'kubestrap-behaviour-'));
  const configFile = path.join(work, 'kubestrap.yaml');
  const kubeconfig = path.join(work, 'kubeconfig');
  const childEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PATH: `${tier.binDir}:${process.env.PATH ?? ''}`,
    KUBECONFIG: kubeconfig,
    CI: 'true',
    NO_COLOR: '1',
    ...(tier.nodeImage ? { KUBESTRAP_NODE_IMAGE: tier.nodeImage } : {}),
  };
  delete childEnv.KUBESTRAP_KEEP_SMOKE;
  const timings: Record<string, number> = {};
  const clusterName = 'kubestrap-behaviour';
  const context = `kind-${clusterName}`;
  const ns = 'kubestrap-system';
  const sa = `system:serviceaccount:${ns}:${verifier.name}`;
  let image = { tar: '', ref: '' };
  let upRun: Run | undefined;

  const cli = (args: string[]): Promise<Run> => runCli(args, { configFile, cwd: work, env: childEnv, timeoutMs: 40 * 60_000 });

  async function kubectl(args: string[], input?: string) {
    const r = await execa(tier.kubectl, ['--context', context, ...args], {
      env: childEnv,
      extendEnv: false,
      reject: false,
      ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout.trim(), stderr: r.stderr };
  }

  const failures = (run: Run) =>
    run.events
      .filter((e) => (e.event === 'check.result' && e.status === 'failed') || e.event === 'step.fail')
      .map((e) => `${e.step}: ${e.description ?? ''} -> ${e.message ?? e.error ?? ''}`)
      .join('\n') || run.stderr.split('\n').slice(-30).join('\n');
  const results = (run: Run) => run.events.filter((e) => e.event === 'check.result');
  const probeResult = (run: Run, probe: string) => results(run).find((e) => e.check === 'probe' && String(e.description).includes(probe));

  function checkEnv(): CheckEnv {
    const exec = createExec(new Redactor(), childEnv);
    const target = { context, kubeconfig };
    return { kubectl: new Kubectl(exec, target), helm: new Helm(exec, target, 4), simulated: false, timeout: '2m' };
  }

  async function verifierResults(): Promise<{ labels: Record<string, string>; data: Record<string, string> }> {
    const r = await kubectl(['--namespace', ns, 'get', 'configmap', verifier.results, '--output', 'json']);
    const cm = JSON.parse(r.stdout) as { metadata: { labels?: Record<string, string> }; data?: Record<string, string> };
    return { labels: cm.metadata.labels ?? {}, data: cm.data ?? {} };
  }

  async function runVerifierJob(name: string): Promise<'Complete' | 'Failed'> {
    expect((await kubectl(['--namespace', ns, 'create', 'job', name, `--from=cronjob/${verifier.cronJob}`])).exitCode).toBe(0);
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const r = await kubectl([
        '--namespace',
        ns,
        'get',
        'job',
        name,
        '--output',
        'jsonpath={range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}',
      ]);
      if (/\bComplete\b/.test(r.stdout)) return 'Complete';
      if (/\bFailed\b/.test(r.stdout)) return 'Failed';
      await new Promise((res) => setTimeout(res, 2000));
    }
    throw new Error(`job ${name} neither completed nor failed in 180 s`);
  }

  beforeAll(async () => {
    if (!existsSync(upstreamCharts)) throw new Error(`the upstream charts are not at ${upstreamCharts}; set KUBESTRAP_UPSTREAM_CHARTS`);
    // Built on a cache miss (about 4 min with a cold Go build cache), seconds when cached.
    const started = performance.now();
    const built = await execa(buildScript, [], { env: process.env, reject: false, stdin: 'ignore' });
    if (built.exitCode !== 0) throw new Error(`the verifier image build failed:\n${built.stderr}`);
    const [tar, ref] = built.stdout.trim().split('\n').at(-1)!.split(' ');
    image = { tar: tar!, ref: ref! };
    timings.imageBuild = Math.round((performance.now() - started) / 1000);

    const doc = parse(readFileSync(path.join(repo, 'examples/kind-test.yaml'), 'utf8'));
    doc.metadata.name = 'behaviour';
    doc.spec.cluster.name = clusterName;
    doc.spec.cluster.nodes.workers = 1;
    doc.spec.security.policyEngine = { name: 'none' };
    doc.spec.security.certManager = false;
    // Not needed here (roadmap.test.ts runs it), and without cert-manager the chart's webhook
    // certificate would need the certgen image, which the tier cannot build.
    doc.spec.monitoring.prometheus.enabled = false;
    doc.spec.charts.localDir = upstreamCharts;
    doc.spec.verification = { ...(doc.spec.verification ?? {}), inCluster: { enabled: true, image: image.ref, schedule: '*/30 * * * *' } };
    // Backups on, as a kind user has them: in-cluster MinIO, volumes by file-system backup (local-path
    // takes no snapshots), and the restore drill in every verification.
    doc.spec.backup = { enabled: true, storage: { type: 'minio' }, volumes: 'file-system', restoreDrill: true };
    writeFileSync(configFile, stringify(doc));
  });

  afterAll(async () => {
    const clusters = await execa(tier.kind, ['get', 'clusters'], { env: childEnv, reject: false });
    if (clusters.stdout.split('\n').includes(clusterName))
      await execa(tier.kind, ['delete', 'cluster', '--name', clusterName], { env: childEnv, reject: false });
    process.stdout.write(`behaviour timings (s): ${JSON.stringify(timings)}\n`);
    rmSync(work, { recursive: true, force: true });
  });

  it('up --only cluster creates the kind cluster; the verifier image is loaded into its nodes (no registry)', async () => {
    const run = await cli(['up', '--yes', '--only', 'cluster', '--output', 'json']);
    timings.cluster = run.seconds;
    expect(run.exitCode, failures(run)).toBe(0);
    const load = await execa(tier.kind, ['load', 'image-archive', image.tar, '--name', clusterName], { env: childEnv, reject: false });
    expect(load.exitCode, load.stderr).toBe(0);
  });

  it('up: the smoke workload answers HTTP (probe ok, not skipped), the verifier CronJob runs; then the smoke workload is removed', async () => {
    const run = await cli(['up', '--yes', '--output', 'json']);
    timings.up = run.seconds;
    upRun = run;
    expect(run.exitCode, failures(run)).toBe(0);
    expect(probeResult(run, 'answers HTTP')).toMatchObject({ step: 'integration', status: 'ok' });
    expect(probeResult(run, `${verifier.cronJob} CronJob completes`)).toMatchObject({ step: 'continuous-verification', status: 'ok' });
    expect(run.events.some((e) => e.event === 'log' && /smoke-test workload is removed/.test(e.message))).toBe(true);
    expect((await kubectl(['--namespace', 'kubestrap-smoke', 'get', 'deployments,services,pdb,hpa', '--output', 'name'])).stdout).toBe('');
    // The namespace and its isolation stay.
    expect((await kubectl(['--namespace', 'kubestrap-smoke', 'get', 'networkpolicy', 'default-deny', '--output', 'name'])).exitCode).toBe(
      0,
    );
  });

  it("verify: the removed workload's checks are skipped with the reason, nothing fails; the verifier's last results show no drift", async () => {
    const run = await cli(['verify', '--output', 'json']);
    timings.verify = run.seconds;
    expect(run.exitCode, failures(run)).toBe(0);
    const smoke = results(run).filter((e) => /answers HTTP|deployment\/smoke|kubestrap-smoke\/smoke/.test(e.description));
    expect(smoke.length).toBeGreaterThanOrEqual(3);
    for (const e of smoke)
      expect(e).toMatchObject({
        status: 'skipped',
        message: expect.stringMatching(/^skipped: the smoke-test workload was removed after verification/),
      });
    expect(results(run).filter((e) => e.status === 'failed')).toEqual([]);

    const { labels, data } = await verifierResults();
    expect(labels['kubestrap.dev/drift']).toBe('false');
    expect(data.summary).toMatch(/^[1-9]\d* ok, 0 failed, \d+ skipped$/);
    const checks = JSON.parse(data['checks.json']!) as { description: string; status: string; message?: string }[];
    expect(checks.some((c) => c.status === 'ok' && /resourcequotas team-a\//.test(c.description))).toBe(true);
    for (const c of checks.filter((x) => x.status === 'skipped')) expect(c.message).toMatch(/^skipped: .*(only reads|does not read)/);
  });

  it("the verifier's ServiceAccount may read what its checks name and patch its results, nothing more", async () => {
    const can = async (...args: string[]) => (await kubectl(['auth', 'can-i', ...args, '--as', sa])).stdout;
    expect(await can('get', `resourcequotas/${tenantQuotaName}`, '--namespace', 'team-a')).toBe('yes');
    expect(await can('get', 'resourcequotas/another-quota', '--namespace', 'team-a')).toBe('no');
    expect(await can('get', `configmaps/${verifier.checks}`, '--namespace', ns)).toBe('yes');
    expect(await can('patch', `configmaps/${verifier.results}`, '--namespace', ns)).toBe('yes');
    expect(await can('patch', 'configmaps/kubestrap-scorecard', '--namespace', ns)).toBe('no');
    expect(await can('get', 'configmaps/kubestrap-state', '--namespace', ns)).toBe('no');
    expect(await can('list', 'secrets', '--all-namespaces')).toBe('no');
    expect(await can('create', 'pods', '--namespace', 'team-a')).toBe('no');
    expect(await can('delete', 'networkpolicies', '--namespace', 'team-a')).toBe('no');
    expect(await can('list', 'storageclasses')).toBe('yes');
    expect(await can('get', 'namespaces/kube-system')).toBe('no');
  });

  it("drift in the cluster: a deleted ResourceQuota turns a verifier run's results to drift=true (the run itself succeeds)", async () => {
    const quota = (await kubectl(['--namespace', 'team-a', 'get', 'resourcequotas', '--output', 'jsonpath={.items[0].metadata.name}']))
      .stdout;
    expect(quota).not.toBe('');
    expect((await kubectl(['--namespace', 'team-a', 'delete', 'resourcequota', quota])).exitCode).toBe(0);
    expect(await runVerifierJob('kubestrap-verifier-drift')).toBe('Complete');
    const { labels, data } = await verifierResults();
    expect(labels['kubestrap.dev/drift']).toBe('true');
    const checks = JSON.parse(data['checks.json']!) as { description: string; status: string; message?: string }[];
    const failed = checks.filter((c) => c.status === 'failed');
    expect(failed.map((c) => `${c.description}: ${c.message}`)).toEqual([
      expect.stringMatching(new RegExp(`resourcequotas team-a/${quota} exists: .*does not exist`)),
    ]);
    const log = await kubectl(['--namespace', ns, 'logs', 'job/kubestrap-verifier-drift']);
    expect(log.stdout).toMatch(/\d+ ok, 1 failed, \d+ skipped; results in ConfigMap/);
  });

  it('a verifier that cannot read its checks fails its run, and the in-cluster-verifier probe reports it', async () => {
    expect((await kubectl(['--namespace', ns, 'delete', 'rolebinding', verifier.name])).exitCode).toBe(0);
    const result = await runProbe('in-cluster-verifier', ns, checkEnv());
    expect(result && 'message' in result ? result.message : result).toMatch(
      /the verifier Job kubestrap-verifier-probe-\w+ failed [\s\S]*(forbidden|403)/,
    );
  });

  it('backups: Velero, the AWS plugin and the node agent run; the restore drill brought the stamp back through a file-system backup', async () => {
    const drill = probeResult(upRun!, 'restore drill');
    expect(drill, 'the restore drill ran in up').toMatchObject({ step: 'disaster-recovery', status: 'ok' });
    timings.drill = Math.round((drill!.ms ?? 0) / 1000);
    // kind's class makes local volumes, which Velero backs up (hostPath ones it skips).
    expect(
      (await kubectl(['get', 'storageclass', 'standard', '--output', 'jsonpath={.metadata.annotations.defaultVolumeType}'])).stdout,
    ).toBe('local');
    const velero = (args: string[]) => kubectl(['--namespace', 'velero', ...args]);
    expect((await velero(['get', 'backupstoragelocation', 'default', '--output', 'jsonpath={.status.phase}'])).stdout).toBe('Available');
    expect((await velero(['exec', 'deploy/velero', '--', '/velero', 'version', '--client-only'])).stdout).toMatch(/Version: v1\.18\.1/);
    // The drill's Backup and Restore stay in Velero's namespace: each moved the volume's file through
    // the node agent (a PodVolumeBackup and a PodVolumeRestore that completed, with bytes).
    const backups = JSON.parse((await velero(['get', 'backups.velero.io', '--output', 'json'])).stdout) as { items: any[] };
    const backup = backups.items.find((b) => /^drill-/.test(b.metadata.name));
    expect(backup?.status?.phase).toBe('Completed');
    const name = backup.metadata.name as string;
    const pvb = JSON.parse(
      (await velero(['get', 'podvolumebackups.velero.io', '--selector', `velero.io/backup-name=${name}`, '--output', 'json'])).stdout,
    );
    expect(pvb.items).toHaveLength(1);
    expect(pvb.items[0]).toMatchObject({ spec: { volume: 'data', uploaderType: 'kopia' }, status: { phase: 'Completed' } });
    expect(Number(pvb.items[0].status.progress?.bytesDone ?? 0)).toBeGreaterThan(0);
    const pvr = JSON.parse(
      (await velero(['get', 'podvolumerestores.velero.io', '--selector', `velero.io/restore-name=${name}`, '--output', 'json'])).stdout,
    );
    expect(pvr.items.map((r: any) => r.status?.phase)).toEqual(['Completed']);
  });

  it('a drill volume on hostPath (local-path without the annotation) fails the drill before any backup, saying why', async () => {
    expect((await kubectl(['annotate', 'storageclass', 'standard', 'defaultVolumeType-'])).exitCode).toBe(0);
    try {
      const result = await runProbe('backup-restore', 'velero', checkEnv());
      expect(result && 'message' in result ? result.message : result).toMatch(
        /^the drill's volume \(PersistentVolume pvc-[\w-]+, StorageClass standard\) is a hostPath volume, which Velero does not back up/,
      );
    } finally {
      expect((await kubectl(['annotate', '--overwrite', 'storageclass', 'standard', 'defaultVolumeType=local'])).exitCode).toBe(0);
    }
  });

  it('with no node agent running, the drill fails: its backup cannot copy the volume', async () => {
    const patch = { spec: { template: { spec: { nodeSelector: { 'kubestrap.dev/no-such-node': 'true' } } } } };
    expect(
      (await kubectl(['--namespace', 'velero', 'patch', 'daemonset', 'node-agent', '--type', 'merge', '--patch', JSON.stringify(patch)]))
        .exitCode,
    ).toBe(0);
    expect(
      (await kubectl(['--namespace', 'velero', 'wait', '--for=delete', 'pod', '--selector', 'name=node-agent', '--timeout', '120s']))
        .exitCode,
    ).toBe(0);
    const started = performance.now();
    const result = await runProbe('backup-restore', 'velero', checkEnv());
    timings.brokenDrill = Math.round((performance.now() - started) / 1000);
    expect(result && 'message' in result ? result.message : result).toMatch(
      /^drill backup velero\/drill-\w+ ended PartiallyFailed .*Velero's node agent \(DaemonSet velero\/node-agent\) has no ready pod/,
    );
  });

  it('down --purge deletes the kind cluster', async () => {
    const run = await cli(['down', '--purge', '--yes', '--output', 'json']);
    timings.down = run.seconds;
    expect(run.exitCode, failures(run)).toBe(0);
    const clusters = await execa(tier.kind, ['get', 'clusters'], { env: childEnv });
    expect(`${clusters.stdout}\n${clusters.stderr}`.split('\n')).not.toContain(clusterName);
  });
});
