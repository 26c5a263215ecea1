// Usage errors of the command line itself (issue 8): exit 2 with what went wrong and what to do.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';

function captureStderr() {
  const chunks: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return () => chunks.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('kubestrap help', () => {
  it('help <unknown command> exits 2 naming the commands', async () => {
    const stderr = captureStderr();
    expect(await main(['node', 'kubestrap', 'help', 'nope'])).toBe(2);
    expect(stderr()).toContain('help: unknown command "nope"');
    expect(stderr()).toMatch(/Commands are: init, plan, up/);
  });

  it('help <command> still exits 0', async () => {
    captureStderr();
    expect(await main(['node', 'kubestrap', 'help', 'plan'])).toBe(0);
  });
});
