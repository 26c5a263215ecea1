import path from 'node:path';
import { gatewayServiceAnnotations, providerRuns } from '../config/profile.js';
import type { Config } from '../config/schema.js';
import { lock } from '../lock.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { addonPriorityClass, addonResources, spreadFor } from '../render/addons.js';
import { commonLabels, namespaceObject } from '../render/common.js';
import { chartSource } from '../render/charts.js';
import { renderObject } from '../render/template.js';
import { gatewayCertificate, gatewayCertificateObject, gatewayTls, httpsRedirectRoute, noHttpsReason } from '../render/tls.js';
import type { Action, Step } from '../roadmap/types.js';

export const gatewayName = 'kubestrap';
export const gatewayNamespace = 'kubestrap-gateway';
/** The plain-HTTP listener (with TLS on, it only redirects to HTTPS). */
export const gatewayListener = 'http';

/** The listener routes attach to: `https` when the Gateway serves TLS, else `http`. */
export function routeListener(config: Config): 'http' | 'https' {
  return gatewayTls(config) ? 'https' : 'http';
}
/** Namespaces with this label may attach routes to the shared Gateway. */
export const gatewayAccessLabels: Record<string, string> = { 'kubestrap.dev/gateway-access': 'true' };

/** The API group of Envoy Gateway's own CRDs (EnvoyProxy, policies), applied from its chart. */
export const envoyGatewayCrdGroup = 'gateway.envoyproxy.io';

/**
 * The pinned Gateway API CRDs (standard channel): from the local chart directory when charts are
 * local (air-gapped), else from the release URL; undefined where the provider runs its own copy.
 */
export function gatewayApiCrdsAction(config: Config, baseDir: string): Action | undefined {
  if (providerRuns(config, 'gateway-api-crds')) return undefined;
  const { source, localDir } = config.spec.charts;
  const { version, url } = lock.manifests.gatewayApi;
  if (source === 'local')
    return {
      type: 'apply',
      manifest: path.resolve(baseDir, localDir ?? 'charts', 'gateway-api', 'standard-install.yaml'),
      absolute: true,
      description: `Gateway API ${version} CRDs (standard channel, local copy)`,
    };
  return { type: 'apply-url', url, description: `Gateway API ${version} CRDs (standard channel)` };
}

export type GatewayImplementation = Exclude<Config['spec']['networking']['gateway'], 'none'>;

interface Implementation {
  gatewayClass: string;
  /** Set when kubestrap renders the GatewayClass (Cilium creates its own). */
  controllerName?: string;
  /** Namespace of the data-plane pods that forward traffic to backends (none for Cilium: its Envoy runs in the agent). */
  dataPlaneNamespace?: string;
  /** Listener port of the shared Gateway. */
  port: number;
  /** Port of its HTTPS listener. */
  httpsPort: number;
}

export const implementations: Record<GatewayImplementation, Implementation> = {
  // Envoy Gateway runs one Envoy proxy Deployment per Gateway, in its own namespace by default.
  'envoy-gateway': {
    gatewayClass: 'envoy-gateway',
    controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
    dataPlaneNamespace: 'envoy-gateway-system',
    port: 80,
    httpsPort: 443,
  },
  // Traefik matches a listener's port against its entryPoints: 8000 is the chart's `web`
  // entryPoint (ports.web.port), exposed as 80 by its Service; 8443 its `websecure` entryPoint,
  // exposed as 443 (both the defaults of chart 41.3.0's values.yaml).
  traefik: {
    gatewayClass: 'traefik',
    controllerName: 'traefik.io/gateway-controller',
    dataPlaneNamespace: 'traefik',
    port: 8000,
    httpsPort: 8443,
  },
  // Cilium creates the `cilium` GatewayClass itself when the networking step sets gatewayAPI.enabled.
  // ⚠ relies on the chart's gatewayAPI.gatewayClass.create default (auto); not checked against 1.19.5
  cilium: { gatewayClass: 'cilium', port: 80, httpsPort: 443 },
};

/** Annotations of the Gateway's LoadBalancer Service (profile + spec.networking.loadBalancer), or undefined for none. */
function loadBalancerAnnotations(config: Config): Record<string, string> | undefined {
  if (config.spec.cluster.provider === 'kind') return undefined;
  const annotations = gatewayServiceAnnotations(config);
  return Object.keys(annotations).length ? annotations : undefined;
}

export function gatewayImplementation(config: Config): GatewayImplementation | undefined {
  const g = config.spec.networking.gateway;
  return g === 'none' ? undefined : g;
}

