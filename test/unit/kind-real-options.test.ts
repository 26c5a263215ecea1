// The kind node image override, the kube-router policy controller and the probes' objects, without
// a cluster. The probe scripts run for real under /bin/sh with the host's wget against a local
// HTTP server on 127.0.0.1; the cluster side is covered by test/e2e-real.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments, parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { collectOverrides } from '../../src/config/overrides.js';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { evaluateRules } from '../../src/config/rules.js';
import { decisionsFor } from '../../src/decisions/record.js';
import { ConfigError } from '../../src/errors.js';
import type { CheckEnv } from '../../src/engine/checks.js';
import {
  cpuLoadObjects,
  deniedScript,
  fetchScript,
  httpServerPod,
  podToPodObjects,
  probeBody,
  probeFile,
} from '../../src/engine/probe-objects.js';
import { auditEventFor, podToPodProbe } from '../../src/engine/probes.js';
import { lock } from '../../src/lock.js';
import { buildPlan } from '../../src/plan/plan.js';
import { planText } from '../../src/commands/plan.js';
import { chartSource } from '../../src/render/charts.js';
import { clusterStep } from '../../src/steps/cluster.js';
import { networkingStep } from '../../src/steps/networking.js';
import { fakeExec } from './fake-exec.js';

const root = path.resolve(import.meta.dirname, '../..');
const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\n';
const ctx = (config: ReturnType<typeof parseConfigText>['config']) => ({ config, baseDir: '/x', outDir: '/tmp/ks-plan' });

