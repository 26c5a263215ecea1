import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { initCommand, type InitOptions } from '../../src/commands/init.js';
import { loadConfigFile } from '../../src/config/load.js';
import { ConfigError, ExitCode, InterruptedError, KubestrapError, UsageError } from '../../src/errors.js';
import type { Prompter } from '../../src/prompts.js';
import { answersToRaw } from '../../src/wizard/document.js';
import { questions } from '../../src/wizard/questions.js';
import { tempDir } from './temp-dir.ts';

/**
 * A prompt implementation that answers from a script (keyed by a fragment of the question) and
 * takes the recommended answer otherwise. Inputs go through the question's own validate, so an
 * invalid scripted answer is "re-asked" with the next scripted value, like a person retyping.
 */
function scripted(script: Record<string, (string | boolean)[]>) {
  const asked: string[] = [];
  const rejections: string[] = [];
  const notes: string[] = [];
  const next = (message: string) => {
    const key = Object.keys(script).find((k) => message.includes(k));
    return key && script[key]!.length ? script[key]!.shift() : undefined;
  };
  const prompter: Prompter = {
    async select(q) {
      asked.push(q.message);
      const v = next(q.message);
      if (v !== undefined && !q.choices.some((c) => c.value === v))
        throw new Error(`"${String(v)}" is not offered for ${q.message}: ${q.choices.map((c) => c.value).join(', ')}`);
      return (v ?? q.default) as typeof q.default;
    },
    async input(q) {
      asked.push(q.message);
      for (;;) {
        const v = next(q.message);
        const value = v === undefined ? (q.default ?? '') : String(v);
        const ok = q.validate(value);
        if (ok === true) return value;
        rejections.push(ok);
        if (v === undefined) throw new Error(`no valid answer scripted for ${q.message}: ${ok}`);
      }
    },
    async confirm(q) {
      asked.push(q.message);
      const v = next(q.message);
      return v === undefined ? q.default : Boolean(v);
    },
    note: (t) => notes.push(t),
  };
  return { prompter, asked, rejections, notes };
}

function tmp(): string {
  return tempDir('kubestrap-wizard-');
}

const now = () => new Date('2026-01-02T03:04:05Z');
const base = (cwd: string, over: Partial<InitOptions> = {}): InitOptions => ({
  cwd,
  env: {},
  explicit: {},
  now,
  write: () => undefined,
  contexts: async () => ['kind-dev', 'prod-eu'],
  ...over,
});

async function exitOf(p: Promise<unknown>): Promise<{ code: number; error: KubestrapError }> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(KubestrapError);
    return { code: (error as KubestrapError).exitCode, error: error as KubestrapError };
  }
  throw new Error('expected an error');
}

