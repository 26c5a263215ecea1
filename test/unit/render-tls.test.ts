// What src/render/tls.ts hands the certificates and gateway steps, per configuration: which ClusterIssuers
// (and kubestrap's own root CA) are applied, the ACME challenge solver cert-manager is given for each DNS
// provider, whether the shared Gateway gets an HTTPS listener (and why not, as the plan says), and the
// Gateway's Certificate. Written against the mutants StrykerJS found surviving in tls.ts (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import {
  certManagerNeedsGatewayApi,
  gatewayCertificateObject,
  gatewayTls,
  issuerName,
  issuerObjects,
  noHttpsReason,
} from '../../src/render/tls.js';

const head = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n';
const config = (spec: string): Config => parseConfigText(head + spec, '/x/kubestrap.yaml').config;
const labels = { team: 'platform' };
const gateway = { name: 'kubestrap', namespace: 'kubestrap-gateway' };
const names = (objects: Record<string, any>[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);

const hostnames = '  networking: { gatewayHostnames: [apps.example.com] }\n';
const acme = (more: string) => `${hostnames}  security: { tls: { issuer: acme, acme: { email: ops@example.com${more} } } }\n`;
/** The one solver of the ACME ClusterIssuer rendered for `spec`. */
const solver = (spec: string) => {
  const objects = issuerObjects(config(spec), labels, gateway) as Record<string, any>[];
  expect(names(objects)).toEqual(['ClusterIssuer/kubestrap-selfsigned', 'ClusterIssuer/kubestrap-acme']);
  const solvers = objects[1]!.spec.acme.solvers as Record<string, any>[];
  expect(solvers).toHaveLength(1);
  return solvers[0]!;
};

describe('the ClusterIssuers', () => {
  it("ca without a Secret: the self-signed issuer, kubestrap's root CA it signs, and the CA issuer reading that CA", () => {
    const objects = issuerObjects(config('  cluster: { name: demo }\n'), labels, gateway) as Record<string, any>[];
    expect(names(objects)).toEqual(['ClusterIssuer/kubestrap-selfsigned', 'Certificate/kubestrap-root-ca', 'ClusterIssuer/kubestrap-ca']);
    expect(objects[1]!.metadata.namespace).toBe('cert-manager');
    expect(objects[1]!.spec).toMatchObject({ commonName: 'kubestrap demo root CA', issuerRef: { name: 'kubestrap-selfsigned' } });
    expect(objects[2]!.spec).toEqual({ ca: { secretName: 'kubestrap-root-ca' } });
    for (const o of objects) expect(o.metadata.labels).toMatchObject(labels);
  });

  it("ca with the team's Secret: no root CA of kubestrap's; the issuer reads the named Secret", () => {
    const objects = issuerObjects(config('  security: { tls: { ca: { secretName: team-ca } } }\n'), labels, gateway) as Record<
      string,
      any
    >[];
    expect(names(objects)).toEqual(['ClusterIssuer/kubestrap-selfsigned', 'ClusterIssuer/kubestrap-ca']);
    expect(objects[1]!.spec).toEqual({ ca: { secretName: 'team-ca' } });
  });

  it('selfSigned: the self-signed issuer only', () => {
    const c = config('  security: { tls: { issuer: selfSigned } }\n');
    expect(names(issuerObjects(c, labels, gateway) as Record<string, any>[])).toEqual(['ClusterIssuer/kubestrap-selfsigned']);
    expect(issuerName(c.spec.security.tls)).toBe('kubestrap-selfsigned');
  });

  it('each issuer choice names its own ClusterIssuer', () => {
    expect(issuerName(config('  cluster: {}\n').spec.security.tls)).toBe('kubestrap-ca');
    expect(issuerName(config(acme('')).spec.security.tls)).toBe('kubestrap-acme');
  });

  it('acme: the account e-mail, the directory and the account key Secret', () => {
    const objects = issuerObjects(
      config(acme(', server: https://acme-staging-v02.api.letsencrypt.org/directory')),
      labels,
      gateway,
    ) as Record<string, any>[];
    expect(objects[1]!.spec.acme).toMatchObject({
      email: 'ops@example.com',
      server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
      privateKeySecretRef: { name: 'kubestrap-acme-account-key' },
    });
  });
});

describe('the ACME challenge solver', () => {
  it("HTTP-01 (the default): an HTTPRoute on the shared Gateway's http listener; cert-manager needs its Gateway API flag", () => {
    expect(solver(acme(''))).toEqual({
      http01: {
        gatewayHTTPRoute: { parentRefs: [{ name: 'kubestrap', namespace: 'kubestrap-gateway', kind: 'Gateway', sectionName: 'http' }] },
      },
    });
    expect(certManagerNeedsGatewayApi(config(acme('')))).toBe(true);
  });

  it('cloudflare: the API token Secret; no Gateway API flag for DNS-01', () => {
    const spec = acme(', solver: dns01, dns01: { provider: cloudflare, secretRef: { name: cf-token, key: api-token } }');
    expect(solver(spec)).toEqual({ dns01: { cloudflare: { apiTokenSecretRef: { name: 'cf-token', key: 'api-token' } } } });
    expect(certManagerNeedsGatewayApi(config(spec))).toBe(false);
  });

  it('route53 with a static key: region, access key ID and the secret access key Secret', () => {
    const spec = acme(
      ', solver: dns01, dns01: { provider: route53, region: eu-west-1, accessKeyID: AKIAIOSFODNN7EXAMPLE, secretRef: { name: r53, key: secret } }',
    );
    expect(solver(spec)).toEqual({
      dns01: {
        route53: { region: 'eu-west-1', accessKeyID: 'AKIAIOSFODNN7EXAMPLE', secretAccessKeySecretRef: { name: 'r53', key: 'secret' } },
      },
    });
  });

  it("route53 with workload identity: no key and no region in the solver (cert-manager's ServiceAccount brings both)", () => {
    expect(solver(acme(', solver: dns01, dns01: { provider: route53 }'))).toEqual({ dns01: { route53: {} } });
  });

  it('clouddns: the project, with the service-account key Secret only when one is named', () => {
    expect(solver(acme(', solver: dns01, dns01: { provider: clouddns, project: my-project-1 }'))).toEqual({
      dns01: { cloudDNS: { project: 'my-project-1' } },
    });
    expect(
      solver(acme(', solver: dns01, dns01: { provider: clouddns, project: my-project-1, secretRef: { name: gsa, key: key.json } }')),
    ).toEqual({ dns01: { cloudDNS: { project: 'my-project-1', serviceAccountSecretRef: { name: 'gsa', key: 'key.json' } } } });
  });

  it("azuredns: the zone's subscription, resource group and name, in Azure's public cloud", () => {
    const spec = acme(
      ', solver: dns01, dns01: { provider: azuredns, subscriptionID: 01234567-89ab-cdef-0123-456789abcdef, resourceGroupName: dns-rg, hostedZoneName: example.com }',
    );
    expect(solver(spec)).toEqual({
      dns01: {
        azureDNS: {
          subscriptionID: '01234567-89ab-cdef-0123-456789abcdef',
          resourceGroupName: 'dns-rg',
          hostedZoneName: 'example.com',
          environment: 'AzurePublicCloud',
        },
      },
    });
  });

  it('no Gateway API flag without ACME', () => {
    expect(certManagerNeedsGatewayApi(config('  cluster: {}\n'))).toBe(false);
    expect(certManagerNeedsGatewayApi(config('  security: { tls: { issuer: selfSigned } }\n'))).toBe(false);
  });
});

describe("the shared Gateway's HTTPS listener", () => {
  it('by default: HTTPS with a private name for the cluster, signed by the CA issuer, HTTP redirected', () => {
    const c = config('  cluster: { name: demo }\n');
    expect(gatewayTls(c)).toEqual({ issuer: 'kubestrap-ca', dnsNames: ['gateway.demo.internal'], redirect: true });
    expect(noHttpsReason(c)).toBeUndefined();
  });

  it('the configured hostnames go on the certificate; httpRedirect false keeps HTTP serving', () => {
    const c = config(`${hostnames}  security: { tls: { httpRedirect: false } }\n`);
    expect(gatewayTls(c)).toEqual({ issuer: 'kubestrap-ca', dnsNames: ['apps.example.com'], redirect: false });
  });

  it('no HTTPS without cert-manager, and the plan says so', () => {
    const c = config('  security: { certManager: false }\n');
    expect(gatewayTls(c)).toBeUndefined();
    expect(noHttpsReason(c)).toBe('spec.security.certManager is false');
  });

  it('no HTTPS when turned off, and the plan says so', () => {
    const c = config('  security: { tls: { gatewayHttps: false } }\n');
    expect(gatewayTls(c)).toBeUndefined();
    expect(noHttpsReason(c)).toBe('spec.security.tls.gatewayHttps is false');
  });

  it('no gateway: no listener, and nothing to explain', () => {
    const c = config('  networking: { gateway: none }\n');
    expect(gatewayTls(c)).toBeUndefined();
    expect(noHttpsReason(c)).toBeUndefined();
    const off = config('  networking: { gateway: none }\n  security: { certManager: false }\n');
    expect(noHttpsReason(off)).toBeUndefined();
  });

  it('the Certificate: in the Gateway namespace, for the listener names, from the chosen issuer', () => {
    const c = config(acme(''));
    const tls = gatewayTls(c)!;
    expect(tls.issuer).toBe('kubestrap-acme');
    const cert = gatewayCertificateObject(c, tls, 'kubestrap-gateway', labels) as Record<string, any>;
    expect(cert).toMatchObject({
      kind: 'Certificate',
      metadata: { name: 'kubestrap-gateway-tls', namespace: 'kubestrap-gateway', labels },
      spec: { dnsNames: ['apps.example.com'], issuerRef: { name: 'kubestrap-acme', kind: 'ClusterIssuer' } },
    });
  });
});
