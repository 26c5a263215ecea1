// Two boundaries of the config schema as users meet them: a wildcard gateway hostname refused for
// HTTP-01 also when it is the first one listed, and a backup TTL given as an empty string refused
// (the duration pattern alone would take it), and two different complex keys (`? [a]`) reported as the
// unknown keys they are, not as duplicates of each other; a YAML syntax error's text without the
// parser's own "at line, column" (the location is given once, in front). Written against src/config survivors (docs/mutation.md).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n';
const file = path.join(process.cwd(), 'k.yaml');

function problemsOf(text: string): ConfigProblem[] {
  try {
    parseConfigText(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
const problems = (spec: string) => problemsOf(`${header}${spec}`);

describe('boundaries of the config schema', () => {
  it('HTTP-01 refuses a wildcard hostname listed first, at index 0', () => {
    expect(
      problems(
        '  networking: { gatewayHostnames: ["*.apps.example.com", a.example.com] }\n  security: { certManager: true, tls: { issuer: acme, acme: { email: ops@example.com } } }\n',
      ),
    ).toMatchObject([
      {
        path: 'spec.networking.gatewayHostnames.0',
        message: 'HTTP-01 cannot validate a wildcard name; use solver: dns01, or list the names one by one',
      },
    ]);
  });

  it('an empty backup TTL is refused; 168h is taken', () => {
    expect(problems('  backup:\n    ttl: ""\n')).toEqual([{ where: 'k.yaml:7:10', path: 'spec.backup.ttl', message: 'must not be empty' }]);
    expect(problems('  backup:\n    ttl: 168h\n')).toEqual([]);
  });

  it('two different complex keys in one mapping are unknown keys, not duplicates of each other', () => {
    const text = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\n  ? [a]\n  : 1\n  ? [b]\n  : 2\nspec: {}\n';
    expect(problemsOf(text).map((p) => [p.path, p.message])).toEqual([
      ['metadata.[ a ]', 'unknown key "[ a ]". Allowed here: name'],
      ['metadata.[ b ]', 'unknown key "[ b ]". Allowed here: name'],
    ]);
  });

  it('a YAML syntax error names its place once, in front, not again inside the parser text', () => {
    const text = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n  cluster: [unclosed\n';
    expect(problemsOf(text)).toEqual([
      {
        where: 'k.yaml:7:1',
        path: '',
        message: 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]',
      },
    ]);
  });
});
