// Property-based (issue 8): for generated configurations holding generated free text (every Unicode
// line break and control character, YAML indicators, YAML 1.1 look-alikes such as `on` or `1:20`),
// kubestrap either refuses with exit 2 and located problems, or renders a plan whose every object
// reads the same in YAML 1.1 (kubectl, helm) and 1.2, and whose structure (steps, files, kinds,
// names, keys, argv lengths) is the one the same configuration renders with plain placeholder text.
import path from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { collectOverrides } from '../../src/config/overrides.js';
import { ConfigError, ExitCode, RuleError } from '../../src/errors.js';
import { buildPlan, type Plan } from '../../src/plan/plan.js';

const file = path.join(process.cwd(), 'kubestrap.yaml');
const located = /^(kubestrap\.yaml:\d+:\d+|flag --[a-z-]+|env KUBESTRAP_[A-Z_]+)$/;

const lineBreaksAndControls = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x2028,
  0x2029,
].map((c) => String.fromCodePoint(c));
const yamlIndicators = [
  ':',
  ': ',
  ' #',
  '#',
  '- ',
  '-',
  '?',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&a',
  '*a',
  '!',
  '!!str ',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
  '\\',
  ' ',
  '---',
  '...',
  '<<',
  '${X}',
  '{{ .X }}',
  '$(id)',
];
const yaml11LookAlikes = [
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'n',
  '~',
  'null',
  'true',
  '0x1F',
  '0o17',
  '017',
  '1:20',
  '190:20:30',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '1e3',
  '.inf',
  '-.NaN',
  '=',
  '0b101',
  '1_000',
  '+12',
];

const rawForbidden = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/u;
const piece = fc.oneof(
  fc.constantFrom(...yamlIndicators),
  fc.constantFrom(...yaml11LookAlikes),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
);
/** Text a config may hold: YAML indicators, 1.1 look-alikes, any printable Unicode. */
const cleanText = fc
  .oneof(
    fc.constantFrom(...yaml11LookAlikes),
    fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join('')),
  )
  .filter((t) => !rawForbidden.test(t));
/** Text holding at least one line break or control character somewhere. */
const dirtyText = fc
  .tuple(fc.array(piece, { maxLength: 3 }), fc.constantFrom(...lineBreaksAndControls), fc.array(piece, { maxLength: 3 }))
  .map(([a, c, b]) => [...a, c, ...b].join(''));
/** Free text: mostly clean, so about half the configurations (ten slots or so) hold a dirty one. */
const freeText = fc.oneof({ arbitrary: cleanText, weight: 12 }, { arbitrary: dirtyText, weight: 1 });
const noSpace = (t: string) => t.replace(/\s/g, '') || 'x';
/** A cron-like field: free text without whitespace (the schedule is five of them). */
const cronField = fc.oneof(fc.constantFrom('*', '0', '2', '*/5', '1-5'), freeText.map(noSpace));
const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,8}[a-z0-9])?$/);

const shape = fc.record({
  provider: fc.constantFrom('kind', 'existing'),
  cni: fc.constantFrom('cilium', 'calico', 'default'),
  gateway: fc.constantFrom('none', 'envoy-gateway', 'cilium', 'traefik'),
  policyEngine: fc.constantFrom('kyverno', 'none'),
  prometheus: fc.boolean(),
  backup: fc.boolean(),
  tenants: fc.uniqueArray(fc.record({ name: dnsLabel, groups: fc.uniqueArray(freeText, { maxLength: 3 }) }), {
    selector: (t) => t.name,
    maxLength: 3,
  }),
  schedule: fc.tuple(cronField, cronField, cronField, cronField, cronField),
  context: freeText.map(noSpace),
  kubeconfig: freeText,
  /** The kubeconfig comes from the --kubeconfig flag instead of the file. */
  kubeconfigAsFlag: fc.boolean(),
});
type Shape = typeof shape extends fc.Arbitrary<infer T> ? T : never;

/** The same shape with every free text replaced by distinct plain text (one-for-one). */
function placeholders(s: Shape): Shape {
  let n = 0;
  const next = () => `text${n++}`;
  return {
    ...s,
    tenants: s.tenants.map((t) => ({ name: t.name, groups: t.groups.map(next) })),
    schedule: ['0', '2', '*', '*', '*'],
    context: `ctx-${next()}`,
    kubeconfig: `/tmp/${next()}/config`,
  };
}

