/**
 * The preflight: what `up` needs from the cluster and the machine, checked before anything is
 * applied and reported all at once (exit 2), each problem with how to fix it. `doctor` runs the
 * same Secret checks. Secrets are checked by their keys only; no value is ever read.
 */
import type { Kubectl } from '../adapters/kubectl.js';
import type { Config } from '../config/schema.js';
import { CommandError, ExitCode, KubestrapError } from '../errors.js';
import { lock } from '../lock.js';
import type { StepId } from '../roadmap/types.js';
import { globalDefaultPriorityClass, monitoringNamespace, veleroNamespace } from '../names.js';
import { shellQuote } from '../util/argv.js';
import { checkClusterProfile } from './cluster-profile.js';
import { minorOf } from './session.js';

/** A Secret the user creates and the roadmap reads (kubestrap never writes it). */
export interface SecretNeed {
  step: StepId;
  namespace: string;
  name: string;
  /** key -> what it is for and where the config names it. */
  keys: { key: string; purpose: string; configPath: string }[];
}

export interface PreflightProblem {
  what: string;
  fix: string;
}

export interface PreflightReport {
  problems: PreflightProblem[];
  warnings: PreflightProblem[];
  /** The API server's version, when it answered. */
  server?: string;
}

/**
 * Why a kubectl call failed, on one line: the last line of its stderr (kubectl's own reason), else
 * the first line of the error (the message of a failed command alone says only its exit code).
 */
function why(error: unknown): string {
  const stderr = error instanceof CommandError ? error.stderr.trim() : '';
  return stderr ? stderr.replace(/^[\s\S]*\n/, '').trim() : (error as Error).message.replace(/\n[\s\S]*$/, '');
}

/** Every user-made Secret the enabled steps in `steps` read, merged per Secret. */
export function referencedSecrets(config: Config, steps: readonly StepId[]): SecretNeed[] {
  const needs = new Map<string, SecretNeed>();
  const add = (step: StepId, namespace: string, name: string, key: string, purpose: string, configPath: string) => {
    if (!steps.includes(step)) return;
    const id = `${namespace}/${name}`;
    const need = needs.get(id) ?? { step, namespace, name, keys: [] };
    if (!need.keys.some((k) => k.key === key)) need.keys.push({ key, purpose, configPath });
    needs.set(id, need);
  };
  const { monitoring, backup } = config.spec;
  if (monitoring.prometheus.enabled) {
    monitoring.alertReceivers.forEach((r, i) =>
      add(
        'monitoring',
        monitoringNamespace,
        r.secretRef.name,
        r.secretRef.key,
        `the ${r.type} ${r.type === 'pagerduty' ? 'routing key' : 'URL'} of alert receiver ${r.name}`,
        `spec.monitoring.alertReceivers.${i}.secretRef`,
      ),
    );
    if (monitoring.deadMansSwitch) {
      add(
        'monitoring',
        monitoringNamespace,
        monitoring.deadMansSwitch.secretRef.name,
        monitoring.deadMansSwitch.secretRef.key,
        "the dead man's switch URL",
        'spec.monitoring.deadMansSwitch.secretRef',
      );
    }
  }
  if (backup.enabled && backup.storage.type !== 'minio' && backup.storage.credentialsSecret) {
    add(
      'disaster-recovery',
      veleroNamespace,
      backup.storage.credentialsSecret,
      'cloud',
      `the ${backup.storage.type} credentials Velero uses`,
      'spec.backup.storage.credentialsSecret',
    );
  }
  const ca = config.spec.autoscaling.clusterAutoscaler;
  if (ca.credentialsSecret && !ca.workloadIdentity && (ca.provider === 'aws' || ca.provider === 'azure')) {
    const keys =
      ca.provider === 'aws'
        ? ['AwsAccessKeyId', 'AwsSecretAccessKey']
        : ['ClientID', 'ClientSecret', 'TenantID', 'SubscriptionID', 'ResourceGroup', 'VMType'];
    for (const key of keys)
      add(
        'autoscalers',
        'kube-system',
        ca.credentialsSecret,
        key,
        `the ${ca.provider} credentials of cluster-autoscaler (${key})`,
        'spec.autoscaling.clusterAutoscaler.credentialsSecret',
      );
  }
  return [...needs.values()];
}

/** One problem per missing Secret or missing key. */
export async function checkSecrets(kubectl: Kubectl, needs: SecretNeed[]): Promise<PreflightProblem[]> {
  const context = shellQuote(kubectl.target.context);
  const problems: PreflightProblem[] = [];
  for (const need of needs) {
    const id = `${need.namespace}/${need.name}`;
    const create = `kubectl --context ${context} --namespace ${need.namespace} create secret generic ${need.name} ${need.keys.map((k) => `--from-file=${k.key}=<file holding ${k.purpose.replace(/^the /, '')}>`).join(' ')}`;
    let keys: string[] | undefined;
    try {
      keys = await kubectl.secretKeys(need.name, need.namespace);
    } catch (error) {
      problems.push({
        what: `Secret ${id} could not be read: ${why(error)}`,
        fix: `check that your user may get Secrets in ${need.namespace}`,
      });
      continue;
    }
    if (!keys) {
      problems.push({
        what: `Secret ${id} does not exist; it holds ${need.keys.map((k) => `${k.purpose} (key ${k.key}, ${k.configPath})`).join(' and ')}`,
        fix: `kubectl --context ${context} create namespace ${need.namespace} (if missing), then ${create}`,
      });
      continue;
    }
    const missing = need.keys.filter((k) => !keys.includes(k.key));
    if (missing.length) {
      problems.push({
        what: `Secret ${id} has no key ${missing.map((k) => `"${k.key}" (${k.purpose}, ${k.configPath})`).join(', ')}; it has ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no keys'}`,
        fix: `add the key, e.g. recreate it: kubectl --context ${context} --namespace ${need.namespace} delete secret ${need.name}, then ${create}`,
      });
    }
  }
  return problems;
}

