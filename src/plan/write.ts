import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KubestrapError, UsageError } from '../errors.js';
import { checkPlanOutDir, markerContent, PLAN_MARKER } from './out-dir.js';
import type { Plan } from './plan.js';
import { replaceDirectory } from './swap-dir.js';

export interface WritePlanOptions {
  /** The config file the plan was built from: its directory is never replaced. */
  configFile?: string | undefined;
}

const fsReasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'a directory is in the way',
  ENAMETOOLONG: 'the path is too long',
  EFBIG: 'a file would exceed the file size limit of this process (ulimit -f)',
  ELOOP: 'too many symbolic links',
  ENOENT: 'a part of the path does not exist',
};

function writeFailure(outDir: string, error: unknown): KubestrapError {
  const e = error as NodeJS.ErrnoException;
  if (e instanceof KubestrapError) return e;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
    return new KubestrapError(`Could not write the plan to ${outDir}: no space left on the device. Nothing was changed there.`, {
      suggestion: 'Free some space or pass --out a directory on another file system, then run the command again.',
      cause: error,
    });
  }
  const reason = (e.code && fsReasons[e.code]) ?? e.message;
  return new UsageError(
    `Could not write the plan to ${outDir}: ${reason}${e.path ? ` (${e.path})` : ''}. Nothing was changed there.`,
    'Pass --out a directory you can write to (the default is .kubestrap/plan).',
  );
}

/**
 * Writes every artifact of the plan into outDir atomically: into a sibling temporary directory
 * first, then swapped in, so a failure never leaves a half-written plan behind. An existing
 * outDir is replaced only when kubestrap wrote it (see out-dir.ts); anything else is refused
 * before a single file is written.
 */
export async function writePlanArtifacts(plan: Plan, options: WritePlanOptions = {}): Promise<string[]> {
  const artifacts = plan.phases.flatMap((p) => p.steps.flatMap((s) => s.rendered.artifacts));
  await checkPlanOutDir({ outDir: plan.outDir, configFile: options.configFile, artifacts: artifacts.map((a) => a.path) });
  const written: string[] = [];
  try {
    await replaceDirectory(path.resolve(plan.outDir), async (tmp) => {
      for (const artifact of artifacts) {
        const file = path.join(tmp, artifact.path);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, artifact.content, { mode: 0o644 });
        written.push(path.join(plan.outDir, artifact.path));
      }
      await writeFile(path.join(tmp, PLAN_MARKER), markerContent(artifacts.map((a) => a.path)), { mode: 0o644 });
    });
  } catch (error) {
    throw writeFailure(plan.outDir, error);
  }
  return written;
}
