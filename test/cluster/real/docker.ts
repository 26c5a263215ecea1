// The Docker engine of the real tier: use a running one, or (Debian/Ubuntu, root) install and start
// one ourselves, recorded by PID so `down --real` stops exactly that one.
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { ClusterError, log } from '../errors.ts';
import { isAlive, logTail, startProcess, startTimeOf, type ProcessRecord } from '../processes.ts';
import type { RealPaths } from './paths.ts';

export const DOCKER_SOCKET = '/var/run/docker.sock';
/** What the tier needs from Debian besides Docker itself (see build-real.sh). */
export const DEBIAN_PACKAGES = ['docker.io', 'iptables', 'debootstrap', 'containernetworking-plugins', 'nftables', 'jq'];
/** The pid file of the containerd that dockerd 20.10 starts and manages itself. */
const MANAGED_CONTAINERD_PID = '/var/run/docker/containerd/containerd.pid';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server version when a Docker engine answers on DOCKER_HOST (or the default socket). */
export async function dockerServerVersion(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { env, reject: false, timeout: 15_000 });
  return r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

function osRelease(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
    }
  } catch {
    // not Linux, or no os-release
  }
  return out;
}

export function isDebianRoot(): boolean {
  const os = osRelease();
  const family = `${os.ID ?? ''} ${os.ID_LIKE ?? ''}`;
  return process.getuid?.() === 0 && /\b(debian|ubuntu)\b/.test(family);
}

async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const p of DEBIAN_PACKAGES) {
    const r = await execa('dpkg-query', ['-W', '-f', '${Status}', p], { reject: false });
    if (!r.stdout.includes('install ok installed')) missing.push(p);
  }
  return missing;
}

/** apt-get install of whatever is missing; returns the seconds it took (0: nothing to do). */
export async function installPackages(): Promise<number> {
  const missing = await missingPackages();
  if (missing.length === 0) return 0;
  const t0 = Date.now();
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
    const r = await execa('apt-get', args, { env, reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0)
      throw new ClusterError(`apt-get ${args[0]} failed (exit ${r.exitCode})`, r.stderr.split('\n').slice(-15).join('\n'));
  }
  return (Date.now() - t0) / 1000;
}

/** Bit 24 of the bounding set: without it every privileged container fails to apply its caps. */
function lacksSysResource(): boolean {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? (BigInt(`0x${m[1]}`) & (1n << 24n)) === 0n : false;
}

/**
 * A runc that drops CAP_SYS_RESOURCE from the OCI spec before running the real one (the bundle's
 * config.json for create/run, the --process file for exec): the kernel refuses to grant a capability
 * outside the bounding set, and privileged containers (kind's nodes) ask for all of them.
 * (KUBESTRAP_REAL_RUNC replaces /usr/sbin/runc in unit tests.)
 */
export function writeRuntimeWrapper(file: string): void {
  writeFileSync(
    file,
    `#!/bin/bash
# Written by kubestrap's test harness (test/cluster/real/docker.ts); removed by down --real.
strip() {
  [ -f "$1" ] || return 0
  jq 'walk(if type == "array" then map(select(. != "CAP_SYS_RESOURCE")) else . end)' "$1" > "$1.nosysres" && mv "$1.nosysres" "$1"
}
bundle=. process= verb=
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in
    --bundle|-b) bundle=\${args[i+1]} ;;
    --bundle=*) bundle=\${args[i]#--bundle=} ;;
    --process|-p) process=\${args[i+1]} ;;
    --process=*) process=\${args[i]#--process=} ;;
    create|run|exec) [ -z "$verb" ] && verb=\${args[i]} ;;
  esac
done
case "$verb" in
  create|run) strip "$bundle/config.json" ;;
  exec) [ -n "$process" ] && strip "$process" ;;
esac
exec "\${KUBESTRAP_REAL_RUNC:-/usr/sbin/runc}" "$@"
`,
  );
  chmodSync(file, 0o755);
}

export interface DockerRecord {
  dockerd: ProcessRecord;
  containerd?: ProcessRecord;
  socket: string;
  dataRoot: string;
  runtimeWrapper?: string;
}

/** TCP ports a process listens on (from /proc: its socket inodes in /proc/net/tcp{,6}, state 0A). */
export function tcpListeners(pid: number): string[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // fd closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && f[9] && inodes.has(f[9])) out.push(f[1]!);
    }
  }
  return out;
}

