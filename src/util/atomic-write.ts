/**
 * Atomic file writes: the content goes to a temporary file in the same directory, then a rename
 * puts it in place, so a reader (or an interrupted run) never sees half a file. The one way
 * kubestrap writes a file that must never be seen half-written (config, identity record, keys).
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * mkdir -p, one directory at a time. Node's recursive mkdir never returns under /proc or /sys (it
 * retries ENOENT/EEXIST forever), so the missing parts are created here and the first error ends it.
 */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const exists = await stat(d).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
    );
    if (exists || path.dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) {
    await mkdir(d).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  }
}

/** Writes `content` to `file` atomically; `mode` is the new file's permission bits (0644 unless given). */
export async function writeFileAtomic(file: string, content: string, options: { mode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  await ensureDir(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temp, content, { encoding: 'utf8', flag: 'wx', mode: options.mode ?? 0o644 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
