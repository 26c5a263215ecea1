import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { lock, type ChartKey } from '../lock.js';
import type { ChartSourceRef } from '../roadmap/types.js';

/**
 * Where helm takes a pinned chart from, per `spec.charts.source`: the public repository (or the
 * upstream OCI artifact when that is the only channel), a local directory of charts named like
 * the upstream chart or packaged as `<chart>-<version>.tgz` (air-gapped), or an OCI mirror.
 */
export function chartSource(config: Config, baseDir: string, key: ChartKey): ChartSourceRef {
  const pin = lock.charts[key];
  const { source, localDir, ociMirror } = config.spec.charts;
  if (source === 'local') {
    const dir = path.resolve(baseDir, localDir ?? 'charts');
    // A chart directory named like the chart, else the packaged chart helm pull writes.
    const unpacked = path.join(dir, pin.chart);
    const packaged = path.join(dir, `${pin.chart}-${pin.version}.tgz`);
    return { ref: !existsSync(unpacked) && existsSync(packaged) ? packaged : unpacked };
  }
  if (source === 'oci') {
    return { ref: `${(ociMirror ?? '').replace(/\/+$/, '')}/${pin.chart}`, version: pin.version };
  }
  if (!pin.repo && 'oci' in pin && pin.oci) return { ref: pin.oci, version: pin.version };
  return { ref: pin.chart, repo: pin.repo, version: pin.version };
}
