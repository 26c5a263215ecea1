// The real (kind) tier end to end, through its CLI exactly as a developer or CI runs it:
//   npm run test-cluster -- up --real   -> a Docker engine (unix socket only), kind, the node image
//   kind create cluster (1 control plane + 2 workers) with that image -> 3 Ready nodes, busybox runs
//   npm run test-cluster -- down --real -> no cluster, no dockerd/containerd left, and every host
//                                          setting (sysctls, nft tables, links) as before up.
// With KUBESTRAP_TEST_REAL_REGISTRY=1 (a machine that reaches registries) kind uses its default
// node image and busybox is pulled. Needs a host without a running real tier (it records the host
// before `up`). Cold caches: about an hour for the build; warm: a few minutes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffHost, snapshotHost, WATCHED_SYSCTLS, type HostSnapshot } from '../cluster/real/host.ts';
import { readRealState, registryMode, type RealState } from '../cluster/real/tier.ts';
import { tcpListeners } from '../cluster/real/docker.ts';
import { isAlive } from '../cluster/processes.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLUSTER = 'kubestrap-harness';

function cli(...args: string[]) {
  return execa(process.execPath, [join(repo, 'test/cluster/cli.ts'), ...args], {
    cwd: repo,
    reject: false,
    stdin: 'ignore',
    stderr: 'pipe',
    stdout: 'pipe',
    all: true,
  });
}

/** Every readable sysctl except per-interface network ones (links come and go with containers). */
function allSysctls(): Map<string, string> {
  const out = new Map<string, string>();
  const skipDir = /^net\.(ipv4|ipv6)\.(conf|neigh)\.(?!all$|default$)[^.]+$/;
  const walk = (dir: string, key: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e);
      const k = key ? `${key}.${e}` : e;
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!skipDir.test(k)) walk(path, k);
      } else if (st.mode & 0o444) {
        try {
          out.set(k, readFileSync(path, 'utf8').trim().replace(/\s+/g, ' '));
        } catch {
          // write-only or not permitted
        }
      }
    }
  };
  walk('/proc/sys', '');
  return out;
}

/** Processes of the container stack (host dockerd/containerd/shims, and kubelets inside nodes). */
const STACK = new Set([
  'dockerd',
  'containerd',
  'containerd-shim',
  'containerd-shim-runc-v2',
  'docker-proxy',
  'kubelet',
  'kube-proxy',
  'kindnetd',
]);
function stackProcesses(): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const exe = basename(readlinkSync(`/proc/${p}/exe`)).replace(/ \(deleted\)$/, '');
      if (STACK.has(exe)) out.push(`${exe}[${p}]`);
    } catch {
      // gone, or a kernel thread
    }
  }
  return out.sort();
}

function changed(before: Map<string, string>, after: Map<string, string>, ignore: Set<string>): string[] {
  const out: string[] = [];
  for (const [k, v] of before) {
    if (ignore.has(k) || !after.has(k)) continue;
    if (after.get(k) !== v) out.push(`${k}: ${v} -> ${after.get(k)}`);
  }
  return out;
}