/**
 * Gateway API: the pinned standard CRDs, an implementation (Envoy Gateway, Traefik, or Cilium's
 * built-in one), and one shared Gateway that namespaces opt into.
 */
export const gatewayStep: Step = {
  id: 'gateway',
  phase: 'features',
  title: 'Gateway API',
  needs: ['networking'],
  // The Gateway's Certificate is a cert-manager object: its CRD comes with the certificates step's chart.
  needsFor: (config) => (gatewayTls(config) ? ['certificates'] : []),
  enabled: (config) =>
    gatewayImplementation(config)
      ? { enabled: true }
      : { enabled: false, reason: 'spec.networking.gateway is none: no Gateway API implementation is installed' },
  render(ctx) {
    const b = new PlanBuilder(ctx, 'features', 'gateway');
    const { config } = ctx;
    const impl = gatewayImplementation(config);
    if (!impl) return b.build();
    const spec = implementations[impl];
    const labels = commonLabels(config, 'gateway');
    const platform = config.spec.security.podSecurity.platform;
    const replicas = config.spec.cluster.provider === 'existing' ? 2 : 1;

    // 1. The CRDs, before anything that serves or uses them.
    const crds = gatewayApiCrdsAction(config, ctx.baseDir);
    if (crds) b.action(crds);
    else
      // The provider owns them (GKE reconciles its own copy when Gateway API is enabled); applying
      // ours would fight it. Adopted: only checked.
      b.note(
        'Gateway API CRDs: run by the provider (spec.cluster.providerAddons), not applied; checked established (GKE: gcloud container clusters update <cluster> --gateway-api=standard)',
      );
    for (const crd of ['gatewayclasses', 'gateways', 'httproutes'])
      b.check({ type: 'crd-established', name: `${crd}.gateway.networking.k8s.io` });

    // 2. Namespaces, with Pod Security labels.
    const namespaces = [namespaceObject(config, 'gateway', gatewayNamespace, platform)];
    if (spec.dataPlaneNamespace) namespaces.push(namespaceObject(config, 'gateway', spec.dataPlaneNamespace, platform));
    b.manifest('namespaces.yaml', namespaces, 'Gateway namespaces with Pod Security Admission labels');

    // 3. The implementation.
    if (impl === 'envoy-gateway') {
      // The chart bundles the Gateway API CRDs (experimental channel) with Envoy Gateway's own in its
      // `crds` subchart. helm 4 server-side applies those over the standard CRDs applied above and
      // fails on the field conflict (helm 3 left them at whichever came first), so the values turn
      // the subchart off and only Envoy Gateway's own CRDs are applied from the same chart, first.
      b.action({
        type: 'chart-crds',
        chart: chartSource(config, ctx.baseDir, 'envoyGateway'),
        groups: [envoyGatewayCrdGroup],
        description: `Envoy Gateway's own CRDs (${envoyGatewayCrdGroup}) from chart ${lock.charts.envoyGateway.chart} ${lock.charts.envoyGateway.version}, without its bundled Gateway API CRDs`,
      });
      b.check({ type: 'crd-established', name: `envoyproxies.${envoyGatewayCrdGroup}` });
      b.helm(
        'envoyGateway',
        'envoy-gateway',
        'envoy-gateway-system',
        renderObject('gateway/envoy-gateway-values.yaml', {
          replicas,
          priorityClassName: addonPriorityClass(config),
          resources: addonResources(config, 'envoy-gateway'),
          jobResources: addonResources(config, 'helper-jobs'),
          spread: spreadFor(replicas, { 'control-plane': 'envoy-gateway', 'app.kubernetes.io/instance': 'envoy-gateway' }),
          pdbMinAvailable: replicas >= 2 ? 1 : 0,
        }),
      );
      b.rollout('envoy-gateway-system', ['deployment', 'envoy-gateway']);
    } else if (impl === 'traefik') {
      b.helm(
        'traefik',
        'traefik',
        'traefik',
        renderObject('gateway/traefik-values.yaml', {
          serviceAnnotations: loadBalancerAnnotations(config),
          replicas,
          priorityClassName: addonPriorityClass(config),
          resources: addonResources(config, 'traefik'),
          // The chart's selector: app.kubernetes.io/instance is `<release>-<namespace>`.
          spread: spreadFor(replicas, { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-traefik' }),
          pdb: replicas >= 2,
        }),
      );
      b.rollout('traefik', ['deployment', 'traefik']);
    }
    // Cilium: nothing to install; the networking step set its gatewayAPI value and checks its
    // operator, which serves the Gateway API.

    // 4. GatewayClass and the shared Gateway, after the CRDs and the controller.
    const objects: Record<string, unknown>[] = [];
    // Envoy Gateway: the data plane's shape (replicas, PDB, spread, priority, sizes) is an EnvoyProxy
    // the GatewayClass points at; its CRD comes with the chart above.
    let parametersRef: { group: string; kind: string; name: string; namespace: string } | undefined;
    if (impl === 'envoy-gateway') {
      const proxy = 'kubestrap';
      const owner = {
        'gateway.envoyproxy.io/owning-gateway-name': gatewayName,
        'gateway.envoyproxy.io/owning-gateway-namespace': gatewayNamespace,
      };
      objects.push(
        renderObject('gateway/envoy-proxy.yaml', {
          serviceAnnotations: loadBalancerAnnotations(config),
          name: proxy,
          namespace: 'envoy-gateway-system',
          labels,
          replicas,
          priorityClassName: addonPriorityClass(config),
          spread: spreadFor(replicas, owner),
          resources: addonResources(config, 'envoy-proxy'),
          pdb: replicas >= 2 ? { minAvailable: 1 } : undefined,
        }),
      );
      parametersRef = { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: proxy, namespace: 'envoy-gateway-system' };
    }
    if (spec.controllerName)
      objects.push(
        renderObject('gateway/gateway-class.yaml', { name: spec.gatewayClass, labels, controllerName: spec.controllerName, parametersRef }),
      );
    // TLS: an HTTPS listener with cert-manager's certificate (its CRD came with the certificates step),
    // and HTTP answering with a redirect only.
    const tls = gatewayTls(config);
    const fromAccessLabel = {
      kinds: [{ kind: 'HTTPRoute' }],
      namespaces: { from: 'Selector', selector: { matchLabels: gatewayAccessLabels } },
    };
    if (tls) objects.push(gatewayCertificateObject(config, tls, gatewayNamespace, labels));
    objects.push(
      renderObject('gateway/gateway.yaml', {
        name: gatewayName,
        namespace: gatewayNamespace,
        labels,
        gatewayClassName: spec.gatewayClass,
        port: spec.port,
        httpAllowedRoutes: tls?.redirect ? { kinds: [{ kind: 'HTTPRoute' }], namespaces: { from: 'Same' } } : fromAccessLabel,
        httpsListener: tls
          ? renderObject('gateway/https-listener.yaml', {
              port: spec.httpsPort,
              secretName: gatewayCertificate,
              accessLabels: gatewayAccessLabels,
            })
          : undefined,
      }),
    );
    if (tls?.redirect)
      objects.push(
        renderObject('gateway/https-redirect.yaml', { name: httpsRedirectRoute, namespace: gatewayNamespace, labels, gatewayName }),
      );
    const noTls = noHttpsReason(config);
    b.note(
      tls
        ? `HTTPS listener (port ${spec.httpsPort === 443 ? 443 : `${spec.httpsPort}, exposed as 443`}) with Certificate ${gatewayNamespace}/${gatewayCertificate} from ClusterIssuer ${tls.issuer} for ${tls.dnsNames.join(', ')}${tls.redirect ? '; HTTP answers with a redirect to HTTPS' : '; HTTP is served too (spec.security.tls.httpRedirect is false)'}`
        : `no HTTPS listener (${noTls ?? ''}): the Gateway serves plain HTTP only`,
    );
    b.manifest(
      'gateway.yaml',
      objects,
      `${parametersRef ? 'EnvoyProxy for the data plane, ' : ''}GatewayClass ${spec.gatewayClass}, ${tls ? `its TLS Certificate, ` : ''}the shared Gateway ${gatewayNamespace}/${gatewayName}${tls?.redirect ? ' and the HTTP-to-HTTPS redirect route' : ''}`,
    );
    if (tls) b.check({ type: 'exists', resource: 'certificates.cert-manager.io', namespace: gatewayNamespace, name: gatewayCertificate });
    if (tls?.redirect)
      b.check({ type: 'exists', resource: 'httproutes.gateway.networking.k8s.io', namespace: gatewayNamespace, name: httpsRedirectRoute });
    if (parametersRef)
      b.check({
        type: 'exists',
        resource: 'envoyproxies.gateway.envoyproxy.io',
        namespace: parametersRef.namespace,
        name: parametersRef.name,
      });
    b.check(
      { type: 'exists', resource: 'gatewayclasses.gateway.networking.k8s.io', name: spec.gatewayClass },
      { type: 'exists', resource: 'gateways.gateway.networking.k8s.io', namespace: gatewayNamespace, name: gatewayName },
    );
    return b.build();
  },
};
