// How many objects a template renders to: renderObject takes single-document templates only (a helm values
// file, one ClusterIssuer) and refuses a multi-document one by name rather than silently keeping its first
// object; renderObjects gives every document of a multi-document template, in order. Written against the
// mutants StrykerJS found surviving in template.ts (docs/mutation.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTemplate, renderObject, renderObjects, templatesDir } from '../../src/render/template.js';

const labels = { 'app.kubernetes.io/managed-by': 'kubestrap' };

describe('documents of a template', () => {
  it('renderObject refuses a template of several documents, naming it', () => {
    expect(() => renderObject('cluster/priority-classes.yaml', { labels })).toThrow(
      'template cluster/priority-classes.yaml: expected exactly one document',
    );
  });

  it('renderObjects gives each document of a multi-document template as one object, in file order', () => {
    const objects = renderObjects('cluster/priority-classes.yaml', { labels });
    const text = readFileSync(path.join(templatesDir, 'cluster/priority-classes.yaml'), 'utf8');
    expect(objects).toHaveLength(parseTemplate('priority-classes.yaml', text).length);
    expect(objects.length).toBeGreaterThan(1);
    for (const o of objects) expect(o).toMatchObject({ kind: 'PriorityClass', metadata: { labels } });
    expect(new Set(objects.map((o) => (o.metadata as { name: string }).name)).size).toBe(objects.length);
  });

  it('a value of a dotted placeholder under a null is missing, named as such (not a TypeError)', () => {
    const flags = {
      operatorReplicas: 1,
      operatorPdb: false,
      kubeProxyReplacement: false,
      hubbleUi: false,
      encryption: false,
      gatewayApi: false,
    };
    expect(() => renderObject('networking/cilium-values.yaml', { ...flags, resources: null })).toThrow(
      'template networking/cilium-values.yaml: no value for !var resources.agent',
    );
  });

  it('a key without a value (`{a}`) compiles to null, like an empty document', () => {
    expect(parseTemplate('t.yaml', '{a, b: 1}\n')).toEqual([
      expect.objectContaining({
        pairs: [
          ['a', null],
          ['b', 1],
        ],
      }),
    ]);
  });

  it('renderObject gives the one object of a single-document template', () => {
    expect(renderObject('common/namespace.yaml', { name: 'team-a', labels })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels },
    });
  });
});