function load(spec: string, env: NodeJS.ProcessEnv = {}, flags: Record<string, unknown> = {}) {
  return parseConfigText(`${header}spec:\n${spec}`, path.join(process.cwd(), 'k.yaml'), collectOverrides(flags, env)).config;
}
function problems(spec: string, env: NodeJS.ProcessEnv = {}) {
  try {
    load(spec, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
function kindConfig(config: ReturnType<typeof load>) {
  const plan = clusterStep.render(ctx(config));
  return parse(plan.artifacts.find((a) => a.path.endsWith('kind-config.yaml'))!.content);
}

describe('spec.cluster.nodeImage', () => {
  it.each([
    'kindest/node:v1.36.4',
    'kubestrap-test/node:v1.36.3-0a1b2c',
    'registry.example.com:5000/mirror/kindest/node:v1.36.4',
    `registry.example.com/kindest/node:v1.36.4@sha256:${'a'.repeat(64)}`,
    `kindest/node@sha256:${'0'.repeat(64)}`,
    'localhost/node',
  ])('accepts %s and writes it into every kind node', (image) => {
    const config = load(`  cluster:\n    nodeImage: "${image}"\n    nodes: { controlPlanes: 1, workers: 2 }\n`);
    const nodes = kindConfig(config).nodes as { image: string }[];
    expect(nodes).toHaveLength(3);
    expect(nodes.every((n) => n.image === image)).toBe(true);
  });

  it('without it, the lock pins the node image (digest included)', () => {
    const nodes = kindConfig(load('  cluster: {}\n')).nodes as { image: string }[];
    expect(nodes.every((n) => n.image === lock.kindNodeImages['1.36'])).toBe(true);
    expect(lock.kindNodeImages['1.36']).toMatch(/@sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['a space', 'kindest/node :v1', /spaces, line breaks or control characters/],
    // (the config loader refuses these in every value before the schema sees them)
    ['a tab', 'kindest/node\\t:v1', /control characters/],
    ['U+2028', 'kindest/node\\u2028:v1', /control characters/],
    ['upper case in the path', 'Kindest/Node:v1', /must be an image reference/],
    ['an empty tag', 'kindest/node:', /must be an image reference/],
    ['a short digest', 'kindest/node@sha256:abc', /must be an image reference/],
    ['a shell word', 'kindest/node;rm', /must be an image reference/],
  ])('refuses %s with a located error', (_, image, message) => {
    const [p] = problems(`  cluster:\n    nodeImage: "${image}"\n`);
    expect(p).toMatchObject({ where: 'k.yaml:7:16', path: 'spec.cluster.nodeImage' });
    expect(p!.message).toMatch(message);
  });

  it('comes from --node-image / KUBESTRAP_NODE_IMAGE (flag wins) and names its source when bad', () => {
    expect(load('  cluster: {}\n', { KUBESTRAP_NODE_IMAGE: 'mirror.example/node:v1' }).spec.cluster.nodeImage).toBe(
      'mirror.example/node:v1',
    );
    expect(
      load('  cluster: {}\n', { KUBESTRAP_NODE_IMAGE: 'mirror.example/node:v1' }, { nodeImage: 'flag.example/node:v2' }).spec.cluster
        .nodeImage,
    ).toBe('flag.example/node:v2');
    const [p] = problems('  cluster: {}\n', { KUBESTRAP_NODE_IMAGE: 'node:v1\n- evil' });
    expect(p).toMatchObject({ where: 'env KUBESTRAP_NODE_IMAGE', path: 'spec.cluster.nodeImage' });
  });

  it('refuses a long pathological reference quickly (no regex blow-up)', () => {
    const started = performance.now();
    problems(`  cluster:\n    nodeImage: "${'a-'.repeat(250)}!"\n`);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('is shown in plan and written in the decision record, with the pin as the alternative', () => {
    const config = load('  cluster:\n    nodeImage: "mirror.example/kindest/node:v1.36.4"\n');
    const plan = buildPlan({ config, baseDir: '/x', outDir: '/tmp/ks-plan' });
    expect(planText(plan, undefined)).toContain(
      'note   node image mirror.example/kindest/node:v1.36.4 (spec.cluster.nodeImage; the lock pins kindest/node:v1.36.4@sha256:',
    );
    const version = decisionsFor(config).find((d) => d.title === 'Kubernetes version')!;
    expect(version.chosen).toBe('1.36, kind node image mirror.example/kindest/node:v1.36.4 (spec.cluster.nodeImage)');
    expect(version.alternatives.map((a) => a.value)).toEqual([lock.kindNodeImages['1.36']]);
    expect(planText(buildPlan({ config: load('  cluster: {}\n'), baseDir: '/x', outDir: '/tmp/ks-plan' }), undefined)).toContain(
      `note   node image ${lock.kindNodeImages['1.36']} (pinned for Kubernetes 1.36)`,
    );
  });
});

describe('spec.networking.policyController: kube-router', () => {
  const config = load(
    '  networking: { cni: default, policyController: kube-router, serviceSubnet: 10.112.0.0/12 }\n  tenants: [{ name: team-a }]\n',
  );
  const plan = networkingStep.render(ctx(config));
  const objects = parseAllDocuments(plan.artifacts.find((a) => a.path === 'foundation/networking/kube-router.yaml')!.content).map((d) =>
    d.toJS(),
  );
  const ds = objects.find((o) => o.kind === 'DaemonSet');

  it('renders a policy-only DaemonSet: no routing, no service proxy, no CNI config; the service range from the config', () => {
    const c = ds.spec.template.spec.containers[0];
    expect(c.image).toBe(lock.images.kubeRouter);
    expect(c.args).toEqual([
      '--run-router=false',
      '--run-service-proxy=false',
      '--run-firewall=true',
      '--service-cluster-ip-range=10.112.0.0/12',
      '--health-port=20244',
    ]);
    expect(ds.spec.template.spec.initContainers).toBeUndefined();
    expect(JSON.stringify(ds)).not.toContain('/etc/cni');
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    expect(c.env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  });

  it('runs on every node (tolerates every taint), is ready only when kube-router reports healthy', () => {
    const spec = ds.spec.template.spec;
    expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec.containers[0].readinessProbe.httpGet).toEqual({ path: '/healthz', port: 20244 });
    expect(spec.priorityClassName).toBe('system-node-critical');
    expect(plan.checks).toContainEqual({ type: 'rollout', namespace: 'kube-system', kind: 'daemonset', name: 'kube-router' });
  });

  it('has RBAC to watch NetworkPolicies, pods, namespaces and nodes, bound to its ServiceAccount only', () => {
    const role = objects.find((o) => o.kind === 'ClusterRole');
    const watches = (group: string, resource: string) =>
      role.rules.some(
        (r: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
          r.apiGroups.includes(group) && r.resources.includes(resource) && ['get', 'list', 'watch'].every((v) => r.verbs.includes(v)),
      );
    for (const [g, r] of [
      ['networking.k8s.io', 'networkpolicies'],
      ['', 'pods'],
      ['', 'namespaces'],
      ['', 'nodes'],
    ] as const)
      expect(watches(g, r), `${g}/${r}`).toBe(true);
    expect(role.rules.flatMap((r: { verbs: string[] }) => r.verbs)).not.toContain('*');
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kube-router', namespace: 'kube-system' }]);
    expect(ds.spec.template.spec.serviceAccountName).toBe('kube-router');
  });

  it('is not rendered by default; is refused next to a CNI that enforces policies itself', () => {
    expect(
      networkingStep.render(ctx(load('  networking: { cni: default }\n'))).artifacts.some((a) => a.path.endsWith('kube-router.yaml')),
    ).toBe(false);
    const fired = evaluateRules(load('  networking: { cni: cilium, policyController: kube-router }\n'));
    expect(fired.find((r) => r.rule === 'policy-controller-needs-default-cni')).toMatchObject({ severity: 'error' });
    expect(() => load('  networking: { policyController: calico }\n')).toThrow(ConfigError);
  });

  it('kind with kindnet, tenants and no policy controller gets a warning that default-deny may not deny', () => {
    const rules = evaluateRules(load('  networking: { cni: default }\n  tenants: [{ name: team-a }]\n')).map((r) => r.rule);
    expect(rules).toContain('kind-default-cni-policies');
    expect(evaluateRules(config).map((r) => r.rule)).not.toContain('kind-default-cni-policies');
  });

  it('is in plan, the decision record, and the flag/env table', () => {
    expect(plan.notes?.join('\n')).toContain('kube-router');
    expect(decisionsFor(config).find((d) => d.title === 'Pod networking (CNI)')!.chosen).toBe(
      'default; NetworkPolicies enforced by kube-router (policy-only)',
    );
    expect(load('  networking: { cni: default }\n', { KUBESTRAP_POLICY_CONTROLLER: 'kube-router' }).spec.networking.policyController).toBe(
      'kube-router',
    );
  });
});

describe('probe objects', () => {
  it('pod-to-pod: the client REQUIRES another node than the server (no preferred fallback)', () => {
    const { server, client } = podToPodObjects('ns');
    const anti = client.spec!.affinity!.podAntiAffinity!;
    expect(anti.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(anti.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'kubestrap.dev/probe': server.metadata!.name } } },
    ]);
    expect(server.metadata!.labels!['kubestrap.dev/probe']).toBe(server.metadata!.name);
  });

  it('the server writes the file it serves and serves that directory; the client asks for that file', () => {
    const server = httpServerPod('ns', 's');
    const script = server.spec!.containers[0]!.command!.join(' ');
    expect(script).toContain(`echo ${probeBody} > /www/${probeFile}`);
    expect(script).toMatch(/httpd -f -p 8080 -h \/www$/);
    expect(server.spec!.containers[0]!.volumeMounts).toEqual([{ name: 'www', mountPath: '/www' }]);
    expect(server.spec!.containers[0]!.readinessProbe).toMatchObject({ tcpSocket: { port: 8080 } });
    expect(podToPodObjects('ns').client.spec!.containers[0]!.command!.join(' ')).toContain(
      `http://kubestrap-probe-server.ns.svc:8080/${probeFile}`,
    );
  });

  it('every probe pod is restricted-compliant', () => {
    const pods = [
      httpServerPod('ns', 's'),
      podToPodObjects('ns').client,
      (cpuLoadObjects('ns')[0] as { spec: { template: { spec: NonNullable<ReturnType<typeof httpServerPod>['spec']> } } }).spec.template,
    ];
    for (const pod of pods) {
      const c = pod.spec!.containers[0]!;
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.resources?.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    }
  });

  it('the HPA probe loads CPU and scales on CPU utilisation', () => {
    const [deployment, hpa] = cpuLoadObjects('ns') as [Record<string, any>, Record<string, any>];
    expect(deployment.spec.template.spec.containers[0].command).toEqual(['sh', '-c', 'while :; do :; done']);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.metrics[0].resource).toMatchObject({ name: 'cpu', target: { type: 'Utilization' } });
  });
});

describe('probe scripts, run for real (sh + wget against 127.0.0.1)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // Serves the probe file by name and 404 for "/" — what busybox httpd does without an index.
    server = createServer((req, res) => {
      if (req.url === `/${probeFile}`) res.end(`${probeBody}\n`);
      else res.writeHead(404).end('404 Not Found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sh = (script: string) => execa('sh', ['-c', script], { reject: false, timeout: 60_000 });

  it('the client succeeds reading the file and fails on "/" (the old 404 probe)', async () => {
    expect((await sh(fetchScript(`${base}/${probeFile}`))).exitCode).toBe(0);
    expect((await sh(fetchScript(`${base}/`))).exitCode).toBe(1);
  });

  it('the denial script fails while the server is reachable and succeeds when nothing answers', async () => {
    const reachable = await sh(deniedScript(`${base}/${probeFile}`, 3, 3));
    expect(reachable.exitCode).toBe(1);
    expect(reachable.stdout).toContain('not enforced');
    const closed = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => r(port));
      });
    });
    expect((await sh(deniedScript(`http://127.0.0.1:${closed}/${probeFile}`, 3, 5))).exitCode).toBe(0);
  });
});