describe('real tier: up --real, a kind cluster, down --real', () => {
  let hostBefore: HostSnapshot;
  let sysctlsBefore: Map<string, string>;
  let volatile: Set<string>;
  let processesBefore: string[];
  let socketBefore: boolean;
  let state: RealState | undefined;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let downDone = false;

  beforeAll(async () => {
    const stale = readRealState();
    if (stale?.docker && !isAlive(stale.docker.dockerd)) {
      // A tier whose dockerd was killed (e.g. a machine stopped without `down --real`): its record of
      // the host from before is the one to restore; down --real does that.
      const d = await cli('down', '--real');
      if (d.exitCode !== 0) throw new Error(`cleaning up a stale real tier failed:\n${d.all}`);
    }
    if (readRealState()) {
      throw new Error(
        'a real tier is already up (see `npm run test-cluster -- env --real`); this test records the host before `up --real`: run `npm run test-cluster -- down --real` first',
      );
    }
    tmp = mkdtempSync(join(tmpdir(), 'kubestrap-real-harness-'));
    // Sysctls that change on their own (entropy, counters) are read twice and left out.
    const a = allSysctls();
    await new Promise((r) => setTimeout(r, 1500));
    sysctlsBefore = allSysctls();
    volatile = new Set([...a.keys()].filter((k) => a.get(k) !== sysctlsBefore.get(k)));
    for (const k of sysctlsBefore.keys()) {
      // Counters and entropy: they move with any activity on the machine.
      if (
        /^(kernel\.random\.|fs\.(dentry-state|file-nr|inode-nr|inode-state|aio-nr|quota\.)|kernel\.(ns_last_pid|pty\.nr)|net\.netfilter\.nf_conntrack_count)/.test(
          k,
        )
      )
        volatile.add(k);
    }
    hostBefore = await snapshotHost();
    processesBefore = stackProcesses();
    socketBefore = existsSync('/var/run/docker.sock');
  });

  afterAll(async () => {
    // Whatever failed above, leave the machine as it was.
    if (!downDone && readRealState()) await cli('down', '--real');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('up --real readies Docker (unix socket only), kind and a node image, and prints the image tag', async () => {
    const r = await cli('up', '--real');
    expect(r.exitCode, r.all).toBe(0);
    state = readRealState();
    expect(state).toBeDefined();
    const tag = r.stdout.trim().split('\n').pop();
    if (registryMode()) {
      expect(state!.nodeImage).toBeUndefined(); // kind's own default image, pulled from the registry
    } else {
      expect(tag).toMatch(/^kubestrap-test\/node:v\d+\.\d+\.\d+-[0-9a-f]{12}$/);
      expect(state!.nodeImage).toBe(tag);
    }
    if (state!.docker) expect(tcpListeners(state!.docker.dockerd.pid)).toEqual([]);

    const e = await cli('env', '--real');
    expect(e.exitCode, e.all).toBe(0);
    if (!registryMode()) expect(e.stdout).toContain(`export KUBESTRAP_NODE_IMAGE='${tag}'`);
    expect(e.stdout).toContain(`export PATH='${state!.binDir}':"$PATH"`);
    env = { ...process.env, PATH: `${state!.binDir}:${process.env.PATH}`, KUBECONFIG: join(tmp, 'kubeconfig') };
    if (state!.docker) env.DOCKER_HOST = `unix://${state!.docker.socket}`;
    const v = await execa('kind', ['version'], { env });
    expect(v.stdout).toMatch(/^kind v0\.33\.0 /);
  });

  it('kind creates 1 control plane + 2 workers from that image; all Ready; busybox runs on a worker', async () => {
    if (!registryMode()) expect(state?.nodeImage).toBeTruthy();
    const config = join(tmp, 'kind.yaml');
    writeFileSync(
      config,
      'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n- role: worker\n',
    );
    const t0 = Date.now();
    const c = await execa(
      'kind',
      [
        'create',
        'cluster',
        '--name',
        CLUSTER,
        ...(state?.nodeImage ? ['--image', state.nodeImage] : []),
        '--config',
        config,
        '--kubeconfig',
        join(tmp, 'kubeconfig'),
        '--wait',
        '5m',
      ],
      { env, reject: false, all: true },
    );
    expect(c.exitCode, c.all).toBe(0);
    process.stderr.write(`kind create cluster (3 nodes) took ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
    const k = (...args: string[]) => execa('kubectl', args, { env, reject: false, all: true });
    const w = await k('wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=300s');
    expect(w.exitCode, w.all).toBe(0);
    const nodes = await k('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.nodeInfo.kubeletVersion}{"\\n"}{end}');
    expect(nodes.stdout.trim().split('\n')).toHaveLength(3);
    if (!registryMode()) expect(nodes.stdout).toContain('v1.36.3');

    // While the cluster runs, the kubelets have changed host sysctls (so restoring them matters).
    const during = diffHost(hostBefore, await snapshotHost()).filter((d) => d.startsWith('sysctl '));
    process.stderr.write(`host sysctls changed while the cluster runs:\n  ${during.join('\n  ') || '(none)'}\n`);
    if (hostBefore.sysctls['kernel.panic'] !== '10') expect(during.join('\n')).toContain('kernel.panic');

    // `kind create --wait` waits for the nodes, not for CoreDNS: until its pods are ready the DNS
    // Service has no endpoints and a lookup is refused (seen once on a clean-clone CI run).
    const dns = await k('--namespace', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=180s');
    expect(dns.exitCode, dns.all).toBe(0);
    const pod = await k(
      'run',
      'hello',
      '--image=busybox:1.37.0',
      `--image-pull-policy=${registryMode() ? 'IfNotPresent' : 'Never'}`,
      '--restart=Never',
      '--overrides',
      JSON.stringify({ spec: { nodeSelector: { 'kubernetes.io/hostname': `${CLUSTER}-worker` } } }),
      '--',
      'sh',
      '-c',
      'echo hello-from-busybox && nslookup kubernetes.default.svc.cluster.local',
    );
    expect(pod.exitCode, pod.all).toBe(0);
    const done = await k('wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/hello', '--timeout=180s');
    const logs = await k('logs', 'hello');
    expect(done.exitCode, `${done.all}\n${logs.all}\n${(await k('describe', 'pod', 'hello')).all}`).toBe(0);
    expect(logs.stdout).toContain('hello-from-busybox');
    expect(logs.stdout).toMatch(/Address:\s*10\.96\.0\.1/);
  });

  it('down --real deletes the cluster, stops dockerd and containerd, and leaves the host as it was', async () => {
    const r = await cli('down', '--real');
    downDone = true;
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/deleted 1 kind cluster\(s\) \(kubestrap-harness\)/);
    expect(readRealState()).toBeUndefined();
    expect(stackProcesses()).toEqual(processesBefore);
    // By PID and start time (a stopped dockerd may linger as a zombie until its new parent reaps it).
    if (state?.docker) expect(isAlive(state.docker.dockerd)).toBe(false);
    if (state?.docker?.containerd) expect(isAlive(state.docker.containerd)).toBe(false);
    expect(existsSync('/var/run/docker.sock')).toBe(socketBefore);
    const after = await snapshotHost();
    expect(diffHost(hostBefore, after)).toEqual([]);
    for (const key of WATCHED_SYSCTLS) expect(after.sysctls[key] ?? null, key).toBe(hostBefore.sysctls[key] ?? null);
    // Not only the watched list: no readable sysctl that existed before differs now.
    expect(changed(sysctlsBefore, allSysctls(), volatile)).toEqual([]);
  });

  it('a tier whose dockerd and containerd were SIGKILLed (a killed session) is cleaned up by down --real', async (ctx) => {
    const r = await cli('up', '--real');
    expect(r.exitCode, r.all).toBe(0);
    const st = readRealState();
    if (!st?.docker) {
      ctx.skip(); // skipped: the tier uses a Docker engine it did not start, and never kills it
      return;
    }
    downDone = false;
    const c = await execa(
      'kind',
      [
        'create',
        'cluster',
        '--name',
        `${CLUSTER}-orphan`,
        ...(st.nodeImage ? ['--image', st.nodeImage] : []),
        '--kubeconfig',
        join(tmp, 'kubeconfig-orphan'),
        '--wait',
        '3m',
      ],
      { env, reject: false, all: true },
    );
    expect(c.exitCode, c.all).toBe(0);
    process.kill(st.docker.dockerd.pid, 'SIGKILL');
    if (st.docker.containerd) process.kill(st.docker.containerd.pid, 'SIGKILL');
    expect(stackProcesses().some((p) => p.startsWith('kubelet'))).toBe(true); // the node lives on without them
    const d = await cli('down', '--real');
    downDone = true;
    expect(d.exitCode, d.all).toBe(0);
    expect(d.stderr).toMatch(/killed \d+ process\(es\) of its orphaned containers/);
    expect(stackProcesses()).toEqual(processesBefore);
    expect(diffHost(hostBefore, await snapshotHost())).toEqual([]);
  });
});