/** Starts dockerd (unix socket only, no IP forwarding or masquerading) and waits for it to answer. */
export async function startDockerd(paths: RealPaths): Promise<DockerRecord> {
  if (!existsSync('/usr/sbin/dockerd')) throw new ClusterError('/usr/sbin/dockerd is missing after installing docker.io');
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.dockerDataRoot, { recursive: true });
  const args = [
    `--host=unix://${DOCKER_SOCKET}`,
    `--data-root=${paths.dockerDataRoot}`,
    `--pidfile=${paths.dockerPidFile}`,
    // Kind's nodes share one bridge: no routing or NAT through the host is needed.
    '--ip-forward=false',
    '--ip-masq=false',
  ];
  let runtimeWrapper: string | undefined;
  if (lacksSysResource()) {
    runtimeWrapper = paths.runtimeWrapper;
    writeRuntimeWrapper(runtimeWrapper);
    args.push(`--add-runtime=nosysres=${runtimeWrapper}`, '--default-runtime=nosysres');
  }
  log(`starting dockerd (data root ${paths.dockerDataRoot}, log ${paths.dockerLog})`);
  const env = { ...process.env };
  delete env.DOCKER_HOST;
  const dockerd = startProcess('dockerd', '/usr/sbin/dockerd', args, paths.dockerLog, env);
  const record: DockerRecord = { dockerd, socket: DOCKER_SOCKET, dataRoot: paths.dockerDataRoot, runtimeWrapper };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (!isAlive(dockerd))
      throw new ClusterError(
        `dockerd (pid ${dockerd.pid}) exited while starting; last lines of ${paths.dockerLog}:`,
        logTail(paths.dockerLog),
      );
    if (await dockerServerVersion({ ...env, DOCKER_HOST: `unix://${DOCKER_SOCKET}` })) break;
    if (Date.now() > deadline)
      throw new ClusterError(
        `dockerd (pid ${dockerd.pid}) did not answer within 90s; last lines of ${paths.dockerLog}:`,
        logTail(paths.dockerLog),
      );
    await sleep(500);
  }
  record.containerd = managedContainerd();
  const tcp = tcpListeners(dockerd.pid);
  if (tcp.length > 0) throw new ClusterError(`dockerd listens on TCP (${tcp.join(', ')}); the tier allows its unix socket only`);
  return record;
}

function managedContainerd(): ProcessRecord | undefined {
  try {
    const pid = Number(readFileSync(MANAGED_CONTAINERD_PID, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const startTime = startTimeOf(pid);
    if (!startTime) return undefined;
    return { name: 'containerd', pid, startTime, binary: '/usr/bin/containerd', log: '(dockerd log)' };
  } catch {
    return undefined;
  }
}

/** Reads every cgroup.procs below a directory (cgroup v1 controller tree or v2 unified tree). */
function cgroupProcs(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(`${d}/${e.name}`);
      else if (e.name === 'cgroup.procs') {
        try {
          for (const l of readFileSync(`${d}/${e.name}`, 'utf8').split('\n')) if (/^\d+$/.test(l)) pids.push(Number(l));
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  walk(dir);
  return pids;
}

/**
 * After the tier's dockerd died without `down --real` (a killed session), its containers may still
 * run: they live in dockerd's cgroup tree (`docker/<id>`, cgroupfs driver), not in the process tree
 * that was killed, and their shims talk to the dead dockerd's containerd socket. SIGKILLs exactly
 * those: the shims started for that socket and every process in the `docker` cgroups. Returns the
 * number of processes signalled.
 */
export async function killOrphanedContainers(): Promise<number> {
  const targets = new Set<number>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (/containerd-shim/.test(argv[0] ?? '') && argv.includes('moby') && argv.includes('/var/run/docker/containerd/containerd.sock'))
        targets.add(Number(p));
    } catch {
      // gone
    }
  }
  const roots = ['/sys/fs/cgroup/pids/docker', '/sys/fs/cgroup/memory/docker', '/sys/fs/cgroup/docker'];
  for (let round = 0; round < 20; round++) {
    for (const r of roots) for (const pid of cgroupProcs(r)) targets.add(pid);
    const alive = [...targets].filter((pid) => existsSync(`/proc/${pid}`));
    if (alive.length === 0) break;
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await sleep(250);
  }
  return targets.size;
}
