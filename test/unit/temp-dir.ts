// Temporary directories for one unit test file, removed once its tests are done (so a run leaves
// nothing under the OS temp directory). Best effort: a directory a test left locked stays.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // left for the OS: cleaning up is not what the test checks
    }
  }
});

/** mkdtemp under the OS temp directory, removed after this file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
