/**
 * Resolves every question, in roadmap order: a flag (or env var), else the recommended default
 * when `--yes` or when nobody can be asked, else the prompt. Nothing here has side effects; the
 * caller writes files only after every answer is in.
 */
import { ConfigError, UsageError } from '../errors.js';
import { optionKey, overrideDefs } from '../config/overrides.js';
import type { Prompter } from '../prompts.js';
import { defOf, validateAnswer } from './document.js';
import { questions, type Answers, type AnswerValue, type ClusterFacts, type QuestionContext, type QuestionDef } from './questions.js';
import { rules } from '../config/rules.js';
import { configSchema } from '../config/schema.js';

export interface Given {
  value: AnswerValue;
  /** `flag --cni` or `env KUBESTRAP_CNI`. */
  source: string;
}

/** Settings given on the command line or in the environment (flags win), keyed by flag name. */
export function givenSettings(explicit: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, Given> {
  const out: Record<string, Given> = {};
  for (const def of overrideDefs) {
    const fromEnv = env[def.env];
    if (fromEnv !== undefined && fromEnv !== '') out[def.flag] = { value: fromEnv, source: `env ${def.env}` };
    const fromFlag = explicit[optionKey(def.flag)];
    if (fromFlag !== undefined)
      out[def.flag] = { value: typeof fromFlag === 'boolean' ? fromFlag : String(fromFlag), source: `flag --${def.flag}` };
  }
  return out;
}

export interface WizardOptions {
  given: Record<string, Given>;
  /** Accept recommended defaults for every question not given. */
  yes: boolean;
  /** false: nobody can be asked (no TTY, or CI=true). */
  interactive: boolean;
  prompter?: Prompter;
  context: QuestionContext;
}

/** Validates every given value first (so a bad flag fails before any question), then resolves all. */
export async function resolveAnswers(options: WizardOptions): Promise<Answers> {
  const problems = Object.entries(options.given).flatMap(([flag, g]) => {
    const ok = checkAnswer(flag, g.value, {});
    return ok === true ? [] : [{ where: g.source, path: defOf(flag).path.join('.'), message: ok }];
  });
  if (problems.length)
    throw new ConfigError(problems, 'Fix the flag or environment variable above; `kubestrap init --help` lists the choices.');

  const answers: Answers = {};
  for (const [flag, g] of Object.entries(options.given)) answers[flag] = g.value;
  const ask = options.interactive && !options.yes ? options.prompter : undefined;
  for (const q of questions) {
    if (q.when && !q.when(answers)) continue;
    const given = options.given[q.flag];
    if (given) {
      ask?.note(`  ${q.title} ${String(given.value)} (from ${given.source})`);
      continue;
    }
    answers[q.flag] = ask ? await askOne(q, answers, ask, options.context) : defaultFor(q, answers);
  }
  // The one pairing of two answers the schema refuses on the whole file: said at the flag, not at a file init never wrote.
  const profile = options.given.profile;
  if (profile && answers.provider !== 'existing' && profile.value !== 'kind') {
    throw new ConfigError(
      [
        {
          where: profile.source,
          path: defOf('profile').path.join('.'),
          message: `profile ${String(profile.value)} describes an existing cluster, but the provider is ${String(answers.provider ?? 'kind')}`,
        },
      ],
      'Pass --provider existing --context <name> with it, or drop --profile (kind is implied for kind).',
    );
  }
  return answers;
}

function defaultFor(q: QuestionDef, answers: Answers): AnswerValue {
  const def = defOf(q.flag);
  const value = q.type === 'context' ? undefined : q.recommended(answers);
  if (value === undefined) {
    throw new UsageError(
      `${q.title.replace(/\?$/, '')}: no answer, and nobody to ask (no terminal, CI, or --yes)`,
      `Pass --${q.flag} <value> (or set ${def.env}).${q.flag === 'context' ? ' `kubectl config get-contexts -o name` lists them.' : ''}`,
    );
  }
  return value;
}

/** The cluster's own answer to a question, read once per context (profile and default StorageClass). */
const factsCache = new Map<string, Promise<ClusterFacts | undefined>>();
async function detected(q: QuestionDef, answers: Answers, prompter: Prompter, ctx: QuestionContext): Promise<string | undefined> {
  if ((q.flag !== 'profile' && q.flag !== 'storage-class') || !ctx.clusterFacts || typeof answers.context !== 'string') return undefined;
  const context = answers.context;
  const read = ctx.clusterFacts;
  if (!factsCache.has(context))
    factsCache.set(
      context,
      read(context).catch(() => undefined),
    );
  const facts = await factsCache.get(context);
  if (!facts) return undefined;
  if (q.flag === 'profile' && facts.profile) {
    prompter.note(`  detected ${facts.profile} on context ${context}: ${facts.evidence}`);
    return facts.profile;
  }
  if (q.flag === 'storage-class' && facts.defaultClass) {
    prompter.note(`  the cluster's default StorageClass is ${facts.defaultClass}`);
    return facts.defaultClass;
  }
  return undefined;
}

async function askOne(q: QuestionDef, answers: Answers, prompter: Prompter, ctx: QuestionContext): Promise<AnswerValue> {
  const validate = (v: string) => checkAnswer(q.flag, v.trim(), answers);
  const fromCluster = await detected(q, answers, prompter, ctx);
  switch (q.type) {
    case 'select':
      return prompter.select({ message: q.title, why: q.why, choices: q.choices(answers), default: fromCluster ?? q.recommended(answers) });
    case 'confirm':
      return prompter.confirm({ message: q.title, why: q.why, default: q.recommended(answers) });
    case 'input': {
      const dflt = fromCluster ?? q.recommended(answers);
      const value = await prompter.input({
        message: q.title,
        why: q.why,
        ...(dflt !== undefined ? { default: dflt } : {}),
        validate: (v) => (v.trim() === '' && dflt === undefined ? 'an answer is required' : validate(v)),
      });
      return value.trim();
    }
    case 'context': {
      const contexts = await ctx.contexts();
      const first = contexts?.[0];
      if (contexts && first !== undefined) {
        return prompter.select({
          message: q.title,
          why: q.why,
          choices: contexts.map((c) => ({ value: c, name: c })),
          default: first,
        });
      }
      prompter.note(
        contexts
          ? '  The kubeconfig has no contexts; type the name of the context to use.'
          : '  kubectl could not list contexts (not installed, or no kubeconfig); type the context name.',
      );
      const value = await prompter.input({
        message: q.title,
        why: q.why,
        validate: (v) => (v.trim() === '' ? 'an answer is required' : validate(v)),
      });
      return value.trim();
    }
  }
}

/** Schema validation of one answer plus the cross-answer rules that concern it. */
export function checkAnswer(flag: string, value: AnswerValue, answers: Answers): true | string {
  const schemaResult = validateAnswer(flag, value);
  if (schemaResult !== true) return schemaResult;
  if (flag === 'tenants' && typeof value === 'string' && value.trim() !== '') {
    const tenants = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((name) => ({ name }));
    const parsed = configSchema.safeParse({
      apiVersion: 'kubestrap.dev/v1alpha1',
      kind: 'Roadmap',
      metadata: { name: 'x' },
      spec: { tenants },
    });
    if (parsed.success) {
      const broken = rules['tenant-names'](parsed.data.spec);
      if (broken) return `${broken.message} (${broken.fix})`;
    }
  }
  void answers;
  return true;
}