describe('wizard (prompt module replaced)', () => {
  it('asks in roadmap order, writes a config with a modeline that loads, and a decision record', async () => {
    const cwd = tmp();
    const { prompter, asked } = scripted({ 'Pod networking': ['calico'], 'Tenant teams': ['payments,web'], 'CPU quota': ['8'] });
    const result = await initCommand(base(cwd, { prompter, interactive: true }));
    expect(asked.map((m) => questions.find((q) => q.title === m)?.flag)).toEqual([
      'provider',
      'kubernetes-version',
      'cni',
      'storage-provisioner',
      'gateway',
      'tenant-security',
      'tenants',
      'tenant-cpu',
      'tenant-memory',
      'monitoring',
      'logs',
      'vpa',
      'backup',
      'backup-storage',
      'quotas',
      'opencost',
    ]);
    const text = readFileSync(result.configFile, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=https://kubestrap.dev/schema/v1alpha1/kubestrap.schema.json');
    const { config } = await loadConfigFile(result.configFile);
    expect(config.spec.networking.cni).toBe('calico');
    expect(config.spec.tenants.map((t) => [t.name, t.quota.cpu, t.quota.memory])).toEqual([
      ['payments', '8', '8Gi'],
      ['web', '8', '8Gi'],
    ]);
    // round trip: the file is exactly the answers' document
    expect(parse(text)).toEqual(answersToRaw(result.answers));
    const record = readFileSync(path.join(cwd, 'docs/decisions.md'), 'utf8');
    expect(record).toContain('Recorded by `kubestrap init` on 2026-01-02');
    for (const title of [
      'Where the cluster runs',
      'Pod networking (CNI)',
      'Storage',
      'Pod Security',
      'Ingress (Gateway API)',
      'Tenant teams',
      'Monitoring',
      'Autoscaling',
      'Backups',
      'Cost controls',
    ])
      expect(record).toContain(title);
    expect(record).toMatch(/Pod networking \(CNI\)[^#]*\*\*Chosen:\*\* calico[^#]*Alternatives:\*\*\n {2}- cilium/);
  });

  it('writes byte-for-byte the same files as `init --yes` with the same answers as flags', async () => {
    const a = tmp();
    const b = tmp();
    const { prompter } = scripted({
      'Where should the cluster run': ['kind'],
      'Pod networking': ['cilium'],
      'Gateway API': ['cilium'],
      'Tenant teams': ['payments,web'],
      'Also collect logs': [true],
      'Back up': [true],
    });
    await initCommand(base(a, { prompter, interactive: true }));
    await initCommand(
      base(b, {
        yes: true,
        interactive: false,
        explicit: { provider: 'kind', cni: 'cilium', gateway: 'cilium', tenants: 'payments,web', logs: true },
      }),
    );
    expect(readFileSync(path.join(b, 'kubestrap.yaml'), 'utf8')).toBe(readFileSync(path.join(a, 'kubestrap.yaml'), 'utf8'));
    expect(readFileSync(path.join(b, 'docs/decisions.md'), 'utf8')).toBe(readFileSync(path.join(a, 'docs/decisions.md'), 'utf8'));
    // Cilium's gateway needs kube-proxy replacement: derived the same way in both paths.
    expect(parse(readFileSync(path.join(b, 'kubestrap.yaml'), 'utf8')).spec.networking.kubeProxyReplacement).toBe(true);
  });

  it('re-asks an invalid answer with the reason from the schema and the rules', async () => {
    const cwd = tmp();
    const { prompter, rejections } = scripted({
      'Tenant teams': ['Payments', 'kube-system', 'web,web', 'web'],
      'CPU quota': ['lots', '2'],
    });
    await initCommand(base(cwd, { prompter, interactive: true }));
    expect(rejections).toEqual([
      expect.stringMatching(/must be a Kubernetes name.*\("Payments"\)/),
      expect.stringMatching(/tenant "kube-system" would take over a system namespace/),
      expect.stringMatching(/tenant "web" is listed twice/),
      expect.stringMatching(/must be a Kubernetes quantity/),
    ]);
    expect((await loadConfigFile(path.join(cwd, 'kubestrap.yaml'))).config.spec.tenants[0]?.quota.cpu).toBe('2');
  });

  it('existing cluster: picks the context from the kubeconfig; types it when kubectl cannot list them', async () => {
    const cwd = tmp();
    const s = scripted({
      'Where should the cluster run': ['existing'],
      'Which kube context': ['prod-eu'],
      'Where should backups go': ['gcs'],
    });
    await initCommand(base(cwd, { prompter: s.prompter, interactive: true }));
    const { config } = await loadConfigFile(path.join(cwd, 'kubestrap.yaml'));
    expect(config.spec.cluster).toMatchObject({ provider: 'existing', context: 'prod-eu' });
    expect(config.spec.networking.cni).toBe('default'); // recommended for an existing cluster
    expect(config.spec.backup.storage).toMatchObject({ type: 'gcs', bucket: 'velero', credentialsSecret: 'velero-credentials' });
    expect(s.asked).toContain('Cluster autoscaler provider?');

    const cwd2 = tmp();
    const t = scripted({ 'Where should the cluster run': ['existing'], 'Which kube context': ['has space', 'my-ctx'], 'Back up': [false] });
    await initCommand(base(cwd2, { prompter: t.prompter, interactive: true, contexts: async () => undefined }));
    expect(t.notes.join('\n')).toMatch(/kubectl could not list contexts/);
    expect(t.rejections).toEqual([expect.stringMatching(/without spaces/)]);
    expect((await loadConfigFile(path.join(cwd2, 'kubestrap.yaml'))).config.spec.cluster.context).toBe('my-ctx');
  });

  it('flags and env answer their questions (flags win over env) and are not asked', async () => {
    const cwd = tmp();
    const s = scripted({});
    await initCommand(
      base(cwd, {
        prompter: s.prompter,
        interactive: true,
        env: { KUBESTRAP_CNI: 'calico', KUBESTRAP_GATEWAY: 'traefik' },
        explicit: { gateway: 'none' },
      }),
    );
    const { config } = await loadConfigFile(path.join(cwd, 'kubestrap.yaml'));
    expect(config.spec.networking).toMatchObject({ cni: 'calico', gateway: 'none' });
    expect(s.asked).not.toContain('Pod networking (CNI)?');
    expect(s.notes.join('\n')).toMatch(/calico \(from env KUBESTRAP_CNI\)[\s\S]*none \(from flag --gateway\)/);
  });

  it('never prompts without a terminal: a missing required answer is a usage error naming the flag', async () => {
    const cwd = tmp();
    const { code, error } = await exitOf(initCommand(base(cwd, { interactive: false, explicit: { provider: 'existing' } })));
    expect(code).toBe(ExitCode.usage);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.suggestion).toMatch(/--context <value>.*KUBESTRAP_CONTEXT/);
    const s3 = await exitOf(
      initCommand(base(cwd, { yes: true, interactive: false, explicit: { provider: 'existing', context: 'x', backupStorage: 's3' } })),
    );
    expect(s3.error.suggestion).toMatch(/--backup-region/);
    expect(existsSync(path.join(cwd, 'kubestrap.yaml'))).toBe(false);
  });

  it('an invalid flag or env value is a usage error naming where it came from, before any question', async () => {
    const cwd = tmp();
    const s = scripted({});
    const { code, error } = await exitOf(
      initCommand(
        base(cwd, { prompter: s.prompter, interactive: true, explicit: { tenantCpu: 'lots' }, env: { KUBESTRAP_TENANTS: 'Bad' } }),
      ),
    );
    expect(code).toBe(ExitCode.usage);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/flag --tenant-cpu .*quantity/);
    expect(error.message).toMatch(/env KUBESTRAP_TENANTS .*Kubernetes name/);
    expect(s.asked).toEqual([]);
  });

  it('never overwrites: --force, or asks; without a terminal names --force (exit 2)', async () => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, 'kubestrap.yaml'), 'mine\n');
    const ci = await exitOf(initCommand(base(cwd, { yes: true, interactive: false })));
    expect(ci.code).toBe(ExitCode.usage);
    expect(ci.error.suggestion).toMatch(/--force/);
    const declined = scripted({ Overwrite: [false] });
    expect((await exitOf(initCommand(base(cwd, { prompter: declined.prompter, interactive: true })))).code).toBe(ExitCode.interrupted);
    expect(declined.asked).toHaveLength(1); // asked first, before the questions
    expect(readFileSync(path.join(cwd, 'kubestrap.yaml'), 'utf8')).toBe('mine\n');
    await initCommand(base(cwd, { yes: true, interactive: false, force: true }));
    expect(readFileSync(path.join(cwd, 'kubestrap.yaml'), 'utf8')).toMatch(/^# yaml-language-server/);
  });

  it('Ctrl-C in any question exits 130 and writes nothing', async () => {
    const cwd = tmp();
    const s = scripted({});
    let n = 0;
    const prompter: Prompter = {
      ...s.prompter,
      async confirm(q) {
        if (++n === 2) throw new InterruptedError('Interrupted; nothing was written.');
        return s.prompter.confirm(q);
      },
    };
    expect((await exitOf(initCommand(base(cwd, { prompter, interactive: true })))).code).toBe(ExitCode.interrupted);
    expect(existsSync(path.join(cwd, 'kubestrap.yaml'))).toBe(false);
    expect(existsSync(path.join(cwd, 'docs'))).toBe(false);
  });

  it('--config and --decisions choose the paths; the header points at the record', async () => {
    const cwd = tmp();
    await initCommand(base(cwd, { yes: true, interactive: false, config: 'clusters/dev.yaml', decisions: 'adr/dev.md' }));
    const text = readFileSync(path.join(cwd, 'clusters/dev.yaml'), 'utf8');
    expect(text).toContain('# Why each value was chosen: ../adr/dev.md');
    expect(readFileSync(path.join(cwd, 'adr/dev.md'), 'utf8')).toContain('from `../clusters/dev.yaml`');
  });

  it('--output json prints the written paths and the plan; a broken combination writes nothing (exit 2)', async () => {
    const cwd = tmp();
    const out: string[] = [];
    await initCommand(base(cwd, { yes: true, interactive: false, output: 'json', write: (t) => out.push(t) }));
    const doc = JSON.parse(out.join('')) as { config: string; decisions: string; plan: { phases: { id: string }[] } };
    expect(doc.config).toBe(path.join(cwd, 'kubestrap.yaml'));
    expect(doc.plan.phases.map((p) => p.id)).toEqual(['foundation', 'features', 'observability', 'operations']);
    const other = tmp();
    const broken = await exitOf(
      initCommand(base(other, { yes: true, interactive: false, explicit: { cni: 'calico', gateway: 'cilium' } })),
    );
    expect(broken.code).toBe(ExitCode.usage);
    expect(broken.error.message).toMatch(/cilium-gateway-needs-kpr/);
    expect(existsSync(path.join(other, 'kubestrap.yaml'))).toBe(false);
  });

  it('every question is a row of the override table (so it has a flag and an env var)', async () => {
    const { overrideDefs } = await import('../../src/config/overrides.js');
    for (const q of questions)
      expect(
        overrideDefs.find((d) => d.flag === q.flag),
        q.flag,
      ).toBeDefined();
  });
});
