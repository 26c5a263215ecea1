// Where the loader points and what it says for problems the other config tests do not reach: an unknown
// key inside a per-component size or an optional section (the keys allowed there, and the near miss), a
// problem at the document itself, a value deep under `dns01`, an override that has to replace a null
// section, an invisible character in a value the schema alone would accept. Written against the mutants
// StrykerJS found surviving in src/config/load.ts, text.ts and choices.ts (docs/mutation.md).
import { describe, expect, it } from 'vitest';
import { schemaChoices } from '../../src/config/choices.js';
import { parseConfigText } from '../../src/config/load.js';
import { collectOverrides } from '../../src/config/overrides.js';
import { configSchema } from '../../src/config/schema.js';
import { describeChar } from '../../src/config/text.js';
import { ConfigError } from '../../src/errors.js';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\n';
const file = '/x/kubestrap.yaml';

function refusal(text: string, flags: Record<string, unknown> = {}): ConfigError {
  try {
    parseConfigText(text, file, collectOverrides(flags, {}));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}
const problems = (text: string, flags: Record<string, unknown> = {}) =>
  refusal(text, flags).problems.map((p) => [p.where, p.path, p.message]);
const acme = (more: string) =>
  `${header}spec:\n  networking: { gatewayHostnames: [a.example.com] }\n  security:\n    tls:\n      issuer: acme\n      acme:\n        email: a@example.com\n${more}`;

describe('unknown keys: the keys allowed there, and the near miss', () => {
  it('inside one component of spec.cost.addonResources: its requests and limits (fixed: said "Allowed here: (none)")', () => {
    expect(problems(`${header}spec:\n  cost:\n    addonResources:\n      cilium-agent:\n        requets: { cpu: 1 }\n`)).toEqual([
      [
        `${file}:9:9`,
        'spec.cost.addonResources.cilium-agent.requets',
        'unknown key "requets" (did you mean "requests"?). Allowed here: requests, limits',
      ],
    ]);
  });

  it('inside an optional section (the ACME account)', () => {
    expect(problems(acme('        emial: b@example.com\n'))).toEqual([
      [
        `${file}:12:9`,
        'spec.security.tls.acme.emial',
        'unknown key "emial" (did you mean "email"?). Allowed here: email, server, solver, dns01',
      ],
    ]);
  });

  it('a key that only shares letters with an allowed one gets no suggestion', () => {
    const [[, , message]] = problems(`${header}spec:\n  cluster:\n    image: kindest/node:v1.36.4\n`) as [string, string, string][];
    expect(message).toMatch(/^unknown key "image"\. Allowed here: provider, profile, /);
  });
});

describe('where a problem is located', () => {
  it('a key missing from the top of the document points at the document', () => {
    expect(problems('kind: Roadmap\nmetadata:\n  name: t\n')).toEqual([
      [`${file}:1:1`, 'apiVersion', 'must be one of "kubestrap.dev/v1alpha1"'],
    ]);
  });

  it('a value under dns01 points at its own line, not at the section', () => {
    expect(problems(acme('        solver: dns01\n        dns01:\n          provider: clouddns\n          project: BAD\n'))).toEqual([
      [`${file}:15:20`, 'spec.security.tls.acme.dns01.project', 'must be a Google Cloud project ID'],
    ]);
  });

  it('a setting from a flag under a section the file leaves empty (null) replaces it', () => {
    const { config } = parseConfigText(`${header}spec:\n  networking:\n`, file, collectOverrides({ cni: 'calico' }, {}));
    expect(config.spec.networking.cni).toBe('calico');
    const empty = parseConfigText(`${header}spec:\n`, file, collectOverrides({ clusterName: 'demo' }, {}));
    expect(empty.config.spec.cluster.name).toBe('demo');
  });
});

describe('invisible characters', () => {
  it('one in a value the schema would take (an https URL) is still refused, with the retype hint', () => {
    const e = refusal(acme('        server: "https://acme.example/dir\\u2028x"\n'));
    expect(e.problems).toEqual([
      {
        where: `${file}:12:17`,
        path: 'spec.security.tls.acme.server',
        message:
          'holds U+2028 (line separator); no value may contain control characters or line/paragraph separators (YAML 1.1 readers such as kubectl and helm see a line break)',
      },
    ]);
    expect(e.suggestion).toMatch(/^Retype the value without the invisible character/);
  });

  it('a control character without a name of its own is called one', () => {
    const [[, path, message]] = problems(`${header}spec:\n  cluster:\n    name: "a\\eb"\n`) as [string, string, string][];
    expect(path).toBe('spec.cluster.name');
    expect(message).toMatch(/^holds U\+001B \(control character\); /);
    expect(describeChar('\u0085')).toBe('U+0085 (next line (NEL))');
  });

  it('describeChar needs a character', () => {
    expect(() => describeChar('')).toThrow('describeChar needs a character, got an empty string');
  });
});

describe('choices read from the schema', () => {
  it('a path the schema does not have is a programming error naming the path and the step', () => {
    expect(() => schemaChoices(configSchema, ['spec', 'cluster', 'name', 'x'])).toThrow(
      'the config schema has no spec.cluster.name.x (at x)',
    );
    expect(() => schemaChoices(configSchema, ['spec', 'nope'])).toThrow('the config schema has no spec.nope (at nope)');
    expect(schemaChoices(configSchema, ['spec', 'tenants', '*', 'podSecurity'])).toEqual(['privileged', 'baseline', 'restricted']);
  });
});
