// The one atomic write (src/util/atomic-write.ts), on the real file system.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { tempDir } from './temp-dir.ts';

describe('writeFileAtomic', () => {
  it('replaces the file whole, creates missing directories, leaves no temporary file', async () => {
    const dir = tempDir('kubestrap-atomic-');
    const file = path.join(dir, 'a', 'b', 'x.yaml');
    await writeFileAtomic(file, 'one\n');
    await writeFileAtomic(file, 'two\n');
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(readdirSync(path.dirname(file))).toEqual(['x.yaml']);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('gives a key file the mode asked for (0600)', async () => {
    const file = path.join(tempDir('kubestrap-atomic-'), 'key.yaml');
    await writeFileAtomic(file, 'secret\n', { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('on failure the old file is untouched and the temporary file is gone', async () => {
    const dir = tempDir('kubestrap-atomic-');
    const target = path.join(dir, 'taken');
    mkdirSync(target); // a directory where the file should go: the rename fails
    writeFileSync(path.join(target, 'keep'), 'kept');
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(path.join(target, 'keep'), 'utf8')).toBe('kept');
  });
});
