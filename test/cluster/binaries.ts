// Makes sure the pinned binaries are in the cache, building them with build-binaries.sh on a miss.
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { binaryPaths, cacheDir, cacheEntries, clusterSrcDir, type BinaryPaths } from './config.ts';
import { ClusterError, log } from './errors.ts';

export function missingEntries(): string[] {
  return cacheEntries().filter((entry) => !existsSync(join(entry, '.complete')));
}

export async function ensureBinaries(): Promise<BinaryPaths> {
  const missing = missingEntries();
  if (missing.length > 0) {
    log(
      `binary cache miss (${missing.join(', ')}): building with build-binaries.sh (about 10-15 minutes on 2 cores from an empty Go build cache, more when Go modules must be downloaded)`,
    );
    const script = join(clusterSrcDir, 'build-binaries.sh');
    try {
      // The build log goes straight to our stderr; stdout carries only the cache dir.
      await execa(script, [], {
        stdin: 'ignore',
        stdout: 'pipe',
        stderr: 'inherit',
        env: { KUBESTRAP_TEST_CACHE: cacheDir() },
      });
    } catch (err) {
      const e = err as { exitCode?: number; shortMessage?: string };
      throw new ClusterError(
        `building the test cluster binaries failed (${script} exited ${e.exitCode ?? '?'}); the build output above names the failing Go module`,
      );
    }
    const still = missingEntries();
    if (still.length > 0) throw new ClusterError(`build-binaries.sh finished but these cache entries are incomplete: ${still.join(', ')}`);
  }
  const bins = binaryPaths();
  for (const [name, path] of Object.entries(bins)) {
    if (name !== 'binDir' && !existsSync(path))
      throw new ClusterError(`binary ${name} is missing at ${path}; delete its cache entry and rerun`);
  }
  linkBinDir(bins);
  return bins;
}

/** A directory with only kubectl and helm in it, so PATH does not pick up the control plane binaries. */
export function linkBinDir(bins: BinaryPaths = binaryPaths()): string {
  mkdirSync(bins.binDir, { recursive: true });
  for (const [name, target] of [
    ['kubectl', bins.kubectl],
    ['helm', bins.helm],
  ] as const) {
    const link = join(bins.binDir, name);
    rmSync(link, { force: true });
    symlinkSync(target, link);
  }
  return bins.binDir;
}
