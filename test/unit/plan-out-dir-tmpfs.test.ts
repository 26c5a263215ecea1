// Found by the fault suite (test/e2e/faults.test.ts, full disk on a tmpfs): tmpfs shares its statfs
// magic with devtmpfs, and was refused as a "kernel pseudo file system", so no plan could be
// written to /tmp where /tmp is a tmpfs (or to /run, /dev/shm). /dev itself stays refused.
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPlanOutDir } from '../../src/plan/out-dir.js';

const TMPFS_MAGIC = 0x1021994;

describe('plan directory on tmpfs', () => {
  const dir = mkdtempSync('/dev/shm/kubestrap-plan-test-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('/dev/shm is a tmpfs here (the case this test is about)', () => {
    expect(Number(statfsSync(dir).type)).toBe(TMPFS_MAGIC);
  });

  it('a new plan directory on a tmpfs is accepted', async () => {
    await expect(
      checkPlanOutDir({ outDir: path.join(dir, 'plan'), artifacts: ['a.yaml'], cwd: '/', home: '/nonexistent-home' }),
    ).resolves.toEqual({ exists: false });
  });

  it('the device tree (devtmpfs, the same magic) is still refused', async () => {
    await expect(
      checkPlanOutDir({ outDir: '/dev/kubestrap-plan', artifacts: ['a.yaml'], cwd: '/', home: '/nonexistent-home' }),
    ).rejects.toThrow(/pseudo file system/);
  });
});
