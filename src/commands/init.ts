/**
 * `kubestrap init` (and `kubestrap` with no arguments on a terminal): ask every question first,
 * then write kubestrap.yaml and docs/decisions.md atomically, then show the summary and the plan.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { parseConfigText } from '../config/load.js';
import { enforceRules } from '../config/rules.js';
import { renderDecisions } from '../decisions/record.js';
import { InterruptedError, KubestrapError, UsageError } from '../errors.js';
import { defaultConfigFile } from '../names.js';
import { canPrompt } from '../util/terminal.js';
import type { Prompter } from '../prompts.js';
import { renderDocument, schemaUrl } from '../wizard/document.js';
import { writeAllAtomic } from '../wizard/atomic.js';
import { checkInitTargets } from '../wizard/targets.js';
import { readClusterFacts } from '../wizard/cluster-facts.js';
import { questions, type Answers, type QuestionContext } from '../wizard/questions.js';
import { givenSettings, resolveAnswers } from '../wizard/wizard.js';

export interface InitOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Flags the user typed (commander's defaults excluded). */
  explicit: Record<string, unknown>;
  /** Where to write the config (default kubestrap.yaml, or KUBESTRAP_CONFIG). */
  config?: string;
  decisions?: string;
  yes?: boolean;
  force?: boolean;
  output?: 'text' | 'json';
  /** `kubestrap` with no arguments: after writing, offer to run the roadmap. */
  start?: boolean;
  /** Tests inject these; a terminal session uses @inquirer/prompts and the real clock. */
  prompter?: Prompter;
  interactive?: boolean;
  contexts?: () => Promise<string[] | undefined>;
  /** What the chosen context's cluster says (profile, default StorageClass); the default reads it with kubectl. */
  clusterFacts?: QuestionContext['clusterFacts'];
  now?: () => Date;
  write?: (text: string) => void;
}

export interface InitResult {
  configFile: string;
  decisionsFile: string;
  answers: Answers;
  runNow: boolean;
}

async function kubeContexts(env: NodeJS.ProcessEnv, kubeconfig: string | undefined): Promise<string[] | undefined> {
  try {
    const [{ createExec }, { Redactor }, { Kubectl }] = await Promise.all([
      import('../adapters/exec.js'),
      import('../adapters/redact.js'),
      import('../adapters/kubectl.js'),
    ]);
    const kubectl = new Kubectl(createExec(new Redactor(), env), { context: '', ...(kubeconfig ? { kubeconfig } : {}) });
    return await kubectl.contexts();
  } catch {
    // kubectl missing or no kubeconfig: the wizard says so and asks for the name instead.
    return undefined;
  }
}

