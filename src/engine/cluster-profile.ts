/**
 * What an existing cluster says about itself, against the config: the provider profile (from the
 * nodes), the default StorageClass, and the add-ons the provider already runs. Read-only; every
 * finding says what was seen, what the config says and how to reconcile them.
 */
import type { Kubectl } from '../adapters/kubectl.js';
import {
  clusterProfile,
  compareProfile,
  detectProfile,
  profileFacts,
  providerAddons,
  type NodeFacts,
  type ProviderAddon,
} from '../config/profile.js';
import type { Config } from '../config/schema.js';
import { lock } from '../lock.js';
import type { StepId } from '../roadmap/types.js';

export interface ProfileFinding {
  severity: 'error' | 'warning' | 'info';
  what: string;
  fix: string;
}

interface Meta {
  metadata?: { name?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
}
interface NodeObject extends Meta {
  spec?: { providerID?: string };
}

/** Helm's release annotation, which marks what kubestrap's own release installed. */
const releaseOf = (o: Meta | undefined) => o?.metadata?.annotations?.['meta.helm.sh/release-name'];

const configPath = 'spec.cluster.providerAddons';

export async function checkClusterProfile(kubectl: Kubectl, config: Config, steps: readonly StepId[]): Promise<ProfileFinding[]> {
  if (config.spec.cluster.provider !== 'existing') return [];
  const out: ProfileFinding[] = [];
  const profile = clusterProfile(config);

  const nodes = await kubectl.list<NodeObject>('nodes');
  const facts: NodeFacts[] = nodes.map((n) => ({
    name: n.metadata?.name ?? '',
    providerID: n.spec?.providerID,
    labels: n.metadata?.labels ?? {},
  }));
  const detection = detectProfile(facts);
  const mismatch = compareProfile(profile, detection);
  const configured = config.spec.cluster.profile === undefined ? `${profile} (the default; spec.cluster.profile is not set)` : profile;
  if (mismatch) {
    out.push({
      severity: mismatch.severity,
      what: `cluster profile: ${mismatch.message.replace(`config says ${profile}`, `config says ${configured}`)}`,
      fix: detection.profile
        ? `set spec.cluster.profile: ${detection.profile} (or --profile ${detection.profile}), or check that the context names the cluster you mean`
        : 'set spec.cluster.profile to kubeadm or generic, or check that the context names the cluster you mean',
    });
  } else {
    out.push({ severity: 'info', what: `cluster profile ${configured}: ${detection.evidence}`, fix: '' });
  }

  if (steps.includes('storage') && config.spec.storage.provisioner !== 'longhorn') {
    const classes = await kubectl.list<Meta>('storageclasses');
    const defaults = classes
      .filter((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
      .map((c) => c.metadata?.name ?? '');
    const wanted = config.spec.storage.defaultClass;
    const names = classes.map((c) => c.metadata?.name ?? '');
    if (defaults.length === 0) {
      out.push({
        severity: 'error',
        what: `no StorageClass carries the default annotation${wanted ? ` (spec.storage.defaultClass is ${wanted})` : ''}; the volumes of Prometheus, Grafana and backups would stay Pending${names.length ? ` (classes: ${names.join(', ')})` : ' (the cluster has no StorageClass)'}`,
        fix: `mark one default: kubectl --context ${kubectl.target.context} annotate storageclass ${wanted ?? names[0] ?? '<class>'} storageclass.kubernetes.io/is-default-class=true`,
      });
    } else if (defaults.length > 1) {
      out.push({
        severity: 'error',
        what: `${defaults.length} StorageClasses carry the default annotation (${defaults.join(', ')}); a PVC without a class gets an arbitrary one`,
        fix: 'remove the annotation from all but one (storageclass.kubernetes.io/is-default-class=false)',
      });
    } else if (wanted && defaults[0] !== wanted) {
      out.push({
        severity: 'error',
        what: `detected default StorageClass ${defaults[0]}, config says ${wanted} (spec.storage.defaultClass)`,
        fix: `set spec.storage.defaultClass: ${defaults[0]}, or make ${wanted} the cluster's default`,
      });
    } else {
      out.push({
        severity: 'info',
        what: `default StorageClass: ${defaults[0]}${wanted ? '' : ' (detected; spec.storage.defaultClass names none)'}`,
        fix: '',
      });
    }
  }

  const adopted = providerAddons(config);
  const present = async (addon: ProviderAddon): Promise<{ there: boolean; ours: boolean; detail: string }> => {
    switch (addon) {
      case 'metrics-server': {
        const api = await kubectl.get<Meta & { spec?: { service?: { namespace?: string; name?: string } } }>(
          'apiservices.apiregistration.k8s.io',
          'v1beta1.metrics.k8s.io',
        );
        const svc = api?.spec?.service;
        return {
          there: api !== undefined,
          ours: releaseOf(api) === 'metrics-server',
          detail: svc ? `APIService v1beta1.metrics.k8s.io served by ${svc.namespace}/${svc.name}` : 'APIService v1beta1.metrics.k8s.io',
        };
      }
      case 'snapshot-controller': {
        const crd = await kubectl.get<Meta>('customresourcedefinitions.apiextensions.k8s.io', 'volumesnapshots.snapshot.storage.k8s.io');
        return {
          there: crd !== undefined,
          ours: releaseOf(crd) === 'snapshot-controller',
          detail: 'CRD volumesnapshots.snapshot.storage.k8s.io',
        };
      }
      case 'gateway-api-crds': {
        const crd = await kubectl.get<Meta>('customresourcedefinitions.apiextensions.k8s.io', 'gateways.gateway.networking.k8s.io');
        const version = crd?.metadata?.annotations?.['gateway.networking.k8s.io/bundle-version'];
        // kubestrap applies the pinned bundle; the same version there may well be its own.
        return {
          there: crd !== undefined,
          ours: version === lock.manifests.gatewayApi.version,
          detail: `Gateway API CRDs${version ? ` ${version}` : ''}`,
        };
      }
    }
  };
  const relevant: Record<ProviderAddon, boolean> = {
    'metrics-server': steps.includes('monitoring') && config.spec.monitoring.metricsServer,
    'snapshot-controller': steps.includes('storage') && config.spec.storage.snapshots,
    'gateway-api-crds': steps.includes('gateway') && config.spec.networking.gateway !== 'none',
  };
  for (const addon of Object.keys(relevant) as ProviderAddon[]) {
    if (!relevant[addon]) continue;
    const p = await present(addon);
    if (adopted.includes(addon) && !p.there) {
      out.push({
        severity: 'error',
        what: `${addon}: the ${profileFacts[profile].title} profile expects the provider to run it (${configPath}), but ${p.detail} is missing`,
        fix: `turn it on at the provider, or set ${configPath} without ${addon} so kubestrap installs it`,
      });
    } else if (!adopted.includes(addon) && p.there && !p.ours) {
      out.push({
        severity: addon === 'gateway-api-crds' ? 'warning' : 'error',
        what: `${addon}: the cluster already runs it (${p.detail}, not kubestrap's), and kubestrap would install a second one`,
        fix: `adopt it: add ${addon} to ${configPath}${addon === 'gateway-api-crds' ? ` (or let kubestrap apply Gateway API ${lock.manifests.gatewayApi.version} over it)` : ''}`,
      });
    } else if (adopted.includes(addon)) {
      out.push({ severity: 'info', what: `${addon}: run by the provider (${p.detail}), adopted`, fix: '' });
    }
  }

  // NodeLocal DNSCache: the tenants' DNS egress policy already allows its link-local address.
  const nodeLocal = await kubectl.get<Meta>('daemonsets.apps', 'node-local-dns', 'kube-system');
  if (nodeLocal)
    out.push({
      severity: 'info',
      what: 'NodeLocal DNSCache runs (kube-system/node-local-dns); tenant DNS egress allows 169.254.20.10',
      fix: '',
    });
  return out;
}
