// executeAction's kind cluster creation and manifest apply, and objectRefs (src/engine/actions.ts).
// kind and kubectl child processes are faked (fake-exec.ts / fake-cluster.ts); the encryption config is
// written to a temporary directory. Written against StrykerJS's surviving mutants in src/engine.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Helm } from '../../src/adapters/helm.js';
import { Kind } from '../../src/adapters/kind.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { executeAction, objectRefs, type ActionEnv } from '../../src/engine/actions.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-actions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup(clusters: string) {
  const c = new FakeCluster();
  const answer = (c as unknown as { answer(argv: readonly string[], input: string | undefined): FakeResult | undefined }).answer.bind(c);
  const exec = fakeExec(
    [
      [['kind', 'get', 'clusters'], clusters],
      [['kind', 'export', 'kubeconfig'], ''],
      [['kind', 'create', 'cluster'], ''],
    ],
    answer,
  );
  const progress: string[] = [];
  const secrets: string[] = [];
  const env: ActionEnv = {
    kubectl: new Kubectl(exec, c.target),
    helm: new Helm(exec, c.target, 4),
    kind: new Kind(exec),
    workDir: dir,
    timeout: '1m',
    progress: (m) => progress.push(m),
    registerSecret: (v) => secrets.push(v),
  };
  return { c, exec, env, progress, secrets };
}

describe('objectRefs', () => {
  it('lists each object with apiVersion, kind and name; the namespace only when set; skips empty and partial documents', () => {
    const yaml = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns',
      '',
      'kind: ConfigMap\nmetadata:\n  name: no-api-version',
      'apiVersion: v1\nmetadata:\n  name: no-kind',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {}',
      'apiVersion: v1\nkind: ConfigMap',
      '42',
    ].join('\n---\n');
    expect(objectRefs(yaml)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'ns' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'ns' },
    ]);
  });
});

describe('executeAction (kind and kubectl faked)', () => {
  it('kind-create on an existing cluster exports its kubeconfig and creates nothing, not even the key', async () => {
    const s = setup('other\nlab\n');
    const key = path.join(dir, 'existing', 'encryption.yaml');
    await executeAction({ type: 'kind-create', cluster: 'lab', config: 'kind.yaml', waitForNodes: true, encryptionConfig: key }, s.env);
    expect(s.progress).toEqual(['kind cluster lab exists; exporting its kubeconfig']);
    expect(s.exec.calls.map((a) => a.slice(0, 3).join(' '))).toEqual(['kind get clusters', 'kind export kubeconfig']);
    expect(() => statSync(key)).toThrow();
  });

  it('kind-create of a new cluster writes a fresh encryption key (0600, registered for redaction) and creates the cluster', async () => {
    const s = setup('No kind clusters found.\n');
    const key = path.join(dir, 'new', 'encryption.yaml');
    await executeAction({ type: 'kind-create', cluster: 'lab', config: 'kind.yaml', waitForNodes: true, encryptionConfig: key }, s.env);
    expect(s.progress).toEqual(['creating kind cluster lab (a few minutes)']);
    expect(s.exec.calls.at(-1)!.slice(0, 3)).toEqual(['kind', 'create', 'cluster']);
    expect(s.exec.calls.at(-1)).toContain(path.join(dir, 'kind.yaml'));
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(s.secrets).toHaveLength(1);
    expect(readFileSync(key, 'utf8')).toContain(s.secrets[0]!);
  });

  it('kind-create keeps an encryption key that is already there', async () => {
    const s = setup('');
    const key = path.join(dir, 'kept.yaml');
    writeFileSync(key, 'old key');
    await executeAction({ type: 'kind-create', cluster: 'lab', config: 'kind.yaml', waitForNodes: false, encryptionConfig: key }, s.env);
    expect(readFileSync(key, 'utf8')).toBe('old key');
    expect(s.secrets).toEqual([]);
  });

  it('kind-create without encryption writes no key', async () => {
    const s = setup('');
    await executeAction({ type: 'kind-create', cluster: 'lab', config: 'kind.yaml', waitForNodes: false }, s.env);
    expect(s.secrets).toEqual([]);
  });

  it('apply says what it applies and returns the objects of the manifest', async () => {
    const s = setup('');
    writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n');
    const unit = await executeAction({ type: 'apply', manifest: 'cm.yaml', description: 'the config map' }, s.env);
    expect(s.progress).toEqual(['applying the config map']);
    expect(unit).toEqual({ type: 'objects', refs: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'ns' }] });
    expect(s.c.changes).toEqual(['apply ConfigMap ns/a']);
  });
});
