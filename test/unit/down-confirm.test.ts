// `down` asks before removing from an existing cluster or purging volumes (issue 8).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { parseConfigText } from '../../src/config/load.js';
import { confirmDown, describeDown, previewDown, type DownPreview } from '../../src/engine/down-confirm.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import { fakeExec } from './fake-exec.js';

const configOf = (provider: 'kind' | 'existing') =>
  parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: shop\nspec:\n  cluster:\n    provider: ${provider}\n${provider === 'existing' ? '    context: prod\n' : ''}`,
    path.join(process.cwd(), 'k.yaml'),
  ).config;

const pvc = (namespace: string, name: string, size: string, storageClassName = 'standard') => ({
  metadata: { namespace, name },
  spec: { storageClassName, resources: { requests: { storage: size } } },
});
const list = (...items: unknown[]) => JSON.stringify({ items });
const state = {
  version: 1,
  roadmap: 'shop',
  identity: { context: 'prod', server: 'https://prod:6443', kubeSystemUid: 'u' },
  updatedAt: '',
  steps: {
    monitoring: {
      hash: 'h',
      status: 'verified',
      applied: [
        { type: 'objects', refs: [{ apiVersion: 'v1', kind: 'Namespace', name: 'monitoring' }] },
        { type: 'release', release: 'kps', namespace: 'monitoring' },
      ],
    },
    'disaster-recovery': {
      hash: 'h',
      status: 'verified',
      applied: [{ type: 'objects', refs: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'minio', namespace: 'shared' }] }],
    },
  },
};

/** The kubectl answers of a reachable cluster holding kubestrap state and three PVCs. */
function fakeCluster(context = 'prod') {
  const k = ['kubectl', '--context', context];
  return fakeExec([
    [[...k, 'config', 'view'], JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://prod:6443' } }] })],
    [[...k, 'get', 'namespace', 'kube-system'], JSON.stringify({ metadata: { uid: 'u' } })],
    [[...k, 'get', 'configmap', 'kubestrap-state'], JSON.stringify({ data: { 'state.json': JSON.stringify(state) } })],
    [[...k, 'get', 'persistentvolumeclaims', '--namespace', 'monitoring'], list(pvc('monitoring', 'prometheus-db-0', '20Gi'))],
    [[...k, 'get', 'persistentvolumeclaims', '--namespace', 'kubestrap-system'], list()],
    [[...k, 'get', 'persistentvolumeclaims', 'minio', '--namespace', 'shared'], JSON.stringify(pvc('shared', 'minio', '10Gi'))],
    [
      [...k, 'get', 'persistentvolumeclaims', '--all-namespaces'],
      list(pvc('monitoring', 'prometheus-db-0', '20Gi'), pvc('default', 'data', '1Gi')),
    ],
  ]);
}

const ask = () => {
  const asked: { text: string; context: string }[] = [];
  return { asked, fn: async (text: string, context: string) => (asked.push({ text, context }), context === 'prod') };
};

describe('down confirmation, with a faked kubectl', () => {
  it('--purge on an existing cluster lists every PVC it deletes: in namespaces the roadmap created and recorded ones', async () => {
    const exec = fakeCluster();
    const preview = await previewDown(new Kubectl(exec, { context: 'prod' }), configOf('existing'), true);
    expect(preview).toEqual({
      context: 'prod',
      server: 'https://prod:6443',
      volumes: ['PVC monitoring/prometheus-db-0 (20Gi, standard)', 'PVC shared/minio (10Gi, standard)'],
    });
    // Only reads.
    expect(exec.calls.every((c) => ['config', 'get'].includes(c[3]!))).toBe(true);
    expect(describeDown(preview, configOf('existing'), true)).toContain(
      '--purge deletes these 2 volume claim(s) and their data:\n  - PVC monitoring/prometheus-db-0 (20Gi, standard)\n  - PVC shared/minio (10Gi, standard)',
    );
  });

  it('--purge on kind lists every PVC of the cluster it deletes', async () => {
    const preview = await previewDown(new Kubectl(fakeCluster('kind-kubestrap'), { context: 'kind-kubestrap' }), configOf('kind'), true);
    expect(preview.volumes).toEqual(['PVC default/data (1Gi, standard)', 'PVC monitoring/prometheus-db-0 (20Gi, standard)']);
    expect(describeDown(preview, configOf('kind'), true)).toMatch(/deletes the kind cluster kubestrap .* with everything in it/);
  });

  it('an existing cluster without a terminal needs --yes: exit 2 naming --yes', async () => {
    const preview = await previewDown(new Kubectl(fakeCluster(), { context: 'prod' }), configOf('existing'), false);
    const a = ask();
    const error = await confirmDown({
      config: configOf('existing'),
      purge: false,
      yes: false,
      interactive: false,
      preview,
      ask: a.fn,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    expect((error as UsageError).message).toContain('refusing to run down on context prod without confirmation');
    expect((error as UsageError).suggestion).toContain('--yes');
    expect(a.asked).toEqual([]);
  });

  it('--purge without a terminal says how many volumes it would have deleted', async () => {
    const preview = await previewDown(new Kubectl(fakeCluster(), { context: 'prod' }), configOf('existing'), true);
    await expect(
      confirmDown({ config: configOf('existing'), purge: true, yes: false, interactive: false, preview, ask: ask().fn }),
    ).rejects.toThrow(/down --purge .* \(it would delete 2 volume claim\(s\)\)/);
  });

  it('on a terminal the context name is typed back; the volumes are shown first', async () => {
    const preview = await previewDown(new Kubectl(fakeCluster(), { context: 'prod' }), configOf('existing'), true);
    const a = ask();
    expect(await confirmDown({ config: configOf('existing'), purge: true, yes: false, interactive: true, preview, ask: a.fn })).toBe(true);
    expect(a.asked[0]!.context).toBe('prod');
    expect(a.asked[0]!.text).toContain('PVC monitoring/prometheus-db-0');
    const wrong: DownPreview = { ...preview, context: 'staging' };
    expect(await confirmDown({ config: configOf('existing'), purge: true, yes: false, interactive: true, preview: wrong, ask: a.fn })).toBe(
      false,
    );
  });

  it('--yes confirms without asking; kind without --purge needs no confirmation', async () => {
    const preview: DownPreview = { context: 'prod', volumes: [] };
    const a = ask();
    expect(await confirmDown({ config: configOf('existing'), purge: true, yes: true, interactive: false, preview, ask: a.fn })).toBe(true);
    expect(await confirmDown({ config: configOf('kind'), purge: false, yes: false, interactive: false, preview, ask: a.fn })).toBe(true);
    expect(a.asked).toEqual([]);
  });

  it('an unreachable cluster is said so, and still needs the confirmation', async () => {
    const preview = await previewDown(new Kubectl(fakeExec([]), { context: 'prod' }), configOf('existing'), true);
    expect(preview.unreadable).toBeTruthy();
    expect(describeDown(preview, configOf('existing'), true)).toContain('could not be read');
    await expect(
      confirmDown({ config: configOf('existing'), purge: true, yes: false, interactive: false, preview, ask: ask().fn }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('down preview and its text, with a faked kubectl', () => {
  const k = ['kubectl', '--context', 'prod'];
  const reachable = (stateJson: unknown, more: [string[], string][] = []) =>
    fakeExec([
      [[...k, 'config', 'view'], JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://prod:6443' } }] })],
      [[...k, 'get', 'namespace', 'kube-system'], JSON.stringify({ metadata: { uid: 'u' } })],
      [
        [...k, 'get', 'configmap', 'kubestrap-state'],
        stateJson === undefined
          ? ({ exitCode: 1, stderr: 'Error from server (NotFound): configmaps "kubestrap-state" not found' } as any)
          : JSON.stringify({ data: { 'state.json': JSON.stringify(stateJson) } }),
      ],
      ...more,
      [[...k, 'get', 'persistentvolumeclaims'], list()],
    ]);

  it('without --purge only the target is read: no volume claim is listed', async () => {
    const exec = reachable(state);
    expect(await previewDown(new Kubectl(exec, { context: 'prod' }), configOf('existing'), false)).toEqual({
      context: 'prod',
      server: 'https://prod:6443',
      volumes: [],
    });
    expect(exec.calls.some((c) => c.includes('persistentvolumeclaims') || c.includes('configmap'))).toBe(false);
  });

  it('--purge with no state, or the state of another roadmap, lists no claims', async () => {
    for (const s of [undefined, { ...state, roadmap: 'other' }]) {
      const exec = reachable(s);
      expect((await previewDown(new Kubectl(exec, { context: 'prod' }), configOf('existing'), true)).volumes).toEqual([]);
      expect(exec.calls.some((c) => c.includes('persistentvolumeclaims'))).toBe(false);
    }
  });

  it('a claim recorded inside a namespace the roadmap created is listed once; a recorded claim that is gone is left out; size from the status first', async () => {
    const recorded = {
      ...state,
      steps: {
        monitoring: {
          hash: 'h',
          status: 'verified',
          applied: [
            {
              type: 'objects',
              refs: [
                { apiVersion: 'v1', kind: 'Namespace', name: 'monitoring' },
                { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'db', namespace: 'monitoring' },
                { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'gone', namespace: 'shared' },
                { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'bare', namespace: 'shared' },
              ],
            },
          ],
        },
      },
    };
    const exec = reachable(recorded, [
      [
        [...k, 'get', 'persistentvolumeclaims', '--namespace', 'monitoring'],
        list({ ...pvc('monitoring', 'db', '5Gi'), status: { capacity: { storage: '8Gi' } } }),
      ],
      [[...k, 'get', 'persistentvolumeclaims', 'gone'], { exitCode: 1, stderr: 'Error from server (NotFound): not found' } as any],
      [[...k, 'get', 'persistentvolumeclaims', 'bare'], JSON.stringify({ metadata: { namespace: 'shared', name: 'bare' } })],
    ]);
    const preview = await previewDown(new Kubectl(exec, { context: 'prod' }), configOf('existing'), true);
    expect(preview.volumes).toEqual(['PVC monitoring/db (8Gi, standard)', 'PVC shared/bare']);
    expect(exec.calls.filter((c) => c.includes('db'))).toEqual([]);
  });

  it('a claim listed without a name or namespace is still shown', async () => {
    const exec = fakeExec([
      [
        ['kubectl', '--context', 'kind-kubestrap', 'config', 'view'],
        JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://k:6443' } }] }),
      ],
      [['kubectl', '--context', 'kind-kubestrap', 'get', 'namespace', 'kube-system'], JSON.stringify({ metadata: { uid: 'u' } })],
      [
        ['kubectl', '--context', 'kind-kubestrap', 'get', 'persistentvolumeclaims'],
        list({ spec: { resources: { requests: { storage: '1Gi' } } } }),
      ],
    ]);
    expect((await previewDown(new Kubectl(exec, { context: 'kind-kubestrap' }), configOf('kind'), true)).volumes).toEqual(['PVC / (1Gi)']);
  });

  it('the text: what is removed from which cluster; with --purge and no claims it says there are none', () => {
    const existing = configOf('existing');
    expect(describeDown({ context: 'prod', server: 'https://prod:6443', volumes: ['x'] }, existing, false)).toBe(
      'kubestrap down removes what roadmap shop applied to the cluster of context "prod" (https://prod:6443).',
    );
    expect(describeDown({ context: 'prod', volumes: [] }, existing, true)).toBe(
      'kubestrap down removes what roadmap shop applied to the cluster of context "prod".\n--purge deletes volume claims too; there are none now.',
    );
    expect(describeDown({ context: 'kind-kubestrap', volumes: [] }, configOf('kind'), false)).toBe(
      'kubestrap down removes what roadmap shop applied to the cluster of context "kind-kubestrap".',
    );
    expect(describeDown({ context: 'prod', volumes: [], unreadable: 'connection refused' }, existing, false)).toBe(
      'kubestrap down removes what roadmap shop applied to the cluster of context "prod".\nThe cluster could not be read (connection refused); what it holds is not known.',
    );
  });

  it('without a terminal and without claims to delete, the refusal names no count; --purge on kind needs confirmation too', async () => {
    const preview: DownPreview = { context: 'prod', volumes: [] };
    const error = (await confirmDown({
      config: configOf('existing'),
      purge: false,
      yes: false,
      interactive: false,
      preview,
      ask: ask().fn,
    }).catch((e: unknown) => e)) as UsageError;
    expect(error.message).toBe('refusing to run down on context prod without confirmation');
    const a = ask();
    expect(await confirmDown({ config: configOf('kind'), purge: true, yes: false, interactive: true, preview, ask: a.fn })).toBe(true);
    expect(a.asked).toEqual([{ text: describeDown(preview, configOf('kind'), true), context: 'prod' }]);
  });
});
