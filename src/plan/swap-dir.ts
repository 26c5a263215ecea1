import { mkdir, rename, rm } from 'node:fs/promises';

/**
 * Fills a sibling temporary directory, then swaps it in for dir: a failure at any point leaves dir
 * as it was (a directory moved aside is moved back) and no temporary directory behind. The error
 * is rethrown as it came, for the caller to describe.
 */
export async function replaceDirectory(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  let movedAside = false;
  try {
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await fill(tmp);
    await rm(old, { recursive: true, force: true });
    movedAside = await rename(dir, old).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
        return false;
      },
    );
    await rename(tmp, dir);
    movedAside = false;
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (movedAside) await rename(old, dir).catch(() => undefined);
    throw error;
  }
}
