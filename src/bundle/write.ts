/**
 * Writes a bundle directory atomically, with the same guard as `plan --out`: everything goes into
 * a sibling temporary directory, which then replaces DIR. DIR itself is replaced only when it is
 * new, empty, or a bundle kubestrap wrote that holds nothing else; never the current directory,
 * the home directory or the config file's directory.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KubestrapError, UsageError } from '../errors.js';
import { checkPlanOutDir, markerContent, type OutDirPurpose } from '../plan/out-dir.js';
import { replaceDirectory } from '../plan/swap-dir.js';

export const BUNDLE_MARKER = '.kubestrap-bundle.json';

export const bundlePurpose: OutDirPurpose = {
  marker: BUNDLE_MARKER,
  kind: 'kubestrap-bundle-directory',
  noun: 'bundle directory',
  howToFix: 'Pass --out a new or empty directory, or one that an earlier `kubestrap bundle` wrote.',
};

/** A file of the bundle: text, or a file to copy (the chart packages). */
export type BundleFile = { path: string; content: string } | { path: string; copyFrom: string };

/** Refuses (exit 2) before any work when DIR may not be written. */
export async function checkBundleOutDir(outDir: string, configFile: string | undefined): Promise<void> {
  await checkPlanOutDir({ outDir, configFile, artifacts: [], purpose: bundlePurpose });
}

export async function writeBundle(outDir: string, configFile: string | undefined, files: BundleFile[]): Promise<void> {
  await checkBundleOutDir(outDir, configFile);
  try {
    await replaceDirectory(path.resolve(outDir), async (tmp) => {
      for (const f of files) {
        const target = path.join(tmp, f.path);
        await mkdir(path.dirname(target), { recursive: true });
        if ('content' in f) await writeFile(target, f.content, { mode: 0o644 });
        else await copyFile(f.copyFrom, target);
      }
      await writeFile(
        path.join(tmp, BUNDLE_MARKER),
        markerContent(
          files.map((f) => f.path),
          bundlePurpose.kind,
        ),
        { mode: 0o644 },
      );
    });
  } catch (error) {
    if (error instanceof KubestrapError) throw error;
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT')
      throw new KubestrapError(`Could not write the bundle to ${outDir}: no space left on the device. Nothing was changed there.`, {
        suggestion: 'Free some space or pass --out a directory on another file system.',
        cause: error,
      });
    throw new UsageError(
      `Could not write the bundle to ${outDir}: ${e.code ?? e.message}${e.path ? ` (${e.path})` : ''}. Nothing was changed there.`,
      'Pass --out a directory you can write to.',
    );
  }
}
