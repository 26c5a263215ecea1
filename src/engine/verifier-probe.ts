/**
 * Proves the in-cluster verifier runs: a Job made from its CronJob's template (as
 * `kubectl create job --from=cronjob/...` does) must complete, and the results ConfigMap must carry
 * an updated-at no older than the Job. The Job is deleted afterwards, with its pod.
 */
import { toYaml } from '../render/template.js';
import { verifier } from '../names.js';
import type { CheckEnv, ProbeFailure } from './check-env.js';

interface CronJob {
  metadata?: { uid?: string; labels?: Record<string, string> };
  spec?: { jobTemplate?: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> } };
}
interface Job {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

export async function inClusterVerifierProbe(env: CheckEnv, namespace: string, timeoutMs = 180_000): Promise<ProbeFailure> {
  const { kubectl } = env;
  const cron = await kubectl.get<CronJob>('cronjobs.batch', verifier.cronJob, namespace);
  if (!cron?.spec?.jobTemplate?.spec) return { message: `CronJob ${namespace}/${verifier.cronJob} does not exist` };
  const name = `${verifier.cronJob}-probe-${Date.now().toString(36)}`;
  const started = new Date(Math.floor(Date.now() / 1000) * 1000);
  try {
    await kubectl.applyStdin(
      toYaml({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name,
          namespace,
          labels: { ...(cron.spec.jobTemplate.metadata?.labels ?? {}), 'app.kubernetes.io/managed-by': 'kubestrap' },
        },
        spec: cron.spec.jobTemplate.spec,
      }),
    );
    const deadline = Date.now() + timeoutMs;
    let job: Job | undefined;
    while (Date.now() < deadline) {
      job = await kubectl.get<Job>('jobs.batch', name, namespace);
      const done = job?.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
      if (done?.type === 'Complete') break;
      if (done?.type === 'Failed')
        return {
          message: `the verifier Job ${name} failed (${done.message ?? ''}): ${await jobLog(env, namespace, name)}`,
          diagnose: namespace,
        };
      await new Promise((r) => setTimeout(r, 2000));
    }
    if (!job?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) {
      return {
        message: `the verifier Job ${name} did not complete within ${timeoutMs / 1000}s: ${await jobLog(env, namespace, name)}`,
        diagnose: namespace,
      };
    }
    const results = await kubectl.get<{ data?: Record<string, string> }>('configmap', verifier.results, namespace);
    const updated = results?.data?.['updated-at'];
    if (!updated || new Date(updated) < started)
      return {
        message: `the verifier Job completed but ${namespace}/${verifier.results} was not updated (updated-at ${updated ?? 'missing'})`,
      };
    return undefined;
  } finally {
    await kubectl.delete('jobs.batch', name, namespace, '60s');
  }
}

async function jobLog(env: CheckEnv, namespace: string, job: string): Promise<string> {
  const pods = await env.kubectl.list<{ metadata?: { name?: string } }>('pods', { namespace, selector: `job-name=${job}` }).catch(() => []);
  const pod = pods.at(-1)?.metadata?.name;
  return pod ? env.kubectl.logsTail(namespace, pod, 'verifier', 10) : 'no pod was created';
}
