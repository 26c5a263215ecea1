/**
 * Atomic file writes: the content goes to a temporary file in the same directory, then a rename
 * puts it in place, so a reader (or an interrupted run) never sees half a file.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
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
