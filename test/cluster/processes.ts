// Detached child processes, recorded by PID and kernel start time so a later `down` kills exactly
// what `up` started (never by name) and never a different process that reused the PID.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ClusterError, log } from './errors.ts';

export interface ProcessRecord {
  name: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot). */
  startTime: string;
  binary: string;
  log: string;
}

function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces; fields follow the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', startTime: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The kernel start time of a running process ('' when it does not exist). */
export function startTimeOf(pid: number): string {
  return procStat(pid)?.startTime ?? '';
}

/** True when the recorded process still runs (same PID and start time, not a zombie). */
export function isAlive(rec: Pick<ProcessRecord, 'pid' | 'startTime'>): boolean {
  const st = procStat(rec.pid);
  return st !== undefined && st.startTime === rec.startTime && st.state !== 'Z' && st.state !== 'X';
}

export function startProcess(
  name: string,
  binary: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ProcessRecord {
  if (!existsSync(binary)) throw new ClusterError(`${name}: binary not found at ${binary}`);
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new ClusterError(`${name}: could not start ${binary}`);
    child.on('error', () => {}); // reported through isAlive/log tail instead
    child.unref();
    const st = procStat(child.pid);
    return { name, pid: child.pid, startTime: st?.startTime ?? '', binary, log: logFile };
  } finally {
    closeSync(fd);
  }
}

export function logTail(file: string, lines = 25): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function processFailure(rec: ProcessRecord, what: string): ClusterError {
  return new ClusterError(`${rec.name} (${basename(rec.binary)}, pid ${rec.pid}) ${what}; last lines of ${rec.log}:`, logTail(rec.log));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(recs: ProcessRecord[], timeoutMs: number): Promise<ProcessRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = recs.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = alive.filter(isAlive);
  }
  return alive;
}

function signal(rec: ProcessRecord, sig: NodeJS.Signals): void {
  if (!isAlive(rec)) return;
  try {
    process.kill(rec.pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops the recorded processes in the given order: SIGTERM, then SIGKILL after the grace period.
 * Returns the records still alive afterwards (normally none).
 */
export async function stopProcesses(recs: ProcessRecord[], graceMs = 10_000): Promise<ProcessRecord[]> {
  for (const rec of recs) {
    if (!isAlive(rec)) continue;
    signal(rec, 'SIGTERM');
    const left = await waitGone([rec], graceMs);
    if (left.length > 0) {
      log(`${rec.name} (pid ${rec.pid}) ignored SIGTERM for ${graceMs / 1000}s; sending SIGKILL`);
      signal(rec, 'SIGKILL');
    }
  }
  return waitGone(recs, 5_000);
}
