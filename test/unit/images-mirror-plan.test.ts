// spec.images.registry in plan and bundle: validation (exit 2 with where and how), the plan's
// values and manifests point at the mirror and say so, bundle.yaml maps each image to its mirror name.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createExec } from '../../src/adapters/exec.js';
import { Redactor } from '../../src/adapters/redact.js';
import { buildBundle, type BundleIndex } from '../../src/bundle/bundle.js';
import { imagesInManifests } from '../../src/bundle/images.js';
import { loadConfigFromFlags } from '../../src/commands/load-config.js';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { mirrorImage } from '../../src/images/mirror.js';
import { buildPlan } from '../../src/plan/plan.js';
import { helmBinary, upstreamChartsDir } from '../real-charts/charts.ts';
import { repoRoot } from '../real-charts/matrix.ts';

const work = mkdtempSync(path.join(tmpdir(), 'ks-mirror-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const registry = 'registry.example.com:5000/mirror';

describe('spec.images.registry validation', () => {
  for (const bad of [
    'https://registry.example.com',
    'registry.example.com/',
    'Registry.Example.com',
    'registry.example.com/x:1.0',
    'a b',
  ]) {
    it(`refuses ${JSON.stringify(bad)} with the file line and an example`, () => {
      const text = `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata: { name: t }\nspec:\n  cluster: { provider: existing, context: t }\n  images:\n    registry: ${JSON.stringify(bad)}\n`;
      const error = (() => {
        try {
          parseConfigText(text, path.join(work, 'k.yaml'));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        /k\.yaml:7:\d+\s+spec\.images\.registry: must be a registry host .* e\.g\. registry\.example\.com:5000\/mirror/,
      );
    });
  }
  it('accepts a host, a host with port and path, and an IPv6 literal', () => {
    for (const ok of ['registry.example.com', 'localhost:5000/a/b-c', '[::1]:5000']) {
      const text = `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata: { name: t }\nspec:\n  cluster: { provider: existing, context: t }\n  images: { registry: "${ok}" }\n`;
      expect(parseConfigText(text, path.join(work, 'k.yaml')).config.spec.images.registry).toBe(ok);
    }
  });
});

describe('spec.images.registry in plan', () => {
  it('points every image of kubestrap manifests and values at the mirror and notes it; without it nothing changes', async () => {
    const flags = (explicit: Record<string, unknown>) =>
      loadConfigFromFlags({ config: path.join(repoRoot, 'examples/production.yaml'), cwd: repoRoot, env: {}, explicit });
    const plain = await flags({});
    const mirrored = await flags({ imageRegistry: registry });
    const a = buildPlan({ config: plain.config, baseDir: plain.baseDir, outDir: '/tmp/p' });
    const b = buildPlan({ config: mirrored.config, baseDir: mirrored.baseDir, outDir: '/tmp/p' });
    const steps = (p: typeof a) => p.phases.flatMap((x) => x.steps);
    expect(
      steps(a)
        .flatMap((s) => s.rendered.notes ?? [])
        .join('\n'),
    ).not.toContain('spec.images.registry');
    let manifestsWithImages = 0;
    steps(b).forEach((s, i) => {
      const before = steps(a)[i]!;
      const values = new Set(s.rendered.actions.flatMap((x) => (x.type === 'helm' ? [x.release.values] : [])));
      for (const [j, art] of s.rendered.artifacts.entries()) {
        if (values.has(art.path) || !/\.ya?ml$/.test(art.path)) continue;
        const was = [...imagesInManifests(before.rendered.artifacts[j]!.content)];
        const now = [...imagesInManifests(art.content)].sort();
        expect(now, art.path).toEqual(was.map((x) => mirrorImage(x, registry)).sort());
        if (was.length) manifestsWithImages++;
      }
      if (s.rendered.artifacts.some((x, j) => x.content !== before.rendered.artifacts[j]!.content))
        expect(s.rendered.notes).toContain(`images pulled from the mirror ${registry} (spec.images.registry)`);
    });
    expect(manifestsWithImages).toBeGreaterThan(0);
    // the Velero plugin init container image is kubestrap's own value
    const velero = steps(b)
      .flatMap((s) => s.rendered.artifacts)
      .find((x) => /values-velero\.ya?ml$/.test(x.path))!;
    expect(velero.content).toContain(`${registry}/velero/velero-plugin-for-aws:`);
  });

  it('plan --image-registry shows the note on the command line', () => {
    const r = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'bin/kubestrap.js'),
        'plan',
        '--config',
        path.join(repoRoot, 'examples/production.yaml'),
        '--image-registry',
        registry,
        '--out',
        path.join(work, 'plan'),
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1' } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`note   images pulled from the mirror ${registry} (spec.images.registry)`);
    const bad = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'bin/kubestrap.js'),
        'plan',
        '--config',
        path.join(repoRoot, 'examples/production.yaml'),
        '--image-registry',
        'https://x',
        '--out',
        path.join(work, 'plan'),
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1' } },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('flag --image-registry');
  });
});

describe('spec.images.registry in bundle', () => {
  it('images.txt lists the upstream images; bundle.yaml maps each to its mirror name', async () => {
    const cfg = path.join(work, 'tiny.yaml');
    writeFileSync(
      cfg,
      'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata: { name: tiny }\nspec:\n  cluster: { provider: existing, context: tiny }\n  networking: { cni: default, gateway: none }\n  security: { policyEngine: { name: none } }\n  monitoring: { prometheus: { enabled: false }, grafana: false }\n  autoscaling: { vpa: { enabled: false } }\n  backup: { enabled: false }\n  cost: { opencost: false }\n  images: { registry: "' +
        registry +
        '" }\n',
    );
    const loaded = await loadConfigFromFlags({
      config: cfg,
      cwd: work,
      env: {},
      explicit: { chartSource: 'local', chartDir: upstreamChartsDir() },
    });
    const out = path.join(work, 'bundle');
    await buildBundle({
      loaded,
      outDir: out,
      exec: createExec(new Redactor(), { ...process.env, KUBESTRAP_HELM: helmBinary() }),
      localDirOrigin: 'flag --chart-dir',
    });
    const index = parse(readFileSync(path.join(out, 'bundle.yaml'), 'utf8')) as BundleIndex;
    const listed = readFileSync(path.join(out, 'images.txt'), 'utf8').trim().split('\n');
    expect(listed).toContain('registry.k8s.io/metrics-server/metrics-server:v0.8.1');
    expect(listed.every((i) => !i.startsWith(registry))).toBe(true);
    expect(index.mirror?.registry).toBe(registry);
    expect(index.mirror?.images).toContainEqual({
      from: 'registry.k8s.io/metrics-server/metrics-server:v0.8.1',
      to: `${registry}/metrics-server/metrics-server:v0.8.1`,
    });
    expect(index.mirror?.images.map((m) => m.from)).toEqual(listed);
  }, 120_000);
});
