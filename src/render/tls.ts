/**
 * TLS for what users reach: the cert-manager ClusterIssuer the configuration chooses (with
 * kubestrap's own root CA when `ca` names no Secret), and the certificate, listener and redirect
 * of the shared Gateway.
 */
import type { Config } from '../config/schema.js';
import { renderObject } from './template.js';

const certManagerNamespace = 'cert-manager';
export const selfSignedIssuer = 'kubestrap-selfsigned';
const caIssuer = 'kubestrap-ca';
const acmeIssuer = 'kubestrap-acme';
/** kubestrap's root CA: Certificate and Secret (tls.crt, tls.key, ca.crt) in the cert-manager namespace. */
export const rootCa = 'kubestrap-root-ca';
/** Certificate and Secret of the shared Gateway's HTTPS listener (in the Gateway's namespace). */
export const gatewayCertificate = 'kubestrap-gateway-tls';
export const httpsRedirectRoute = 'kubestrap-https-redirect';

type Tls = Config['spec']['security']['tls'];

export function issuerName(tls: Tls): string {
  return tls.issuer === 'acme' ? acmeIssuer : tls.issuer === 'ca' ? caIssuer : selfSignedIssuer;
}

/** The CA Secret the `ca` issuer signs with: the team's, or kubestrap's root CA. */
function caSecret(tls: Tls): string {
  return tls.ca.secretName ?? rootCa;
}

/** The names on the Gateway's certificate: the configured hostnames, else a private name for the cluster. */
function gatewayDnsNames(config: Config): string[] {
  const { gatewayHostnames } = config.spec.networking;
  return gatewayHostnames.length ? gatewayHostnames : [`gateway.${config.spec.cluster.name}.internal`];
}

interface GatewayTls {
  issuer: string;
  dnsNames: string[];
  redirect: boolean;
}

/** The Gateway's TLS, or undefined when it serves HTTP only (no gateway, no cert-manager, or turned off). */
export function gatewayTls(config: Config): GatewayTls | undefined {
  const { networking, security } = config.spec;
  if (networking.gateway === 'none' || !security.certManager || !security.tls.gatewayHttps) return undefined;
  return { issuer: issuerName(security.tls), dnsNames: gatewayDnsNames(config), redirect: security.tls.httpRedirect };
}

/** Why the Gateway has no HTTPS listener, for the plan (undefined when it has one or there is no gateway). */
export function noHttpsReason(config: Config): string | undefined {
  const { networking, security } = config.spec;
  if (networking.gateway === 'none' || gatewayTls(config)) return undefined;
  return !security.certManager ? 'spec.security.certManager is false' : 'spec.security.tls.gatewayHttps is false';
}

function acmeSolver(tls: Tls, gateway: { name: string; namespace: string }): Record<string, unknown> {
  const dns = tls.acme?.dns01;
  if (tls.acme?.solver !== 'dns01' || !dns) {
    // cert-manager answers the challenge with an HTTPRoute on the Gateway's http listener.
    return {
      http01: {
        gatewayHTTPRoute: { parentRefs: [{ name: gateway.name, namespace: gateway.namespace, kind: 'Gateway', sectionName: 'http' }] },
      },
    };
  }
  const ref = dns.secretRef ? { name: dns.secretRef.name, key: dns.secretRef.key } : undefined;
  switch (dns.provider) {
    case 'cloudflare':
      return { dns01: { cloudflare: { apiTokenSecretRef: ref } } };
    case 'route53':
      return {
        dns01: {
          route53: {
            ...(dns.region ? { region: dns.region } : {}),
            ...(ref ? { accessKeyID: dns.accessKeyID, secretAccessKeySecretRef: ref } : {}),
          },
        },
      };
    case 'clouddns':
      return { dns01: { cloudDNS: { project: dns.project, ...(ref ? { serviceAccountSecretRef: ref } : {}) } } };
    case 'azuredns':
      return {
        dns01: {
          azureDNS: {
            subscriptionID: dns.subscriptionID,
            resourceGroupName: dns.resourceGroupName,
            hostedZoneName: dns.hostedZoneName,
            environment: 'AzurePublicCloud',
          },
        },
      };
  }
}

/**
 * The ClusterIssuers (and, for kubestrap's own CA, its root Certificate), in apply order: the
 * self-signed issuer always, then the chosen one.
 */
export function issuerObjects(
  config: Config,
  labels: Record<string, string>,
  gateway: { name: string; namespace: string },
): Record<string, unknown>[] {
  const { tls } = config.spec.security;
  const out = [renderObject('security/cluster-issuer.yaml', { name: selfSignedIssuer, labels })];
  if (tls.issuer === 'ca') {
    if (!tls.ca.secretName) {
      out.push(
        renderObject('security/root-ca.yaml', {
          name: rootCa,
          namespace: certManagerNamespace,
          labels,
          commonName: `kubestrap ${config.spec.cluster.name} root CA`,
          selfSignedIssuer,
        }),
      );
    }
    out.push(renderObject('security/ca-issuer.yaml', { name: caIssuer, labels, secretName: caSecret(tls) }));
  } else if (tls.issuer === 'acme' && tls.acme) {
    out.push(
      renderObject('security/acme-issuer.yaml', {
        name: acmeIssuer,
        labels,
        email: tls.acme.email,
        server: tls.acme.server,
        accountKeySecret: `${acmeIssuer}-account-key`,
        solver: acmeSolver(tls, gateway),
      }),
    );
  }
  return out;
}

/** cert-manager answers HTTP-01 challenges through Gateway API routes only with this flag. */
export function certManagerNeedsGatewayApi(config: Config): boolean {
  const { tls } = config.spec.security;
  return tls.issuer === 'acme' && tls.acme?.solver === 'http01';
}

export function gatewayCertificateObject(
  config: Config,
  tls: GatewayTls,
  namespace: string,
  labels: Record<string, string>,
): Record<string, unknown> {
  return renderObject('gateway/certificate.yaml', {
    name: gatewayCertificate,
    namespace,
    labels,
    dnsNames: tls.dnsNames,
    issuer: tls.issuer,
  });
}
