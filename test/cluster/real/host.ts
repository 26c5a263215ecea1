// What a real kind cluster changes on the host, recorded before the tier starts and put back after:
// - sysctls: the kubelet in a privileged node container writes global ones (vm.overcommit_memory,
//   kernel.panic, kernel.panic_on_oops, kernel.keys.root_maxkeys/maxbytes); left at kind's values a
//   later kernel oops panics the machine;
// - nftables tables that dockerd creates (ip nat, ip filter, ...);
// - network links: docker0 and the br-<id> bridge of kind's network;
// - /lib/modules, which kind bind-mounts into its nodes and so creates when it is missing.
import { existsSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/** The sysctls restored by `down --real` (those kubelet, kube-proxy, kindnetd or dockerd may set). */
export const WATCHED_SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'kernel.keys.maxkeys',
  'kernel.keys.maxbytes',
  'net.ipv4.ip_forward',
  'net.ipv4.conf.all.forwarding',
  'net.ipv4.conf.all.route_localnet',
  'net.ipv6.conf.all.forwarding',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_tcp_timeout_established',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
  'fs.inotify.max_user_watches',
  'fs.inotify.max_user_instances',
  'kernel.pid_max',
] as const;

export interface HostSnapshot {
  takenAt: string;
  /** null: the sysctl does not exist (yet) on this kernel. */
  sysctls: Record<string, string | null>;
  /** "family name" -> `nft list table` output; null when nft is not installed. */
  nftTables: Record<string, string> | null;
  links: string[];
  /** Which of RUNTIME_PATHS existed. */
  paths: Record<string, boolean>;
}

/**
 * Paths the tier may create: kind's mount point /lib/modules (removed only while empty), and
 * dockerd's runtime state under /var/run (exec root, socket, pid file).
 */
export const RUNTIME_PATHS = ['/lib/modules', '/var/run/docker', '/var/run/docker.sock', '/var/run/docker.pid'] as const;

/** The `docker` cgroup parents dockerd (cgroupfs driver) makes in every hierarchy. */
function cgroupParents(): string[] {
  const out = ['/sys/fs/cgroup/docker'];
  try {
    for (const d of readdirSync('/sys/fs/cgroup')) {
      try {
        if (statSync(`/sys/fs/cgroup/${d}`).isDirectory() && d !== 'docker') out.push(`/sys/fs/cgroup/${d}/docker`);
      } catch {
        // not a directory
      }
    }
  } catch {
    // no cgroup file system
  }
  return out;
}

const watchedPaths = () => [...RUNTIME_PATHS, ...cgroupParents()];