export interface PreflightInput {
  kubectl: Kubectl;
  config: Config;
  /** The enabled steps this run applies. */
  steps: readonly StepId[];
  /** kind only when the provider is kind (undefined: not installed). */
  tools: { kubectl: string; helm: string; helmMajor: number; kind?: string | undefined };
}

/** Context, tools against the lock, and Secrets; never throws for a finding, only collects it. */
export async function preflight(input: PreflightInput): Promise<PreflightReport> {
  const { kubectl, config, tools } = input;
  const context = shellQuote(kubectl.target.context);
  const report: PreflightReport = { problems: [], warnings: [] };
  if (!(lock.tools.helmMajors as readonly number[]).includes(tools.helmMajor)) {
    report.problems.push({
      what: `helm ${tools.helm} is not a supported major (${lock.tools.helmMajors.join(' or ')})`,
      fix: `install helm ${lock.tools.helm}`,
    });
  } else if (tools.helm !== lock.tools.helm) {
    report.warnings.push({
      what: `helm ${tools.helm}; the lock pins ${lock.tools.helm}`,
      fix: `install helm ${lock.tools.helm} to run what was tested`,
    });
  }
  if (config.spec.cluster.provider === 'kind' && tools.kind !== lock.tools.kind) {
    report.warnings.push({
      what: tools.kind ? `kind ${tools.kind}; the lock pins ${lock.tools.kind}` : 'kind is not installed',
      fix: `install kind ${lock.tools.kind}`,
    });
  }
  try {
    report.server = await kubectl.serverVersion();
  } catch (error) {
    report.problems.push({
      what: `the cluster of context ${kubectl.target.context} does not answer: ${why(error)}`,
      fix: `check that it is running and \`kubectl --context ${context} get nodes\` works (Secrets could not be checked either)`,
    });
    return report;
  }
  const skew = Math.abs(minorOf(report.server) - minorOf(tools.kubectl));
  if (!(skew <= 1)) {
    report.problems.push({
      what: `kubectl ${tools.kubectl} is ${skew} minors away from the server ${report.server}`,
      fix: `install kubectl 1.${minorOf(report.server)} (kubectl supports one minor of skew)`,
    });
  }
  const wanted = Number(config.spec.cluster.kubernetesVersion.split('.')[1]);
  if (minorOf(report.server) !== wanted) {
    report.warnings.push({
      what: `the server runs ${report.server}; the config says ${config.spec.cluster.kubernetesVersion}`,
      fix: "set spec.cluster.kubernetesVersion to the cluster's minor so pinned versions match it",
    });
  }
  report.problems.push(...(await checkSecrets(kubectl, referencedSecrets(config, input.steps))));
  report.problems.push(...(await checkGlobalDefaultPriorityClass(kubectl, config, input.steps)));
  try {
    for (const f of await checkClusterProfile(kubectl, config, input.steps)) {
      if (f.severity === 'error') report.problems.push({ what: f.what, fix: f.fix });
      else if (f.severity === 'warning') report.warnings.push({ what: f.what, fix: f.fix });
    }
  } catch (error) {
    report.warnings.push({
      what: `the cluster's profile, default StorageClass and provider add-ons could not be read: ${why(error)}`,
      fix: 'check that your user may list nodes, storageclasses, apiservices and customresourcedefinitions',
    });
  }
  return report;
}

/**
 * The cluster step creates tenant-default as the global default PriorityClass; the API server
 * refuses a second global default, so one the cluster already has would fail the first step.
 */
export async function checkGlobalDefaultPriorityClass(
  kubectl: Kubectl,
  config: Config,
  steps: readonly StepId[],
): Promise<PreflightProblem[]> {
  if (!config.spec.cost.priorityClasses || !steps.includes('cluster') || config.spec.cluster.provider === 'kind') return [];
  let classes: { metadata: { name: string }; globalDefault?: boolean }[];
  try {
    classes = await kubectl.list<{ metadata: { name: string }; globalDefault?: boolean }>('priorityclasses.scheduling.k8s.io');
  } catch (error) {
    return [
      {
        what: `PriorityClasses could not be listed: ${why(error)}`,
        fix: 'check that your user may list priorityclasses.scheduling.k8s.io',
      },
    ];
  }
  const other = classes.find((c) => c.globalDefault === true && c.metadata.name !== globalDefaultPriorityClass);
  if (!other) return [];
  const context = shellQuote(kubectl.target.context);
  return [
    {
      what: `PriorityClass ${other.metadata.name} is already the cluster's global default; kubestrap's ${globalDefaultPriorityClass} would be a second one, which the API server refuses`,
      fix: `set spec.cost.priorityClasses: false, or make it an ordinary class first: kubectl --context ${context} patch priorityclass ${other.metadata.name} --type merge -p '{"globalDefault":false}'`,
    },
  ];
}

/** Everything the preflight found, at once. Exit 2: nothing was applied. */
export class PreflightError extends KubestrapError {
  readonly problems: PreflightProblem[];
  constructor(problems: PreflightProblem[]) {
    super(
      `preflight found ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was applied:\n${problems.map((p) => `  - ${p.what}\n      fix: ${p.fix}`).join('\n')}`,
      {
        exitCode: ExitCode.usage,
        suggestion: 'Fix every problem above, then run the same command again.',
      },
    );
    this.problems = problems;
  }
}
