import { describe, expect, it } from 'vitest';
import { createExec } from '../../src/adapters/exec.js';
import { upgradeInstallArgs } from '../../src/adapters/helm-args.js';
import { helmVersion } from '../../src/adapters/helm.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { Redactor, REDACTED } from '../../src/adapters/redact.js';
import { guardIdentity } from '../../src/engine/identity.js';
import { checkReachableAndSkew, type Session } from '../../src/engine/session.js';
import { CommandError, KubestrapError, UsageError } from '../../src/errors.js';
import { fakeExec } from './fake-exec.js';
import type { HelmRelease } from '../../src/roadmap/types.js';

const target = { context: 'ctx' };
const release: HelmRelease = {
  release: 'r',
  namespace: 'ns',
  chart: { ref: 'c', repo: 'https://example.test', version: '1.2.3' },
  values: 'v.yaml',
};

describe('helm argv', () => {
  it('uses the helm 4 wait and rollback flags', () => {
    const argv = upgradeInstallArgs(target, release, 'v.yaml', '5m', 4);
    expect(argv).toEqual(
      expect.arrayContaining([
        '--wait=watcher',
        '--rollback-on-failure',
        '--version',
        '1.2.3',
        '--repo',
        'https://example.test',
        '--kube-context',
        'ctx',
        '--create-namespace',
      ]),
    );
    expect(argv).not.toContain('--atomic');
  });
  it('uses the helm 3 forms', () => {
    const argv = upgradeInstallArgs(target, release, 'v.yaml', '5m', 3);
    expect(argv).toEqual(expect.arrayContaining(['--wait', '--atomic']));
    expect(argv).not.toContain('--rollback-on-failure');
  });
  it('always names the context', () => {
    expect(upgradeInstallArgs({ context: 'a', kubeconfig: '/k' }, release, 'v', '1m', 4).slice(-4)).toEqual([
      '--kubeconfig',
      '/k',
      '--kube-context',
      'a',
    ]);
  });
});

describe('tool detection (fake child processes)', () => {
  it('detects the helm major', async () => {
    expect(await helmVersion(fakeExec([[['helm', 'version'], 'v3.22.0']]))).toEqual({ version: 'v3.22.0', major: 3 });
    expect((await helmVersion(fakeExec([[['helm', 'version'], 'v4.3.1']]))).major).toBe(4);
  });
  it('refuses an unsupported helm', async () => {
    await expect(helmVersion(fakeExec([[['helm', 'version'], 'v2.17.0']]))).rejects.toThrow(/not supported/);
  });
  it('refuses kubectl more than one minor from the server', async () => {
    const exec = fakeExec([[['kubectl', '--context', 'ctx', 'version'], JSON.stringify({ serverVersion: { gitVersion: 'v1.36.3' } })]]);
    const session = { kubectl: new Kubectl(exec, target), tools: { kubectl: 'v1.32.2', helm: 'v4.3.1' } } as unknown as Session;
    await expect(checkReachableAndSkew(session)).rejects.toThrow(/kubectl v1\.32\.2 is 4 minors away from the server v1\.36\.3/);
    (session.tools as { kubectl: string }).kubectl = 'v1.35.2';
    await expect(checkReachableAndSkew(session)).resolves.toBe('v1.36.3');
  });
});

describe('exec (real child processes)', () => {
  it('says a binary is missing and how to point at one', async () => {
    const exec = createExec(new Redactor(), { ...process.env, KUBESTRAP_KUBECTL: '/nonexistent/kubectl' });
    const error = await exec.run(['kubectl', 'version']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as KubestrapError).message).toContain('kubectl is not installed');
    expect((error as KubestrapError).suggestion).toContain('KUBESTRAP_KUBECTL');
  });
  it('keeps stderr in the error, redacted, and never uses a shell', async () => {
    const redactor = new Redactor();
    redactor.add('hunter2-secret');
    const exec = createExec(redactor, { ...process.env, KUBESTRAP_SH: process.execPath });
    const error = (await exec
      .run(['sh', '-e', 'console.error("token: abc hunter2-secret; $(id)"); process.exit(4)'])
      .catch((e: unknown) => e)) as CommandError;
    expect(error.message).toContain('exit code 4');
    expect(error.stderr).toContain('$(id)');
    expect(error.stderr).not.toContain('hunter2-secret');
    expect(error.stderr).toContain(REDACTED);
  });
});

describe('redaction', () => {
  const r = new Redactor();
  r.add('s3cr3t-value');
  it.each([
    ['plain registered value', 'pw is s3cr3t-value', 'pw is <redacted>'],
    ['its base64 form', `data: ${Buffer.from('s3cr3t-value').toString('base64')}`, 'data: <redacted>'],
    ['a password assignment', 'password=abc123', 'password=<redacted>'],
    ['a --token flag', 'kubectl --token abc.def.ghi get pods', 'kubectl --token <redacted> get pods'],
    ['credentials in a URL', 'https://user:pa55@host/x', 'https://user:<redacted>@host/x'],
  ])('hides %s', (_, input, output) => {
    expect(r.redact(input)).toBe(output);
  });
});

describe('identity guard', () => {
  const a = { context: 'c', server: 'https://1', kubeSystemUid: 'uid-a' };
  it('accepts the bound cluster, even under another context name', () => {
    expect(() => guardIdentity({ ...a, context: 'renamed' }, 'r', a, undefined, false)).not.toThrow();
  });
  it('refuses another cluster and names --rebind', () => {
    expect(() => guardIdentity({ ...a, kubeSystemUid: 'uid-b' }, 'r', a, undefined, false)).toThrow(UsageError);
    expect(() => guardIdentity({ ...a, kubeSystemUid: 'uid-b' }, 'r', a, undefined, true)).not.toThrow();
  });
  it('refuses a cluster that runs another roadmap, even with --rebind', () => {
    const state = { version: 1 as const, roadmap: 'other', identity: a, steps: {}, updatedAt: '' };
    expect(() => guardIdentity(a, 'r', undefined, state, true)).toThrow(/already runs roadmap "other"/);
  });
});

describe('time spent in commands', () => {
  it('counts overlapping commands once', async () => {
    const { busyMs } = await import('../../src/adapters/exec.js');
    const t = (start: number, ms: number) => ({ argv: [], start, ms, ok: true });
    expect(busyMs([t(0, 10), t(5, 10), t(30, 5)])).toBe(20);
    expect(busyMs([])).toBe(0);
  });
});
