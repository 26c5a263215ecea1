import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources, spreadFor } from '../render/addons.js';
import { commonLabels, namespaceObject } from '../render/common.js';
import { renderObject } from '../render/template.js';
import type { Step } from '../roadmap/types.js';
import { certManagerNeedsGatewayApi, issuerName, issuerObjects, rootCa, selfSignedIssuer } from '../render/tls.js';
import { gatewayApiCrdsAction, gatewayName, gatewayNamespace } from './gateway.js';

export const certManagerNamespace = 'cert-manager';

/**
 * cert-manager and the configured ClusterIssuer (kubestrap's own CA, the team's CA, or ACME).
 * A step of its own, apart from the rest of security hardening, because other steps create
 * cert-manager objects (the Gateway's Certificate, the Prometheus Operator's webhook certificate):
 * they need cert-manager's CRDs and webhook, not Kyverno, and should not wait for it.
 */
export const certificatesStep: Step = {
  id: 'certificates',
  phase: 'features',
  title: 'Certificates (cert-manager)',
  needs: ['networking'],
  enabled: (config) =>
    config.spec.security.certManager
      ? { enabled: true }
      : { enabled: false, reason: 'spec.security.certManager is false: no certificates are issued in the cluster' },
  render(ctx) {
    const b = new PlanBuilder(ctx, 'features', 'certificates');
    const { config } = ctx;
    if (!config.spec.security.certManager) return b.build();
    const { security, cluster } = config.spec;
    const labels = commonLabels(config, 'certificates');

    // Created here rather than by `helm --create-namespace` so it carries Pod Security labels.
    b.manifest(
      'namespaces.yaml',
      [namespaceObject(config, 'certificates', certManagerNamespace, security.podSecurity.platform)],
      'namespace with Pod Security Admission labels',
    );
    // cert-manager started with --enable-gateway-api refuses to start while the Gateway API v1
    // CRDs are absent, and the gateway step (which also applies them) runs after this one.
    const gatewayCrds = certManagerNeedsGatewayApi(config) ? gatewayApiCrdsAction(config, ctx.baseDir) : undefined;
    if (gatewayCrds) b.action(gatewayCrds);
    const replicas = cluster.provider === 'existing' ? 2 : 1;
    const component = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'cert-manager' });
    b.helm(
      'certManager',
      'cert-manager',
      certManagerNamespace,
      renderObject('security/cert-manager-values.yaml', {
        replicas,
        pdb: replicas >= 2,
        priorityClassName: addonPriorityClass(config),
        resources: {
          controller: addonResources(config, 'cert-manager'),
          webhook: addonResources(config, 'cert-manager-webhook'),
          cainjector: addonResources(config, 'cert-manager-cainjector'),
          startupapicheck: addonResources(config, 'helper-jobs'),
        },
        spread: {
          controller: spreadFor(replicas, component('cert-manager')),
          webhook: spreadFor(replicas, component('webhook')),
          cainjector: spreadFor(replicas, component('cainjector')),
        },
        // HTTP-01 through the Gateway: cert-manager creates the solver's HTTPRoutes itself.
        extraArgs: certManagerNeedsGatewayApi(config) ? ['--enable-gateway-api'] : [],
      }),
    );
    // The ClusterIssuers' CRD comes with the chart: apply them only after the release.
    const { tls } = security;
    const issuers = issuerObjects(config, labels, { name: gatewayName, namespace: gatewayNamespace });
    b.manifest(
      'cluster-issuer.yaml',
      issuers,
      tls.issuer === 'ca'
        ? `ClusterIssuers ${selfSignedIssuer} and ${issuerName(tls)} (${tls.ca.secretName ? `CA in Secret ${certManagerNamespace}/${tls.ca.secretName}` : `kubestrap's root CA, Secret ${certManagerNamespace}/${rootCa}`})`
        : tls.issuer === 'acme'
          ? `ClusterIssuers ${selfSignedIssuer} and ${issuerName(tls)} (ACME ${tls.acme?.server ?? ''}, ${tls.acme?.solver ?? ''})`
          : `self-signed ClusterIssuer ${selfSignedIssuer}`,
    );
    if (tls.issuer === 'ca' && !tls.ca.secretName)
      b.note(
        `private root CA: clients trust the Gateway by trusting ca.crt of Secret ${certManagerNamespace}/${rootCa} (kubectl -n ${certManagerNamespace} get secret ${rootCa} -o jsonpath='{.data.ca\\.crt}' | base64 -d)`,
      );
    b.rollout(
      certManagerNamespace,
      ['deployment', 'cert-manager'],
      ['deployment', 'cert-manager-webhook'],
      ['deployment', 'cert-manager-cainjector'],
    );
    b.check(
      { type: 'crd-established', name: 'certificates.cert-manager.io' },
      { type: 'crd-established', name: 'clusterissuers.cert-manager.io' },
      ...issuers.map((o) => {
        const meta = o.metadata as { name: string; namespace?: string };
        if (o.kind !== 'Certificate') return { type: 'exists', resource: 'clusterissuers.cert-manager.io', name: meta.name } as const;
        if (!meta.namespace) throw new Error(`the Certificate ${meta.name} was rendered without a namespace`);
        return { type: 'exists', resource: 'certificates.cert-manager.io', namespace: meta.namespace, name: meta.name } as const;
      }),
    );
    return b.build();
  },
};
