/** How each check reads to a person: in plans, events and the scorecard. Beside the Check type it describes. */
import type { Check } from './types.js';

export function describeCheck(check: Check): string {
  switch (check.type) {
    case 'api-ready':
      return 'API server /readyz answers';
    case 'nodes-ready':
      return 'every node is Ready';
    case 'rollout':
      return `${check.kind}/${check.name} in ${check.namespace} rolled out`;
    case 'crd-established':
      return `CRD ${check.name} Established`;
    case 'apiservice-available':
      return `APIService ${check.name} Available`;
    case 'helm-deployed':
      return `helm release ${check.namespace}/${check.release} deployed`;
    case 'default-storageclass':
      return check.name
        ? `exactly one default StorageClass, named ${check.name}`
        : "exactly one default StorageClass (the cluster's own; spec.storage.defaultClass names none)";
    case 'namespace-labels':
      return `namespace ${check.namespace} labelled ${Object.entries(check.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`;
    case 'exists':
      return `${check.resource} ${check.namespace ? `${check.namespace}/` : ''}${check.name} exists`;
    case 'rejects-privileged-pod':
      return `a privileged pod is rejected in ${check.namespace}`;
    case 'velero-bsl-available':
      return `BackupStorageLocation ${check.namespace}/${check.name} Available`;
    case 'probe':
      return check.description;
    case 'not-checkable':
      return check.description;
  }
}