/** Unmounts (lazily) everything mounted at or below `dir`, deepest first; returns the mount points. */
export async function unmountUnder(dir: string): Promise<string[]> {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return [];
  }
  const points = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === real || m.startsWith(`${real}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of points) await execa('umount', ['-l', m], { reject: false });
  return points;
}

/** rmdir of a cgroup directory tree, children first (cgroup files cannot be deleted, only the directories). */
function rmdirTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirTree(`${dir}/${e.name}`);
  rmdirSync(dir);
}

const sysctlPath = (key: string) => join('/proc/sys', ...key.split('.'));

function readSysctl(key: string): string | null {
  try {
    return readFileSync(sysctlPath(key), 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return null;
  }
}

async function nftTables(): Promise<Record<string, string> | null> {
  const list = await execa('nft', ['list', 'tables'], { reject: false });
  if (list.exitCode !== 0) return null;
  const tables: Record<string, string> = {};
  for (const line of list.stdout.split('\n')) {
    const m = /^table (\S+) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const id = `${m[1]} ${m[2]}`;
    const t = await execa('nft', ['list', 'table', m[1]!, m[2]!], { reject: false });
    tables[id] = t.stdout;
  }
  return tables;
}

function links(): string[] {
  try {
    return readdirSync('/sys/class/net').sort();
  } catch {
    return [];
  }
}

export async function snapshotHost(): Promise<HostSnapshot> {
  const sysctls: Record<string, string | null> = {};
  for (const key of WATCHED_SYSCTLS) sysctls[key] = readSysctl(key);
  const paths: Record<string, boolean> = {};
  for (const p of watchedPaths()) paths[p] = existsSync(p);
  return { takenAt: new Date().toISOString(), sysctls, nftTables: await nftTables(), links: links(), paths };
}

/** Human-readable differences between two snapshots (empty: the host is as it was). */
export function diffHost(before: HostSnapshot, after: HostSnapshot): string[] {
  const out: string[] = [];
  for (const [key, was] of Object.entries(before.sysctls)) {
    // A sysctl that appeared (e.g. a netfilter module loaded on first use) cannot be unloaded; it
    // is only a difference when it existed before and now differs.
    const now = after.sysctls[key] ?? null;
    if (was !== null && now !== was) out.push(`sysctl ${key} was ${was}, is ${now}`);
  }
  if (before.nftTables && after.nftTables) {
    for (const id of Object.keys(after.nftTables)) if (!(id in before.nftTables)) out.push(`nft table ${id} was added`);
    for (const [id, text] of Object.entries(before.nftTables)) {
      if (!(id in after.nftTables)) out.push(`nft table ${id} was removed`);
      else if (after.nftTables[id] !== text) out.push(`nft table ${id} changed`);
    }
  }
  for (const l of after.links) if (!before.links.includes(l)) out.push(`network link ${l} was added`);
  for (const l of before.links) if (!after.links.includes(l)) out.push(`network link ${l} was removed`);
  for (const [p, was] of Object.entries(before.paths ?? {})) {
    if (was !== (after.paths[p] ?? false)) out.push(`${p} ${was ? 'was removed' : 'was created'}`);
  }
  return out;
}

/** Bridges dockerd makes: docker0 and br-<12 hex> for user networks such as kind's. */
const DOCKER_LINK = /^(docker0|br-[0-9a-f]{12})$/;

/**
 * Puts back what the tier changed. Call after dockerd has stopped. Returns what it did, one line per
 * action; what it could not undo shows up in diffHost(before, await snapshotHost()).
 */
export async function restoreHost(before: HostSnapshot): Promise<string[]> {
  const done: string[] = [];
  for (const [key, was] of Object.entries(before.sysctls)) {
    if (was === null) continue;
    const now = readSysctl(key);
    if (now === null || now === was) continue;
    try {
      writeFileSync(sysctlPath(key), `${was}\n`);
      done.push(`sysctl ${key}: ${now} -> ${was}`);
    } catch (err) {
      done.push(`sysctl ${key}: could not restore ${was} (${(err as Error).message})`);
    }
  }
  const now = await nftTables();
  if (before.nftTables && now) {
    for (const [id, text] of Object.entries(now)) {
      const [family, name] = id.split(' ') as [string, string];
      const was = before.nftTables[id];
      if (was === text) continue;
      await execa('nft', ['delete', 'table', family, name], { reject: false });
      if (was === undefined) {
        done.push(`nft table ${id} deleted`);
      } else {
        await execa('nft', ['-f', '-'], { input: was, reject: false });
        done.push(`nft table ${id} restored to its earlier rules`);
      }
    }
  }
  for (const l of links()) {
    if (before.links.includes(l) || !DOCKER_LINK.test(l)) continue;
    const r = await execa('ip', ['link', 'delete', l], { reject: false });
    done.push(r.exitCode === 0 ? `network link ${l} deleted` : `network link ${l}: ip link delete failed: ${r.stderr}`);
  }
  for (const [p, was] of Object.entries(before.paths ?? {})) {
    if (was || !existsSync(p)) continue;
    try {
      // /lib/modules only when empty: kind creates it as a mount point, nothing more.
      if (p === '/lib/modules') rmdirSync(p);
      else if (p.startsWith('/sys/fs/cgroup/')) rmdirTree(p);
      else {
        const unmounted = await unmountUnder(p); // netns bind mounts of a dockerd that was killed
        if (unmounted.length > 0) done.push(`${unmounted.length} mount(s) under ${p} unmounted`);
        rmSync(p, { recursive: true });
      }
      done.push(`${p} (created by the tier) removed`);
    } catch (err) {
      done.push(`${p}: not removed (${(err as Error).message})`);
    }
  }
  return done;
}