describe('probe logic (fake kubectl child process)', () => {
  it('audit events: only a completed event for the named ConfigMap counts', () => {
    const event = (o: Record<string, unknown>) =>
      JSON.stringify({
        kind: 'Event',
        stage: 'ResponseComplete',
        objectRef: { resource: 'configmaps', namespace: 'ks', name: 'probe-1' },
        ...o,
      });
    expect(auditEventFor(`garbage\n${event({})}\n`, 'ks', 'probe-1')).toBe(true);
    expect(auditEventFor(event({ stage: 'ResponseStarted' }), 'ks', 'probe-1')).toBe(false);
    expect(auditEventFor(event({ objectRef: { resource: 'secrets', namespace: 'ks', name: 'probe-1' } }), 'ks', 'probe-1')).toBe(false);
    expect(auditEventFor('{"cut line probe-1', 'ks', 'probe-1')).toBe(false);
  });

  it('pod-to-pod across nodes is skipped with its reason when only one node takes pods', async () => {
    const nodes = {
      items: [
        {
          metadata: { name: 'cp' },
          spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        },
        { metadata: { name: 'w1' }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      ],
    };
    const exec = fakeExec([[['kubectl', '--context', 'c', 'get', 'nodes'], JSON.stringify(nodes)]]);
    const env = { kubectl: new Kubectl(exec, { context: 'c' }), simulated: false } as unknown as CheckEnv;
    expect(await podToPodProbe(env, 'ns')).toEqual({ skipped: 'pod-to-pod across nodes needs two schedulable nodes; this cluster has 1' });
    expect(exec.calls.some((c) => c.includes('apply'))).toBe(false);
  });
});

describe('examples/kind-test.yaml', () => {
  it('loads, keeps kind with the default CNI and kube-router, and takes charts packaged in the upstream folder', async () => {
    const { config, baseDir } = await loadConfigFile(path.join(root, 'examples/kind-test.yaml'));
    expect(config.spec.cluster).toMatchObject({ provider: 'kind', nodes: { controlPlanes: 1, workers: 2 } });
    expect(config.spec.networking).toMatchObject({ cni: 'default', policyController: 'kube-router', gateway: 'none' });
    expect(config.spec.charts.source).toBe('local');
    const ref = chartSource(config, baseDir, 'metricsServer').ref;
    expect([
      path.join(baseDir, config.spec.charts.localDir!, 'metrics-server'),
      path.join(baseDir, config.spec.charts.localDir!, `metrics-server-${lock.charts.metricsServer.version}.tgz`),
    ]).toContain(ref);
    expect(evaluateRules(config).filter((r) => r.severity === 'error')).toEqual([]);
  });
});
