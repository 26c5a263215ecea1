import path from 'node:path';
import type { Config } from '../config/schema.js';
import { lock, type ChartKey } from '../lock.js';
import type { ChartSourceRef } from '../roadmap/types.js';

/**
 * Where helm takes a pinned chart from, per `spec.charts.source`: the public repository (or the
 * upstream OCI artifact when that is the only channel), a local directory of charts named like
 * the upstream chart (air-gapped), or an OCI mirror.
 */
export function chartSource(config: Config, baseDir: string, key: ChartKey): ChartSourceRef {
  const pin = lock.charts[key];
  const { source, localDir, ociMirror } = config.spec.charts;
  if (source === 'local') {
    return { ref: path.resolve(baseDir, localDir ?? 'charts', pin.chart) };
  }
  if (source === 'oci') {
    return { ref: `${(ociMirror ?? '').replace(/\/+$/, '')}/${pin.chart}`, version: pin.version };
  }
  if (!pin.repo && 'oci' in pin && pin.oci) return { ref: pin.oci, version: pin.version };
  return { ref: pin.chart, repo: pin.repo, version: pin.version };
}
