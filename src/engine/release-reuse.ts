/**
 * A step is re-applied whenever anything in it changed, but a helm release of that step whose
 * chart, values and helm major are the same as when it was last installed, and whose latest
 * revision is still that deployed revision, needs no `helm upgrade` (seconds of rendering and a
 * --wait each). Only when the step was verified before: after a failure or drift every action runs.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Helm } from '../adapters/helm.js';
import type { HelmRelease } from '../roadmap/types.js';
import type { AppliedUnit } from './state.js';

/**
 * sha256 of the chart reference, the values file and, for a local chart, its content: every file of a
 * chart directory, or the packed chart (`<chart>-<version>.tgz`, spec.charts.source local).
 */
export async function releaseFingerprint(release: HelmRelease, workDir: string, helmMajor: number): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ chart: release.chart, helmMajor }));
  h.update(await readFile(path.join(workDir, release.values)));
  const ref = release.chart.ref;
  const local = release.chart.repo || ref.startsWith('oci://') ? undefined : await stat(ref).catch(() => undefined);
  if (local?.isDirectory()) {
    for (const file of await filesUnder(ref)) {
      h.update(`\0${path.relative(ref, file)}\0`);
      h.update(await readFile(file));
    }
  } else if (local?.isFile()) h.update(await readFile(ref));
  return h.digest('hex').slice(0, 32);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

type ReleaseUnit = Extract<AppliedUnit, { type: 'release' }>;

/** The revision to keep when the release is as it was installed; undefined when helm has to run. */
export async function reusableRevision(helm: Helm, before: ReleaseUnit | undefined, fingerprint: string): Promise<number | undefined> {
  if (before?.fingerprint !== fingerprint || before.revision === undefined) return undefined;
  const latest = (await helm.history(before.release, before.namespace)).at(-1);
  return latest?.status === 'deployed' && latest.revision === before.revision ? latest.revision : undefined;
}

/** The newest revision of a release (from its storage Secrets' labels where possible). */
export async function currentRevision(helm: Helm, release: string, namespace: string): Promise<number | undefined> {
  return (await helm.history(release, namespace)).at(-1)?.revision;
}
