// The preflight's Secret needs for cluster-autoscaler's static credentials, and a Secret that cannot
// be read (src/engine/preflight.ts). kubectl's child processes are faked (fake-exec.ts). Written against
// StrykerJS's uncovered mutants in src/engine (docs/mutation.md).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kubectl } from '../../src/adapters/kubectl.js';
import { parseConfigText } from '../../src/config/load.js';
import { checkSecrets, referencedSecrets } from '../../src/engine/preflight.js';
import { fakeExec } from './fake-exec.js';

const config = (autoscaler: string) =>
  parseConfigText(
    `apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n  cluster: { provider: existing, context: prod, profile: kubeadm }\n  autoscaling: { clusterAutoscaler: ${autoscaler} }\n  backup: { enabled: false }\n  monitoring: { prometheus: { enabled: false }, grafana: false }\n  cost: { opencost: false }\n`,
    path.join(process.cwd(), 'k.yaml'),
  ).config;
const purpose = (provider: string, key: string) => ({
  key,
  purpose: `the ${provider} credentials of cluster-autoscaler (${key})`,
  configPath: 'spec.autoscaling.clusterAutoscaler.credentialsSecret',
});

describe('cluster-autoscaler credentials in the preflight', () => {
  it('aws with a credentials Secret: its two keys in kube-system', () => {
    expect(referencedSecrets(config('{ provider: aws, region: eu-west-1, credentialsSecret: ca-aws }'), ['autoscalers'])).toEqual([
      {
        step: 'autoscalers',
        namespace: 'kube-system',
        name: 'ca-aws',
        keys: [purpose('aws', 'AwsAccessKeyId'), purpose('aws', 'AwsSecretAccessKey')],
      },
    ]);
  });

  it('azure with a credentials Secret: its six keys', () => {
    const [need] = referencedSecrets(config('{ provider: azure, credentialsSecret: ca-az }'), ['autoscalers']);
    expect(need!.keys.map((k) => k.key)).toEqual(['ClientID', 'ClientSecret', 'TenantID', 'SubscriptionID', 'ResourceGroup', 'VMType']);
    expect(need!.keys[0]).toEqual(purpose('azure', 'ClientID'));
  });

  it('no Secret needed: without credentialsSecret, on gce, or with the autoscalers step not selected', () => {
    expect(referencedSecrets(config('{ provider: aws, region: eu-west-1 }'), ['autoscalers'])).toEqual([]);
    expect(
      referencedSecrets(config('{ provider: gce, credentialsSecret: x, nodeGroups: [{ namePrefix: gke-a, minSize: 1, maxSize: 2 }] }'), [
        'autoscalers',
      ]),
    ).toEqual([]);
    expect(referencedSecrets(config('{ provider: aws, region: eu-west-1, credentialsSecret: ca-aws }'), ['monitoring'])).toEqual([]);
  });

  it('a Secret that cannot be read: the first line of why, and the permission to check (kubectl faked)', async () => {
    const exec = fakeExec([
      [
        ['kubectl', '--context', 'prod', 'get', 'secret'],
        { exitCode: 1, stderr: 'Error from server (Forbidden): secrets "ca-aws" is forbidden\nmore' },
      ],
    ]);
    const needs = referencedSecrets(config('{ provider: aws, region: eu-west-1, credentialsSecret: ca-aws }'), ['autoscalers']);
    const problems = await checkSecrets(new Kubectl(exec, { context: 'prod' }), needs);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.what).toMatch(/^Secret kube-system\/ca-aws could not be read: [^\n]*forbidden/);
    expect(problems[0]!.fix).toBe('check that your user may get Secrets in kube-system');
  });
});
