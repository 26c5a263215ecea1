// Deterministic fault injection: the moments a fault must hit are held, never waited for with a
// sleep. The real kubectl or helm is stopped at its start (hold.sh, a pass-through in front of the
// real binary; every command still runs the real program), and the test cluster's kube-apiserver
// is frozen with SIGSTOP, so a command the test releases is connected to the server and cannot
// finish until the test lets it. Idle or loaded machine, the fault lands at the same point.
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readState } from '../../cluster/cluster.ts';
import { statePaths } from '../../cluster/config.ts';

const script = path.join(import.meta.dirname, 'hold.sh');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Process state letter from /proc/<pid>/stat (R, S, T, Z, ...), or undefined when gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function exe(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** Whether the process has an established TCP connection to 127.0.0.1:<port> (its fds matched against /proc/net/tcp{,6}). */
export function connectedTo(pid: number, port: number): boolean {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          return m ? [m[1]!] : [];
        } catch {
          return [];
        }
      }),
    );
  } catch {
    return false;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      // f[2] remote address:port, f[3] state (01 = ESTABLISHED), f[9] inode
      if (f.length > 9 && f[2]!.endsWith(`:${hexPort}`) && f[3] === '01' && inodes.has(f[9]!)) return true;
    }
  }
  return false;
}

/** The first real kubectl or helm invocation of a run whose arguments hold every word, stopped at its start. */
export class Hold {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-hold-'));
  private readonly realExe: string;

  constructor(
    readonly tool: 'kubectl' | 'helm',
    private readonly real: string,
    readonly words: string[],
  ) {
    chmodSync(script, 0o755);
    this.realExe = realpathSync(real);
  }

  /** Environment for the kubestrap run: its kubectl or helm goes through hold.sh. */
  get env(): Record<string, string> {
    return {
      [`KUBESTRAP_${this.tool.toUpperCase()}`]: script,
      KUBESTRAP_TEST_HOLD_REAL: this.real,
      KUBESTRAP_TEST_HOLD_MATCH: this.words.join(' '),
      KUBESTRAP_TEST_HOLD_DIR: this.dir,
    };
  }

  /** The pid of the held invocation once it has stopped itself; undefined before. */
  held(): number | undefined {
    const file = path.join(this.dir, 'held');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return procState(pid) === 'T' ? pid : undefined;
  }

  /** SIGCONT: the held invocation becomes the real program (same pid). */
  release(pid: number): void {
    process.kill(pid, 'SIGCONT');
  }

  /** After release: true once the pid runs the real binary and is connected to the API server. */
  talking(pid: number, apiserverPort: number): boolean {
    return exe(pid) === this.realExe && connectedTo(pid, apiserverPort);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The test cluster's kube-apiserver: its pid and port from the cluster's state.json. */
export function apiserverOf(stateDir: string): { pid: number; port: number } {
  const state = readState(statePaths(stateDir));
  const rec = state?.processes.find((p) => p.name === 'kube-apiserver');
  if (!state || !rec) throw new Error(`no kube-apiserver recorded in ${stateDir}/state.json`);
  return { pid: rec.pid, port: state.ports.apiserver };
}

/**
 * Runs `body` with the kube-apiserver stopped by SIGSTOP (requests to it wait, connections are
 * still accepted by the kernel) and always sends SIGCONT afterwards, unless body replaced the
 * process (a restart records a new pid).
 */
export async function withApiserverFrozen<T>(stateDir: string, body: (api: { pid: number; port: number }) => Promise<T>): Promise<T> {
  const api = apiserverOf(stateDir);
  process.kill(api.pid, 'SIGSTOP');
  try {
    return await body(api);
  } finally {
    if (procState(api.pid) === 'T') process.kill(api.pid, 'SIGCONT');
  }
}

/** Polls (1 ms) until `ok()`; throws with `what` after timeoutMs. */
export async function waitFor(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000}s`);
    await sleep(1);
  }
}
