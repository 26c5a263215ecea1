/** The roadmap: four phases, each an ordered list of steps (one per area). Registered here only. */
import { autoscalersStep } from '../steps/autoscalers.js';
import { autoscalingStep } from '../steps/autoscaling.js';
import { certificatesStep } from '../steps/certificates.js';
import { clusterStep } from '../steps/cluster.js';
import { continuousVerificationStep } from '../steps/continuous-verification.js';
import { costStep } from '../steps/cost.js';
import { disasterRecoveryStep } from '../steps/disaster-recovery.js';
import { gatewayStep } from '../steps/gateway.js';
import { integrationStep } from '../steps/integration.js';
import { monitoringStep } from '../steps/monitoring.js';
import { networkingStep } from '../steps/networking.js';
import { securityStep } from '../steps/security.js';
import { storageStep } from '../steps/storage.js';
import { roadmapLayout } from './layout.js';
import type { PhaseId, Step, StepId } from './types.js';

export interface Phase {
  id: PhaseId;
  title: string;
  weeks: string;
  steps: Step[];
}

const steps: Record<StepId, Step> = {
  cluster: clusterStep,
  networking: networkingStep,
  storage: storageStep,
  certificates: certificatesStep,
  security: securityStep,
  gateway: gatewayStep,
  integration: integrationStep,
  monitoring: monitoringStep,
  autoscalers: autoscalersStep,
  autoscaling: autoscalingStep,
  'disaster-recovery': disasterRecoveryStep,
  cost: costStep,
  'continuous-verification': continuousVerificationStep,
};

/** The phases of layout.ts with their steps. */
export const roadmap: readonly Phase[] = roadmapLayout.map((phase) => ({ ...phase, steps: phase.steps.map((id) => steps[id]) }));
