/**
 * Atomic file writes: the content goes to a temporary file in the same directory, then a rename
 * puts it in place, so a reader (or an interrupted run) never sees half a file.
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
    const exists = await stat(d).then(() => true, (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)));
    if (exists || path.dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) {
    await mkdir(d).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  }
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await ensureDir(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temp, content, { encoding: 'utf8', flag: 'wx', mode: 0o644 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes several files, each atomically. On SIGINT while writing, the temporary files are removed
 * by writeFileAtomic's cleanup and the signal is re-delivered once the writes settle.
 */
export async function writeAllAtomic(files: { path: string; content: string }[]): Promise<void> {
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    for (const f of files) {
      if (interrupted) break;
      await writeFileAtomic(f.path, f.content);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (interrupted) {
    const { InterruptedError } = await import('../errors.js');
    throw new InterruptedError('Interrupted while writing; files already written are complete, the rest were not written.');
  }
}
