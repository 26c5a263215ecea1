/** The roadmap: four phases, each an ordered list of steps (one per area). Registered here only. */
import { autoscalingStep } from '../steps/autoscaling.js';
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
import type { PhaseId, Step } from './types.js';

export interface Phase {
  id: PhaseId;
  title: string;
  weeks: string;
  steps: Step[];
}

export const roadmap: readonly Phase[] = [
  { id: 'foundation', title: 'Foundation', weeks: 'weeks 1-2: core infrastructure', steps: [clusterStep, networkingStep, storageStep] },
  { id: 'features', title: 'Features', weeks: 'weeks 3-4: primary features and integration testing', steps: [securityStep, gatewayStep, integrationStep] },
  { id: 'observability', title: 'Observability', weeks: 'weeks 5-6: performance and monitoring', steps: [monitoringStep, autoscalingStep] },
  { id: 'operations', title: 'Operations', weeks: 'ongoing: continuous improvement', steps: [disasterRecoveryStep, costStep, continuousVerificationStep] },
];
