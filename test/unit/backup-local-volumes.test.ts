// Volume data on kind reaches Velero's backups (a defect found on the real kind tier): kind's
// local-path provisioner makes hostPath PersistentVolumes by default, and Velero's file-system
// backup skips hostPath volumes, so the restore drill restored an empty volume. The storage step
// now annotates kind's class for local volumes when volumes are backed up at file level, and the
// drill says plainly when its claim still landed on a hostPath volume. Renders are pure; the drill
// runs with kubectl's child processes faked (FakeCluster).
import path from 'node:path';
import { describe, expect, it, vi, afterEach } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { loadConfigFile } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { executeAction } from '../../src/engine/actions.js';
import { restoreDrill } from '../../src/engine/drill.js';
import { actionArgv } from '../../src/plan/plan.js';
import { kindLocalVolumes } from '../../src/render/backup-volumes.js';
import type { Action, RenderContext } from '../../src/roadmap/types.js';
import { storageStep } from '../../src/steps/storage.js';
import { FakeCluster } from './fake-cluster.js';
import { fakeExec } from './fake-exec.js';

const root = path.resolve(import.meta.dirname, '../..');

async function kindDev(change: (c: Config) => void = () => {}): Promise<Config> {
  const config = structuredClone((await loadConfigFile(path.join(root, 'examples', 'kind-dev.yaml'))).config);
  change(config);
  return config;
}

function storageActions(config: Config): Action[] {
  const ctx: RenderContext = { config, baseDir: path.join(root, 'examples'), outDir: '/tmp/kubestrap-test-plan' };
  return storageStep.render(ctx).actions;
}

describe("kind's StorageClass provisions local volumes when volumes are backed up at file level", () => {
  it('kind with backups on (file-system, the kind default): the storage step annotates class standard, and plan shows the kubectl command', async () => {
    const config = await kindDev();
    expect(kindLocalVolumes(config)).toEqual({ storageClass: 'standard', annotations: { defaultVolumeType: 'local' } });
    const annotate = storageActions(config).filter((a) => a.type === 'annotate');
    expect(annotate).toHaveLength(1);
    expect(actionArgv(annotate[0]!, { context: 'kind-dev' }, '/out', '5m', 4)).toEqual([
      'kubectl',
      '--context',
      'kind-dev',
      'annotate',
      '--overwrite',
      'storageclass',
      'standard',
      'defaultVolumeType=local',
    ]);
  });

  it.each([
    ['backups off', (c: Config) => void (c.spec.backup.enabled = false)],
    ['volumes not backed up', (c: Config) => void (c.spec.backup.volumes = 'none')],
    ['Longhorn volumes', (c: Config) => void (c.spec.storage.provisioner = 'longhorn')],
    // Longhorn's volumes are its own CSI volumes, never local-path's hostPath ones, even when Velero copies them file by file.
    [
      'Longhorn volumes backed up at file level',
      (c: Config) => {
        c.spec.storage.provisioner = 'longhorn';
        c.spec.backup.volumes = 'file-system';
      },
    ],
  ])('no annotation with %s', async (_name, change) => {
    const config = await kindDev(change);
    expect(kindLocalVolumes(config)).toBeUndefined();
    expect(storageActions(config).filter((a) => a.type === 'annotate')).toEqual([]);
  });

  it('an existing cluster is never annotated (its provisioner is its own)', async () => {
    const config = (await loadConfigFile(path.join(root, 'examples', 'production.yaml'))).config;
    expect(config.spec.backup.enabled).toBe(true);
    expect(kindLocalVolumes(config)).toBeUndefined();
  });

  it('the annotate action runs kubectl annotate and records nothing, so down leaves kind\u2019s class alone (kubectl faked)', async () => {
    const exec = fakeExec([[['kubectl', '--context', 'kind-dev', 'annotate'], 'storageclass.storage.k8s.io/standard annotated']]);
    const progress: string[] = [];
    const unit = await executeAction(
      {
        type: 'annotate',
        resource: 'storageclass',
        name: 'standard',
        annotations: { defaultVolumeType: 'local' },
        description: 'StorageClass standard',
      },
      {
        kubectl: new Kubectl(exec, { context: 'kind-dev' }),
        helm: undefined as never,
        kind: undefined as never,
        workDir: '/nowhere',
        timeout: '1m',
        progress: (m) => progress.push(m),
        registerSecret: () => {},
      },
    );
    expect(unit).toBeUndefined();
    expect(exec.calls).toEqual([
      ['kubectl', '--context', 'kind-dev', 'annotate', '--overwrite', 'storageclass', 'standard', 'defaultVolumeType=local'],
    ]);
    expect(progress).toEqual(['annotating StorageClass standard']);
  });
});

