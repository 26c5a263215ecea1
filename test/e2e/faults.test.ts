// Fault injection on the test cluster (issue 8, items 4 and 5). Each fault is injected into a real
// run of the built CLI (or into the cluster or disk between runs), then a plain re-run of
// `kubestrap up --yes` must converge with no clean-up by hand, and nothing may be applied twice:
// - steps that were verified before the fault are skipped (no step.start), and every object they
//   applied keeps its uid and resourceVersion (server-side apply of unchanged objects writes nothing);
// - helm release histories show exactly the revisions the fault and its recovery explain;
// - a further `up` changes nothing.
// After every fault, the sentinel secret values (sentinel.ts) are searched for in everything
// kubestrap printed (json, plain --verbose, text on a terminal) and wrote.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  unlinkSync,
  openSync,
  writeSync,
  closeSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEventSchema } from '../../src/output/events-schema.js';
import { startApiserver, stopApiserver } from '../cluster/apiserver.ts';
import { clusterEnv } from './cluster-env.ts';
import { FaultBed, logs, ofType, pidAlive, repo, started, type Fingerprint, type Run, type Running } from './faults/bed.ts';
import { Hold, withApiserverFrozen, waitFor } from './faults/hold.ts';
import { createSecretInputs, leaks, secretValues } from './faults/sentinel.ts';

