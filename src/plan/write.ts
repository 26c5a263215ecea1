import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plan } from './plan.js';

/**
 * Writes every artifact of the plan into outDir atomically: into a sibling temporary directory
 * first, then swapped in, so a failure never leaves a half-written plan behind.
 */
export async function writePlanArtifacts(plan: Plan): Promise<string[]> {
  const outDir = path.resolve(plan.outDir);
  const tmp = `${outDir}.tmp-${process.pid}`;
  const written: string[] = [];
  await rm(tmp, { recursive: true, force: true });
  try {
    for (const phase of plan.phases) {
      for (const step of phase.steps) {
        for (const artifact of step.rendered.artifacts) {
          const file = path.join(tmp, artifact.path);
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, artifact.content, { mode: 0o644 });
          written.push(path.join(plan.outDir, artifact.path));
        }
      }
    }
    await mkdir(tmp, { recursive: true });
    const old = `${outDir}.old-${process.pid}`;
    await rm(old, { recursive: true, force: true });
    await rename(outDir, old).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await rename(tmp, outDir);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return written;
}