describe('the restore drill on a hostPath volume (kubectl faked)', () => {
  afterEach(() => vi.useRealTimers());

  /**
   * A cluster whose drill writer succeeds, whose drill claim binds to PV pvc-1 of the given source,
   * and whose drill backups end with `backupStatus`.
   */
  function cluster(source: Record<string, unknown>, backupStatus: Record<string, unknown> = { phase: 'Failed' }) {
    const c = new FakeCluster();
    c.put({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvc-1' }, spec: { storageClassName: 'standard', ...source } });
    const exec = fakeExec([], (argv, input) => {
      const args = argv.slice(3);
      if (args[0] === 'get' && args[1] === 'pod' && args[2] === 'drill-writer')
        return JSON.stringify({ ...c.get('pod', 'kubestrap-drill', 'drill-writer'), status: { phase: 'Succeeded' } });
      if (args[0] === 'get' && args[1] === 'persistentvolumeclaim') {
        const claim = c.get('persistentvolumeclaim', 'kubestrap-drill', 'drill-data') as any;
        return JSON.stringify({ ...claim, spec: { ...claim.spec, storageClassName: 'standard', volumeName: 'pvc-1' } });
      }
      if (args[0] === 'get' && args[1] === 'backups.velero.io')
        return JSON.stringify({ ...c.get('backup', 'velero', args[2]!), status: backupStatus });
      return (c as unknown as { answer: typeof exec.run }).answer.call(c, argv, input) as never;
    });
    return { c, kubectl: new Kubectl(exec, c.target), backups: () => c.changes.filter((x) => x.startsWith('apply Backup')) };
  }

  it('fails before any backup, naming the volume and what to do', async () => {
    const s = cluster({ hostPath: { path: '/var/local-path-provisioner/pvc-1', type: 'DirectoryOrCreate' } });
    const result = await restoreDrill(s.kubectl, 'velero', 'kubestrap-daily');
    expect(result).toEqual({
      message: expect.stringMatching(
        /^the drill's volume \(PersistentVolume pvc-1, StorageClass standard\) is a hostPath volume, which Velero does not back up: .*defaultVolumeType=local/,
      ),
      diagnose: 'kubestrap-drill',
    });
    expect(s.backups()).toEqual([]);
    // The scratch namespace is removed all the same.
    expect(s.c.get('namespace', undefined, 'kubestrap-drill')).toBeUndefined();
  });

  it('a local volume passes that gate: the drill goes on to back the namespace up', async () => {
    const s = cluster({ local: { path: '/var/local-path-provisioner/pvc-1' } });
    vi.useFakeTimers();
    const run = restoreDrill(s.kubectl, 'velero', 'kubestrap-daily');
    await vi.runAllTimersAsync();
    expect(await run).toMatchObject({ message: expect.stringMatching(/^drill backup velero\/drill-\w+ ended Failed/) });
    expect(s.backups()).toHaveLength(1);
  });
});

describe('a drill backup that does not complete says why (kubectl faked)', () => {
  afterEach(() => vi.useRealTimers());

  async function drill(agentsReady: number | undefined) {
    const c = new FakeCluster();
    c.put({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvc-1' }, spec: { local: { path: '/x' } } });
    if (agentsReady !== undefined)
      c.put({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'node-agent', namespace: 'velero' },
        status: { numberReady: agentsReady },
      });
    const exec = fakeExec([], (argv, input) => {
      const args = argv.slice(3);
      if (args[0] === 'get' && args[1] === 'pod' && args[2] === 'drill-writer')
        return JSON.stringify({ ...c.get('pod', 'kubestrap-drill', 'drill-writer'), status: { phase: 'Succeeded' } });
      if (args[0] === 'get' && args[1] === 'persistentvolumeclaim') {
        const claim = c.get('persistentvolumeclaim', 'kubestrap-drill', 'drill-data') as any;
        return JSON.stringify({ ...claim, spec: { ...claim.spec, volumeName: 'pvc-1' } });
      }
      if (args[0] === 'get' && args[1] === 'backups.velero.io')
        return JSON.stringify({ ...c.get('backup', 'velero', args[2]!), status: { phase: 'PartiallyFailed', errors: 1 } });
      return (c as unknown as { answer: typeof exec.run }).answer.call(c, argv, input) as never;
    });
    vi.useFakeTimers();
    const run = restoreDrill(new Kubectl(exec, c.target), 'velero', 'kubestrap-daily');
    await vi.runAllTimersAsync();
    return ((await run) as { message: string }).message;
  }

  it('no ready node agent: the message names it, with the error count and where the log is', async () => {
    const message = await drill(0);
    expect(message).toMatch(
      /^drill backup velero\/(drill-\w+) ended PartiallyFailed \(velero backup describe \1 --details\): 1 error\(s\): velero backup logs \1; Velero's node agent \(DaemonSet velero\/node-agent\) has no ready pod/,
    );
  });

  it('a node agent gone altogether is named too', async () => {
    expect(await drill(undefined)).toMatch(/has no ready pod, and it is what copies volume data$/);
  });

  it('with node agents ready, only the error count is given', async () => {
    expect(await drill(2)).toMatch(/: 1 error\(s\): velero backup logs drill-\w+$/);
  });
});