const ALL_STEPS = [
  'cluster',
  'networking',
  'storage',
  'security',
  'integration',
  'monitoring',
  'autoscaling',
  'disaster-recovery',
  'cost',
  'continuous-verification',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** On a failure path: a run still going (held, or waiting on a server) is killed, not left behind. */
/** Step lists compared as sets: independent steps run concurrently and start in either order. */
const sorted = (ids: string[]) => [...ids].sort();

function stopRun(run: Running | undefined): void {
  if (!run) return;
  try {
    run.killGroup();
  } catch {
    // already gone
  }
}

describe('fault injection: each fault, then a re-run of up converges and applies nothing twice', () => {
  const env = clusterEnv();
  // Made in beforeAll, not while vitest collects the file: a run that filters these tests out
  // leaves no work directory behind.
  let bed: FaultBed;
  const timings: string[] = [];
  const suiteStart = Date.now();
  let testStart = 0;

  const timed = (name: string) => {
    timings.push(`${name}: ${((Date.now() - testStart) / 1000).toFixed(1)}s`);
  };

  /** A re-run that must converge: exit 0, no step failed. */
  async function recover(label: string, ...extra: string[]): Promise<Run> {
    const r = await bed.up(label, ...extra);
    expect({ label, exitCode: r.exitCode, stderr: r.stderr, failed: ofType(r, 'step.fail') }).toEqual({
      label,
      exitCode: 0,
      stderr: '',
      failed: [],
    });
    return r;
  }

  /**
   * Converged, checked without another full run: `status` shows every enabled step verified and
   * unchanged since it was applied, and steps other than `reapplied` kept their appliedAt (the
   * suite ends with one more full `up`, on a terminal, that must change nothing).
   */
  async function settled(before: any, reapplied: string[]): Promise<void> {
    const status = await statusJson();
    const steps = status.phases.flatMap((p: any) => p.steps).filter((x: any) => x.enabled);
    expect(steps.map((x: any) => [x.id, x.status, Boolean(x.changedSinceApplied)])).toEqual(
      steps.map((x: any) => [x.id, 'verified', false]),
    );
    const after = (await bed.state()).steps;
    const moved = Object.keys(before?.steps ?? {}).filter(
      (id) => !reapplied.includes(id) && after[id]?.appliedAt !== before.steps[id].appliedAt,
    );
    expect(moved).toEqual([]);
  }

  /** Objects that must not have been written again: same uid, same spec/metadata writes (see FaultBed.objects). */
  function expectUntouched(
    before: Map<string, Fingerprint>,
    after: Map<string, Fingerprint>,
    keep: (key: string) => boolean = () => true,
  ): void {
    expect(before.size).toBeGreaterThan(20);
    const changed = [...before]
      .filter(([k]) => keep(k))
      .filter(([k, v]) => after.get(k)?.uid !== v.uid || after.get(k)?.writes !== v.writes);
    expect(
      changed.map(
        ([k, v]) =>
          `${k}: ${after.get(k)?.uid !== v.uid ? 'deleted or recreated' : `written again (${v.writes} -> ${after.get(k)?.writes})`}`,
      ),
    ).toEqual([]);
  }

  async function noLeaks(extraDirs: string[] = []): Promise<void> {
    expect(await leaks(bed, extraDirs)).toEqual([]);
  }

  /** `down` gains --yes (needed without a terminal on an existing cluster) in a parallel change; pass it once it exists. */
  async function downArgs(): Promise<string[]> {
    const help = await execa(process.execPath, [path.join(repo, 'bin/kubestrap.js'), 'down', '--help'], { reject: false });
    return ['down', ...(help.stdout.includes('--yes') ? ['--yes'] : []), '--output', 'json'];
  }

  async function statusJson(): Promise<any> {
    const r = await bed.cli('status', ['status', '--output', 'json']);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: '' });
    return JSON.parse(r.stdout);
  }

  async function changedSteps(): Promise<string[]> {
    const status = await statusJson();
    return status.phases
      .flatMap((p: any) => p.steps)
      .filter((s: any) => s.enabled && (s.changedSinceApplied || s.status !== 'verified'))
      .map((s: any) => s.id);
  }

  beforeAll(async () => {
    bed = new FaultBed(env);
    // The suite starts from a cluster no roadmap was applied to (the other e2e files end with down).
    const leftover = await bed.kubectl('get', 'namespace', 'kubestrap-system', '--ignore-not-found', '--output', 'name');
    if (leftover)
      throw new Error('the test cluster already holds kubestrap state (namespace kubestrap-system): another test did not clean up');
    bed.writeConfig();
    await createSecretInputs(bed);
    // The decision record, written by init with the same secret references (names, never values).
    const init = await execa(
      process.execPath,
      [
        path.join(repo, 'bin/kubestrap.js'),
        'init',
        '--yes',
        '--provider',
        'existing',
        '--context',
        env.context,
        '--backup-storage',
        's3',
        '--backup-bucket',
        'kubestrap-test',
        '--backup-region',
        'us-east-1',
        '--backup-credentials-secret',
        'velero-s3-credentials',
        '--config',
        path.join(bed.work, 'init/kubestrap.yaml'),
        '--decisions',
        path.join(bed.work, 'docs/decisions.md'),
      ],
      { cwd: bed.work, env: bed.childEnv, reject: false, stdin: 'ignore' },
    );
    bed.outputs.push({ label: 'init stdout', text: init.stdout }, { label: 'init stderr', text: init.stderr });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(existsSync(path.join(bed.work, 'docs/decisions.md'))).toBe(true);
  });

  afterAll(async () => {
    if (!bed) return;
    // Leave the cluster as found, whatever failed above (the last test checks down itself).
    if (await bed.state().catch(() => undefined)) await bed.cli('down (clean-up)', await downArgs());
    process.stderr.write(`fault suite timings (total ${((Date.now() - suiteStart) / 1000).toFixed(0)}s):\n  ${timings.join('\n  ')}\n`);
    rmSync(bed.work, { recursive: true, force: true });
  });

  it('1. SIGKILL of kubestrap (and its helm) during a helm install: the release left pending-install is recovered', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    let verifiedBefore: string[] = [];
    const watch = bed.watch(
      'secrets',
      '--namespace',
      'kube-system',
      '--selector',
      'owner=helm,name=snapshot-controller',
      '--output',
      'custom-columns=STATUS:.metadata.labels.status',
      '--no-headers',
    );
    try {
      const run = bed.start('fault 1: up killed during helm install');
      const helmChild = await run.childProcess(
        'helm upgrade --install snapshot-controller',
        (argv) => argv.includes('upgrade') && argv.includes('snapshot-controller'),
      );
      await run.until('the release record pending-install', () =>
        watch.lines().includes('pending-install')
          ? true
          : pidAlive(helmChild.pid)
            ? undefined
            : Promise.reject(new Error('helm finished before it could be killed mid-install')),
      );
      run.killGroup();
      const killed = await run.done;
      expect(killed.exitCode).not.toBe(0);
      // SIGKILL reaches the group's members asynchronously: on a loaded machine the helm child can
      // still be runnable when kubestrap's exit is seen. One that escaped the group would stay alive.
      await waitFor('the killed helm child gone', () => !pidAlive(helmChild.pid), 10_000);
      expect(ofType(killed, 'run.end')).toEqual([]);
      verifiedBefore = Object.entries((await bed.state()).steps)
        .filter(([, s]: [string, any]) => s.status === 'verified')
        .map(([id]) => id);
      // Steps that do not need storage may have finished beside it (steps run concurrently).
      expect(verifiedBefore).toEqual(expect.arrayContaining(['cluster', 'networking']));
      expect(verifiedBefore).not.toContain('storage');
      expect((await bed.history('snapshot-controller', 'kube-system')).map((h) => h.status)).toEqual(['pending-install']);
      expect((await bed.lease()).spec.holderIdentity).toContain(`/pid-${run.pid}/`);
    } finally {
      watch.stop();
    }

    const r = await recover('fault 1: re-run');
    expect(logs(r)).toMatch(/took over the run lease left by \S+\/pid-\d+\/\S+: that run's process on this machine has exited/);
    expect(logs(r)).toMatch(
      /helm release kube-system\/snapshot-controller was left pending-install \(revision 1\) by an interrupted run.*uninstalling it/,
    );
    expect(sorted(started(r))).toEqual(sorted(ALL_STEPS.filter((s) => !verifiedBefore.includes(s))));
    expect((await bed.history('snapshot-controller', 'kube-system')).map((h) => [h.revision, h.status])).toEqual([[1, 'deployed']]);
    for (const rel of await bed.releases())
      expect({ rel: rel.name, status: rel.status, revision: Number(rel.revision) }).toEqual({
        rel: rel.name,
        status: 'deployed',
        revision: 1,
      });
    // The search below is worth something only if it looks for what really is secret: the generated
    // Grafana password is among the values, and the encodings match what the cluster stores.
    const secrets = await secretValues(bed);
    expect(secrets.map((v) => v.name)).toEqual(expect.arrayContaining(['grafana-admin admin-password', 'kubeconfig client key']));
    const stored = await bed.kubectl('--namespace', 'velero', 'get', 'secret', 'velero-s3-credentials', '--output', 'yaml');
    expect(secrets.filter((v) => stored.includes(v.value)).map((v) => v.name)).toEqual(['backup credentials (base64)']);
    await settled(stateBefore, started(r));
    await noLeaks();
    timed('1 SIGKILL during helm install');
  });

  it('2. SIGKILL of kubestrap (and its kubectl) during a kubectl apply: the step is applied again, nothing else', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const before = await bed.objects();
    bed.writeConfig((s) =>
      s.tenants.push({ name: 'team-b', groups: ['team-b-devs'], quota: { cpu: '1', memory: '2Gi', pods: 10, storage: '5Gi' } }),
    );
    const expected = await changedSteps();
    expect(expected).toContain('security');
    // The real kubectl apply of network-policies.yaml is held at its start, the API server frozen,
    // then kubectl released: it connects and waits for the server, and kubestrap is killed then.
    const hold = new Hold('kubectl', env.kubectl, ['apply', 'features/security/network-policies.yaml']);
    let killed!: Run;
    let applyPid = 0;
    let run: Running | undefined;
    try {
      run = bed.start('fault 2: up killed during kubectl apply', [], hold.env);
      applyPid = await run.until('kubectl apply of network-policies.yaml held at its start', () => hold.held());
      let talking = false;
      await withApiserverFrozen(env.stateDir, async (api) => {
        hold.release(applyPid);
        await waitFor('the released kubectl apply connected to the frozen API server', () => hold.talking(applyPid, api.port));
        talking = pidAlive(applyPid);
        run!.killGroup();
        killed = await run!.done;
      });
      expect(talking, 'kubectl apply was running and connected to the API server when kubestrap was killed').toBe(true);
    } finally {
      hold.dispose();
      stopRun(run);
    }
    expect(killed.exitCode).not.toBe(0);
    await waitFor('the killed kubectl apply gone (SIGKILL reaches the group asynchronously)', () => !pidAlive(applyPid), 10_000);
    expect(started(killed)).toContain('security');
    expect(ofType(killed, 'step.ok').map((e) => e.step)).not.toContain('security');
    const partial = (await bed.kubectl('--namespace', 'team-b', 'get', 'networkpolicies', '--output', 'name', '--ignore-not-found'))
      .split('\n')
      .filter(Boolean).length;

    const r = await recover('fault 2: re-run');
    expect(logs(r)).toContain("that run's process on this machine has exited");
    expect(sorted(started(r))).toEqual(sorted(expected));
    expect(await bed.kubectl('--namespace', 'team-b', 'get', 'networkpolicies', '--output', 'name')).toContain(
      'networkpolicy.networking.k8s.io/default-deny',
    );
    // team-a's objects, and everything of the steps the fault did not reach, were not written again.
    expectUntouched(before, await bed.objects());
    await settled(stateBefore, [...started(killed), ...started(r)]);
    await noLeaks();
    timed(`2 SIGKILL during kubectl apply (team-b NetworkPolicies applied before the kill: ${partial} of 3)`);
  });

  it('3. the API server stopped and restarted mid-run (during a helm upgrade): the next run converges', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const before = await bed.objects();
    bed.writeConfig((s) => (s.monitoring.prometheus.retention = '3d'));
    expect(await changedSteps()).toEqual(['monitoring']);
    // The real helm upgrade is held at its start, the API server frozen, helm released: once it is
    // connected and waiting on the server, the server is killed, and started again 5 s later.
    const hold = new Hold('helm', env.helm, ['upgrade', 'kube-prometheus-stack']);
    let run: Running | undefined;
    let disturbed!: Run;
    try {
      run = bed.start('fault 3: up with the API server restarted', [], hold.env);
      const helmPid = await run.until('helm upgrade kube-prometheus-stack held at its start', () => hold.held());
      let restarted = false;
      try {
        await withApiserverFrozen(env.stateDir, async (api) => {
          hold.release(helmPid);
          await waitFor('the released helm upgrade connected to the frozen API server', () => hold.talking(helmPid, api.port));
          await stopApiserver(env.stateDir);
        });
        await sleep(5_000);
        await startApiserver(env.stateDir);
        restarted = true;
      } finally {
        if (!restarted) await startApiserver(env.stateDir).catch(() => undefined);
      }
      disturbed = await run.done;
    } finally {
      hold.dispose();
      stopRun(run);
    }
    // Either it failed with a clear message (exit 1, no stack trace) or it rode the outage out.
    expect([0, 1]).toContain(disturbed.exitCode);
    expect(disturbed.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    if (disturbed.exitCode === 1)
      expect(ofType(disturbed, 'run.end')[0]?.next ?? disturbed.stderr).toMatch(/run the same command again|resumes/);

    // What the outage left unverified: monitoring (its helm upgrade failed) and any step whose checks
    // ran beside it while the server was gone (steps run concurrently); the re-run applies exactly those.
    const unsettled = await changedSteps();
    if (disturbed.exitCode === 1) expect(unsettled).toContain('monitoring');
    const r = await recover('fault 3: re-run');
    expect(sorted(started(r))).toEqual(sorted(unsettled));
    const values = JSON.parse(await bed.helm('get', 'values', 'kube-prometheus-stack', '--namespace', 'monitoring', '--output', 'json'));
    expect(values.prometheus.prometheusSpec.retention).toBe('3d');
    expect((await bed.history('kube-prometheus-stack', 'monitoring')).at(-1)!.status).toBe('deployed');
    expectUntouched(before, await bed.objects(), (k) => !k.includes('|monitoring|'));
    await settled(stateBefore, [...started(disturbed), ...started(r)]);
    await noLeaks();
    timed(
      `3 API server restart (disturbed run: exit ${disturbed.exitCode}, ${disturbed.stderr.split('\n')[0] || 'no error'}; re-run: ${/was left pending/.test(logs(r)) ? 'recovered a pending release' : 'no pending release'})`,
    );
  });

  it('4. a helm release left pending-upgrade (a helm killed mid-upgrade): rolled back, upgraded, converged', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const before = await bed.objects();
    // A fault can only be judged on a converged cluster (on an idle machine, faults 2 and 3 once
    // failed before their re-runs, and this test then saw their steps re-applied).
    expect(await changedSteps(), 'the previous faults left the cluster converged').toEqual([]);
    const revisions = (await bed.history('velero', 'velero')).length;
    // Someone's helm upgrade, with kubestrap's own values, killed while it waits. The never-ready
    // subchart keeps it waiting (its pod is never scheduled), so it is still pending when killed,
    // however fast the machine; the subchart is gone again before kubestrap runs.
    const sub = path.join(bed.charts, 'velero/charts/never-ready');
    cpSync(path.join(repo, 'test/charts/never-ready'), sub, { recursive: true });
    const watch = bed.watch(
      'secrets',
      '--namespace',
      'velero',
      '--selector',
      'owner=helm,name=velero',
      '--output',
      'custom-columns=STATUS:.metadata.labels.status',
      '--no-headers',
    );
    try {
      let helmDone = false;
      const helm = execa(
        env.helm,
        [
          'upgrade',
          'velero',
          path.join(bed.charts, 'velero'),
          '--namespace',
          'velero',
          '--values',
          path.join(bed.planDir, 'operations/disaster-recovery/values-velero.yaml'),
          '--wait=watcher',
          '--timeout',
          '10m',
          '--kube-context',
          env.context,
        ],
        { env: bed.childEnv, reject: false },
      );
      void helm.then(() => (helmDone = true));
      const deadline = Date.now() + 120_000;
      while (!watch.lines().includes('pending-upgrade')) {
        if (Date.now() > deadline || helmDone)
          throw new Error(
            `the helm upgrade ${helmDone ? 'ended' : 'was not pending within 120 s'}: ${helmDone ? (await helm).stderr : ''}`,
          );
        await sleep(5);
      }
      expect(helmDone, 'helm was still waiting for the never-ready pod').toBe(false);
      helm.kill('SIGKILL');
      await helm;
    } finally {
      watch.stop();
      rmSync(sub, { recursive: true, force: true });
    }
    expect((await bed.history('velero', 'velero')).at(-1)!.status).toBe('pending-upgrade');

    const r = await recover('fault 4: re-run');
    expect(logs(r)).toMatch(
      /helm release velero\/velero was left pending-upgrade \(revision \d+\) by an interrupted run; rolling back to revision \d+/,
    );
    expect(started(r)).toEqual(['disaster-recovery']);
    const history = await bed.history('velero', 'velero');
    // the killed upgrade, the rollback, kubestrap's upgrade. helm's rollback supersedes deployed
    // revisions only, so the killed one keeps its pending-upgrade mark in the history; it is not
    // the latest any more, which is all that blocks helm.
    expect(history.length).toBe(revisions + 3);
    expect(history.at(-1)!.status).toBe('deployed');
    expect(history.at(-2)!.description).toMatch(/^Rollback to \d+/);
    expect(history.filter((h) => h.status.startsWith('pending')).map((h) => h.revision)).toEqual([revisions + 1]);
    // Velero's own objects had the same chart and values all along: none was written; the
    // never-ready Deployment of the killed upgrade is gone with the rollback.
    expectUntouched(before, await bed.objects());
    expect(await bed.kubectl('--namespace', 'velero', 'get', 'deployment', 'never-ready', '--ignore-not-found', '--output', 'name')).toBe(
      '',
    );
    await settled(stateBefore, started(r));
    await noLeaks();
    timed('4 release left pending-upgrade');
  });

  it('5. a lease left by a killed run: taken over at once on the same machine; from another machine, after it expires', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const run = bed.start('fault 5: up killed holding the lease');
    await run.until('the lease held by this run', async () =>
      (await bed.lease())?.spec?.holderIdentity?.includes(`/pid-${run.pid}/`) ? true : undefined,
    );
    run.killKubestrap(); // kubestrap alone: a kubectl it was running lives on briefly as an orphan
    await run.done;
    const r = await recover('fault 5a: re-run');
    expect(logs(r)).toContain("that run's process on this machine has exited");
    expect(started(r)).toEqual([]);

    // A run on another machine cannot be checked: its lease is honoured until it expires. The lease
    // is written fresh for 10 minutes (refused however slow the run is to reach it), then as renewed
    // 11 minutes ago (expired, without waiting for it).
    const foreign = (renewedMsAgo: number) => {
      const renew = new Date(Date.now() - renewedMsAgo).toISOString().replace('Z', '000Z');
      return {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: 'kubestrap-run',
          namespace: 'kubestrap-system',
          annotations: { 'kubestrap.dev/holder-process': '00000000-0000-0000-0000-000000000000/pid:[4026531836]/4242/1' },
        },
        spec: { holderIdentity: 'ci-runner-7/pid-4242/abc123', leaseDurationSeconds: 600, acquireTime: renew, renewTime: renew },
      };
    };
    await execa(env.kubectl, ['--context', env.context, 'apply', '--server-side', '--force-conflicts', '-f', '-'], {
      input: JSON.stringify(foreign(0)),
      env: bed.childEnv,
    });
    const refused = await bed.up('fault 5b: refused');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('another kubestrap run holds this cluster: ci-runner-7/pid-4242/abc123');
    expect(refused.stderr).toMatch(/expires \d{4}-/);
    expect(refused.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    await execa(env.kubectl, ['--context', env.context, 'apply', '--server-side', '--force-conflicts', '-f', '-'], {
      input: JSON.stringify(foreign(660_000)),
      env: bed.childEnv,
    });
    const takeover = await recover('fault 5b: after expiry');
    expect(logs(takeover)).toContain('took over the run lease left by ci-runner-7/pid-4242/abc123, which expired');
    expect(started(takeover)).toEqual([]);
    await settled(stateBefore, started(takeover));
    await noLeaks();
    timed('5 lease left by a killed run');
  });

  it('6. a chart whose pods never become Ready: helm times out and rolls back, the step fails with diagnostics, the fixed chart converges', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    // The never-ready stand-in, as a subchart of velero: the release gains a Deployment whose pod is never scheduled.
    const sub = path.join(bed.charts, 'velero/charts/never-ready');
    cpSync(path.join(repo, 'test/charts/never-ready'), sub, { recursive: true });
    const before = await bed.objects();
    const revisions = (await bed.history('velero', 'velero')).length;
    bed.writeConfig((s) => (s.backup.ttl = '480h'));
    try {
      const failed = await bed.up('fault 6: never-ready chart');
      expect(failed.exitCode).toBe(1);
      const fail = ofType(failed, 'step.fail')[0]!;
      expect(fail.step).toBe('disaster-recovery');
      expect(fail.error).toMatch(/helm failed/);
      expect(fail.diagnostics.join('\n')).toMatch(/never-ready-\S+ Pending: unschedulable/);
      expect(ofType(failed, 'run.end')[0]!.next).toContain('resumes at step disaster-recovery');
      const history = await bed.history('velero', 'velero');
      expect(history.length).toBe(revisions + 2); // the failed upgrade and helm's rollback
      expect(history.at(-1)!.status).toBe('deployed');
      expect(history.at(-1)!.description).toMatch(/^Rollback to \d+/);
      expect(await bed.kubectl('--namespace', 'velero', 'get', 'deployment', 'never-ready', '--ignore-not-found', '--output', 'name')).toBe(
        '',
      );
      expect((await bed.state()).steps['disaster-recovery'].status).toBe('failed');
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
    const r = await recover('fault 6: re-run with the chart fixed', '--verbose');
    expect(started(r)).toEqual(['disaster-recovery']);
    expect(ofType(r, 'step.skip').map((e) => e.step)).toEqual(expect.arrayContaining(['cost', 'continuous-verification']));
    // Velero's own objects went through the failed upgrade and the rollback unchanged; only the
    // Schedule (ttl) is new content.
    expectUntouched(before, await bed.objects(), (k) => !k.startsWith('Schedule.velero.io|'));
    await settled(stateBefore, started(r));
    await noLeaks();
    timed('6 never-ready chart');
  });

  it('7. a full disk for the plan directory (ENOSPC on a small tmpfs; EFBIG under a file size limit): a clear error, the previous plan intact, nothing applied; converges once there is space', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const disk = path.join(bed.work, 'disk');
    mkdirSync(disk);
    // A 512 KiB tmpfs needs mount privileges (root in the test container); without them only the EFBIG half runs.
    const mount = await execa('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', disk], { reject: false });
    const mounted = mount.exitCode === 0;
    const workDir = path.join(disk, 'apply');
    const leftovers = () => readdirSync(disk).filter((f) => f !== 'apply' && f !== 'filler');
    try {
      // The plan kubestrap wrote last (with its marker), as if the last run had used --work-dir there.
      cpSync(bed.planDir, workDir, { recursive: true });
      const plan = bed.planFiles(workDir);
      expect(Object.keys(plan).length).toBeGreaterThan(10);
      const stepsBefore = JSON.stringify((await bed.state()).steps);
      bed.writeConfig((s) => (s.monitoring.prometheus.retention = '4d'));
      const refused = (r: Run) => {
        expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(r.stderr).not.toContain('bug in kubestrap');
        expect(ofType(r, 'step.start')).toEqual([]);
        expect(bed.planFiles(workDir)).toEqual(plan);
        expect(leftovers()).toEqual([]);
      };

      if (mounted) {
        const fd = openSync(path.join(disk, 'filler'), 'w');
        try {
          const block = Buffer.alloc(4096, 1);
          for (;;) writeSync(fd, block);
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          closeSync(fd);
        }
        const full = await bed.up('fault 7: disk full', '--work-dir', workDir);
        expect(full.exitCode).toBe(1);
        expect(full.stderr).toContain(`Could not write the plan to ${workDir}: no space left on the device. Nothing was changed there.`);
        refused(full);
        const plain = await bed.cli('fault 7: disk full (plain, verbose)', [
          'up',
          '--yes',
          '--output',
          'plain',
          '--verbose',
          '--work-dir',
          workDir,
        ]);
        expect(plain.exitCode).toBe(1);
        expect(plain.stderr).toContain('no space left on the device');
        refused(plain);
        unlinkSync(path.join(disk, 'filler'));
      }

      // The kubestrap process under a 2 KiB file size limit (its kubectl and helm too): EFBIG.
      const limited = await execa(
        'prlimit',
        [
          '--fsize=2048',
          process.execPath,
          path.join(repo, 'bin/kubestrap.js'),
          'up',
          '--yes',
          '--output',
          'json',
          '--work-dir',
          workDir,
          '--config',
          bed.configFile,
        ],
        { cwd: bed.work, env: bed.childEnv, reject: false, stdin: 'ignore' },
      );
      bed.outputs.push(
        { label: 'fault 7 file size limit stdout', text: limited.stdout },
        { label: 'fault 7 file size limit stderr', text: limited.stderr },
      );
      const efbig: Run = {
        label: 'fault 7 file size limit',
        exitCode: limited.exitCode ?? -1,
        stdout: limited.stdout,
        stderr: limited.stderr,
        events: limited.stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l)),
        ms: 0,
      };
      expect(efbig.exitCode).toBe(2);
      expect(efbig.stderr).toContain(
        `Could not write the plan to ${workDir}: a file would exceed the file size limit of this process (ulimit -f)`,
      );
      refused(efbig);
      expect(JSON.stringify((await bed.state()).steps)).toBe(stepsBefore);

      const r = await recover('fault 7: re-run with space', '--work-dir', workDir);
      expect(started(r)).toEqual(['monitoring']);
      expect(readFileSync(path.join(workDir, 'observability/monitoring/values-kube-prometheus-stack.yaml'), 'utf8')).toContain('4d');
      await settled(stateBefore, started(r));
      await noLeaks([disk]);
    } finally {
      if (mounted) await execa('umount', [disk], { reject: false });
    }
    timed(`7 full disk (${mounted ? 'tmpfs ENOSPC and ' : 'no mount privilege: only '}EFBIG)`);
  });

  it('8. a manifest deleted by hand between runs: written again, nothing re-applied', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const before = await bed.objects();
    const rbac = path.join(bed.planDir, 'features/security/rbac.yaml');
    const content = readFileSync(rbac, 'utf8');
    unlinkSync(rbac);
    rmSync(path.join(bed.planDir, 'operations'), { recursive: true });
    const r = await bed.cli('fault 8: re-run (plain, verbose)', ['up', '--yes', '--output', 'plain', '--verbose']);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(readFileSync(rbac, 'utf8')).toBe(content);
    expect(existsSync(path.join(bed.planDir, 'operations/disaster-recovery/values-velero.yaml'))).toBe(true);
    expectUntouched(before, await bed.objects());
    await settled(stateBefore, started(r));
    await noLeaks();
    timed('8 manifest deleted');
  });

  it('9. the state ConfigMap deleted: every step is checked and recorded again, no object is written twice', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const before = await bed.objects();
    const releasesBefore = await bed.releases();
    await bed.kubectl('--namespace', 'kubestrap-system', 'delete', 'configmap', 'kubestrap-state');
    const r = await recover('fault 9: re-run');
    expect(sorted(started(r))).toEqual(sorted(ALL_STEPS));
    const state = await bed.state();
    expect(
      Object.entries(state.steps)
        .map(([id, s]: [string, any]) => [id, s.status])
        .sort(),
    ).toEqual(sorted(ALL_STEPS).map((id) => [id, 'verified']));
    expectUntouched(before, await bed.objects());
    // Without its record kubestrap cannot know the releases are current: helm records one more
    // revision each, with the same manifest (no object written, as checked above).
    const releasesAfter = await bed.releases();
    expect(releasesAfter.map((x) => [x.name, x.status, Number(x.revision)])).toEqual(
      releasesBefore.map((x) => [x.name, 'deployed', Number(x.revision) + 1]),
    );
    await settled(stateBefore, started(r));
    await noLeaks();
    timed('9 state ConfigMap deleted');
  });

  it('10. a check that flaps (a second default StorageClass, briefly): looked at again, nothing re-applied', async () => {
    testStart = Date.now();
    const stateBefore = await bed.state();
    const before = await bed.objects();
    const flapper = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'flapper', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/no-provisioner',
    };
    // The preflight refuses two default classes outright, so the second one appears after it: the
    // run is held at taking its lease (the first `kubectl create` of a run), the class added, the run
    // released; the storage step's check then sees two defaults, and the class goes once the run
    // announces its second look.
    const hold = new Hold('kubectl', env.kubectl, ['create', '--filename']);
    // Where kubestrap's in-process API client can talk to the cluster, the lease, state and checks
    // spawn no kubectl at all, so no process marks the moment after the preflight. A kubeconfig that
    // client leaves to kubectl (a cluster setting it does not implement: disable-compression) runs
    // this fault the kubectl way, as on any such cluster: the lease's `kubectl create` is the hold.
    const kubeconfig = path.join(bed.work, 'kubeconfig-kubectl-only');
    const doc = parse(readFileSync(env.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
    for (const c of doc.clusters) c.cluster['disable-compression'] = true;
    writeFileSync(kubeconfig, stringify(doc), { mode: 0o600 });
    let run: Running | undefined;
    try {
      run = bed.start('fault 10: up with a flapping check', [], { ...hold.env, KUBECONFIG: kubeconfig });
      const leasePid = await run.until('kubectl create of the run lease held at its start (after the preflight)', () => hold.held());
      await execa(env.kubectl, ['--context', env.context, 'apply', '-f', '-'], { input: JSON.stringify(flapper), env: bed.childEnv });
      hold.release(leasePid);
      await run.event(
        'the re-check announced',
        (e) => e.event === 'log' && /step storage is unchanged but 1 check\(s\) failed .*checking again/.test(e.message),
      );
    } catch (error) {
      stopRun(run);
      throw error;
    } finally {
      await bed.kubectl('delete', 'storageclass', 'flapper', '--ignore-not-found');
      hold.dispose();
    }
    const r = await run!.done;
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(logs(r)).toContain('step storage: passed on the second look (a flapping check, not drift): exactly one default StorageClass');
    expect(started(r)).toEqual([]);
    expectUntouched(before, await bed.objects());
    // Text mode on a terminal (listr2), the one output mode not seen yet.
    const onTerminal = bed.upOnTerminal('fault 10: steady on a terminal');
    expect(onTerminal.exitCode).toBe(0);
    await settled(stateBefore, started(r));
    await noLeaks();
    timed('10 flapping check');
  });

  it('down after the faults removes everything kubestrap applied', async () => {
    testStart = Date.now();
    // down waits for namespaces to terminate within the verification timeout; the 40 s the faults
    // use is short for that on a loaded machine.
    bed.writeConfig((s) => (s.verification.timeout = '90s'));
    const r = await bed.cli('down', await downArgs());
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(await bed.releases()).toEqual([]);
    expect(await bed.kubectl('get', 'namespace', 'kubestrap-system', '--ignore-not-found', '--output', 'name')).toBe('');
    await noLeaks();
    timed('down');
  });

  it('every line kubestrap printed with --output json, in every run above (killed, failed, refused, down), is a run event of the published schema', () => {
    testStart = Date.now();
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /T.*Z$/.test(s) });
    const validate = ajv.compile(runEventSchema);
    const bad: string[] = [];
    const seen = new Map<string, number>();
    for (const { label, text } of bed.ndjson) {
      for (const line of text.split('\n').filter(Boolean)) {
        let event: any;
        try {
          event = JSON.parse(line);
        } catch {
          bad.push(`${label}: not JSON: ${line.slice(0, 200)}`);
          continue;
        }
        if (!validate(event)) bad.push(`${label}: ${line.slice(0, 200)}\n  ${ajv.errorsText(validate.errors)}`);
        seen.set(event.event, (seen.get(event.event) ?? 0) + 1);
      }
    }
    expect(bad).toEqual([]);
    // The runs above emitted every kind of event, so each branch of the schema met real output.
    expect([...seen.keys()].sort()).toEqual([
      'check.result',
      'log',
      'phase.end',
      'phase.start',
      'run.end',
      'run.start',
      'step.fail',
      'step.ok',
      'step.progress',
      'step.skip',
      'step.start',
    ]);
    timed(`event schema: ${[...seen.values()].reduce((a, b) => a + b, 0)} events from ${bed.ndjson.length} runs`);
  });
});
