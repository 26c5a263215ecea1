import chalk from 'chalk';
import { createExec } from '../adapters/exec.js';
import { helmVersion } from '../adapters/helm.js';
import { Kind } from '../adapters/kind.js';
import { Kubectl } from '../adapters/kubectl.js';
import { Redactor } from '../adapters/redact.js';
import { KubestrapError } from '../errors.js';
import { checkClusterProfile } from '../engine/cluster-profile.js';
import { checkSecrets, referencedSecrets } from '../engine/preflight.js';
import { minorOf } from '../engine/session.js';
import { roadmap } from '../roadmap/roadmap.js';
import { lock } from '../lock.js';
import { targetOf } from '../plan/plan.js';
import { loadConfigFromFlags, type ConfigFlags } from './load-config.js';

export interface DoctorOptions extends ConfigFlags {
  output: 'text' | 'json';
}

interface Finding {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** Binaries, versions, the target context and the cluster version, against the lock. */
export async function doctorCommand(options: DoctorOptions): Promise<void> {
  const loaded = await loadConfigFromFlags(options);
  const { config } = loaded;
  const exec = createExec(new Redactor(), options.env);
  const target = targetOf(config);
  const kubectl = new Kubectl(exec, target);
  const findings: Finding[] = [];
  const attempt = async (check: string, fn: () => Promise<Finding>, fix: string) => {
    try {
      findings.push(await fn());
    } catch (error) {
      findings.push({ check, status: 'fail', detail: (error as Error).message.split('\n')[0] ?? '', fix });
    }
  };

  let client = '';
  await attempt(
    'kubectl',
    async () => {
      client = await kubectl.clientVersion();
      return { check: 'kubectl', status: 'ok', detail: client };
    },
    'install kubectl within one minor of the cluster',
  );
  await attempt(
    'helm',
    async () => {
      const v = await helmVersion(exec);
      return {
        check: 'helm',
        status: v.major === 4 ? 'ok' : 'warn',
        detail: `${v.version}${v.major === 3 ? ' (helm 3 works; the lock pins ' + lock.tools.helm + ')' : ''}`,
      };
    },
    `install helm ${lock.tools.helm}`,
  );
  if (config.spec.cluster.provider === 'kind') {
    await attempt(
      'kind',
      async () => {
        const v = await new Kind(exec).version();
        return {
          check: 'kind',
          status: v === lock.tools.kind ? 'ok' : 'warn',
          detail: `${v}${v === lock.tools.kind ? '' : ` (the lock pins ${lock.tools.kind})`}`,
        };
      },
      `install kind ${lock.tools.kind} (and a container runtime such as Docker)`,
    );
  }
  if (target.context) {
    await attempt(
      'context',
      async () => {
        const contexts = await kubectl.contexts();
        if (!contexts.includes(target.context)) {
          return {
            check: 'context',
            status: config.spec.cluster.provider === 'kind' ? 'warn' : 'fail',
            detail: `context ${target.context} is not in the kubeconfig`,
            fix: config.spec.cluster.provider === 'kind' ? '`kubestrap up` creates it' : 'check spec.cluster.context and KUBECONFIG',
          };
        }
        return { check: 'context', status: 'ok', detail: target.context };
      },
      'check KUBECONFIG',
    );
    if (findings.at(-1)?.status === 'ok') {
      await attempt(
        'cluster',
        async () => {
          const server = await kubectl.serverVersion();
          const wanted = Number(config.spec.cluster.kubernetesVersion.split('.')[1]);
          const skew = Math.abs(minorOf(server) - minorOf(client));
          if (client && skew > 1)
            return {
              check: 'cluster',
              status: 'fail',
              detail: `server ${server}, kubectl ${client}: ${skew} minors apart`,
              fix: `install kubectl 1.${minorOf(server)}`,
            };
          return {
            check: 'cluster',
            status: minorOf(server) === wanted ? 'ok' : 'warn',
            detail: `server ${server}${minorOf(server) === wanted ? '' : ` (config says ${config.spec.cluster.kubernetesVersion})`}`,
          };
        },
        'check that the cluster is up and reachable',
      );
      if (findings.at(-1)?.status !== 'fail') {
        const steps = roadmap
          .flatMap((p) => p.steps)
          .filter((step) => step.enabled(config).enabled)
          .map((step) => step.id);
        const needs = referencedSecrets(config, steps);
        const problems = await checkSecrets(kubectl, needs);
        for (const p of problems) findings.push({ check: 'secret', status: 'fail', detail: p.what, fix: p.fix });
        if (needs.length && !problems.length)
          findings.push({ check: 'secrets', status: 'ok', detail: needs.map((n) => `${n.namespace}/${n.name}`).join(', ') });
        await attempt(
          'profile',
          async () => {
            const profile = await checkClusterProfile(kubectl, config, steps);
            for (const f of profile.slice(0, -1))
              findings.push({
                check: 'profile',
                status: f.severity === 'error' ? 'fail' : f.severity === 'warning' ? 'warn' : 'ok',
                detail: f.what,
                ...(f.fix ? { fix: f.fix } : {}),
              });
            const last = profile.at(-1);
            return last
              ? {
                  check: 'profile',
                  status: last.severity === 'error' ? 'fail' : last.severity === 'warning' ? 'warn' : 'ok',
                  detail: last.what,
                  ...(last.fix ? { fix: last.fix } : {}),
                }
              : { check: 'profile', status: 'ok', detail: 'kind: no provider profile to confirm' };
          },
          'check that your user may list nodes, storageclasses, apiservices and customresourcedefinitions',
        );
      }
    }
  }
  if (options.output === 'json') process.stdout.write(`${JSON.stringify({ findings }, null, 2)}\n`);
  else {
    for (const f of findings) {
      const mark = f.status === 'ok' ? chalk.green('ok  ') : f.status === 'warn' ? chalk.yellow('warn') : chalk.red('FAIL');
      process.stdout.write(`${mark} ${f.check.padEnd(8)} ${f.detail}${f.fix ? chalk.dim(`  -> ${f.fix}`) : ''}\n`);
    }
  }
  const failures = findings.filter((f) => f.status === 'fail');
  if (failures.length)
    throw new KubestrapError(`doctor found ${failures.length} problem(s)`, {
      suggestion: failures
        .map((f) => f.fix)
        .filter(Boolean)
        .join('; '),
    });
}
