// Render is pure: both shipped examples (and the test-cluster example) render to the same files
// every time. Snapshots normalise absolute paths and pinned versions; every built-in Kubernetes
// object in an applied manifest is validated offline against the Kubernetes OpenAPI schemas
// (kubernetes-models), and every custom resource must be of a kind kubestrap knows the CRD of.
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { lock } from '../../src/lock.js';
import { buildPlan } from '../../src/plan/plan.js';

const repo = path.resolve(import.meta.dirname, '../..');
const outDir = '/tmp/kubestrap-render';

/** Custom resources kubestrap renders, by apiVersion/kind, and the chart or manifest that defines them. */
const knownCustomResources: Record<string, string> = {
  'cert-manager.io/v1/ClusterIssuer': 'cert-manager',
  'cert-manager.io/v1/Certificate': 'cert-manager',
  'gateway.networking.k8s.io/v1/Gateway': 'Gateway API',
  'gateway.networking.k8s.io/v1/GatewayClass': 'Gateway API',
  'gateway.networking.k8s.io/v1/HTTPRoute': 'Gateway API',
  'gateway.envoyproxy.io/v1alpha1/EnvoyProxy': 'envoy-gateway',
  'monitoring.coreos.com/v1/PrometheusRule': 'kube-prometheus-stack',
  'monitoring.coreos.com/v1/ServiceMonitor': 'kube-prometheus-stack',
  'autoscaling.k8s.io/v1/VerticalPodAutoscaler': 'vpa',
  'velero.io/v1/BackupStorageLocation': 'velero',
  'velero.io/v1/Schedule': 'velero',
  'snapshot.storage.k8s.io/v1/VolumeSnapshotClass': 'snapshot-controller',
  'cilium.io/v2/CiliumNetworkPolicy': 'cilium',
};

async function render(example: string) {
  const loaded = await loadConfigFile(path.join(repo, 'examples', example));
  return buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir });
}

function normalise(text: string): string {
  let out = text.split(repo).join('<repo>').split(outDir).join('<out>');
  const versions = new Set<string>([
    ...Object.values(lock.charts).map((c) => c.version),
    ...Object.values(lock.images).map((i) => i.split(':').slice(1).join(':')),
    ...Object.values(lock.kindNodeImages).map((i) => i.split(':').slice(1).join(':')),
  ]);
  for (const v of [...versions].filter((v) => v.length > 2).sort((a, b) => b.length - a.length)) out = out.split(v).join('<pinned>');
  return out;
}

async function modelFor(apiVersion: string, kind: string): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  const group = apiVersion === 'v1' ? 'v1' : apiVersion;
  try {
    const mod = (await import(/* @vite-ignore */ `kubernetes-models/${group}/${kind}`)) as Record<
      string,
      new (data: unknown) => { validate(): void }
    >;
    return mod[kind];
  } catch {
    return undefined;
  }
}

describe.each(['kind-dev.yaml', 'production.yaml', 'test-cluster.yaml'])('render %s', (example) => {
  it('matches the snapshot (paths and versions normalised)', async () => {
    const plan = await render(example);
    const files = plan.phases.flatMap((p) => p.steps.flatMap((s) => s.rendered.artifacts.map((a) => `### ${a.path}\n${a.content}`)));
    const commands = plan.phases.flatMap((p) =>
      p.steps.flatMap((s) =>
        s.commands.map(
          (c, i) =>
            `$ ${c.join(' ')}${s.stdin
              .filter((x) => x.command === i)
              .map((x) => ` # stdin: ${x.content}`)
              .join('')}`,
        ),
      ),
    );
    await expect(normalise([...files, '### commands', ...commands].join('\n'))).toMatchFileSnapshot(
      `__snapshots__/render-${example.replace('.yaml', '')}.txt`,
    );
  });

  it('renders the same bytes twice (render is pure)', async () => {
    const a = JSON.stringify((await render(example)).phases);
    const b = JSON.stringify((await render(example)).phases);
    expect(a).toBe(b);
  });

  it('every applied object is valid against the Kubernetes schemas, or a known custom resource', async () => {
    const plan = await render(example);
    let validated = 0;
    const problems: string[] = [];
    for (const step of plan.phases.flatMap((p) => p.steps)) {
      const manifests = new Set(step.rendered.actions.flatMap((a) => (a.type === 'apply' && !a.absolute ? [a.manifest] : [])));
      for (const artifact of step.rendered.artifacts.filter((a) => manifests.has(a.path))) {
        for (const doc of parseAllDocuments(artifact.content)) {
          expect(doc.errors).toEqual([]);
          const obj = doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string } };
          const where = `${artifact.path} ${obj.kind}/${obj.metadata?.name}`;
          const Model = await modelFor(obj.apiVersion, obj.kind);
          if (!Model) {
            if (!knownCustomResources[`${obj.apiVersion}/${obj.kind}`])
              problems.push(`${where}: unknown kind ${obj.apiVersion}/${obj.kind}`);
            continue;
          }
          try {
            new Model(obj).validate();
            validated++;
          } catch (error) {
            problems.push(`${where}: ${(error as Error).message}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(validated).toBeGreaterThan(10);
  });
});

describe('the offline validator', () => {
  it('rejects an object that breaks the Kubernetes schema (so the check above can fail)', async () => {
    const Model = await modelFor('apps/v1', 'Deployment');
    expect(Model).toBeDefined();
    expect(() =>
      new Model!({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'x' },
        spec: { replicas: 'two', selector: {}, template: {} },
      }).validate(),
    ).toThrow();
  });
});
