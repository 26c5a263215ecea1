import { lock } from '../lock.js';
import { PlanBuilder } from '../roadmap/builders.js';
import { commonLabels, podSecurityLabels } from '../render/common.js';
import { renderObject, renderObjects } from '../render/template.js';
import type { Step } from '../roadmap/types.js';
import { gatewayAccessLabels, gatewayImplementation, gatewayName, gatewayNamespace, implementations, routeListener } from './gateway.js';
import { isolationChecks, namespaceIsolation } from './security.js';
import { smokeName, smokeNamespace, smokePage } from '../names.js';

export const smokeSelector: Record<string, string> = {
  'app.kubernetes.io/name': 'kubestrap-smoke',
  'app.kubernetes.io/component': smokeName,
};
/** The container's http port, the smoke Service's targetPort. */
const smokePort = 8080;

/**
 * The integration smoke test: a small restricted-compliant workload exposed through the shared
 * Gateway, under the same isolation a tenant gets, proving the features phase works together.
 */
export const integrationStep: Step = {
  id: 'integration',
  phase: 'features',
  title: 'Integration smoke test',
  // A disabled gateway step counts as satisfied.
  needs: ['security', 'gateway'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    const b = new PlanBuilder(ctx, 'features', 'integration');
    const { config } = ctx;
    const labels = commonLabels(config, 'integration');
    const impl = gatewayImplementation(config);

    const namespaceLabels = { ...labels, ...podSecurityLabels('restricted'), ...(impl ? gatewayAccessLabels : {}) };
    b.manifest(
      'namespace.yaml',
      [renderObject('common/namespace.yaml', { name: smokeNamespace, labels: namespaceLabels })],
      `${smokeNamespace} namespace (restricted)`,
    );
    b.check({ type: 'namespace-labels', namespace: smokeNamespace, labels: podSecurityLabels('restricted') });

    if (config.spec.security.defaultDenyNetworkPolicies) {
      const policies = namespaceIsolation(config, 'integration', smokeNamespace);
      const dataPlane = impl ? implementations[impl].dataPlaneNamespace : undefined;
      if (dataPlane) {
        policies.push(
          ...renderObjects('integration/allow-from-gateway.yaml', {
            namespace: smokeNamespace,
            labels,
            selector: smokeSelector,
            gatewayNamespace: dataPlane,
            port: smokePort,
          }),
        );
      } else if (impl === 'cilium') {
        // ⚠ the `ingress` entity for Cilium's Gateway API (documented for Cilium Ingress); not checked against 1.19.5
        policies.push(
          ...renderObjects('integration/allow-from-cilium-gateway.yaml', {
            namespace: smokeNamespace,
            labels,
            selector: smokeSelector,
            portString: String(smokePort),
          }),
        );
      }
      b.manifest('network-policies.yaml', policies, 'default-deny NetworkPolicies for the smoke test, with gateway ingress allowed');
      b.check(...isolationChecks(smokeNamespace));
    }

    b.manifest(
      'workload.yaml',
      renderObjects('integration/workload.yaml', {
        name: smokeName,
        namespace: smokeNamespace,
        labels,
        selector: smokeSelector,
        podLabels: { ...labels, ...smokeSelector },
        image: lock.images.smokeTest,
        port: smokePort,
        serve: `echo ${smokePage} > /www/index.html && exec httpd -f -p ${smokePort} -h /www`,
      }),
      'smoke-test Deployment, Service and PodDisruptionBudget',
    );
    b.rollout(smokeNamespace, ['deployment', smokeName]);

    if (impl) {
      // The HTTPRoute's CRD comes from the gateway step, which runs first.
      b.manifest(
        'httproute.yaml',
        [
          renderObject('integration/httproute.yaml', {
            name: smokeName,
            namespace: smokeNamespace,
            labels,
            gatewayName,
            gatewayNamespace,
            listener: routeListener(config),
          }),
        ],
        `HTTPRoute from the shared Gateway to the smoke test`,
      );
      b.check({ type: 'exists', resource: 'httproutes.gateway.networking.k8s.io', namespace: smokeNamespace, name: smokeName });
    }

    b.check(
      {
        type: 'probe',
        probe: 'dns',
        namespace: smokeNamespace,
        description: `a pod in ${smokeNamespace} resolves names through cluster DNS`,
      },
      {
        type: 'probe',
        probe: 'pod-to-pod',
        namespace: smokeNamespace,
        description: `a pod in ${smokeNamespace} reaches a pod on another node`,
      },
      {
        type: 'probe',
        probe: 'smoke-http',
        namespace: smokeNamespace,
        description: `the smoke workload answers HTTP through its Service (${smokeName}.${smokeNamespace}.svc)`,
      },
    );
    return b.build();
  },
};
