import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { collectOverrides } from '../../src/config/overrides.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir } from './temp-dir.ts';

const header = 'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\n';

function problems(text: string, overrides = collectOverrides({}, {})) {
  try {
    parseConfigText(text, path.join(process.cwd(), 'k.yaml'), overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  it('applies defaults to a minimal document', () => {
    const { config } = parseConfigText(header, '/x/k.yaml');
    expect(config.spec.cluster.provider).toBe('kind');
    expect(config.spec.networking.cni).toBe('cilium');
    expect(config.spec.cluster.nodes).toEqual({ controlPlanes: 1, workers: 2 });
    expect(config.spec.backup.schedule).toBe('0 2 * * *');
  });

  it('reports file:line:column and key path for a bad enum', () => {
    const [p] = problems(`${header}spec:\n  networking:\n    cni: flannel\n`);
    expect(p).toMatchObject({ where: 'k.yaml:7:10', path: 'spec.networking.cni' });
    expect(p!.message).toContain('"cilium", "calico", "default"');
  });

  it('rejects unknown keys at their key, suggesting the near miss', () => {
    const [p] = problems(`${header}spec:\n  monitring: {}\n`);
    expect(p).toMatchObject({ where: 'k.yaml:6:3', path: 'spec.monitring' });
    expect(p!.message).toContain('did you mean "monitoring"');
  });

  it('names the wrong type with the value given', () => {
    const [p] = problems(`${header}spec:\n  cluster:\n    nodes:\n      workers: two\n`);
    expect(p!.message).toBe('must be a number, got string "two"');
  });

  it('validates Kubernetes names', () => {
    const [p] = problems(`${header}spec:\n  tenants:\n    - name: Team_A\n`);
    expect(p!.path).toBe('spec.tenants.0.name');
    expect(p!.where).toBe('k.yaml:7:13');
  });

  it('reports YAML syntax errors with a position', () => {
    const [p] = problems('apiVersion: [\n');
    expect(p!.where).toMatch(/^k\.yaml:\d+:\d+$/);
    expect(p!.message).toMatch(/^YAML syntax/);
  });

  it('rejects duplicate keys', () => {
    expect(problems(`${header}spec:\n  cluster: {}\n  cluster: {}\n`)[0]!.message).toMatch(/unique/i);
  });

  it('says when the file is missing and what to do', async () => {
    await expect(loadConfigFile('/nonexistent/kubestrap.yaml')).rejects.toMatchObject({
      problems: [{ message: 'file not found' }],
      suggestion: expect.stringContaining('kubestrap init'),
    });
  });

  it('merges env over file and flags over env, naming the source of a bad value', () => {
    const text = `${header}spec:\n  networking:\n    cni: calico\n`;
    const env = { KUBESTRAP_CNI: 'default', KUBESTRAP_GATEWAY: 'none' };
    const { config } = parseConfigText(text, '/x/k.yaml', collectOverrides({ cni: 'cilium' }, env));
    expect(config.spec.networking.cni).toBe('cilium');
    expect(config.spec.networking.gateway).toBe('none');
    const [p] = problems(text, collectOverrides({}, { KUBESTRAP_WORKERS: 'many' }));
    expect(p!.where).toBe('env KUBESTRAP_WORKERS');
  });

  it('turns --tenants a,b into tenant objects with default quotas', () => {
    const { config } = parseConfigText(header, '/x/k.yaml', collectOverrides({ tenants: 'a,b' }, {}));
    expect(config.spec.tenants.map((t) => t.name)).toEqual(['a', 'b']);
    expect(config.spec.tenants[0]!.quota.cpu).toBe('4');
  });

  it('loads both shipped examples', async () => {
    for (const f of ['kind-dev.yaml', 'production.yaml']) {
      await expect(loadConfigFile(path.join('examples', f))).resolves.toBeTruthy();
    }
  });
});

describe('JSON Schema', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(configJsonSchema());

  it('accepts the examples', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const f of ['kind-dev.yaml', 'production.yaml']) {
      const ok = validate(parse(await readFile(path.join('examples', f), 'utf8')));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('rejects unknown keys and bad enums like the loader does', () => {
    expect(validate({ apiVersion: 'kubestrap.dev/v1alpha1', kind: 'Roadmap', metadata: { name: 'x' }, spec: { nope: 1 } })).toBe(false);
    expect(
      validate({ apiVersion: 'kubestrap.dev/v1alpha1', kind: 'Roadmap', metadata: { name: 'x' }, spec: { networking: { cni: 'weave' } } }),
    ).toBe(false);
  });

  it('matches the committed schema file', async () => {
    const { readFile } = await import('node:fs/promises');
    const committed = JSON.parse(await readFile('schema/kubestrap.schema.json', 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
});

describe('loadConfigFile', () => {
  it('resolves relative paths against the config file directory', async () => {
    const dir = tempDir('ks-');
    writeFileSync(path.join(dir, 'kubestrap.yaml'), header);
    const loaded = await loadConfigFile(path.join(dir, 'kubestrap.yaml'));
    expect(loaded.baseDir).toBe(dir);
  });
});
