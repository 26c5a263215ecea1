// Render helpers at the edges the example configurations do not reach: the YAML fast path's fallbacks
// and null-prototype objects, file-system volume backups, local/OCI chart sources, the target context
// and template errors. Written against the mutants StrykerJS found surviving or uncovered in src/render
// (npm run mutation, docs/mutation.md).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { lock } from '../../src/lock.js';
import { addonResources } from '../../src/render/addons.js';
import { volumeBackup, needsNodeAgent } from '../../src/render/backup-volumes.js';
import { chartSource } from '../../src/render/charts.js';
import { defaultStorageClass, targetContext } from '../../src/render/common.js';
import { identityWiring } from '../../src/render/identity.js';
import { parseTemplate, precompiledDocs, precompileTemplates } from '../../src/render/template.js';
import { emitYaml, emitYamlDocument, isAmbiguousPlain } from '../../src/render/yaml-emit.js';
import { emitPlainYaml } from '../../src/render/yaml-fast.js';

const writers = { ambiguous: isAmbiguousPlain, document: emitYamlDocument };
const config = (spec: string) =>
  parseConfigText(`apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n${spec}`, '/x/k.yaml').config;

describe('the YAML fast path', () => {
  it('takes objects without a prototype, as the yaml package writes them', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1, b: { c: 'x' } });
    expect(emitPlainYaml(bare, writers)).toBe('a: 1\nb:\n  c: x\n');
    expect(emitYaml(bare)).toBe(emitYamlDocument({ a: 1, b: { c: 'x' } }));
  });

  it('leaves other object types to the yaml package', () => {
    expect(emitPlainYaml(new Date(0), writers)).toBeUndefined();
    expect(emitPlainYaml({ when: new Date(0) }, writers)).toBeUndefined();
    expect(emitPlainYaml({ m: new Map([['a', 1]]) }, writers)).toBeUndefined();
  });

  it('writes null as null, and leaves values it has no text for (bigint) to the yaml package', () => {
    expect(emitPlainYaml({ a: null, b: [null, 1] }, writers)).toBe('a: null\nb:\n  - null\n  - 1\n');
    expect(emitPlainYaml({ a: 10n }, writers)).toBeUndefined();
    expect(emitPlainYaml([10n], writers)).toBeUndefined();
    expect(emitYaml({ a: 10n })).toBe(emitYamlDocument({ a: 10n }));
  });

  it('takes a key outside the plain alphabet from the yaml writer, and stays on the fast path', () => {
    const value = { 'a: b': 1, '#x': 'y', '': 2 };
    const fast = emitPlainYaml(value, writers);
    expect(fast).toBe(emitYamlDocument(value));
    expect(fast).toContain('"a: b": 1\n');
  });

  it('gives up on a key the writer puts on lines of its own (over 1024 characters), and emitYaml still writes it right', () => {
    const long = `${'k'.repeat(1100)}: x`;
    expect(emitPlainYaml({ [long]: 1 }, writers)).toBeUndefined();
    expect(emitYaml({ [long]: 1 })).toBe(emitYamlDocument({ [long]: 1 }));
    // A plain key of 1001-1024 characters is written by the writer too, on one line.
    const plainLong = 'p'.repeat(1010);
    expect(emitPlainYaml({ [plainLong]: 1 }, writers)).toBe(`${plainLong}: 1\n`);
  });

  it('gives up on multi-line strings and undefined list items, and writes scalars alone with the full writer', () => {
    expect(emitPlainYaml({ a: 'x\ny' }, writers)).toBeUndefined();
    expect(emitPlainYaml([1, undefined], writers)).toBeUndefined();
    expect(emitPlainYaml('---', writers)).toBeUndefined();
    expect(emitPlainYaml(null, writers)).toBeUndefined();
    expect(emitPlainYaml([], writers)).toBe('[]\n');
    expect(emitPlainYaml({ a: undefined }, writers)).toBe('{}\n');
  });

  it('numbers without an exact integer text come from the writer', () => {
    for (const n of [1.5, -0, 1e21, Number.NaN, Number.POSITIVE_INFINITY])
      expect(emitPlainYaml({ n }, writers)).toBe(emitYamlDocument({ n }));
  });

  it('gives up past 64 levels of nesting, and emitYaml still writes it', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 70; i++) deep = i % 2 ? { k: deep } : [deep];
    expect(emitPlainYaml(deep, writers)).toBeUndefined();
    expect(emitYaml(deep)).toBe(emitYamlDocument(deep));
    let shallow: unknown = 'leaf';
    for (let i = 0; i < 60; i++) shallow = { k: shallow };
    expect(emitPlainYaml(shallow, writers)).toBe(emitYamlDocument(shallow));
  });

  it('escapes the C1 controls JSON leaves raw with two hex digits', () => {
    expect(emitYaml({ a: 'x\x7fy\x9b' })).toBe('a: "x\\x7fy\\x9b"\n');
  });
});