export async function initCommand(options: InitOptions): Promise<InitResult> {
  const write = options.write ?? ((t: string) => process.stdout.write(t));
  const json = options.output === 'json';
  const info = json ? (t: string) => process.stderr.write(t) : write;
  const interactive = options.interactive ?? canPrompt(options.env);
  const configFile = path.resolve(options.cwd, options.config ?? options.env.KUBESTRAP_CONFIG ?? defaultConfigFile);
  const decisionsFile = path.resolve(
    options.cwd,
    options.decisions ??
      options.env.KUBESTRAP_DECISIONS ??
      path.join(path.dirname(path.relative(options.cwd, configFile)) || '.', 'docs/decisions.md'),
  );
  const prompter = interactive && !options.yes ? (options.prompter ?? (await import('../prompts.js')).inquirerPrompter()) : undefined;
  const given = givenSettings(options.explicit, options.env);

  await checkInitTargets(
    { file: configFile, flag: '--config', shown: display(configFile, options.cwd) },
    { file: decisionsFile, flag: '--decisions', shown: display(decisionsFile, options.cwd) },
  );

  // 1. Ask everything (nothing is written until every answer is in).
  const existing = [configFile, decisionsFile].filter((f) => existsSync(f));
  if (existing.length && !options.force) {
    const names = existing.map((f) => display(f, options.cwd)).join(' and ');
    if (!prompter)
      throw new UsageError(
        `${names} already exist${existing.length === 1 ? 's' : ''}; init never overwrites without being told to`,
        'Pass --force to overwrite, or --config <file> / --decisions <file> to write elsewhere.',
      );
    const overwrite = await prompter.confirm({
      message: `${names} already exist${existing.length === 1 ? 's' : ''}. Overwrite?`,
      why: 'your current answers will replace the file.',
      default: false,
    });
    if (!overwrite) throw new InterruptedError(`Kept ${names}; nothing was written.`);
  }
  if (prompter)
    info(
      `${chalk.bold('kubestrap init')}: ${questions.length} questions at most, in roadmap order; Enter accepts the recommended answer, Ctrl-C quits without writing.\n\n`,
    );
  const answers = await resolveAnswers({
    given,
    yes: Boolean(options.yes),
    interactive,
    ...(prompter ? { prompter } : {}),
    context: {
      contexts:
        options.contexts ??
        (() => kubeContexts(options.env, typeof given.kubeconfig?.value === 'string' ? given.kubeconfig.value : undefined)),
      clusterFacts:
        options.clusterFacts ??
        ((context) =>
          readClusterFacts(options.env, typeof given.kubeconfig?.value === 'string' ? given.kubeconfig.value : undefined, context)),
    },
  });
  const runNow =
    options.start && prompter
      ? await prompter.confirm({
          message: 'Run the roadmap now (kubestrap up)?',
          why: 'applies and verifies every phase; you can also run it later.',
          default: false,
        })
      : false;

  // 2. Validate the whole document before writing anything.
  const relDecisions = path.relative(path.dirname(configFile), decisionsFile);
  const text = renderDocument(answers, { schema: schemaFor(configFile), decisions: relDecisions });
  const loaded = parseConfigText(text, configFile);
  const warnings = enforceRules(loaded.config);
  const date = (options.now ?? (() => new Date()))().toISOString().slice(0, 10);
  const record = renderDecisions(loaded.config, { configFile: path.relative(path.dirname(decisionsFile), configFile), date });

  // 3. Write both files atomically.
  await writeAllAtomic([
    { path: configFile, content: text },
    { path: decisionsFile, content: record },
  ]).catch((error: NodeJS.ErrnoException) => {
    if (error instanceof KubestrapError || !error.code) throw error;
    throw new KubestrapError(
      `could not write ${display(configFile, options.cwd)} and ${display(decisionsFile, options.cwd)}: ${error.code}${error.path ? ` (${error.path})` : ''}`,
      {
        suggestion:
          'Check the free space and permissions there (or pass --config / --decisions elsewhere); each file is either written whole or not at all.',
        cause: error,
      },
    );
  });

  // 4. What was chosen and a per-phase summary of the plan (the whole plan: `kubestrap plan`).
  const [{ buildPlan }, { writePlanArtifacts }, { planJson }, { planSummary }] = await Promise.all([
    import('../plan/plan.js'),
    import('../plan/write.js'),
    import('./plan.js'),
    import('./plan-summary.js'),
  ]);
  const outDir = path.relative(process.cwd(), path.join(path.dirname(configFile), '.kubestrap/plan')) || '.kubestrap/plan';
  const plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir });
  await writePlanArtifacts(plan, { configFile });
  const shownConfig = display(configFile, options.cwd);
  info(
    `\n${chalk.green('wrote')} ${shownConfig}  ${chalk.dim('(check: kubestrap plan; every key: kubestrap schema)')}\n${chalk.green('wrote')} ${display(decisionsFile, options.cwd)}  ${chalk.dim('(why each choice was made)')}\n\n`,
  );
  info(summary(loaded.config));
  // The summary shows the rule warnings; with --output json they go to stderr here.
  if (json) for (const w of warnings) info(chalk.yellow(`warning [${w.rule}]: ${w.message}\n  fix: ${w.fix}\n`));
  if (json) write(`${JSON.stringify({ config: configFile, decisions: decisionsFile, plan: planJson(plan, configFile) }, null, 2)}\n`);
  else write(`\n${planSummary(plan, shownConfig)}`);

  if (runNow) {
    const { upCommand } = await import('./up.js');
    await upCommand({ config: configFile, cwd: options.cwd, env: options.env, explicit: {}, output: 'text' });
  }
  return { configFile, decisionsFile, answers, runNow };
}

function display(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/**
 * The modeline's target: the schema shipped in a local install when there is one (works offline),
 * else the published URL. Both the wizard and `--yes` pick the same for the same directory.
 */
function schemaFor(configFile: string): string {
  const dir = path.dirname(configFile);
  const local = path.join(dir, 'node_modules', 'kubestrap', 'schema', 'kubestrap.schema.json');
  return existsSync(local) ? `./${path.relative(dir, local).split(path.sep).join('/')}` : schemaUrl;
}

function summary(config: import('../config/schema.js').Config): string {
  const s = config.spec;
  const rows: [string, string][] = [
    [
      'target',
      s.cluster.provider === 'kind'
        ? `kind cluster ${s.cluster.name} (Kubernetes ${s.cluster.kubernetesVersion})`
        : `context ${s.cluster.context ?? ''} (Kubernetes ${s.cluster.kubernetesVersion})`,
    ],
    [
      'networking',
      `${s.networking.cni}${s.networking.kubeProxyReplacement ? ' (kube-proxy replacement)' : ''}, gateway ${s.networking.gateway}`,
    ],
    ['storage', s.storage.provisioner],
    ['security', `tenants ${s.security.podSecurity.tenants}, policy engine ${s.security.policyEngine.name}`],
    ['tenants', s.tenants.length ? s.tenants.map((t) => `${t.name} (${t.quota.cpu} cpu, ${t.quota.memory})`).join(', ') : 'none'],
    ['monitoring', s.monitoring.prometheus.enabled ? `kube-prometheus-stack${s.monitoring.logs ? ' + Loki' : ''}` : 'metrics-server only'],
    ['autoscaling', `VPA ${s.autoscaling.vpa.enabled ? 'on' : 'off'}, cluster-autoscaler ${s.autoscaling.clusterAutoscaler.provider}`],
    ['backups', s.backup.enabled ? `Velero to ${s.backup.storage.type}` : 'off'],
    ['cost', `quotas ${s.cost.quotas ? 'on' : 'off'}, OpenCost ${s.cost.opencost ? 'on' : 'off'}`],
  ];
  return `${chalk.bold('Summary')}\n${rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`).join('\n')}\n`;
}
