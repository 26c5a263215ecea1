// The test bed of the fault-injection suite (test/e2e/faults.test.ts): a work directory with a
// config derived from examples/test-cluster.yaml, the built CLI run as a real child process (to
// completion, or started and killed mid-run), real kubectl/helm reads of the test cluster, and
// every byte the CLI printed kept for the sentinel search (sentinel.ts).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse, stringify } from 'yaml';
import type { ClusterEnv } from '../cluster-env.ts';
import { lock } from '../../../src/lock.js';
import { chartDir } from '../../real-charts/charts.ts';

export const repo = path.resolve(import.meta.dirname, '../../..');
const bin = path.join(repo, 'bin/kubestrap.js');

export interface Run {
  label: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  events: Record<string, any>[];
  ms: number;
}

export interface Fingerprint {
  uid: string;
  /** managedFields (manager/operation/time) outside the status subresource. */
  writes: string;
}

export interface Output {
  label: string;
  text: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Direct children of a process, read from /proc (every thread's `children` file). */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** A kubestrap run started in its own process group, watched while it runs, killable at any moment. */
export class Running {
  private stdout = '';
  private stderr = '';
  private readonly started = Date.now();
  readonly done: Promise<Run>;

  constructor(
    readonly label: string,
    private readonly child: ResultPromise,
    record: (o: Output) => void,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.done = (async () => {
      const r = await child;
      record({ label: `${label} stdout`, text: this.stdout });
      record({ label: `${label} stderr`, text: this.stderr });
      return {
        label,
        exitCode: r.exitCode ?? (r.signal ? 128 : -1),
        stdout: this.stdout,
        stderr: this.stderr,
        events: parseEvents(this.stdout),
        ms: Date.now() - this.started,
      };
    })();
  }

  private parsed: { length: number; events: Record<string, any>[] } = { length: -1, events: [] };

  get events(): Record<string, any>[] {
    if (this.parsed.length !== this.stdout.length) this.parsed = { length: this.stdout.length, events: parseEvents(this.stdout) };
    return this.parsed.events;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Polls (every 5 ms) until `found` returns a value; fails when the run ends first or the time runs out. */
  async until<T>(what: string, found: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    let ended = false;
    void this.done.then(() => (ended = true));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await found();
      if (value !== undefined && value !== false) return value as T;
      if (ended)
        throw new Error(
          `${this.label}: the run ended (exit ${(await this.done).exitCode}) before ${what}\nstderr: ${this.stderr}\nlast events: ${JSON.stringify(this.events.slice(-5))}`,
        );
      if (Date.now() > deadline) throw new Error(`${this.label}: ${what} did not happen within ${timeoutMs / 1000}s`);
      await sleep(5);
    }
  }

  /** The first event matching, as soon as the run prints it. */
  event(what: string, match: (e: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>> {
    return this.until(what, () => this.events.find(match), timeoutMs);
  }

  /** A child process (kubectl, helm) of kubestrap whose argv matches, while it runs. */
  childProcess(what: string, match: (argv: string[]) => boolean, timeoutMs?: number): Promise<{ pid: number; argv: string[] }> {
    return this.until(
      what,
      () => {
        for (const pid of childrenOf(this.pid)) {
          const argv = cmdline(pid);
          if (match(argv)) return { pid, argv };
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  /** SIGKILL of the whole process group: kubestrap and the kubectl/helm it runs (a killed CI job). */
  killGroup(): void {
    process.kill(-this.pid, 'SIGKILL');
  }

  /** SIGKILL of kubestrap alone: its kubectl/helm children live on as orphans (an OOM kill). */
  killKubestrap(): void {
    process.kill(this.pid, 'SIGKILL');
  }
}

function parseEvents(stdout: string): Record<string, any>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, any>];
      } catch {
        return [];
      }
    });
}

export class FaultBed {
  readonly work = mkdtempSync(path.join(tmpdir(), 'kubestrap-faults-'));
  readonly charts = path.join(this.work, 'charts');
  readonly configFile = path.join(this.work, 'kubestrap.yaml');
  readonly planDir = path.join(this.work, '.kubestrap/apply');
  readonly outputs: Output[] = [];
  /** stdout of every run with --output json (NDJSON events), to be checked against the event schema. */
  readonly ndjson: Output[] = [];
  readonly childEnv: NodeJS.ProcessEnv;
  private readonly base = parse(readFileSync(path.join(repo, 'examples/test-cluster.yaml'), 'utf8'));
  private mutations: ((spec: any) => void)[] = [];

  constructor(readonly cluster: ClusterEnv) {
    this.childEnv = {
      ...process.env,
      KUBECONFIG: cluster.kubeconfig,
      PATH: `${cluster.binDir}:${process.env.PATH}`,
      CI: 'true',
      NO_COLOR: '1',
      // Flapping checks are looked at again after this pause (runner.ts); short, to keep the suite fast.
      KUBESTRAP_RECHECK_SECONDS: '3',
    };
    // The real upstream charts of the releases this config installs; kube-prometheus-stack is the
    // stand-in (its Grafana PVC never binds on KWOK nodes: test/charts/kube-prometheus-stack/Chart.yaml).
    for (const key of ['snapshotController', 'velero'] as const)
      cpSync(chartDir(key), path.join(this.charts, lock.charts[key].chart), { recursive: true });
    cpSync(path.join(repo, 'test/charts/kube-prometheus-stack'), path.join(this.charts, 'kube-prometheus-stack'), { recursive: true });
  }

  /**
   * examples/test-cluster.yaml made smaller (no gateway, policy engine, cert-manager, metrics-server,
   * VPA, OpenCost: the suite runs `up` some thirty times) and with every secret input kubestrap
   * takes: backup credentials (already there) and an alert receiver's webhook URL.
   */
  writeConfig(...extra: ((spec: any) => void)[]): void {
    this.mutations.push(...extra);
    const doc = structuredClone(this.base);
    doc.metadata.name = 'faults';
    const s = doc.spec;
    s.charts.localDir = this.charts;
    s.networking.gateway = 'none';
    s.security = { policyEngine: { name: 'none' }, certManager: false };
    s.monitoring.metricsServer = false;
    s.monitoring.logs = false;
    delete s.monitoring.logShipper; // only valid with logs
    s.monitoring.alertReceivers = [{ name: 'ops', type: 'webhook', secretRef: { name: 'alert-webhook', key: 'url' } }];
    s.autoscaling = { vpa: { enabled: false } };
    s.cost.opencost = false;
    // The real velero chart needs ~20 s to roll out on a loaded 2-core machine.
    s.verification.timeout = '40s';
    for (const m of this.mutations) m(s);
    writeFileSync(this.configFile, stringify(doc));
  }

  private record = (o: Output) => this.outputs.push(o);

  /** Runs the built CLI to completion. */
  async cli(label: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
    const started = Date.now();
    const r = await execa(process.execPath, [bin, ...args, '--config', this.configFile], {
      cwd: this.work,
      env: { ...this.childEnv, ...extraEnv },
      reject: false,
      stdin: 'ignore',
      timeout: 8 * 60_000,
    });
    this.record({ label: `${label} stdout`, text: r.stdout });
    this.record({ label: `${label} stderr`, text: r.stderr });
    // up and down print NDJSON events with --output json (status prints one JSON document).
    if (['up', 'down'].includes(args[0]!) && args.join(' ').includes('--output json')) this.ndjson.push({ label, text: r.stdout });
    return {
      label,
      exitCode: r.exitCode ?? -1,
      stdout: r.stdout,
      stderr: r.stderr,
      events: parseEvents(r.stdout),
      ms: Date.now() - started,
    };
  }

  up(label: string, ...extra: string[]): Promise<Run> {
    return this.cli(label, ['up', '--yes', '--output', 'json', ...extra]);
  }

  /** Starts `up --output json` in a process group of its own, to be killed or disturbed mid-run. */
  start(label: string, extra: string[] = [], extraEnv: Record<string, string> = {}): Running {
    const child = execa(process.execPath, [bin, 'up', '--yes', '--output', 'json', ...extra, '--config', this.configFile], {
      cwd: this.work,
      env: { ...this.childEnv, ...extraEnv },
      reject: false,
      stdin: 'ignore',
      detached: true,
      timeout: 8 * 60_000,
      buffer: false,
    });
    return new Running(label, child, (o) => {
      this.record(o);
      // A killed run may have been cut off mid-line: only whole lines count.
      if (o.label === `${label} stdout`) this.ndjson.push({ label, text: o.text.slice(0, o.text.lastIndexOf('\n') + 1) });
    });
  }

  /** `up` in text mode on a real pseudo-terminal: the listr2 renderer, as a person sees it. */
  upOnTerminal(label: string): Run {
    const started = Date.now();
    const script = {
      argv: [process.execPath, bin, 'up', '--yes', '--output', 'text', '--config', this.configFile],
      cwd: this.work,
      env: { ...this.childEnv, CI: '', TERM: 'xterm-256color' },
      timeout: 300,
      steps: [],
    };
    const out = execFileSync('python3', [path.join(repo, 'test/pty/drive.py')], {
      input: JSON.stringify(script),
      encoding: 'utf8',
      timeout: 320_000,
    });
    const r = JSON.parse(out) as { exitCode: number; screen: string };
    this.record({ label: `${label} terminal`, text: r.screen });
    return { label, exitCode: r.exitCode, stdout: r.screen, stderr: '', events: [], ms: Date.now() - started };
  }

  /** A `kubectl get --watch` running in the background; lines() is everything it printed so far. */
  watch(...args: string[]): { lines: () => string[]; stop: () => void } {
    const child = execa(this.cluster.kubectl, ['--context', this.cluster.context, 'get', '--watch', ...args], {
      env: this.childEnv,
      reject: false,
      buffer: false,
      stdin: 'ignore',
    });
    let text = '';
    child.stdout!.on('data', (c: Buffer) => (text += c.toString('utf8')));
    return { lines: () => text.split('\n').filter(Boolean), stop: () => child.kill('SIGKILL') };
  }

  async kubectl(...args: string[]): Promise<string> {
    const r = await execa(this.cluster.kubectl, ['--context', this.cluster.context, ...args], { env: this.childEnv, timeout: 120_000 });
    return r.stdout;
  }

  async kubectlJson<T = any>(...args: string[]): Promise<T> {
    return JSON.parse(await this.kubectl(...args, '--output', 'json')) as T;
  }

  async helm(...args: string[]): Promise<string> {
    const r = await execa(this.cluster.helm, [...args, '--kube-context', this.cluster.context], { env: this.childEnv, timeout: 300_000 });
    return r.stdout;
  }

  async history(release: string, namespace: string): Promise<{ revision: number; status: string; description: string }[]> {
    const r = await execa(
      this.cluster.helm,
      ['history', release, '--namespace', namespace, '--output', 'json', '--kube-context', this.cluster.context],
      { env: this.childEnv, reject: false },
    );
    return r.exitCode === 0 ? JSON.parse(r.stdout) : [];
  }

  async releases(): Promise<{ name: string; namespace: string; status: string; revision: string }[]> {
    return JSON.parse(await this.helm('list', '--all-namespaces', '--output', 'json'));
  }

  async state(): Promise<any> {
    const text = await this.kubectl(
      '--namespace',
      'kubestrap-system',
      'get',
      'configmap',
      'kubestrap-state',
      '--output',
      'jsonpath={.data.state\\.json}',
      '--ignore-not-found',
    );
    return text ? JSON.parse(text) : undefined;
  }

  async lease(): Promise<any> {
    const text = await this.kubectl(
      '--namespace',
      'kubestrap-system',
      'get',
      'lease',
      'kubestrap-run',
      '--output',
      'json',
      '--ignore-not-found',
    );
    return text ? JSON.parse(text) : undefined;
  }

  /**
   * What "nothing applied twice" is measured on, for every object kubestrap applied (from its state
   * record) and every object in the manifests of its helm releases: the uid (not deleted and
   * created again), and the managedFields entries of everything but the status subresource, with
   * their times (kubestrap's server-side apply and helm leave them alone when they change nothing;
   * controllers that only write status, e.g. the HPA controller, do not count).
   */
  async objects(): Promise<Map<string, Fingerprint>> {
    const refs = new Set<string>();
    const state = await this.state();
    const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
    for (const step of Object.values<any>(state?.steps ?? {})) {
      for (const unit of step.applied ?? []) {
        if (unit.type === 'objects')
          for (const r of unit.refs) refs.add(`${r.kind}.${groupOf(r.apiVersion)}|${r.namespace ?? ''}|${r.name}`);
      }
    }
    const releases = await this.releases();
    const manifests = await Promise.all(releases.map((rel) => this.helm('get', 'manifest', rel.name, '--namespace', rel.namespace)));
    for (const [i, rel] of releases.entries()) {
      const manifest = manifests[i]!;
      for (const doc of manifest.split(/^---$/m)) {
        const o = parse(doc) as any;
        if (!o?.kind || !o.metadata?.name) continue;
        refs.add(`${o.kind}.${groupOf(String(o.apiVersion))}|${o.metadata.namespace ?? '?'}:${rel.namespace}|${o.metadata.name}`);
      }
    }
    const kinds = [...new Set([...refs].map((r) => r.split('|')[0]!.replace(/\.$/, '')))];
    const list = async (types: string[]): Promise<any[]> => {
      const r = await execa(
        this.cluster.kubectl,
        ['--context', this.cluster.context, 'get', types.join(','), '--all-namespaces', '--output', 'json'],
        { env: this.childEnv, reject: false },
      );
      if (r.exitCode === 0) return JSON.parse(r.stdout).items;
      // A type whose CRD is gone fails the whole list: then one type at a time, skipping those.
      if (types.length > 1) return (await Promise.all(types.map((t) => list([t])))).flat();
      return [];
    };
    const live = new Map<string, any>();
    for (const o of kinds.length ? await list(kinds) : [])
      live.set(`${o.kind}.${groupOf(o.apiVersion)}|${o.metadata.namespace ?? ''}|${o.metadata.name}`, o);
    const out = new Map<string, Fingerprint>();
    for (const ref of [...refs].sort()) {
      const [kind, ns, name] = ref.split('|') as [string, string, string];
      // A helm manifest object without a namespace is in the release's namespace, unless cluster-scoped.
      const candidates = ns.includes(':') ? [ns.split(':')[0] === '?' ? ns.split(':')[1]! : ns.split(':')[0]!, ''] : [ns];
      const key = candidates.map((c) => `${kind}|${c}|${name}`).find((k) => live.has(k));
      if (!key) continue;
      const o = live.get(key);
      const fields = (o.metadata.managedFields ?? [])
        .filter((f: any) => !f.subresource)
        .map((f: any) => `${f.manager}/${f.operation}/${f.time}`)
        .sort();
      out.set(key, { uid: o.metadata.uid, writes: fields.join(' ') });
    }
    return out;
  }

  files(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      const st = statSync(p);
      return st.isDirectory() ? this.files(p) : [p];
    });
  }

  /** Plan directory contents, path → text, for before/after comparisons. */
  planFiles(dir = this.planDir): Record<string, string> {
    return Object.fromEntries(this.files(dir).map((f) => [path.relative(dir, f), readFileSync(f, 'utf8')]));
  }
}

export const ofType = (r: { events: Record<string, any>[] }, t: string) => r.events.filter((e) => e.event === t);
export const started = (r: Run) => ofType(r, 'step.start').map((e) => e.step as string);
export const logs = (r: Run) =>
  ofType(r, 'log')
    .map((e) => e.message as string)
    .join('\n');