function configText(s: Shape): string {
  return stringify({
    apiVersion: 'kubestrap.dev/v1alpha1',
    kind: 'Roadmap',
    metadata: { name: 'prop' },
    spec: {
      cluster: {
        provider: s.provider,
        ...(s.provider === 'existing' ? { context: s.context } : {}),
        ...(s.kubeconfigAsFlag ? {} : { kubeconfig: s.kubeconfig }),
      },
      // Choices the cross-step rules accept, so most configurations render.
      networking: {
        cni: s.gateway === 'cilium' ? 'cilium' : s.cni,
        gateway: s.gateway,
        ...(s.gateway === 'cilium' ? { kubeProxyReplacement: true } : {}),
      },
      security: { policyEngine: { name: s.policyEngine } },
      tenants: s.tenants,
      monitoring: { prometheus: { enabled: s.prometheus }, grafana: s.prometheus },
      cost: { opencost: s.prometheus },
      backup: { enabled: s.backup, schedule: s.schedule.join(' ') },
    },
  });
}

type Outcome = { refused: ConfigError | RuleError } | { plan: Plan };

function attempt(s: Shape): Outcome {
  try {
    const loaded = parseConfigText(configText(s), file, collectOverrides(s.kubeconfigAsFlag ? { kubeconfig: s.kubeconfig } : {}, {}));
    return { plan: buildPlan({ config: loaded.config, baseDir: path.dirname(file), outDir: '/tmp/kubestrap-property-plan' }) };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RuleError) return { refused: error };
    throw error;
  }
}

/** Steps, files, and per YAML document its kind, name, namespace and every key path; argv lengths. */
function skeleton(plan: Plan): unknown {
  const keys = (v: unknown, at: string, out: string[]) => {
    if (Array.isArray(v)) {
      out.push(`${at}[${v.length}]`);
      v.forEach((x, i) => keys(x, `${at}[${i}]`, out));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push(`${at}.${k}`);
        keys(x, `${at}.${k}`, out);
      }
    }
    return out;
  };
  return plan.phases.flatMap((p) =>
    p.steps.map((s) => ({
      step: s.id,
      enabled: s.enabled,
      argv: s.commands.map((c) => c.length),
      files: s.rendered.artifacts.map((a) => ({
        path: a.path,
        docs: parseAllDocuments(a.content).map((d) => {
          const o = d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
          return { kind: o?.kind, name: o?.metadata?.name, namespace: o?.metadata?.namespace, keys: keys(o, '', []) };
        }),
      })),
    })),
  );
}

describe('generated configurations and free text', () => {
  it('are refused with located problems (exit 2), or render one structure that YAML 1.1 and 1.2 read alike', () => {
    const tally = { refused: 0, rendered: 0, reasons: new Map<string, number>() };
    fc.assert(
      fc.property(shape, (s) => {
        const outcome = attempt(s);
        const reference = attempt(placeholders(s));
        if ('refused' in outcome) {
          tally.refused++;
          const reason =
            outcome.refused instanceof ConfigError
              ? (outcome.refused.problems[0]?.message.slice(0, 40) ?? '')
              : `rule ${outcome.refused.violations.map((v) => v.rule).join(',')}`;
          tally.reasons.set(reason, (tally.reasons.get(reason) ?? 0) + 1);
          expect(outcome.refused.exitCode).toBe(ExitCode.usage);
          if (outcome.refused instanceof ConfigError) {
            expect(outcome.refused.problems.length).toBeGreaterThan(0);
            for (const p of outcome.refused.problems) expect(p.where).toMatch(located);
          } else {
            // A rule concerns the combination of choices, never the free text.
            expect('refused' in reference && reference.refused instanceof RuleError).toBe(true);
          }
          // Nothing raw in what is printed.
          expect(outcome.refused.message.replace(/\n/g, '')).not.toMatch(rawForbidden);
          return;
        }
        tally.rendered++;
        expect('plan' in reference).toBe(true);
        const plan = outcome.plan;
        for (const a of plan.phases.flatMap((p) => p.steps.flatMap((st) => st.rendered.artifacts))) {
          expect(a.content.replace(/[\n\t]/g, '')).not.toMatch(rawForbidden);
          const v11 = parseAllDocuments(a.content, { version: '1.1' });
          const v12 = parseAllDocuments(a.content, { version: '1.2' });
          for (const d of [...v11, ...v12]) expect(d.errors).toEqual([]);
          expect(v11.map((d) => d.toJS())).toEqual(v12.map((d) => d.toJS()));
        }
        expect(skeleton(plan)).toEqual(skeleton((reference as { plan: Plan }).plan));
      }),
      {
        numRuns: Number(process.env.KUBESTRAP_PROPERTY_RUNS ?? 60),
        seed: process.env.KUBESTRAP_PROPERTY_SEED ? Number(process.env.KUBESTRAP_PROPERTY_SEED) : undefined,
      },
    );
    if (process.env.KUBESTRAP_PROPERTY_DEBUG) console.log(tally);
    // Both outcomes must actually be exercised, or the property says little.
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.rendered).toBeGreaterThan(0);
  }, 120_000);
});
