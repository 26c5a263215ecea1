// Engine helpers that had no test of their own: generated Secrets, the scorecard, timeout diagnostics
// and the step hash. kubectl's child processes are faked in every test here (fake-cluster.ts /
// fake-exec.ts); written against StrykerJS's surviving mutants in src/engine (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import type { CheckResult } from '../../src/engine/events.js';
import { stepHash } from '../../src/engine/hash.js';
import { writeScorecard } from '../../src/engine/scorecard.js';
import { ensureGeneratedSecret, randomString } from '../../src/engine/secrets.js';
import { KubestrapError } from '../../src/errors.js';
import type { StepPlan } from '../../src/roadmap/types.js';
import { FakeCluster } from './fake-cluster.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const kubectlOf = (c: FakeCluster) => new Kubectl(c.exec, c.target);

describe('generated Secrets (kubectl faked)', () => {
  it('random strings have the asked length and only unambiguous letters and digits', () => {
    const s = randomString(400);
    expect(s).toHaveLength(400);
    expect(s).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
    expect(new Set(s).size).toBeGreaterThan(30);
    expect(randomString(24)).not.toBe(randomString(24));
  });

  it('creates the Secret once: random keys registered for redaction, fixed keys as given, a derived AWS file', async () => {
    const c = new FakeCluster();
    const registered: string[] = [];
    const result = await ensureGeneratedSecret(
      kubectlOf(c),
      {
        namespace: 'velero',
        name: 'minio',
        random: { secretKey: 32 },
        fixed: { accessKey: 'admin' },
        derived: { cloud: { format: 'aws-credentials', accessKey: 'accessKey', secretKey: 'secretKey' } },
      },
      (v) => registered.push(v),
    );
    expect(result).toBe('created');
    const stored = c.get('secret', 'velero', 'minio') as any;
    expect(stored.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kubestrap' });
    expect(stored.type).toBe('Opaque');
    const data = stored.stringData as Record<string, string>;
    expect(data.accessKey).toBe('admin');
    expect(data.secretKey).toHaveLength(32);
    expect(registered).toEqual([data.secretKey]);
    expect(data.cloud).toBe(`[default]\naws_access_key_id=admin\naws_secret_access_key=${data.secretKey}\n`);
    expect(c.changes).toEqual(['apply Secret velero/minio']);
  });

  it('keeps an existing Secret and registers every value it holds', async () => {
    const c = new FakeCluster();
    c.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'grafana', namespace: 'monitoring' },
      data: { a: b64('one'), b: b64('two') },
    });
    const registered: string[] = [];
    const result = await ensureGeneratedSecret(kubectlOf(c), { namespace: 'monitoring', name: 'grafana', random: { a: 20 } }, (v) =>
      registered.push(v),
    );
    expect(result).toBe('kept');
    expect(registered).toEqual(['one', 'two']);
    expect(c.changes).toEqual([]);
  });

  it('derives from another Secret of the namespace when told to', async () => {
    const c = new FakeCluster();
    c.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'root', namespace: 'velero' },
      data: { id: b64('AKID'), key: b64('s3cr3t') },
    });
    await ensureGeneratedSecret(
      kubectlOf(c),
      {
        namespace: 'velero',
        name: 'cloud',
        random: {},
        derived: { cloud: { format: 'aws-credentials', accessKey: 'id', secretKey: 'key', fromSecret: 'root' } },
      },
      () => undefined,
    );
    expect((c.get('secret', 'velero', 'cloud') as any).stringData.cloud).toBe(
      '[default]\naws_access_key_id=AKID\naws_secret_access_key=s3cr3t\n',
    );
  });

  it('a derived key whose sources are missing is a bug report naming them; a missing source Secret too', async () => {
    const c = new FakeCluster();
    const missingKey = ensureGeneratedSecret(
      kubectlOf(c),
      {
        namespace: 'velero',
        name: 'cloud',
        random: { id: 8 },
        derived: { cloud: { format: 'aws-credentials', accessKey: 'id', secretKey: 'nope' } },
      },
      () => undefined,
    );
    await expect(missingKey).rejects.toThrow(KubestrapError);
    await expect(missingKey).rejects.toThrow('cannot derive velero/cloud:cloud: keys id/nope not found');
    const deriveFromRoot = () =>
      ensureGeneratedSecret(
        kubectlOf(c),
        {
          namespace: 'velero',
          name: 'cloud',
          random: {},
          derived: { cloud: { format: 'aws-credentials', accessKey: 'a', secretKey: 'b', fromSecret: 'root' } },
        },
        () => undefined,
      );
    await expect(deriveFromRoot()).rejects.toThrow('Secret velero/root should exist by now but does not');
    c.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'root', namespace: 'velero' }, data: { a: b64('x') } });
    await expect(deriveFromRoot()).rejects.toThrow('keys a/b not found in Secret root');
    expect(c.changes).toEqual([]);
  });
});

