/**
 * One pinned chart as the package `<chart>-<version>.tgz`, from wherever `spec.charts.source`
 * says helm takes it: copied from a local `.tgz`, packaged from a local chart directory
 * (`helm package`), or pulled (`helm pull --version`) from the repository, the upstream OCI
 * artifact or the OCI mirror. The package's Chart.yaml must name the pinned chart and version.
 */
import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { Exec } from '../adapters/exec.js';
import type { Config } from '../config/schema.js';
import { KubestrapError, UsageError } from '../errors.js';
import { lock, type ChartKey } from '../lock.js';
import { chartSource } from '../render/charts.js';

export interface ChartOrigin {
  /** Where the chart came from, as shown in bundle.yaml (a path or a repository/OCI reference). */
  from: string;
  how: 'copied' | 'packaged' | 'pulled';
}

async function kindOf(p: string): Promise<'dir' | 'file' | undefined> {
  const st = await stat(p).catch(() => undefined);
  return st ? (st.isDirectory() ? 'dir' : 'file') : undefined;
}

/** Where `spec.charts.localDir` was set, for error messages. */
export type LocalDirOrigin = string;

export async function fetchChart(
  exec: Exec,
  config: Config,
  baseDir: string,
  key: ChartKey,
  destDir: string,
  localDirOrigin: LocalDirOrigin,
): Promise<{ file: string; origin: ChartOrigin }> {
  const pin = lock.charts[key];
  const file = path.join(destDir, `${pin.chart}-${pin.version}.tgz`);
  const source = chartSource(config, baseDir, key);
  let origin: ChartOrigin;
  if (config.spec.charts.source === 'local') {
    const dir = path.resolve(baseDir, config.spec.charts.localDir ?? 'charts');
    const unpacked = path.join(dir, pin.chart);
    const packaged = path.join(dir, `${pin.chart}-${pin.version}.tgz`);
    if ((await kindOf(unpacked)) === 'dir') {
      await checkPinned(exec, unpacked, key);
      await exec.run(['helm', 'package', unpacked, '--destination', destDir], { timeoutMs: 120_000 });
      origin = { from: unpacked, how: 'packaged' };
    } else if ((await kindOf(packaged)) === 'file') {
      await checkPinned(exec, packaged, key);
      await copyFile(packaged, file);
      origin = { from: packaged, how: 'copied' };
    } else {
      const dirState = await kindOf(dir);
      throw new UsageError(
        `chart ${pin.chart} ${pin.version} is not in the local chart directory ${dir} (spec.charts.localDir, ${localDirOrigin}): neither ${unpacked}/ nor ${packaged} exists${dirState === 'dir' ? '' : dirState ? ' (that path is a file, not a directory)' : ' (the directory itself does not exist)'}.`,
        `Point spec.charts.localDir (or --chart-dir) at the folder holding the charts (an earlier bundle's charts/ folder works), or add ${pin.chart}-${pin.version}.tgz to it.`,
      );
    }
  } else {
    const args = [
      'helm',
      'pull',
      source.ref,
      ...(source.repo ? ['--repo', source.repo] : []),
      '--version',
      pin.version,
      '--destination',
      destDir,
    ];
    await exec.run(args, { timeoutMs: 300_000 });
    origin = { from: source.repo ? `${source.repo} ${source.ref}` : source.ref, how: 'pulled' };
  }
  if ((await kindOf(file)) !== 'file') throw new KubestrapError(`helm wrote no ${path.basename(file)} for ${origin.from}`);
  if (origin.how === 'pulled') await checkPinned(exec, file, key);
  return { file, origin };
}

/** The chart at `ref` (a directory or a package) must be the pinned chart at the pinned version. */
async function checkPinned(exec: Exec, ref: string, key: ChartKey): Promise<void> {
  const pin = lock.charts[key];
  const { stdout } = await exec.run(['helm', 'show', 'chart', ref], { timeoutMs: 60_000 });
  const meta = parse(stdout) as { name?: unknown; version?: unknown } | null;
  if (meta?.name !== pin.chart || String(meta.version) !== pin.version) {
    throw new UsageError(
      `${ref} holds chart ${String(meta?.name)} ${String(meta?.version)}, but kubestrap pins ${pin.chart} ${pin.version}.`,
      `Replace it with ${pin.chart} ${pin.version} (helm pull ${pin.repo ? `${pin.chart} --repo ${pin.repo}` : (pin as { oci?: string }).oci} --version ${pin.version}).`,
    );
  }
}
