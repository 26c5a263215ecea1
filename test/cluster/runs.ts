// Per-run clusters for the e2e global setup. Several vitest runs may share this machine (and the
// checkout); each gets its own state directory <cache>/e2e-run-<pid>, owned by the vitest process.
// A run that died without its teardown leaves an owner that is no longer alive: the next run's
// setup stops that cluster (by its recorded PIDs) and removes it.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { down } from './cluster.ts';
import { cacheDir } from './config.ts';
import { log } from './errors.ts';
import { isAlive, startTimeOf } from './processes.ts';

const PREFIX = 'e2e-run-';
const OWNER = 'owner.json';

export function runDir(pid = process.pid): string {
  return join(cacheDir(), `${PREFIX}${pid}`);
}

/** Marks `dir` as owned by this process. */
export function claimRun(dir: string): void {
  writeFileSync(join(dir, OWNER), JSON.stringify({ pid: process.pid, startTime: startTimeOf(process.pid) }));
}

/** Lets a run's cluster outlive its owner (KUBESTRAP_TEST_KEEP_CLUSTER=1): the sweep skips it. */
export function releaseRun(dir: string): void {
  rmSync(join(dir, OWNER), { force: true });
}

/** Stops and removes the clusters of e2e runs whose owner process is gone. */
export async function sweepOrphanRuns(): Promise<string[]> {
  const swept: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(cacheDir()).filter((e) => e.startsWith(PREFIX));
  } catch {
    return swept;
  }
  for (const entry of entries) {
    const dir = join(cacheDir(), entry);
    const ownerFile = join(dir, OWNER);
    if (!existsSync(ownerFile)) continue; // kept on purpose, or being set up right now
    let owner: { pid: number; startTime: string };
    try {
      owner = JSON.parse(readFileSync(ownerFile, 'utf8'));
    } catch {
      continue;
    }
    if (isAlive(owner)) continue;
    log(`stopping the cluster of an e2e run that ended without teardown (${dir})`);
    await down(dir);
    swept.push(dir);
  }
  return swept;
}
