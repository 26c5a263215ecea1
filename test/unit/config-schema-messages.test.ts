// The checks inside the config schema that go beyond a type or a pattern (an IPv4 octet above 255, a
// cron schedule with braces, exactly one workload identity, a profile that does not fit the provider),
// each refused at its file:line:column and key path with a message that says how to fix it; and the
// JSON Schema editors validate kubestrap.yaml with. Written against the mutants StrykerJS found
// surviving or uncovered in src/config (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n';
const file = '/x/kubestrap.yaml';

function problems(spec: string): [string, string, string][] {
  try {
    parseConfigText(header + spec, file);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => [p.where, p.path, p.message]);
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}
const load = (spec: string) => parseConfigText(header + spec, file).config;

describe('IPv4 CIDRs', () => {
  it('an octet above 255 is refused at the value; 255 itself is fine', () => {
    expect(problems('  networking:\n    podSubnet: 10.256.0.0/16\n')).toEqual([
      [`${file}:7:16`, 'spec.networking.podSubnet', 'has an octet above 255'],
    ]);
    expect(problems('  networking:\n    serviceSubnet: 10.96.0.300/12\n')).toEqual([
      [`${file}:7:20`, 'spec.networking.serviceSubnet', 'has an octet above 255'],
    ]);
    expect(load('  networking: { podSubnet: 255.255.255.0/24 }\n').spec.networking.podSubnet).toBe('255.255.255.0/24');
  });
});

describe('backup schedule', () => {
  it('a five-field schedule with braces (a template left in) is refused; a plain one is kept', () => {
    expect(problems('  backup:\n    schedule: "0 2 * * {{ day }}"\n')).toEqual(
      expect.arrayContaining([[`${file}:7:15`, 'spec.backup.schedule', 'must not contain braces or newlines']]),
    );
    expect(problems('  backup:\n    schedule: "0 {2} * * *"\n')).toEqual([
      [`${file}:7:15`, 'spec.backup.schedule', 'must not contain braces or newlines'],
    ]);
    expect(load('  backup: { schedule: "30 3 * * 1" }\n').spec.backup.schedule).toBe('30 3 * * 1');
  });
});

describe('workload identity', () => {
  const exactlyOne = 'must set exactly one of awsRoleArn, gcpServiceAccount, azureClientId';

  it('two identities at once are refused at the workloadIdentity block', () => {
    expect(
      problems(
        '  backup:\n    storage:\n      type: s3\n      workloadIdentity:\n        awsRoleArn: arn:aws:iam::123456789012:role/v\n        azureClientId: 01234567-89ab-cdef-0123-456789abcdef\n',
      ),
    ).toEqual([[`${file}:10:9`, 'spec.backup.storage.workloadIdentity', exactlyOne]]);
  });

  it('an empty block is refused too; one identity is taken', () => {
    expect(problems('  autoscaling:\n    clusterAutoscaler:\n      workloadIdentity: {}\n')).toEqual([
      [`${file}:8:25`, 'spec.autoscaling.clusterAutoscaler.workloadIdentity', exactlyOne],
    ]);
    expect(
      load('  backup: { storage: { workloadIdentity: { gcpServiceAccount: velero@my-project.iam.gserviceaccount.com } } }\n').spec.backup
        .storage.workloadIdentity,
    ).toEqual({ gcpServiceAccount: 'velero@my-project.iam.gserviceaccount.com' });
  });
});

describe('profile and provider', () => {
  it('profile kind on an existing cluster is refused at the profile line, listing the profiles that fit', () => {
    expect(problems('  cluster:\n    provider: existing\n    context: prod\n    profile: kind\n')).toEqual([
      [
        `${file}:9:14`,
        'spec.cluster.profile',
        'profile kind is for provider kind; an existing cluster takes eks, gke, aks, kubeadm or generic',
      ],
    ]);
  });

  it('a managed profile on kind is refused at the profile line, naming it', () => {
    expect(problems('  cluster:\n    profile: gke\n')).toEqual([
      [
        `${file}:7:14`,
        'spec.cluster.profile',
        'profile gke describes an existing cluster, but provider is kind; remove profile (kind is implied) or set provider: existing',
      ],
    ]);
  });

  it('the profiles that fit are taken', () => {
    expect(load('  cluster: { profile: kind }\n').spec.cluster.profile).toBe('kind');
    expect(load('  cluster: { provider: existing, context: prod, profile: kubeadm }\n').spec.cluster.profile).toBe('kubeadm');
    expect(load('  cluster: { provider: existing, context: prod }\n').spec.cluster.profile).toBeUndefined();
  });
});

describe('the JSON Schema of kubestrap.yaml', () => {
  const schema = configJsonSchema() as Record<string, any>;

  it('names itself and kubestrap.yaml, in draft 2020-12', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(/^https:\/\/.+\/kubestrap\.schema\.json$/);
    expect(schema.title).toBe('kubestrap Roadmap');
    expect(schema.description).toContain('kubestrap.yaml');
  });

  it('describes the file as users write it: defaulted keys are not required, unknown keys are refused', () => {
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(schema.additionalProperties).toBe(false);
    const cluster = schema.properties.spec.properties.cluster;
    expect(cluster.required ?? []).toEqual([]);
    expect(cluster.properties.provider).toMatchObject({ enum: ['kind', 'existing'], default: 'kind' });
  });
});
