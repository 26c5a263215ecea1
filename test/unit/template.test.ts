import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderObject, toYamlStream } from '../../src/render/template.js';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const hostile = [
  'a\nkind: Secret',
  'x: y',
  '---\napiVersion: v1',
  '{{ .Values.evil }}',
  "'; rm -rf / #",
  '&anchor *alias',
  '!!python/object',
];

describe('structural templates', () => {
  it.each(hostile)('keeps %j a single scalar, round-tripping exactly', (value) => {
    const ns = renderObject('common/namespace.yaml', { name: value, labels: { team: value } });
    const text = toYamlStream([ns, ns]);
    const docs = parseAllDocuments(text);
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      expect(doc.errors).toEqual([]);
      const obj = doc.toJS();
      expect(Object.keys(obj)).toEqual(['apiVersion', 'kind', 'metadata']);
      expect(obj.kind).toBe('Namespace');
      expect(obj.metadata.name).toBe(value);
      expect(obj.metadata.labels).toEqual({ team: value });
    }
  });

  it('refuses to render when a required value is missing', () => {
    expect(() => renderObject('common/namespace.yaml', { name: 'x' })).toThrow(/no value for !var labels/);
  });

  it('drops optional entries whose value is undefined', () => {
    const size = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
    const values = renderObject('networking/cilium-values.yaml', {
      operatorReplicas: 1,
      operatorPdb: false,
      kubeProxyReplacement: false,
      hubbleUi: false,
      encryption: false,
      gatewayApi: false,
      resources: { agent: size, init: size, envoy: size, operator: size, relay: size, ui: size },
    });
    expect(values).not.toHaveProperty('k8sServiceHost');
    expect(values.operator).toEqual({ replicas: 1, resources: size, podDisruptionBudget: { enabled: false } });
    // No priorityClassName given: the key is left out, not written empty.
    expect((values.hubble as Record<string, Record<string, unknown>>).relay).toEqual({ enabled: true, resources: size });
  });
});

describe('names that could inject are rejected at the boundary', () => {
  const base = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: ok\nspec:\n  cluster:\n    name: ';
  it.each(['"a\\nb"', '"a: b"', '"---"', '"{{x}}"', '"UPPER"', `"${'a'.repeat(64)}"`])('rejects cluster name %s', (name) => {
    expect(() => parseConfigText(`${base}${name}\n`, '/x/k.yaml')).toThrow(ConfigError);
  });
});
