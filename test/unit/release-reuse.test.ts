// When a changed step may keep a helm release without running helm (src/engine/release-reuse.ts):
// real files for the fingerprint, helm's release history faked in memory.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Helm } from '../../src/adapters/helm.js';
import type { HelmHistoryEntry } from '../../src/engine/helm-recovery.js';
import { currentRevision, releaseFingerprint, reusableRevision } from '../../src/engine/release-reuse.js';
import type { HelmRelease } from '../../src/roadmap/types.js';
import { tempDir } from './temp-dir.ts';

function setup() {
  const work = tempDir('ks-reuse-');
  const chart = path.join(work, 'charts', 'demo');
  mkdirSync(path.join(chart, 'templates'), { recursive: true });
  writeFileSync(path.join(chart, 'Chart.yaml'), 'name: demo\nversion: 1.0.0\n');
  writeFileSync(path.join(chart, 'templates', 'cm.yaml'), 'kind: ConfigMap\n');
  writeFileSync(path.join(work, 'values.yaml'), 'replicas: 1\n');
  const release: HelmRelease = { release: 'demo', namespace: 'demo', chart: { ref: chart }, values: 'values.yaml' };
  return { work, chart, release };
}

const helmWith = (history: HelmHistoryEntry[]) => ({ history: async () => history }) as unknown as Helm;

describe('releaseFingerprint (real files)', () => {
  it('is stable, and changes with the values, a file of a local chart, the chart reference or the helm major', async () => {
    const { work, chart, release } = setup();
    const first = await releaseFingerprint(release, work, 4);
    expect(await releaseFingerprint(release, work, 4)).toBe(first);
    writeFileSync(path.join(work, 'values.yaml'), 'replicas: 2\n');
    const values = await releaseFingerprint(release, work, 4);
    expect(values).not.toBe(first);
    writeFileSync(path.join(chart, 'templates', 'extra.yaml'), 'kind: Secret\n');
    const file = await releaseFingerprint(release, work, 4);
    expect(file).not.toBe(values);
    expect(await releaseFingerprint(release, work, 3)).not.toBe(file);
    expect(
      await releaseFingerprint({ ...release, chart: { ref: 'demo', repo: 'https://charts.example', version: '1.0.0' } }, work, 4),
    ).not.toBe(file);
  });
});

describe('releaseFingerprint: what of a chart counts (real files)', () => {
  it("a file's content or its place in a chart directory changes it", async () => {
    const { work, chart, release } = setup();
    const first = await releaseFingerprint(release, work, 4);
    writeFileSync(path.join(chart, 'templates', 'cm.yaml'), 'kind: ConfigMap\ndata: {}\n');
    const edited = await releaseFingerprint(release, work, 4);
    expect(edited).not.toBe(first);
    mkdirSync(path.join(chart, 'files'));
    renameSync(path.join(chart, 'templates', 'cm.yaml'), path.join(chart, 'files', 'cm.yaml'));
    expect(await releaseFingerprint(release, work, 4)).not.toBe(edited);
  });

  it('a packed local chart (<chart>-<version>.tgz): a different archive at the same path changes it', async () => {
    const { work, release } = setup();
    const packed = path.join(work, 'charts', 'demo-1.0.0.tgz');
    writeFileSync(packed, 'first archive');
    const tgz = { ...release, chart: { ref: packed } };
    const first = await releaseFingerprint(tgz, work, 4);
    expect(await releaseFingerprint(tgz, work, 4)).toBe(first);
    writeFileSync(packed, 'rebuilt archive');
    expect(await releaseFingerprint(tgz, work, 4)).not.toBe(first);
  });

  it('a chart from a repository is its reference only, even when a folder is at the path the reference names', async () => {
    const { work, chart, release } = setup();
    const fromRepo = { ...release, chart: { ref: chart, repo: 'https://charts.example', version: '1.0.0' } };
    const first = await releaseFingerprint(fromRepo, work, 4);
    writeFileSync(path.join(chart, 'templates', 'cm.yaml'), 'kind: Secret\n');
    expect(await releaseFingerprint(fromRepo, work, 4)).toBe(first);
  });

  it('a local chart that is missing (helm reports it later) is fingerprinted by its reference, not an error', async () => {
    const { work, release } = setup();
    const missing = { ...release, chart: { ref: path.join(work, 'charts', 'gone') } };
    expect(await releaseFingerprint(missing, work, 4)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('reusableRevision (helm history faked)', () => {
  const before = { type: 'release' as const, release: 'demo', namespace: 'demo', fingerprint: 'abc', revision: 3 };
  it('keeps the release when the fingerprint matches and the recorded revision is the latest, deployed', async () => {
    expect(
      await reusableRevision(
        helmWith([
          { revision: 2, status: 'superseded', updated: '' },
          { revision: 3, status: 'deployed', updated: '' },
        ]),
        before,
        'abc',
      ),
    ).toBe(3);
  });
  it('runs helm when anything differs: fingerprint, a newer revision, a revision not deployed, no record', async () => {
    const deployed3 = helmWith([{ revision: 3, status: 'deployed', updated: '' }]);
    expect(await reusableRevision(deployed3, before, 'other')).toBeUndefined();
    expect(
      await reusableRevision(
        helmWith([
          { revision: 3, status: 'superseded', updated: '' },
          { revision: 4, status: 'deployed', updated: '' },
        ]),
        before,
        'abc',
      ),
    ).toBeUndefined();
    expect(await reusableRevision(helmWith([{ revision: 3, status: 'failed', updated: '' }]), before, 'abc')).toBeUndefined();
    expect(await reusableRevision(helmWith([]), before, 'abc')).toBeUndefined();
    expect(await reusableRevision(deployed3, undefined, 'abc')).toBeUndefined();
    expect(await reusableRevision(deployed3, { ...before, fingerprint: undefined }, 'abc')).toBeUndefined();
  });
  it('a record without a revision: helm runs, and its release history is not even read', async () => {
    const asked: string[] = [];
    const helm = {
      history: async (release: string) => {
        asked.push(release);
        return [{ revision: 3, status: 'deployed', updated: '' }];
      },
    } as unknown as Helm;
    expect(await reusableRevision(helm, { ...before, revision: undefined }, 'abc')).toBeUndefined();
    expect(asked).toEqual([]);
    expect(await reusableRevision(helm, before, 'abc')).toBe(3);
    expect(asked).toEqual(['demo']);
  });
});

describe('currentRevision (helm history faked)', () => {
  it('the newest revision, or none for a release helm has no history of', async () => {
    expect(
      await currentRevision(
        helmWith([
          { revision: 1, status: 'superseded', updated: '' },
          { revision: 2, status: 'deployed', updated: '' },
        ]),
        'demo',
        'demo',
      ),
    ).toBe(2);
    expect(await currentRevision(helmWith([]), 'demo', 'demo')).toBeUndefined();
  });
});
