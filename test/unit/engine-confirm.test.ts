// firstBinding (src/engine/confirm.ts) where no cluster answers: a kind cluster and an existing cluster
// already bound (identity record beside the config) are decided before anything is asked; for an
// unbound one, kubectl is named as a path that does not exist (KUBESTRAP_KUBECTL), so asking fails the
// way an unreachable cluster does. No real kubectl runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { firstBinding } from '../../src/engine/confirm.js';
import { identityRecordPath, writeIdentityRecord } from '../../src/engine/identity.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ks-confirm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const loaded = (cluster: string) => {
  const { config } = parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: shop\nspec:\n  cluster: ${cluster}\n`,
    path.join(dir, 'k.yaml'),
  );
  return { config, file: path.join(dir, 'k.yaml'), baseDir: dir };
};
const noKubectl = { KUBESTRAP_KUBECTL: path.join(dir, 'no-such-kubectl'), PATH: '' };

describe('first binding to an existing cluster', () => {
  it('a kind cluster needs no confirmation', async () => {
    expect(await firstBinding(loaded('{}'), noKubectl)).toBeUndefined();
  });

  it('an existing cluster already bound (record beside the config) needs none either', async () => {
    await writeIdentityRecord(identityRecordPath(dir, 'shop'), { context: 'prod', server: 'https://x:6443', kubeSystemUid: 'u' });
    expect(await firstBinding(loaded('{ provider: existing, context: prod }'), noKubectl)).toBeUndefined();
  });

  it('an existing cluster that cannot be reached is left to the run to report (no confirmation asked)', async () => {
    const other = { ...loaded('{ provider: existing, context: prod }'), baseDir: path.join(dir, 'elsewhere') };
    expect(await firstBinding(other, noKubectl)).toBeUndefined();
  });
});
