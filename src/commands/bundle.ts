import { readFile } from 'node:fs/promises';
import { createExec } from '../adapters/exec.js';
import { Redactor } from '../adapters/redact.js';
import { buildBundle, type BundleIndex } from '../bundle/bundle.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';

export interface BundleCommandOptions extends ConfigFlags {
  out: string;
  output: 'text' | 'json';
}

/** Where spec.charts.localDir came from: the flag, the env var, the file's line, or the default. */
async function localDirOrigin(options: BundleCommandOptions, file: string | undefined): Promise<string> {
  if (options.explicit.chartDir !== undefined) return 'flag --chart-dir';
  if (options.env.KUBESTRAP_CHART_DIR) return 'env KUBESTRAP_CHART_DIR';
  if (file) {
    const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n');
    const i = lines.findIndex((l) => /^\s*localDir\s*:/.test(l));
    if (i >= 0) return `${file}:${i + 1}`;
    return `not set in ${file}: the default "charts" next to it`;
  }
  return 'the default "charts"';
}

export async function bundleCommand(options: BundleCommandOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  const index = await buildBundle({
    loaded,
    outDir: options.out,
    exec: createExec(new Redactor(), options.env),
    localDirOrigin: await localDirOrigin(options, loaded.file),
    log: options.output === 'json' ? () => {} : (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify({ outDir: options.out, ...index }, null, 2)}\n` : bundleText(index, options.out),
  );
}

function bundleText(index: BundleIndex, out: string): string {
  return [
    `kubestrap bundle: roadmap ${index.roadmap} written to ${out}`,
    ...index.charts.map((c) => `  chart     ${c.file}  (${c.releases.join(', ')})`),
    ...index.manifests.map((m) => `  manifest  ${m.file}`),
    `  images    ${out}/images.txt (${index.images.length} images)`,
    `  index     ${out}/bundle.yaml (sha256 of every chart and manifest)`,
    '',
    `Install from it: set spec.charts.source: local and spec.charts.localDir: ${out}/charts (or --chart-source local --chart-dir ${out}/charts),`,
    index.mirror
      ? `and copy each image to ${index.mirror.registry}: bundle.yaml's mirror.images lists every source (images.txt) with the name the cluster pulls.`
      : 'and make the images in images.txt available to the cluster (a mirror registry with spec.images.registry, or `kind load docker-image`).',
    '',
  ].join('\n');
}
