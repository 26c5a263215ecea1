import { PlanBuilder } from '../roadmap/builders.js';
import { lock } from '../lock.js';
import { addonPriorityClass, addonResources } from '../render/addons.js';
import { commonLabels, namespaceObject } from '../render/common.js';
import { renderObject, renderObjects } from '../render/template.js';
import { kubestrapNamespace } from '../names.js';
import type { Step } from '../roadmap/types.js';

/**
 * The CNI: Cilium or Calico installed by helm, or the cluster's own kept as it is, optionally with
 * kube-router next to it as the NetworkPolicy controller.
 */
export const networkingStep: Step = {
  id: 'networking',
  phase: 'foundation',
  title: 'Networking (CNI)',
  needs: ['cluster'],
  enabled: () => ({ enabled: true }),
  render(ctx) {
    const b = new PlanBuilder(ctx, 'foundation', 'networking');
    const { cluster, networking } = ctx.config.spec;
    const isKind = cluster.provider === 'kind';
    if (networking.cni === 'cilium') {
      b.helm(
        'cilium',
        'cilium',
        'kube-system',
        renderObject('networking/cilium-values.yaml', {
          operatorReplicas: isKind ? 1 : 2,
          operatorPdb: !isKind,
          priorityClassName: addonPriorityClass(ctx.config),
          resources: {
            agent: addonResources(ctx.config, 'cilium-agent'),
            init: addonResources(ctx.config, 'helper-jobs'),
            envoy: addonResources(ctx.config, 'cilium-envoy'),
            operator: addonResources(ctx.config, 'cilium-operator'),
            relay: addonResources(ctx.config, 'hubble-relay'),
            ui: addonResources(ctx.config, 'hubble-ui'),
          },
          kubeProxyReplacement: networking.kubeProxyReplacement,
          // Without kube-proxy, Cilium must reach the API server directly rather than via the Service.
          k8sServiceHost: networking.kubeProxyReplacement && isKind ? `${cluster.name}-control-plane` : undefined,
          k8sServicePort: networking.kubeProxyReplacement && isKind ? 6443 : undefined,
          hubbleUi: !isKind,
          encryption: networking.encryption,
          gatewayApi: networking.gateway === 'cilium',
        }),
      );
      b.rollout('kube-system', ['daemonset', 'cilium'], ['deployment', 'cilium-operator']);
      if (networking.encryption)
        b.note(
          'pod-to-pod traffic between nodes encrypted with WireGuard (Cilium encryption.type wireguard; every node needs the wireguard kernel module)',
        );
    } else if (networking.cni === 'calico') {
      b.manifest(
        'namespaces.yaml',
        [namespaceObject(ctx.config, 'networking', 'tigera-operator', 'privileged')],
        'tigera-operator namespace',
      );
      // Since Calico 3.32 the CRDs ship as their own chart and must be installed first.
      b.helm('calicoCrds', 'calico-crds', 'tigera-operator', {});
      b.helm(
        'tigeraOperator',
        'calico',
        'tigera-operator',
        renderObject('networking/tigera-operator-values.yaml', {
          kubernetesProvider: isKind ? 'Kind' : '',
          podSubnet: networking.podSubnet,
          encryption: networking.encryption,
          wireguardEnabled: networking.encryption ? true : undefined,
        }),
      );
      b.rollout('tigera-operator', ['deployment', 'tigera-operator']);
      b.rollout('calico-system', ['daemonset', 'calico-node'], ['deployment', 'calico-kube-controllers']);
      if (networking.encryption)
        b.note(
          'pod-to-pod traffic between nodes encrypted with WireGuard (FelixConfiguration default: wireguardEnabled; every node needs the wireguard kernel module)',
        );
    }
    if (networking.policyController === 'kube-router') {
      b.manifest(
        'kube-router.yaml',
        renderObjects('networking/kube-router.yaml', {
          labels: commonLabels(ctx.config, 'networking'),
          image: lock.images.kubeRouter,
          serviceRangeArg: `--service-cluster-ip-range=${networking.serviceSubnet}`,
        }),
        'kube-router as NetworkPolicy controller (policy-only DaemonSet, RBAC)',
      );
      b.note(`NetworkPolicies enforced by kube-router (policy-only, ${lock.images.kubeRouter}) next to the cluster's CNI`);
      b.rollout('kube-system', ['daemonset', 'kube-router']);
    }
    b.check({ type: 'nodes-ready' });
    b.rollout('kube-system', ['deployment', 'coredns']);
    b.check(
      { type: 'probe', probe: 'dns', namespace: kubestrapNamespace, description: 'a pod resolves kubernetes.default through cluster DNS' },
      { type: 'probe', probe: 'pod-to-pod', namespace: kubestrapNamespace, description: 'a pod on one node reaches a pod on another' },
    );
    return b.build();
  },
};