describe('volume backups', () => {
  it('file-system when asked, with the node agent', () => {
    const v = volumeBackup(config('  backup: { volumes: file-system }\n'));
    expect(v).toEqual({ mode: 'file-system', reason: 'spec.backup.volumes is file-system' });
    expect(needsNodeAgent(v)).toBe(true);
  });

  it("snapshot: the profile's CSI driver, Longhorn's own, or the one named", () => {
    const eks = '  cluster: { provider: existing, context: prod, profile: eks }\n';
    expect(volumeBackup(config(`${eks}  backup: { volumes: snapshot }\n`))).toEqual({
      mode: 'snapshot',
      driver: 'ebs.csi.aws.com',
      reason: 'spec.backup.volumes is snapshot',
    });
    expect(volumeBackup(config(`${eks}  backup: { volumes: snapshot, snapshotDriver: x.csi.example.com }\n`))).toMatchObject({
      driver: 'x.csi.example.com',
    });
    expect(volumeBackup(config(`${eks}  backup: { volumes: snapshot }\n  storage: { provisioner: longhorn }\n`))).toMatchObject({
      driver: 'driver.longhorn.io',
    });
  });

  it('auto: snapshots where a driver is known and a snapshot controller runs, else file-system, each with its reason', () => {
    const eks = '  cluster: { provider: existing, context: prod, profile: eks }\n';
    expect(volumeBackup(config(eks))).toEqual({
      mode: 'snapshot',
      driver: 'ebs.csi.aws.com',
      reason: 'auto: CSI driver ebs.csi.aws.com takes snapshots',
    });
    expect(volumeBackup(config(`${eks}  storage: { snapshots: false }\n`))).toEqual({
      mode: 'file-system',
      reason: 'auto: storage.snapshots is false, so there is no snapshot controller',
    });
    expect(volumeBackup(config('  cluster: {}\n'))).toEqual({
      mode: 'file-system',
      reason: "auto: kind's local-path provisioner cannot take snapshots",
    });
    expect(volumeBackup(config('  cluster: { provider: existing, context: prod }\n')).reason).toBe(
      'auto: no CSI driver known (set spec.backup.snapshotDriver to back up with CSI snapshots)',
    );
  });

  it('none: objects only, no node agent', () => {
    const v = volumeBackup(config('  backup: { volumes: none }\n'));
    expect(v.mode).toBe('none');
    expect(v.reason).toContain('objects only');
    expect(needsNodeAgent(v)).toBe(false);
  });
});

describe('chart sources', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-render-edges-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pin = lock.charts.metricsServer;

  it('local: the chart directory when there is one, else the packaged chart, relative to the config', () => {
    const c = config(`  charts: { source: local, localDir: charts }\n`);
    mkdirSync(path.join(dir, 'charts'));
    expect(chartSource(c, dir, 'metricsServer')).toEqual({ ref: path.join(dir, 'charts', pin.chart) });
    writeFileSync(path.join(dir, 'charts', `${pin.chart}-${pin.version}.tgz`), '');
    expect(chartSource(c, dir, 'metricsServer')).toEqual({ ref: path.join(dir, 'charts', `${pin.chart}-${pin.version}.tgz`) });
    mkdirSync(path.join(dir, 'charts', pin.chart));
    expect(chartSource(c, dir, 'metricsServer')).toEqual({ ref: path.join(dir, 'charts', pin.chart) });
  });

  it('oci: the mirror without its trailing slashes, and the pinned version', () => {
    const c = config('  charts: { source: oci, ociMirror: "oci://registry.example.com/charts//" }\n');
    expect(chartSource(c, dir, 'metricsServer')).toEqual({ ref: `oci://registry.example.com/charts/${pin.chart}`, version: pin.version });
  });
});

