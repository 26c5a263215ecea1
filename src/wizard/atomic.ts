/** Several files written at once for `init`, each atomically (src/util/atomic-write.ts). */
import { writeFileAtomic } from '../util/atomic-write.js';

export { writeFileAtomic };

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
