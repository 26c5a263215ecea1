// Preflight: an existing cluster that already has a global default PriorityClass would refuse the
// tenant-default kubestrap creates in the cluster step; that is found before anything is applied.
// Child processes are faked (kubectl get priorityclasses answers from a table).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { parseConfigText } from '../../src/config/load.js';
import { checkGlobalDefaultPriorityClass } from '../../src/engine/preflight.js';
import { fakeExec } from './fake-exec.js';

const configText = (cost: string) => `apiVersion: kubestrap.dev/v1alpha1
kind: Roadmap
metadata:
  name: shop
spec:
  cluster:
    provider: existing
    context: prod
  cost: ${cost}
`;
const config = (cost = '{}') => parseConfigText(configText(cost), path.join(process.cwd(), 'k.yaml')).config;
const list = (...items: { name: string; globalDefault?: boolean }[]) =>
  JSON.stringify({
    items: items.map((i) => ({ metadata: { name: i.name }, ...(i.globalDefault === undefined ? {} : { globalDefault: i.globalDefault }) })),
  });
const get = ['kubectl', '--context', 'prod', 'get', 'priorityclasses.scheduling.k8s.io'];

describe('global default PriorityClass (faked kubectl)', () => {
  it('another global default is a problem, with the way out', async () => {
    const exec = fakeExec([[get, list({ name: 'system-cluster-critical' }, { name: 'company-default', globalDefault: true })]]);
    const problems = await checkGlobalDefaultPriorityClass(new Kubectl(exec, { context: 'prod' }), config(), ['cluster', 'monitoring']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.what).toContain("PriorityClass company-default is already the cluster's global default");
    expect(problems[0]!.fix).toContain('spec.cost.priorityClasses: false');
    expect(problems[0]!.fix).toContain('kubectl --context prod patch priorityclass company-default');
  });

  it("kubestrap's own tenant-default (a re-run) or no default at all is fine", async () => {
    for (const answer of [list({ name: 'tenant-default', globalDefault: true }), list({ name: 'other', globalDefault: false })]) {
      const exec = fakeExec([[get, answer]]);
      expect(await checkGlobalDefaultPriorityClass(new Kubectl(exec, { context: 'prod' }), config(), ['cluster'])).toEqual([]);
    }
  });

  it('not asked when PriorityClasses are off or the cluster step does not run', async () => {
    const exec = fakeExec([]);
    const kubectl = new Kubectl(exec, { context: 'prod' });
    expect(await checkGlobalDefaultPriorityClass(kubectl, config('{ priorityClasses: false }'), ['cluster'])).toEqual([]);
    expect(await checkGlobalDefaultPriorityClass(kubectl, config(), ['monitoring'])).toEqual([]);
    expect(exec.calls).toEqual([]);
  });
});
