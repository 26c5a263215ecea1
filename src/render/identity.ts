/**
 * Workload identity wiring: what a component's ServiceAccount and pods carry so the provider's
 * webhook or metadata server hands them a cloud identity instead of a stored key.
 * EKS: IRSA role ARN annotation. GKE: the Google service account annotation (Workload Identity).
 * AKS: the client ID annotation plus the pod label the Azure Workload Identity webhook selects on.
 */
import type { Config } from '../config/schema.js';

export type WorkloadIdentity = NonNullable<Config['spec']['backup']['storage']['workloadIdentity']>;

export interface IdentityWiring {
  serviceAccountAnnotations: Record<string, string>;
  podLabels: Record<string, string>;
  /** For the plan: what the identity is. */
  describe: string;
}

export function identityWiring(w: WorkloadIdentity | undefined): IdentityWiring | undefined {
  if (!w) return undefined;
  if (w.awsRoleArn)
    return {
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': w.awsRoleArn },
      podLabels: {},
      describe: `IAM role ${w.awsRoleArn} (IRSA)`,
    };
  if (w.gcpServiceAccount) {
    return {
      serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': w.gcpServiceAccount },
      podLabels: {},
      describe: `Google service account ${w.gcpServiceAccount} (GKE Workload Identity)`,
    };
  }
  if (w.azureClientId) {
    return {
      serviceAccountAnnotations: { 'azure.workload.identity/client-id': w.azureClientId },
      podLabels: { 'azure.workload.identity/use': 'true' },
      describe: `managed identity ${w.azureClientId} (Azure Workload Identity)`,
    };
  }
  return undefined;
}
