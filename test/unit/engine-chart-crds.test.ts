// crdsOfGroups (src/engine/chart-crds.ts) on CRD texts built here: which documents it passes on, byte
// for byte, and what it refuses. The real gateway-helm chart is covered by gateway-envoy-crds.test.ts
// (real helm, left out of mutation runs); these cover it for StrykerJS (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { crdsOfGroups } from '../../src/engine/chart-crds.js';
import { KubestrapError } from '../../src/errors.js';

const crd = (name: string, group: string, extra = '') =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\nspec:\n  group: ${group}${extra}\n`;

describe('CRDs of API groups from a chart', () => {
  it('passes on the documents of the asked groups as written, in order, with their names', () => {
    const a = crd('gateways.example.io', 'example.io', '\n  # a comment kept as written');
    const b = crd('routes.other.io', 'other.io');
    const c = crd('policies.example.io', 'example.io', '\n  description: |\n    text\n    ---\n    more');
    const text = `# Source: chart/crds/a.yaml\n---\n${a}---   # next\n\n\n${b}---\n${c}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-a-crd\n`;
    const out = crdsOfGroups(text, ['example.io'], 'demo');
    expect(out.names).toEqual(['gateways.example.io', 'policies.example.io']);
    expect(out.yaml).toBe(`${a}---\n${c}`);
  });

  it('adds the newline a last document lacks, and drops blank lines before a document', () => {
    const out = crdsOfGroups(`\n\n${crd('a.x.io', 'x.io').trimEnd()}`, ['x.io'], 'demo');
    expect(out.yaml).toBe(crd('a.x.io', 'x.io'));
  });

  it('several groups: every one must have a CRD, and the error names each missing one and the fix', () => {
    const text = crd('a.x.io', 'x.io');
    expect(crdsOfGroups(text, [], 'demo')).toEqual({ yaml: '', names: [] });
    try {
      crdsOfGroups(text, ['x.io', 'y.io', 'z.io'], 'gateway-helm');
      expect.unreachable('missing groups must be refused');
    } catch (error) {
      expect(error).toBeInstanceOf(KubestrapError);
      expect((error as KubestrapError).message).toBe('chart gateway-helm carries no CRD of API group y.io, z.io');
      expect((error as KubestrapError).suggestion).toContain('point spec.charts at the pinned chart');
    }
  });

  it('a document of another kind in the group, or a CRD without a group or name, is not a CRD of it', () => {
    const notCrd = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nspec:\n  group: x.io\n';
    expect(() => crdsOfGroups(notCrd, ['x.io'], 'demo')).toThrow('carries no CRD of API group x.io');
    const noGroup = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.x.io\n';
    expect(() => crdsOfGroups(noGroup, ['x.io'], 'demo')).toThrow('carries no CRD of API group x.io');
    const noName = 'kind: CustomResourceDefinition\nspec:\n  group: x.io\n';
    expect(crdsOfGroups(noName, ['x.io'], 'demo').names).toEqual(['']);
  });

  it('a first document with no separator before it is passed on unchanged; a line that only starts with --- separates nothing', () => {
    const first = crd('a.x.io', 'x.io');
    expect(crdsOfGroups(`${first}---\n${crd('b.y.io', 'y.io')}`, ['x.io'], 'demo').yaml).toBe(first);
    const odd = crd('c.x.io', 'x.io', '\n---x-note: kept');
    expect(crdsOfGroups(odd, ['x.io'], 'demo')).toEqual({ yaml: odd, names: ['c.x.io'] });
  });

  it('text that is not YAML is refused, naming the chart', () => {
    expect(() => crdsOfGroups('a: [unclosed\n', ['x.io'], 'demo')).toThrow(/^the CRDs of chart demo do not parse: /);
  });
});