describe('add-on sizes', () => {
  it("kubestrap's size per target, and an override of only some of the four values keeps the others", () => {
    const kind = addonResources(config('  cluster: {}\n'), 'grafana');
    const prod = addonResources(config('  cluster: { provider: existing, context: prod }\n'), 'grafana');
    expect(kind).not.toEqual(prod);
    const limitsOnly = addonResources(config('  cost: { addonResources: { grafana: { limits: { memory: 3Gi } } } }\n'), 'grafana');
    expect(limitsOnly).toEqual({ requests: kind.requests, limits: { cpu: kind.limits.cpu, memory: '3Gi' } });
    const requestsOnly = addonResources(config('  cost: { addonResources: { grafana: { requests: { cpu: 250m } } } }\n'), 'grafana');
    expect(requestsOnly).toEqual({ requests: { cpu: '250m', memory: kind.requests.memory }, limits: kind.limits });
  });
});

describe('target context', () => {
  it("kind's own context, or the one the user named", () => {
    expect(targetContext(config('  cluster: { name: lab }\n'))).toBe('kind-lab');
    expect(targetContext(config('  cluster: { provider: existing, context: prod }\n'))).toBe('prod');
  });
});

describe('default StorageClass and workload identity wiring', () => {
  it("Longhorn's class wins over a named one; kind's standard; none named on an existing cluster", () => {
    expect(defaultStorageClass(config('  storage: { provisioner: longhorn, defaultClass: fast }\n'))).toBe('longhorn');
    expect(defaultStorageClass(config('  storage: { defaultClass: fast }\n'))).toBe('fast');
    expect(defaultStorageClass(config('  cluster: {}\n'))).toBe('standard');
    expect(defaultStorageClass(config('  cluster: { provider: existing, context: prod }\n'))).toBeUndefined();
  });

  it('each cloud identity: its ServiceAccount annotation, pod labels and how the plan names it', () => {
    expect(identityWiring(undefined)).toBeUndefined();
    expect(identityWiring({})).toBeUndefined();
    expect(identityWiring({ awsRoleArn: 'arn:aws:iam::123456789012:role/v' })).toEqual({
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/v' },
      podLabels: {},
      describe: 'IAM role arn:aws:iam::123456789012:role/v (IRSA)',
    });
    expect(identityWiring({ gcpServiceAccount: 'v@p.iam.gserviceaccount.com' })?.describe).toBe(
      'Google service account v@p.iam.gserviceaccount.com (GKE Workload Identity)',
    );
    expect(identityWiring({ azureClientId: 'c-1' })).toEqual({
      serviceAccountAnnotations: { 'azure.workload.identity/client-id': 'c-1' },
      podLabels: { 'azure.workload.identity/use': 'true' },
      describe: 'managed identity c-1 (Azure Workload Identity)',
    });
  });
});

describe('templates', () => {
  it('a template that is not valid YAML is refused with its name', () => {
    expect(() => parseTemplate('bad.yaml', 'a: [unclosed\n')).toThrow(/^template bad\.yaml: /);
  });

  it('precompiled at build time: kept only when JSON carries the template exactly, and used only for the same text', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ks-precompile-'));
    try {
      mkdirSync(path.join(dir, 'sub'));
      const plain = 'kind: ConfigMap\ndata:\n  a: "1"\n  n: 2\n';
      writeFileSync(path.join(dir, 'sub', 'plain.yaml'), plain);
      writeFileSync(path.join(dir, 'infinite.yaml'), 'a: .inf\n');
      writeFileSync(path.join(dir, 'negative-zero.yaml'), 'a: -0.0\n');
      writeFileSync(path.join(dir, 'alias.yaml'), 'a: &x 1\nb: *x\n');
      writeFileSync(path.join(dir, 'notes.txt'), 'not a template');
      const store = precompileTemplates(dir);
      expect(Object.keys(store)).toEqual(['sub/plain.yaml']);
      expect(precompiledDocs(store, 'sub/plain.yaml', plain)).toEqual(parseTemplate('sub/plain.yaml', plain));
      expect(precompiledDocs(store, 'sub/plain.yaml', `${plain}# edited\n`)).toBeUndefined();
      expect(precompiledDocs(store, 'toString', plain)).toBeUndefined();
      writeFileSync(path.join(dir, 'broken.yaml'), 'a: [\n');
      expect(() => precompileTemplates(dir)).toThrow(/^template broken\.yaml: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty document compiles to null', () => {
    expect(parseTemplate('empty.yaml', '---\n---\na: 1\n')).toEqual([null, expect.anything()]);
  });
});
