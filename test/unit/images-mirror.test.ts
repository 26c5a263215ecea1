// spec.images.registry against the real charts: `helm template` of every release of the examples
// (real helm, real packages from KUBESTRAP_UPSTREAM_CHARTS / ../shared/upstream-charts) with the
// mirrored values runs exactly the images of the unmirrored render, each moved to the mirror.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { releasesOf } from '../../src/bundle/bundle.js';
import { imagesInManifests, sortedImages } from '../../src/bundle/images.js';
import { loadConfigFile } from '../../src/config/load.js';
import { chartImageValues } from '../../src/images/chart-image-values.js';
import { mirrorChartValues, mirrorImage, mirrorManifest, mirrorRegistryValue } from '../../src/images/mirror.js';
import { lock, type ChartKey } from '../../src/lock.js';
import { buildPlan } from '../../src/plan/plan.js';
import { helmTemplate } from '../real-charts/helm-template.ts';
import { repoRoot } from '../real-charts/matrix.ts';

const registry = 'mirror.example.com:5000/kubestrap';

describe('mirrorImage', () => {
  it('replaces the registry host and keeps path, tag and digest', () => {
    expect(mirrorImage('quay.io/jetstack/cert-manager-controller:v1.21.1', registry)).toBe(
      `${registry}/jetstack/cert-manager-controller:v1.21.1`,
    );
    expect(mirrorImage('busybox:1.37.0', registry)).toBe(`${registry}/busybox:1.37.0`);
    expect(mirrorImage('velero/velero-plugin-for-aws:v1.14.0', registry)).toBe(`${registry}/velero/velero-plugin-for-aws:v1.14.0`);
    expect(mirrorImage(`localhost:5000/a/b@sha256:${'1'.repeat(64)}`, registry)).toBe(`${registry}/a/b@sha256:${'1'.repeat(64)}`);
    expect(mirrorRegistryValue('docker.io/library', registry)).toBe(`${registry}/library`);
    expect(mirrorRegistryValue('', registry)).toBe(registry);
  });

  it('the generated table is for the pinned chart versions (rerun scripts/gen-chart-image-values.mjs after a bump)', () => {
    for (const [key, pin] of Object.entries(lock.charts)) expect(chartImageValues[key as ChartKey].version, key).toBe(pin.version);
  });

  it('rewrites the images of kubestrap manifests, not the kind cluster config', () => {
    const m = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: registry.k8s.io/pause:3.10\n';
    expect(mirrorManifest(m, registry)).toContain(`image: ${registry}/pause:3.10`);
    const kind = 'apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes:\n  - role: control-plane\n    image: kindest/node:v1.36.4\n';
    expect(mirrorManifest(kind, registry)).toBe(kind);
  });
});

// The charts the examples do not install: Calico (tigera-operator), Traefik, Longhorn.
const others = path.join(tmpdir(), `ks-mirror-others-${process.pid}.yaml`);
writeFileSync(
  others,
  'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata: { name: others }\nspec:\n  cluster: { provider: existing, context: x }\n  networking: { cni: calico, gateway: traefik }\n  storage: { provisioner: longhorn }\n',
);
afterAll(() => rmSync(others, { force: true }));

describe.each(['kind-dev.yaml', 'production.yaml', others])('spec.images.registry with the real charts of %s', (example) => {
  it('every release runs the same images, moved to the mirror', async () => {
    const loaded = await loadConfigFile(path.isAbsolute(example) ? example : path.join(repoRoot, 'examples', example));
    const plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: '/tmp/ks-mirror-plan' });
    const problems: string[] = [];
    for (const r of releasesOf(plan)) {
      const base = { configuration: example, key: r.key, release: r.release, namespace: r.namespace, valuesPath: r.valuesPath };
      const [plain, mirrored] = await Promise.all([
        helmTemplate({ ...base, valuesText: r.valuesText }, loaded.config.spec.cluster.kubernetesVersion),
        helmTemplate(
          { ...base, valuesText: mirrorChartValues(r.key, r.valuesText, registry) },
          loaded.config.spec.cluster.kubernetesVersion,
        ),
      ]);
      expect(plain.ok, plain.error).toBe(true);
      if (!mirrored.ok) {
        problems.push(`${r.release}: ${mirrored.error}`);
        continue;
      }
      const want = sortedImages([...imagesInManifests(plain.manifest)].map((i) => mirrorImage(i, registry)));
      const got = sortedImages(imagesInManifests(mirrored.manifest));
      if (JSON.stringify(want) !== JSON.stringify(got))
        problems.push(
          `${r.release}: missing ${want.filter((i) => !got.includes(i)).join(' ')} | unexpected ${got.filter((i) => !want.includes(i)).join(' ')}`,
        );
    }
    expect(problems).toEqual([]);
  }, 300_000);
});
