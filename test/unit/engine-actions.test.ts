// executeAction's kind cluster creation and manifest apply, and objectRefs (src/engine/actions.ts).
// kind and kubectl child processes are faked (fake-exec.ts / fake-cluster.ts); the encryption config is
// written to a temporary directory. Written against StrykerJS's surviving mutants in src/engine.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Helm } from '../../src/adapters/helm.js';
import { Kind } from '../../src/adapters/kind.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { ActionFailure, executeAction, objectRefs, settlePendingRelease, type ActionEnv } from '../../src/engine/actions.js';
import { CommandError } from '../../src/errors.js';
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

describe('executeAction: URL, helm, chart CRDs and generated secrets (kubectl and helm faked)', () => {
  const release = {
    release: 'web',
    namespace: 'apps',
    chart: { ref: 'web', repo: 'https://charts.example', version: '1.2.3' },
    values: 'web/values.yaml',
  };

  it('apply-url says what it applies, hands kubectl the URL as it is, and records nothing', async () => {
    const s = setup('');
    const base = ['kubectl', '--context', 'fake'];
    const exec = fakeExec([[[...base, 'apply'], '']]);
    const env = { ...s.env, kubectl: new Kubectl(exec, s.c.target) };
    const unit = await executeAction({ type: 'apply-url', url: 'https://example.com/crds.yaml', description: 'the CRDs' }, env);
    expect(unit).toBeUndefined();
    expect(s.progress).toEqual(['applying the CRDs']);
    expect(exec.calls).toEqual([
      [...base, 'apply', '--server-side', '--field-manager', 'kubestrap', '--force-conflicts', '-f', 'https://example.com/crds.yaml'],
    ]);
  });

  it('helm: looks at the release history first, then upgrades it with the values from the work dir, and records the release', async () => {
    const s = setup('');
    const unit = await executeAction({ type: 'helm', release }, s.env);
    expect(unit).toEqual({ type: 'release', release: 'web', namespace: 'apps' });
    expect(s.progress).toEqual(['helm upgrade --install web (waiting up to 1m)']);
    const helmCalls = s.exec.calls.filter((a) => a[0] === 'helm');
    expect(helmCalls.map((a) => a[1])).toEqual(['history', 'upgrade']);
    const upgrade = helmCalls[1]!;
    expect(upgrade.slice(0, 5)).toEqual(['helm', 'upgrade', '--install', 'web', 'web']);
    expect(upgrade).toContain(path.join(dir, 'web/values.yaml'));
    expect(upgrade.join(' ')).toContain('--namespace apps');
    expect(upgrade.join(' ')).toContain('--timeout 1m');
    expect(s.c.changes).toEqual(['helm upgrade apps/web']);
  });

  it('helm: a failure that comes at once carries helm’s message and the namespace, without diagnostics', async () => {
    const s = setup('');
    s.c.failWhen = (argv) => (argv[1] === 'upgrade' ? 'Error: UPGRADE FAILED: context deadline exceeded' : undefined);
    const error = await executeAction({ type: 'helm', release }, s.env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionFailure);
    expect((error as ActionFailure).message).toContain('UPGRADE FAILED: context deadline exceeded');
    expect((error as ActionFailure).namespace).toBe('apps');
    expect((error as ActionFailure).diagnostics).toEqual([]);
  });

  it('helm: while helm still waits near its timeout, the namespace is looked at, and that picture comes with the failure', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const s = setup('');
      s.c.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-1', namespace: 'apps' },
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: '0/1 nodes are available' }] },
      } as any);
      const original = s.exec.run.bind(s.exec);
      s.exec.run = async (argv, options) => {
        if (argv[1] === 'upgrade') {
          await new Promise((r) => setTimeout(r, 10_000));
          // helm's rollback removed the pod that showed why
          s.c.objects.delete('pod|apps|web-1');
          throw new CommandError('exit 1', [...argv], 'Error: UPGRADE FAILED: timed out waiting for the condition');
        }
        return original(argv, options);
      };
      const pending = executeAction({ type: 'helm', release }, { ...s.env, timeout: '10s' }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(2_999);
      expect(s.progress).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.progress.at(-1)).toBe('still waiting for web; collecting diagnostics in apps');
      await vi.advanceTimersByTimeAsync(7_000);
      const error = (await pending) as ActionFailure;
      expect(error).toBeInstanceOf(ActionFailure);
      expect(error.diagnostics).toEqual(['pod apps/web-1 Pending: unschedulable: 0/1 nodes are available']);
      expect(error.namespace).toBe('apps');
    } finally {
      vi.useRealTimers();
    }
  });

  it('helm: the diagnostics are taken shortly before helm’s own timeout, not at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const s = setup('');
      const original = s.exec.run.bind(s.exec);
      s.exec.run = async (argv, options) => {
        if (argv[1] === 'upgrade') await new Promise((r) => setTimeout(r, 60_000));
        return original(argv, options);
      };
      const pending = executeAction({ type: 'helm', release }, { ...s.env, timeout: '1m' });
      await vi.advanceTimersByTimeAsync(51_999);
      expect(s.progress).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(s.progress).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(8_000);
      await expect(pending).resolves.toEqual({ type: 'release', release: 'web', namespace: 'apps' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('helm: a release left pending by an interrupted run is rolled back (with a warning) before the upgrade', async () => {
    const s = setup('');
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const history = [
      { revision: 1, status: 'deployed', updated: old },
      { revision: 2, status: 'pending-upgrade', updated: old },
    ];
    let rolledBack = false;
    const original = s.exec.run.bind(s.exec);
    s.exec.run = async (argv, options) => {
      s.exec.calls.push([...argv]);
      if (argv[1] === 'history')
        return {
          stdout: JSON.stringify(rolledBack ? [...history, { revision: 3, status: 'deployed', updated: old }] : history),
          stderr: '',
          exitCode: 0,
        };
      if (argv[1] === 'rollback') {
        rolledBack = true;
        return { stdout: '', stderr: '', exitCode: 0 };
      }
      s.exec.calls.pop();
      return original(argv, options);
    };
    const warnings: string[] = [];
    await executeAction({ type: 'helm', release }, { ...s.env, warn: (m) => warnings.push(m) });
    expect(s.exec.calls.filter((a) => a[0] === 'helm').map((a) => a[1])).toEqual(['history', 'rollback', 'history', 'upgrade']);
    expect(s.exec.calls.find((a) => a[1] === 'rollback')).toEqual(expect.arrayContaining(['web', '1']));
    expect(warnings).toEqual([expect.stringContaining('helm release apps/web was left pending-upgrade (revision 2)')]);
  });

  it('chart-crds: reads the chart’s CRDs, applies only those of the groups asked for, and records them', async () => {
    const crd = (name: string, group: string) =>
      `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\nspec:\n  group: ${group}\n`;
    const s = setup('');
    const base = ['kubectl', '--context', 'fake'];
    const answer = (s.c as unknown as { answer(argv: readonly string[], input: string | undefined): FakeResult | undefined }).answer.bind(
      s.c,
    );
    const exec = fakeExec(
      [
        [
          ['helm', 'show', 'crds'],
          [
            crd('gateways.gateway.networking.k8s.io', 'gateway.networking.k8s.io'),
            crd('envoyproxies.gateway.envoyproxy.io', 'gateway.envoyproxy.io'),
          ].join('---\n'),
        ],
      ],
      answer,
    );
    const env = { ...s.env, kubectl: new Kubectl(exec, s.c.target), helm: new Helm(exec, s.c.target, 4) };
    const unit = await executeAction(
      {
        type: 'chart-crds',
        chart: { ref: 'oci://docker.io/envoyproxy/gateway-helm', version: 'v1.5.0' },
        groups: ['gateway.networking.k8s.io'],
        description: 'the Gateway API CRDs of the chart',
      },
      env,
    );
    expect(s.progress).toEqual(['applying the Gateway API CRDs of the chart']);
    expect(exec.calls[0]).toEqual(['helm', 'show', 'crds', 'oci://docker.io/envoyproxy/gateway-helm', '--version', 'v1.5.0']);
    expect(exec.calls[1]!.slice(0, 4)).toEqual([...base, 'apply']);
    expect(s.c.changes).toEqual(['apply CustomResourceDefinition gateways.gateway.networking.k8s.io']);
    expect(unit).toEqual({
      type: 'objects',
      refs: [{ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'gateways.gateway.networking.k8s.io' }],
    });
  });

  it('secret: created once (values registered for redaction), kept on the next run, recorded by name', async () => {
    const s = setup('');
    const action = {
      type: 'secret',
      secret: { namespace: 'monitoring', name: 'grafana-admin', random: { password: 24 }, fixed: { user: 'admin' } },
    } as const;
    const unit = await executeAction(action, s.env);
    expect(unit).toEqual({ type: 'secret', name: 'grafana-admin', namespace: 'monitoring' });
    expect(s.progress).toEqual(['secret monitoring/grafana-admin created']);
    expect(s.c.changes).toEqual(['apply Secret monitoring/grafana-admin']);
    expect(s.secrets).toHaveLength(1);
    expect(s.secrets[0]).toMatch(/^[A-Za-z0-9]{24}$/);
    await executeAction(action, s.env);
    expect(s.progress.at(-1)).toBe('secret monitoring/grafana-admin kept');
    expect(s.c.changes).toHaveLength(1);
  });
});

describe('helm actions: the suggestion kept, the diagnostics timer, and settling a pending release (helm faked)', () => {
  const release = { release: 'web', namespace: 'apps', chart: { ref: 'web' }, values: 'web/values.yaml' };

  it('a failure keeps the suggestion of the error it wraps, and has none when that error had none', async () => {
    for (const suggestion of ['Check the chart repository.', undefined]) {
      const s = setup('');
      const original = s.exec.run.bind(s.exec);
      s.exec.run = async (argv, options) => {
        if (argv[1] === 'upgrade') throw new CommandError('exit 1', [...argv], 'Error: failed to fetch', suggestion);
        return original(argv, options);
      };
      const error = (await executeAction({ type: 'helm', release }, s.env).catch((e: unknown) => e)) as ActionFailure;
      expect(error).toBeInstanceOf(ActionFailure);
      expect(error.suggestion).toBe(suggestion);
    }
  });

  it('a helm that finishes in time leaves no diagnostics timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const s = setup('');
      await executeAction({ type: 'helm', release }, { ...s.env, timeout: '10s' });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(s.progress).toEqual(['helm upgrade --install web (waiting up to 10s)']);
      expect(s.exec.calls.some((a) => a.includes('pods'))).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  /** A helm whose history is the next of `histories` on each look (the last one repeats). */
  function helmWith(histories: object[][]) {
    const calls: string[] = [];
    let i = 0;
    const helm = {
      history: async () => {
        calls.push('history');
        return histories[Math.min(i++, histories.length - 1)];
      },
      rollback: async (_r: string, _n: string, to: number) => void calls.push(`rollback ${to}`),
      uninstall: async () => void calls.push('uninstall'),
    } as unknown as Helm;
    return { helm, calls };
  }

  it('waiting for a young pending revision looks again every poll, and no later than when an orphaned helm must be done', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
    try {
      // timeout 20s: an orphaned helm may work for 2 x 20 s + 15 s = 55 s after the revision started.
      const started = Date.now() - 50_000;
      const pending = [{ revision: 1, status: 'pending-install', updated: new Date(started).toISOString() }];
      const { helm, calls } = helmWith([pending, pending, pending, pending, []]);
      const progress: string[] = [];
      const done = settlePendingRelease(release, { helm, timeout: '20s', progress: (m) => progress.push(m) }, Date.now, 2_000);
      await vi.advanceTimersByTimeAsync(1_999);
      expect(calls).toEqual(['history']);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toEqual(['history', 'history']);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(calls).toHaveLength(3);
      // 1 s left until the orphan bound: the next look comes after 1 s, not a whole poll
      await vi.advanceTimersByTimeAsync(999);
      expect(calls).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(1);
      await done;
      expect(calls).toEqual(['history', 'history', 'history', 'history', 'uninstall', 'history']);
      expect(progress).toEqual([
        `helm release apps/web is pending-install (revision 1); an interrupted run's helm may still be working on it: waiting until ${new Date(started + 55_000).toISOString()} at most`,
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a stale pending release is recovered without a warn hook too; with one, the uninstall says why', async () => {
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const upgrade = helmWith([
      [
        { revision: 1, status: 'deployed', updated: old },
        { revision: 2, status: 'pending-upgrade', updated: old },
      ],
      [],
    ]);
    await settlePendingRelease(release, { helm: upgrade.helm, timeout: '20s', progress: () => undefined });
    expect(upgrade.calls).toEqual(['history', 'rollback 1', 'history']);
    const install = helmWith([[{ revision: 1, status: 'pending-install', updated: old }], []]);
    const warnings: string[] = [];
    await settlePendingRelease(release, { helm: install.helm, timeout: '20s', progress: () => undefined, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      'helm release apps/web was left pending-install (revision 1) by an interrupted run, with no good revision to go back to; uninstalling it so it installs afresh',
    ]);
  });
});
