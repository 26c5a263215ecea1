/**
 * The scorecard: after every `up` and `verify`, the result of each check is written to
 * ConfigMap kubestrap-system/kubestrap-scorecard. Its drift label is "true" while a check that
 * verified before is failing; the KubestrapStepDrift alert (monitoring step) fires on it.
 */
import type { Kubectl } from '../adapters/kubectl.js';
import { managedByLabel, roadmapLabel, scorecard } from '../names.js';
import { toYaml } from '../render/template.js';
import type { CheckResult } from './events.js';

export async function writeScorecard(kubectl: Kubectl, roadmap: string, checks: CheckResult[]): Promise<boolean> {
  const drift = checks.some((c) => c.status === 'failed');
  await kubectl.applyStdin(
    toYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: scorecard.name,
        namespace: scorecard.namespace,
        labels: { ...managedByLabel, [roadmapLabel]: roadmap, [scorecard.driftLabel]: String(drift) },
      },
      data: {
        'updated-at': new Date().toISOString(),
        summary: `${checks.filter((c) => c.status === 'ok').length} ok, ${checks.filter((c) => c.status === 'failed').length} failed, ${checks.filter((c) => c.status === 'skipped').length} skipped`,
        'checks.json': JSON.stringify(
          checks.map(({ step, check, description, status, message }) => ({
            step,
            check,
            description,
            status,
            ...(message ? { message } : {}),
          })),
          null,
          1,
        ),
      },
    }),
  );
  return drift;
}
