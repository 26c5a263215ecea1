// The real tier's pure parts: the host diff that decides whether `down --real` restored the
// machine, and the runc wrapper that strips CAP_SYS_RESOURCE (run here with a fake runc).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRuntimeWrapper } from '../cluster/real/docker.ts';
import { diffHost, type HostSnapshot } from '../cluster/real/host.ts';

const base = (): HostSnapshot => ({
  takenAt: '',
  sysctls: { 'kernel.panic': '1', 'vm.overcommit_memory': '0', 'net.bridge.bridge-nf-call-iptables': null },
  nftTables: { 'inet mine': 'table inet mine {\n}' },
  links: ['eth0', 'lo'],
  paths: { '/lib/modules': false, '/var/run/docker': false },
});

describe('diffHost', () => {
  it('is empty for identical snapshots', () => {
    expect(diffHost(base(), base())).toEqual([]);
  });

  it('names changed sysctls, added/changed nft tables, new links and created paths', () => {
    const after = base();
    after.sysctls['kernel.panic'] = '10';
    after.nftTables = { 'inet mine': 'table inet mine {\n\tchain x {\n\t}\n}', 'ip nat': 'table ip nat {\n}' };
    after.links = ['docker0', 'eth0', 'lo'];
    after.paths['/lib/modules'] = true;
    expect(diffHost(base(), after)).toEqual([
      'sysctl kernel.panic was 1, is 10',
      'nft table ip nat was added',
      'nft table inet mine changed',
      'network link docker0 was added',
      '/lib/modules was created',
    ]);
  });

  it('does not count a sysctl that did not exist before (a module loaded on first use cannot be unloaded)', () => {
    const after = base();
    after.sysctls['net.bridge.bridge-nf-call-iptables'] = '1';
    expect(diffHost(base(), after)).toEqual([]);
  });
});

describe('runc wrapper (with a fake runc that records its arguments)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubestrap-runc-wrapper-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const wrapper = join(dir, 'runc-nosysres');
  const fake = join(dir, 'fake-runc');
  writeRuntimeWrapper(wrapper);
  writeFileSync(fake, `#!/bin/sh\necho "$@" > ${join(dir, 'args')}\n`, { mode: 0o755 });
  const caps = ['CAP_CHOWN', 'CAP_SYS_RESOURCE', 'CAP_SYS_ADMIN'];
  const spec = (file: string, process: boolean) =>
    writeFileSync(
      file,
      JSON.stringify(
        process
          ? { capabilities: { bounding: caps, effective: caps } }
          : { process: { capabilities: { bounding: caps, permitted: caps } }, root: { path: 'rootfs' } },
      ),
    );
  const run = (args: string[]) => execa(wrapper, args, { env: { ...process.env, KUBESTRAP_REAL_RUNC: fake } });

  it('removes CAP_SYS_RESOURCE from the bundle of create and passes the arguments on unchanged', async () => {
    const bundle = join(dir, 'bundle');
    await execa('mkdir', ['-p', bundle]);
    spec(join(bundle, 'config.json'), false);
    const args = ['--root', '/run/x', '--log-format', 'json', 'create', '--bundle', bundle, '--pid-file', 'p', 'id1'];
    await run(args);
    const cfg = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    expect(cfg.process.capabilities.bounding).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
    expect(cfg.process.capabilities.permitted).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
    expect(cfg.root).toEqual({ path: 'rootfs' });
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe(args.join(' '));
  });

  it('removes it from the --process file of exec, and leaves other verbs alone', async () => {
    const proc = join(dir, 'process.json');
    spec(proc, true);
    await run(['exec', '--process', proc, '--detach', 'id1']);
    expect(JSON.parse(readFileSync(proc, 'utf8')).capabilities.effective).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
    spec(proc, true);
    await run(['state', 'id1']);
    expect(JSON.parse(readFileSync(proc, 'utf8')).capabilities.effective).toEqual(caps);
  });
});
