/**
 * Answers → kubestrap.yaml text. The wizard and `init --yes` both end here, so the same answers
 * always give byte-for-byte the same file. Pure: no file system, no clock.
 */
import { configSchema, configApiVersion, configKind } from '../config/schema.js';
import { describeChar, forbiddenChar } from '../config/text.js';
import { emitYaml } from '../render/yaml-emit.js';
import { coerce, overrideDefs, type OverrideDef } from '../config/overrides.js';
import { answerIsOn, type Answers, type AnswerValue } from './questions.js';

export const schemaUrl = 'https://kubestrap.dev/schema/v1alpha1/kubestrap.schema.json';

export function defOf(flag: string): OverrideDef {
  const def = overrideDefs.find((d) => d.flag === flag);
  if (!def) throw new Error(`no override for --${flag}`);
  return def;
}

type Raw = Record<string, unknown>;

function setPath(root: Raw, path: readonly string[], value: unknown): void {
  const last = path.at(-1);
  if (last === undefined) return;
  let cursor: Raw = root;
  for (const [i, key] of path.slice(0, -1).entries()) {
    if (key === '*') {
      // Applies to every element of the list at `cursor` (e.g. each tenant's quota).
      const list = cursor as unknown as Raw[];
      if (Array.isArray(list)) for (const item of list) setPath(item, path.slice(i + 1), value);
      return;
    }
    const next = cursor[key];
    if (typeof next !== 'object' || next === null) cursor[key] = path[i + 1] === '*' ? [] : {};
    cursor = cursor[key] as Raw;
  }
  cursor[last] = value;
}

/** The document as data: every answer at its key path (override-table order), then derived values. */
export function answersToRaw(answers: Answers): Raw {
  const name = typeof answers.name === 'string' && answers.name ? answers.name : 'kubestrap';
  const root: Raw = { apiVersion: configApiVersion, kind: configKind, metadata: { name } };
  for (const def of overrideDefs) {
    const value = answers[def.flag];
    if (value === undefined || def.flag === 'name') continue;
    if (def.flag === 'tenants' && value === '') continue;
    // Empty: no class named, the cluster's own default is used (found by the preflight).
    if ((def.flag === 'storage-class' || def.flag === 'autoscaler-identity' || def.flag === 'backup-identity') && value === '') continue;
    setPath(root, def.path, coerce(def, value));
  }
  // Derived, so one answer never leaves the file in a state the rules reject:
  if (answers.gateway === 'cilium' && answers.cni === 'cilium' && answers['kube-proxy-replacement'] === undefined) {
    setPath(root, defOf('kube-proxy-replacement').path, true);
  }
  if (!answerIsOn(answers.monitoring, true)) {
    setPath(root, ['spec', 'monitoring', 'grafana'], false);
    if (answers.opencost === undefined) setPath(root, defOf('opencost').path, false);
  }
  return root;
}

export interface DocumentOptions {
  /** What the modeline points editors at (a relative path or URL). */
  schema: string;
  /** Where the decision record is written, relative to the config, for the header comment. */
  decisions?: string;
}

export function renderDocument(answers: Answers, options: DocumentOptions): string {
  const header = [
    `# yaml-language-server: $schema=${options.schema}`,
    '# kubestrap roadmap, written by `kubestrap init`.',
    ...(options.decisions ? [`# Why each value was chosen: ${options.decisions}`] : []),
    '# Check it with `kubestrap plan`; every allowed key: `kubestrap schema`.',
  ];
  return `${header.join('\n')}\n${emitYaml(answersToRaw(answers))}`;
}

/** Checks one answer with the config schema: true, or the reason it is invalid. */
export function validateAnswer(flag: string, value: AnswerValue): true | string {
  const char = typeof value === 'string' ? forbiddenChar(value) : undefined;
  if (char) return `holds ${describeChar(char)}; retype it without control characters or line/paragraph separators`;
  const def = defOf(flag);
  const answers: Answers = { [flag]: value };
  if (def.path.includes('*')) answers.tenants = 'probe';
  // Loki and its shipper are one choice asked as two questions; the pair is checked on the whole file.
  if (flag === 'logs' && coerce(def, value) === true) answers['log-shipper'] = 'external';
  if (flag === 'log-shipper' && value !== 'none') answers.logs = true;
  // A profile other than kind only exists next to provider existing; that pairing is checked on the whole file.
  if (flag === 'profile' && value !== 'kind') answers.provider = 'existing';
  const raw = answersToRaw(answers);
  const result = configSchema.safeParse(raw);
  if (result.success) return true;
  const prefix = def.path.filter((p) => p !== '*');
  const issue = result.error.issues.find((i) => {
    const p = i.path.map(String).filter((s) => !/^\d+$/.test(s));
    return prefix.every((k, n) => p[n] === k) || p.every((k, n) => prefix[n] === k);
  });
  if (!issue) return true;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type') return `must be ${issue.expected === 'boolean' ? 'true or false' : `a ${issue.expected}`}`;
  const where = def.flag === 'tenants' ? ` ("${tenantAt(value, issue.path)}")` : '';
  return `${issue.message}${where}`;
}

function tenantAt(value: AnswerValue, path: PropertyKey[]): string {
  const index = Number(path[2]);
  return (
    String(value)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)[index] ?? ''
  );
}
