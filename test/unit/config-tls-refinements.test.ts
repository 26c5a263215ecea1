// The spec-level refinements of src/config/schema-tls.ts that no other unit test reached: each
// impossible TLS, log or snapshot combination is refused at the key it concerns, with its message.
// Written against StrykerJS's uncovered mutants in src/config (docs/mutation.md).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n';
const file = path.join(process.cwd(), 'k.yaml');

function problems(spec: string): ConfigProblem[] {
  try {
    parseConfigText(`${header}${spec}`, file);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
const acme = (extra: string, hostnames = '[apps.example.com]') =>
  `  networking: { gatewayHostnames: ${hostnames} }\n  security: { certManager: true, tls: { issuer: acme, acme: { email: ops@example.com${extra} } } }\n`;

describe('TLS, logs and snapshot combinations (refined at the spec level)', () => {
  it('a valid ACME HTTP-01 configuration is accepted', () => {
    expect(problems(acme(''))).toEqual([]);
  });

  it('http01 with dns01 set: refused at dns01', () => {
    expect(problems(acme(', solver: http01, dns01: { provider: cloudflare, secretRef: { name: t, key: token } }'))).toEqual([
      {
        where: 'k.yaml:7:110',
        path: 'spec.security.tls.acme.dns01',
        message: 'dns01 is set but solver is http01; set solver: dns01, or remove dns01',
      },
    ]);
  });

  it('http01 cannot validate a wildcard: refused at that hostname', () => {
    expect(problems(acme('', '[a.example.com, "*.apps.example.com"]'))).toMatchObject([
      {
        path: 'spec.networking.gatewayHostnames.1',
        message: 'HTTP-01 cannot validate a wildcard name; use solver: dns01, or list the names one by one',
      },
    ]);
  });

  it('dns01 without a provider block, and each provider without what it needs', () => {
    expect(problems(acme(', solver: dns01'))).toMatchObject([
      { path: 'spec.security.tls.acme.dns01', message: expect.stringContaining('needs the DNS provider') },
    ]);
    expect(problems(acme(', solver: dns01, dns01: { provider: cloudflare }'))).toMatchObject([
      { path: 'spec.security.tls.acme.dns01.secretRef', message: expect.stringContaining('cloudflare needs an API token') },
    ]);
    expect(problems(acme(', solver: dns01, dns01: { provider: route53, secretRef: { name: r, key: k } }'))).toMatchObject([
      { path: 'spec.security.tls.acme.dns01.accessKeyID', message: expect.stringContaining('route53 with a secret access key') },
    ]);
    expect(problems(acme(', solver: dns01, dns01: { provider: route53 }'))).toEqual([]);
    expect(problems(acme(', solver: dns01, dns01: { provider: clouddns }'))).toMatchObject([
      { path: 'spec.security.tls.acme.dns01.project', message: 'clouddns needs the Google Cloud project of the managed zone: set project' },
    ]);
    expect(problems(acme(', solver: dns01, dns01: { provider: azuredns, resourceGroupName: rg }')).map((p) => [p.path, p.message])).toEqual(
      [
        [
          'spec.security.tls.acme.dns01.subscriptionID',
          "azuredns needs subscriptionID (the DNS zone's subscription, resource group and name)",
        ],
        [
          'spec.security.tls.acme.dns01.hostedZoneName',
          "azuredns needs hostedZoneName (the DNS zone's subscription, resource group and name)",
        ],
      ],
    );
  });

  it('acme or a CA Secret set for another issuer: refused at what is set', () => {
    expect(problems('  security: { certManager: true, tls: { issuer: selfSigned, acme: { email: ops@example.com } } }\n')).toMatchObject([
      { path: 'spec.security.tls.acme', message: 'acme is set but issuer is selfSigned; set issuer: acme, or remove acme' },
    ]);
    expect(problems('  security: { certManager: true, tls: { issuer: selfSigned, ca: { secretName: root-ca } } }\n')).toMatchObject([
      {
        path: 'spec.security.tls.ca.secretName',
        message: 'a CA Secret is named but issuer is selfSigned; set issuer: ca, or remove ca.secretName',
      },
    ]);
  });

  it('logs and their shipper go together', () => {
    expect(problems('  monitoring: { logs: true }\n')).toMatchObject([
      { path: 'spec.monitoring.logs', message: expect.stringContaining('Loki without a log shipper') },
    ]);
    expect(problems('  monitoring: { logShipper: external }\n')).toMatchObject([
      { path: 'spec.monitoring.logShipper', message: 'logShipper is set but logs is false; set logs: true, or remove logShipper' },
    ]);
    expect(problems('  monitoring: { logs: true, logShipper: external }\n')).toEqual([]);
  });

  it('snapshot backups need the snapshot controller, and kind’s local-path cannot take them (Longhorn can)', () => {
    expect(problems('  backup: { volumes: snapshot }\n  storage: { snapshots: false }\n')).toMatchObject([
      { path: 'spec.backup.volumes', message: expect.stringContaining('storage.snapshots is false') },
    ]);
    expect(problems('  backup: { volumes: snapshot }\n')).toMatchObject([
      {
        path: 'spec.backup.volumes',
        message: "kind's local-path provisioner cannot take CSI snapshots; use volumes: file-system (or auto)",
      },
    ]);
    expect(problems('  backup: { volumes: snapshot }\n  storage: { provisioner: longhorn }\n')).toEqual([]);
    expect(problems('  backup: { enabled: false, volumes: snapshot }\n  storage: { snapshots: false }\n')).toEqual([]);
  });
});
