// Envoy Gateway's CRDs: the gateway step installs gateway-helm with its `crds` subchart off and
// applies only the chart's gateway.envoyproxy.io CRDs (kubestrap applies Gateway API's standard
// CRDs itself). The picking is checked on a small text written here and on the real chart's CRDs
// (`helm show crds` of the pinned package, the same command `up` runs).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { showCrdsArgs } from '../../src/adapters/helm-args.js';
import { loadConfigFile } from '../../src/config/load.js';
import { crdsOfGroups } from '../../src/engine/chart-crds.js';
import { lock } from '../../src/lock.js';
import { buildPlan } from '../../src/plan/plan.js';
import { envoyGatewayCrdGroup, gatewayStep } from '../../src/steps/gateway.js';
import { chartPackage, helmBinary } from '../real-charts/charts.ts';

const root = path.resolve(import.meta.dirname, '../..');

const crd = (name: string, group: string, extra = '') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${name}.${group}
spec:
  group: ${group}${extra}
`;

describe('crdsOfGroups', () => {
  it('keeps only the CRDs of the named groups, each document exactly as written', () => {
    // `enum: [On, Off]` would become booleans if the text were re-serialised by a YAML 1.1 reader's rules.
    const text = `---\n${crd('gateways', 'gateway.networking.k8s.io')}---\n# a comment\n${crd('envoyproxies', 'gateway.envoyproxy.io', '\n  names: { kind: EnvoyProxy }\n  x: [On, Off]')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: not-a-crd }\n---\n${crd('backends', 'gateway.envoyproxy.io')}`;
    const { yaml, names } = crdsOfGroups(text, ['gateway.envoyproxy.io'], 'test-chart');
    expect(names).toEqual(['envoyproxies.gateway.envoyproxy.io', 'backends.gateway.envoyproxy.io']);
    expect(yaml).toContain('  x: [On, Off]');
    const docs = parseAllDocuments(yaml).map((d) => d.toJS());
    expect(docs.map((d) => d.spec.group)).toEqual(['gateway.envoyproxy.io', 'gateway.envoyproxy.io']);
  });

  it('a group the chart does not carry is an error naming the chart and the group', () => {
    expect(() => crdsOfGroups(crd('gateways', 'gateway.networking.k8s.io'), ['gateway.envoyproxy.io'], 'charts/gateway-helm')).toThrow(
      /chart charts\/gateway-helm carries no CRD of API group gateway\.envoyproxy\.io/,
    );
  });

  it("the real gateway-helm chart: Envoy Gateway's 8 CRDs, none of the Gateway API CRDs it bundles (helm show crds, real helm)", () => {
    const args = showCrdsArgs({ ref: chartPackage('envoyGateway') });
    const all = execFileSync(helmBinary(), args.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
    const groups = parseAllDocuments(all).map((d) => (d.toJS() as { spec?: { group?: string } } | null)?.spec?.group);
    // The chart does bundle Gateway API CRDs (what conflicted with kubestrap's standard ones).
    expect(groups).toContain('gateway.networking.k8s.io');
    const { yaml, names } = crdsOfGroups(all, [envoyGatewayCrdGroup], 'gateway-helm');
    expect(names.sort()).toEqual(
      [
        'backends',
        'backendtrafficpolicies',
        'clienttrafficpolicies',
        'envoyextensionpolicies',
        'envoypatchpolicies',
        'envoyproxies',
        'httproutefilters',
        'securitypolicies',
      ].map((n) => `${n}.${envoyGatewayCrdGroup}`),
    );
    expect(parseAllDocuments(yaml).every((d) => (d.toJS() as { spec: { group: string } }).spec.group === envoyGatewayCrdGroup)).toBe(true);
  });
});

describe('gateway step with Envoy Gateway', () => {
  it("applies the chart's own CRDs after the Gateway API CRDs and before the release, whose values turn the crds subchart off", async () => {
    const { config, baseDir } = await loadConfigFile(path.join(root, 'examples', 'production.yaml'));
    expect(config.spec.networking.gateway).toBe('envoy-gateway');
    const plan = gatewayStep.render({ config, baseDir, outDir: '/tmp/kubestrap-test-plan' });
    const types = plan.actions.map((a) => a.type);
    const crds = types.indexOf('chart-crds');
    expect(crds).toBeGreaterThan(types.findIndex((t) => t === 'apply-url' || t === 'apply'));
    expect(crds).toBeLessThan(types.indexOf('helm'));
    const action = plan.actions[crds]!;
    if (action.type !== 'chart-crds') throw new Error('unreachable');
    expect(action.groups).toEqual(['gateway.envoyproxy.io']);
    const helm = plan.actions.find((a) => a.type === 'helm');
    if (helm?.type !== 'helm') throw new Error('no helm action');
    // The same chart (ref, repository, version) as the release.
    expect(action.chart).toEqual(helm.release.chart);
    expect(helm.release.chart.version).toBe(lock.charts.envoyGateway.version);
    const values = parse(plan.artifacts.find((a) => a.path === helm.release.values)!.content);
    expect(values.crds).toEqual({ enabled: false });
    expect(plan.checks).toContainEqual({ type: 'crd-established', name: 'envoyproxies.gateway.envoyproxy.io' });
  });

  it('plan shows the apply and, as its stdin, the helm show crds command it comes from', async () => {
    const { config, baseDir } = await loadConfigFile(path.join(root, 'examples', 'production.yaml'));
    const planned = buildPlan({ config, baseDir, outDir: '/tmp/kubestrap-test-plan' })
      .phases.flatMap((p) => p.steps)
      .find((s) => s.id === 'gateway')!;
    const i = planned.rendered.actions.findIndex((a) => a.type === 'chart-crds');
    expect(planned.commands[i]!.slice(-2)).toEqual(['-f', '-']);
    expect(planned.stdin).toContainEqual({
      command: i,
      content: expect.stringMatching(/^the CRDs of API group gateway\.envoyproxy\.io from: helm show crds \S*gateway-helm/),
    });
  });
});
