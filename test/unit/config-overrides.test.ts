// Settings from flags and KUBESTRAP_* variables as the user types them: how each kind of value is read
// (booleans in their usual spellings, integers, comma lists, node groups as prefix:min:max, a workload
// identity by its shape), which source wins, which settings only `init` takes, and where a bad value is
// reported (at the flag or variable, not at a line of the file). Written against the mutants StrykerJS
// found surviving or uncovered in src/config/overrides.ts and load.ts (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { collectOverrides, optionKey, overrideDefs } from '../../src/config/overrides.js';
import type { Config } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\n';
const file = '/x/kubestrap.yaml';

function load(flags: Record<string, unknown>, env: Record<string, string>, text = header): Config {
  return parseConfigText(text, file, collectOverrides(flags, env)).config;
}

function refusal(flags: Record<string, unknown>, env: Record<string, string>, text = header): ConfigError {
  try {
    parseConfigText(text, file, collectOverrides(flags, env));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the settings to be refused');
}
const problems = (flags: Record<string, unknown>, env: Record<string, string>, text = header) =>
  refusal(flags, env, text).problems.map((p) => [p.where, p.path, p.message]);

describe('booleans', () => {
  it.each(['true', 'TRUE', '1', 'yes', 'Yes', 'on', 'ON'])('%j from a variable is true', (raw) => {
    expect(load({}, { KUBESTRAP_OPENCOST: raw, KUBESTRAP_VPA: raw }).spec.cost.opencost).toBe(true);
  });

  it.each(['false', 'False', '0', 'no', 'NO', 'off', 'Off'])('%j from a variable is false', (raw) => {
    expect(load({}, { KUBESTRAP_MONITORING: raw, KUBESTRAP_OPENCOST: raw }).spec.monitoring.prometheus.enabled).toBe(false);
  });

  it.each(['maybe', 'untrue', 'truely', 'yess', 'noo', 'offline', '10'])('%j is refused at the variable, with the value shown', (raw) => {
    expect(problems({}, { KUBESTRAP_KEEP_SMOKE: raw })).toEqual([
      ['env KUBESTRAP_KEEP_SMOKE', 'spec.verification.keepSmoke', `must be a boolean, got string ${JSON.stringify(raw)}`],
    ]);
  });

  it('a flag given without a value (commander hands over true or false) is taken as it is', () => {
    const c = load({ keepSmoke: true, quotas: false }, {});
    expect(c.spec.verification.keepSmoke).toBe(true);
    expect(c.spec.cost.quotas).toBe(false);
  });

  it('a flag named with dashes is read from its camelCase option key', () => {
    expect(optionKey('kube-proxy-replacement')).toBe('kubeProxyReplacement');
    expect(optionKey('autoscaler-azure-resource-group')).toBe('autoscalerAzureResourceGroup');
    expect(optionKey('cni')).toBe('cni');
    const c = load({ kubeProxyReplacement: true, cni: 'cilium' }, {});
    expect(c.spec.networking.kubeProxyReplacement).toBe(true);
  });
});

describe('integers', () => {
  it('digits are a number; a sign is kept, so a negative count is refused by its bound', () => {
    expect(load({}, { KUBESTRAP_WORKERS: '3' }).spec.cluster.nodes.workers).toBe(3);
    expect(load({ workers: '0' }, {}).spec.cluster.nodes.workers).toBe(0);
    expect(load({ workers: '12' }, {}).spec.cluster.nodes.workers).toBe(12);
    expect(problems({}, { KUBESTRAP_WORKERS: '-1' })).toEqual([
      ['env KUBESTRAP_WORKERS', 'spec.cluster.nodes.workers', 'must be at least 0'],
    ]);
  });

  it.each(['3.5', '3x', 'x3', ' 3', '2e1'])('%j stays text and is refused as not a number', (raw) => {
    expect(problems({ workers: raw }, {})).toEqual([
      ['flag --workers', 'spec.cluster.nodes.workers', `must be a number, got string ${JSON.stringify(raw)}`],
    ]);
  });
});

describe('lists', () => {
  it('tenants: comma-separated names, spaces trimmed, empty items dropped, each with the default quota', () => {
    const c = load({}, { KUBESTRAP_TENANTS: ' team-a, team-b,,team-c ,' });
    expect(c.spec.tenants.map((t) => t.name)).toEqual(['team-a', 'team-b', 'team-c']);
    expect(c.spec.tenants[0]).toEqual(load({}, { KUBESTRAP_TENANTS: 'team-a' }).spec.tenants[0]);
  });

  it('node groups: namePrefix:min:max each, sizes as numbers', () => {
    const c = load({ clusterAutoscaler: 'gce', autoscalerNodeGroups: 'gke-prod-a:1:10, gke-prod-b:0:3' }, {}, existingGke);
    expect(c.spec.autoscaling.clusterAutoscaler.nodeGroups).toEqual([
      { namePrefix: 'gke-prod-a', minSize: 1, maxSize: 10 },
      { namePrefix: 'gke-prod-b', minSize: 0, maxSize: 3 },
    ]);
  });

  it('a node group size that is not digits, or missing, is refused at the flag, naming the item and the size', () => {
    expect(problems({ clusterAutoscaler: 'gce', autoscalerNodeGroups: 'gke-a:one:10,gke-b:1' }, {}, existingGke)).toEqual([
      ['flag --autoscaler-node-groups', 'spec.autoscaling.clusterAutoscaler.nodeGroups.0.minSize', 'must be a number, got string "one"'],
      ['flag --autoscaler-node-groups', 'spec.autoscaling.clusterAutoscaler.nodeGroups.1.maxSize', 'is required (expected number)'],
    ]);
  });

  it('a size with digits and letters stays text, shown as typed', () => {
    expect(problems({ clusterAutoscaler: 'gce', autoscalerNodeGroups: 'gke-a:a1:1a' }, {}, existingGke)).toEqual([
      ['flag --autoscaler-node-groups', 'spec.autoscaling.clusterAutoscaler.nodeGroups.0.minSize', 'must be a number, got string "a1"'],
      ['flag --autoscaler-node-groups', 'spec.autoscaling.clusterAutoscaler.nodeGroups.0.maxSize', 'must be a number, got string "1a"'],
    ]);
  });
});

const existingGke = `${header}spec:\n  cluster: { provider: existing, context: prod, profile: gke }\n`;

describe('a workload identity is put under the key its shape names', () => {
  it('an IAM role ARN, a Google service account e-mail, else a managed identity client ID', () => {
    const ids = (raw: string) => load({}, { KUBESTRAP_BACKUP_IDENTITY: raw }, header).spec.backup.storage.workloadIdentity;
    expect(ids('arn:aws:iam::123456789012:role/velero')).toEqual({ awsRoleArn: 'arn:aws:iam::123456789012:role/velero' });
    expect(ids('velero@my-project.iam.gserviceaccount.com')).toEqual({ gcpServiceAccount: 'velero@my-project.iam.gserviceaccount.com' });
    expect(ids('01234567-89ab-cdef-0123-456789abcdef')).toEqual({ azureClientId: '01234567-89ab-cdef-0123-456789abcdef' });
  });

  it("cluster-autoscaler's identity from a flag, the same way", () => {
    const c = load({ autoscalerIdentity: 'autoscaler@my-project.iam.gserviceaccount.com' }, {});
    expect(c.spec.autoscaling.clusterAutoscaler.workloadIdentity).toEqual({
      gcpServiceAccount: 'autoscaler@my-project.iam.gserviceaccount.com',
    });
    const arn = load({}, { KUBESTRAP_AUTOSCALER_IDENTITY: 'arn:aws:iam::123456789012:role/ca' });
    expect(arn.spec.autoscaling.clusterAutoscaler.workloadIdentity).toEqual({ awsRoleArn: 'arn:aws:iam::123456789012:role/ca' });
  });

  it('"arn:" only at the start makes an ARN: anything else without an @ is judged as a client ID, at the variable', () => {
    expect(problems({}, { KUBESTRAP_BACKUP_IDENTITY: 'role/arn:aws' })).toEqual([
      [
        'env KUBESTRAP_BACKUP_IDENTITY',
        'spec.backup.storage.workloadIdentity.azureClientId',
        'must be the client ID (a GUID) of a user-assigned managed identity',
      ],
    ]);
  });
});

describe('which source wins', () => {
  it('a variable over the file, a flag over the variable', () => {
    const text = `${header}spec:\n  networking: { cni: calico, gateway: traefik }\n  cost: { opencost: true }\n`;
    const c = load({ cni: 'cilium' }, { KUBESTRAP_CNI: 'default', KUBESTRAP_GATEWAY: 'none' }, text);
    expect(c.spec.networking.cni).toBe('cilium');
    expect(c.spec.networking.gateway).toBe('none');
    expect(c.spec.cost.opencost).toBe(true);
  });

  it('an empty variable is not set; a bad value is reported at the source that won', () => {
    expect(load({}, { KUBESTRAP_CNI: '' }, `${header}spec:\n  networking: { cni: calico }\n`).spec.networking.cni).toBe('calico');
    expect(problems({ cni: 'weave' }, { KUBESTRAP_CNI: 'flannel' })).toEqual([
      ['flag --cni', 'spec.networking.cni', 'must be one of "cilium", "calico", "default"'],
    ]);
    expect(problems({}, { KUBESTRAP_CNI: 'flannel' })[0]![0]).toBe('env KUBESTRAP_CNI');
  });

  it('a setting deep in a section the file does not have creates the section and keeps the file’s other keys', () => {
    const c = load(
      {},
      { KUBESTRAP_BACKUP_AZURE_RESOURCE_GROUP: 'rg', KUBESTRAP_BACKUP_AZURE_STORAGE_ACCOUNT: 'acct1' },
      `${header}spec:\n  cluster: { name: demo }\n`,
    );
    expect(c.spec.backup.storage.azure).toEqual({ resourceGroup: 'rg', storageAccount: 'acct1' });
    expect(c.spec.cluster.name).toBe('demo');
    const over = load({ backupStorage: 'minio' }, {}, `${header}spec:\n  backup: { storage: { type: s3, bucket: b-1 } }\n`);
    expect(over.spec.backup.storage).toMatchObject({ type: 'minio', bucket: 'b-1' });
    // A scalar where the setting needs a section is replaced by the section.
    const replaced = load({}, { KUBESTRAP_BACKUP_STORAGE: 'minio' }, `${header}spec:\n  backup: s3\n`);
    expect(replaced.spec.backup.storage.type).toBe('minio');
  });

  it('a file whose document is not a mapping is replaced by the settings (what is missing is then named)', () => {
    expect(problems({ name: 'from-flag' }, {}, '- a\n- b\n')).toEqual([
      ['/x/kubestrap.yaml:1:1', 'apiVersion', 'must be one of "kubestrap.dev/v1alpha1"'],
      ['/x/kubestrap.yaml:1:1', 'kind', 'must be one of "Roadmap"'],
    ]);
    expect(problems({}, {}, '- a\n')).toEqual([['/x/kubestrap.yaml:1:1', '', 'must be an object, got a list']]);
  });

  it('the settings of init only (one quota for every tenant) are neither read from variables nor from flags here', () => {
    const initOnly = overrideDefs.filter((d) => d.scope === 'init').map((d) => d.flag);
    expect(initOnly).toEqual(['tenant-cpu', 'tenant-memory']);
    const overrides = collectOverrides(
      { tenants: 'a', tenantCpu: '99', tenantMemory: '1Ti' },
      { KUBESTRAP_TENANT_CPU: '98', KUBESTRAP_TENANT_MEMORY: '2Ti' },
    );
    expect(overrides.map((o) => o.source)).toEqual(['flag --tenants']);
  });

  it('every variable comes before every flag, in the order of the table', () => {
    const overrides = collectOverrides({ vpa: true, cni: 'cilium' }, { KUBESTRAP_VPA: 'false', KUBESTRAP_CNI: 'calico' });
    expect(overrides.map((o) => o.source)).toEqual(['env KUBESTRAP_CNI', 'env KUBESTRAP_VPA', 'flag --cni', 'flag --vpa']);
    expect(overrides.map((o) => o.value)).toEqual(['calico', false, 'cilium', true]);
  });
});

describe('choices', () => {
  it("a setting with choices lists the schema's enum; a free one lists none", () => {
    const def = (flag: string) => overrideDefs.find((d) => d.flag === flag)!;
    expect(def('cni').choices).toEqual(['cilium', 'calico', 'default']);
    expect(def('log-shipper').choices).toEqual(['none', 'external']);
    expect(def('name').choices).toBeUndefined();
    expect(def('workers').choices).toBeUndefined();
  });
});