describe('the scorecard (kubectl faked)', () => {
  const check = (status: CheckResult['status'], message?: string): CheckResult => ({
    step: 'storage',
    check: `c-${status}`,
    description: `d ${status}`,
    status,
    ...(message ? { message } : {}),
    ms: 5,
  });

  it('counts each status, keeps each check without its timing, and labels drift when one failed', async () => {
    const c = new FakeCluster();
    const drift = await writeScorecard(kubectlOf(c), 'demo', [
      check('ok'),
      check('ok'),
      check('failed', 'broken'),
      check('skipped', 'why'),
    ]);
    expect(drift).toBe(true);
    const cm = c.get('configmap', 'kubestrap-system', 'kubestrap-scorecard') as any;
    expect(cm.metadata.labels).toMatchObject({ 'kubestrap.dev/drift': 'true', 'kubestrap.dev/roadmap': 'demo' });
    expect(cm.data.summary).toBe('2 ok, 1 failed, 1 skipped');
    expect(JSON.parse(cm.data['checks.json'])).toEqual([
      { step: 'storage', check: 'c-ok', description: 'd ok', status: 'ok' },
      { step: 'storage', check: 'c-ok', description: 'd ok', status: 'ok' },
      { step: 'storage', check: 'c-failed', description: 'd failed', status: 'failed', message: 'broken' },
      { step: 'storage', check: 'c-skipped', description: 'd skipped', status: 'skipped', message: 'why' },
    ]);
    expect(Date.parse(cm.data['updated-at'])).toBeGreaterThan(Date.now() - 60_000);
  });

  it('no failed check: no drift', async () => {
    const c = new FakeCluster();
    expect(await writeScorecard(kubectlOf(c), 'demo', [check('ok'), check('skipped', 'why')])).toBe(false);
    expect((c.get('configmap', 'kubestrap-system', 'kubestrap-scorecard') as any).metadata.labels['kubestrap.dev/drift']).toBe('false');
  });
});

describe('the step hash', () => {
  const plan = (content: string): StepPlan =>
    ({
      step: 'storage',
      artifacts: [{ path: 'a.yaml', content }],
      actions: [{ type: 'applyFile', file: 'a.yaml' }],
    }) as unknown as StepPlan;
  const tools = { kubectl: 'v1.36.0', helm: 'v4.1.0' };

  it('is stable for the same plan and tools, and changes with the files, the actions or a tool version', () => {
    const h = stepHash(plan('x'), tools);
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(stepHash(plan('x'), { ...tools })).toBe(h);
    expect(stepHash(plan('y'), tools)).not.toBe(h);
    expect(stepHash({ ...plan('x'), actions: [] } as StepPlan, tools)).not.toBe(h);
    expect(stepHash(plan('x'), { ...tools, helm: 'v4.1.1' })).not.toBe(h);
    expect(stepHash(plan('x'), { ...tools, kubectl: 'v1.36.1' })).not.toBe(h);
  });
});
