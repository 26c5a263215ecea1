// Provider profiles on the real test cluster (issue 11 item 1): a KWOK node made to look like a GKE
// node (providerID gce://, label cloud.google.com/gke-nodepool) is read by the built CLI's preflight
// and doctor, which refuse a config that says eks ("detected gke, config says eks", exit 2, nothing
// applied) or kubeadm. The test cluster's own control-plane node makes it a self-managed cluster:
// kubeadm is accepted, a managed profile refused. The default StorageClass is read from the cluster
// and compared with the config. The node is removed afterwards (every exit path: afterAll).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterEnv } from './cluster-env.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/kubestrap.js');
const nodeName = 'profile-e2e-gke-node';

describe('provider profile detection on the test cluster', () => {
  const env = clusterEnv();
  const work = mkdtempSync(path.join(tmpdir(), 'kubestrap-e2e-profile-'));
  const configFile = path.join(work, 'kubestrap.yaml');
  const childEnv = { ...process.env, KUBECONFIG: env.kubeconfig, PATH: `${env.binDir}:${process.env.PATH}`, CI: 'true', NO_COLOR: '1' };

  const cli = async (...args: string[]) => {
    const r = await execa(process.execPath, [bin, ...args, '--config', configFile], {
      cwd: work,
      env: childEnv,
      reject: false,
      stdin: 'ignore',
    });
    return { exitCode: r.exitCode ?? -1, out: `${r.stdout}\n${r.stderr}` };
  };
  const kubectl = async (...args: string[]) =>
    (await execa(env.kubectl, ['--context', env.context, ...args], { env: childEnv, input: args.includes('-f') ? undefined : '' })).stdout;
  const releases = async () =>
    (await execa(env.helm, ['list', '--all-namespaces', '--output', 'json', '--kube-context', env.context], { env: childEnv })).stdout;

  beforeAll(async () => {
    const doc = parse(readFileSync(path.join(repo, 'examples/test-cluster.yaml'), 'utf8'));
    doc.metadata.name = 'profile-e2e';
    doc.spec.verification.timeout = '30s';
    // No class named: the preflight reads the cluster's default.
    delete doc.spec.storage.defaultClass;
    writeFileSync(configFile, stringify(doc));
    // A Node object only (no kubelet behind it): what the preflight reads is its providerID and labels.
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        labels: { 'cloud.google.com/gke-nodepool': 'pool-1', 'kubernetes.io/hostname': nodeName, type: 'kwok' },
        annotations: { 'kwok.x-k8s.io/node': 'fake' },
      },
      spec: {
        providerID: `gce://kubestrap-test/europe-west1-b/${nodeName}`,
        taints: [{ key: 'kubestrap.dev/profile-e2e', effect: 'NoSchedule' }],
      },
    };
    await execa(env.kubectl, ['--context', env.context, 'apply', '-f', '-'], { env: childEnv, input: JSON.stringify(node) });
  });

  afterAll(async () => {
    await kubectl('delete', 'node', nodeName, '--ignore-not-found');
    rmSync(work, { recursive: true, force: true });
  });

  it('up with --profile eks stops at the preflight: "detected gke, config says eks", exit 2, nothing applied', async () => {
    const before = await releases();
    const r = await cli('up', '--yes', '--profile', 'eks');
    expect(r.exitCode).toBe(2);
    expect(r.out).toMatch(
      /cluster profile: detected gke, config says eks \(node profile-e2e-gke-node has label cloud\.google\.com\/gke-nodepool/,
    );
    expect(r.out).toMatch(/fix: set spec\.cluster\.profile: gke/);
    expect(r.out).toMatch(/nothing was applied/);
    // Nothing installed or upgraded: every release now was there before, unchanged. (A release of an
    // earlier test file may vanish meanwhile, when its namespace finishes terminating.)
    const earlier = new Set((JSON.parse(before) as unknown[]).map((rel) => JSON.stringify(rel)));
    const now = (JSON.parse(await releases()) as unknown[]).map((rel) => JSON.stringify(rel));
    expect(now.filter((rel) => !earlier.has(rel))).toEqual([]);
  });

  it('doctor says the same (FAIL, non-zero), also for a profile from KUBESTRAP_PROFILE', async () => {
    const eks = await cli('doctor', '--profile', 'eks');
    expect(eks.exitCode).not.toBe(0);
    expect(eks.out).toMatch(/FAIL profile\s+cluster profile: detected gke, config says eks/);
    const r = await execa(process.execPath, [bin, 'doctor', '--config', configFile], {
      cwd: work,
      env: { ...childEnv, KUBESTRAP_PROFILE: 'kubeadm' },
      reject: false,
      stdin: 'ignore',
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toMatch(/FAIL profile\s+cluster profile: detected gke, config says kubeadm/);
  });

  it('the default StorageClass is read from the cluster: named when the config names none, refused when the config names another', async () => {
    const generic = await cli('doctor', '--profile', 'generic');
    // The gke label contradicts generic as well; the StorageClass line is independent of it.
    expect(generic.out).toMatch(/ok\s+profile\s+default StorageClass: standard \(detected; spec\.storage\.defaultClass names none\)/);
    const other = await cli('doctor', '--profile', 'kubeadm', '--storage-class', 'premium-rwo');
    expect(other.exitCode).not.toBe(0);
    expect(other.out).toMatch(/FAIL profile\s+detected default StorageClass standard, config says premium-rwo/);
  });

  it('without the GKE-looking node: kubeadm and the default generic are accepted, a managed profile is refused', async () => {
    await kubectl('delete', 'node', nodeName, '--ignore-not-found');
    const eks = await cli('doctor', '--profile', 'eks');
    expect(eks.out).toMatch(
      /FAIL profile\s+cluster profile: detected a self-managed control plane, config says eks \(node kst-control-plane is a control-plane node/,
    );
    const kubeadm = await cli('doctor', '--profile', 'kubeadm');
    expect(kubeadm.out).toMatch(/ok\s+profile\s+cluster profile kubeadm: node kst-control-plane is a control-plane node/);
    const generic = await cli('doctor');
    expect(generic.out).toMatch(/ok\s+profile\s+cluster profile generic \(the default; spec\.cluster\.profile is not set\)/);
  });
});
