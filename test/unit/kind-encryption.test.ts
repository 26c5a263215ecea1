// kind-create writes the encryption-at-rest key once, 0600, outside the plan; kind itself is a
// fake child process here (no Docker on the build machines).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Kind } from '../../src/adapters/kind.js';
import { executeAction, type ActionEnv } from '../../src/engine/actions.js';
import { fakeExec } from './fake-exec.js';
import { tempDir } from './temp-dir.ts';

describe('kind-create (fake kind child process)', () => {
  const dir = tempDir('ks-kind-');
  const keyFile = path.join(dir, '.kubestrap/secrets/kind-dev-encryption-config.yaml');
  const registered: string[] = [];
  const exec = fakeExec([
    [['kind', 'get', 'clusters'], 'No kind clusters found.'],
    [['kind', 'create'], ''],
  ]);
  const env = {
    kind: new Kind(exec),
    workDir: dir,
    timeout: '1m',
    progress: () => {},
    registerSecret: (v: string) => registered.push(v),
  } as unknown as ActionEnv;
  const action = {
    type: 'kind-create',
    cluster: 'dev',
    config: 'foundation/cluster/kind-config.yaml',
    waitForNodes: false,
    encryptionConfig: keyFile,
  } as const;

  it('creates the key file once, private, with a real 32-byte AES key, and registers it for redaction', async () => {
    await executeAction(action, env);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const config = parse(readFileSync(keyFile, 'utf8'));
    const key: string = config.resources[0].providers[0].aescbc.keys[0].secret;
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(registered).toContain(key);
    expect(exec.calls.find((c) => c[1] === 'create')).toEqual([
      'kind',
      'create',
      'cluster',
      '--name',
      'dev',
      '--config',
      path.join(dir, 'foundation/cluster/kind-config.yaml'),
    ]);
  });

  it('never replaces an existing key (it could not decrypt what the old one encrypted)', async () => {
    writeFileSync(keyFile, 'existing key file\n', { mode: 0o600 });
    await executeAction(action, env);
    expect(readFileSync(keyFile, 'utf8')).toBe('existing key file\n');
  });
});
