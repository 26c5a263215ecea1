// The command lines `plan` prints, pasted into a real POSIX shell, run exactly the argv kubestrap
// builds (issue 8). The shells here only parse fixed strings this test builds, as data.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planText } from '../../src/commands/plan.js';
import { parseConfigText } from '../../src/config/load.js';
import { collectOverrides } from '../../src/config/overrides.js';
import { buildPlan } from '../../src/plan/plan.js';
import { formatArgv } from '../../src/util/argv.js';

/** How `sh -c` splits a command line into words: each word printed NUL-terminated. */
function shellWords(shell: string, line: string): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${line}`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent-home' },
  });
  return out.split('\0').slice(0, -1);
}

const shells = ['bash', 'dash'];

const nastyKubeconfigs = [
  '/tmp/kube # not a comment/config',
  "/tmp/it's/config",
  '/tmp/"quoted"/config',
  '/tmp/$HOME/config',
  '/tmp/`id`/config',
  '/tmp/$(id)/config',
  '/tmp/a;b&&c|d/config',
  '/tmp/*/config?',
  '~/kube/config',
  '/tmp/ spaces  /config',
  '=config',
  '-config',
  '/tmp/back\\slash/config',
  '/tmp/{a,b}/config',
  '/tmp/\'"$`\\!#/config',
];

const nastyOutDirs = ['# plan', '/tmp/a#\nb', '/tmp/new\nline # x', "/tmp/o'ut $x `y`", '/tmp/tab\there', ''];

const header =
  'apiVersion: kubestrap.dev/v1alpha1\nkind: Roadmap\nmetadata:\n  name: t\nspec:\n  cluster:\n    provider: existing\n    context: prod\n  backup:\n    storage:\n      type: minio\n';

function planFor(kubeconfig: string, outDir: string) {
  const loaded = parseConfigText(header, path.join(process.cwd(), 'k.yaml'), collectOverrides({ kubeconfig }, {}));
  return buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir });
}

describe.each(shells)('plan command lines parsed by %s', (shell) => {
  it.each(nastyKubeconfigs)('kubeconfig %j: every printed command is the argv, word for word', (kubeconfig) => {
    const plan = planFor(kubeconfig, '.kubestrap/plan');
    const commands = plan.phases.flatMap((p) => p.steps.flatMap((s) => s.commands));
    expect(commands.length).toBeGreaterThan(5);
    expect(commands.some((c) => c.includes(kubeconfig))).toBe(true);
    for (const argv of commands) expect(shellWords(shell, formatArgv(argv))).toEqual(argv);
  });

  it.each(nastyOutDirs)('--out %j: every printed command is the argv, word for word', (outDir) => {
    const plan = planFor('/tmp/kubeconfig', outDir);
    const commands = plan.phases.flatMap((p) => p.steps.flatMap((s) => s.commands));
    for (const argv of commands) expect(shellWords(shell, formatArgv(argv))).toEqual(argv);
  });
});

describe('plan text', () => {
  it('prints each command as its quoted argv; stdin notes are shell comments after it, not words', () => {
    const plan = planFor('/tmp/kube # x', '# plan');
    const text = planText(plan, 'k.yaml');
    const steps = plan.phases.flatMap((p) => p.steps);
    for (const s of steps) for (const c of s.commands) expect(text).toContain(`    run    ${formatArgv(c)}`);
    const secret = steps.flatMap((s) => s.stdin.map((x) => ({ argv: s.commands[x.command]!, x })))[0];
    expect(secret).toBeDefined();
    // Everything the command runs is in argv; the note about stdin is not one of its words.
    expect(secret!.argv.at(-1)).toBe('-');
    expect(secret!.argv.some((w) => w.startsWith('#'))).toBe(false);
    expect(text).toContain(`${formatArgv(secret!.argv)}  # stdin: ${secret!.x.content}`);
  });

  it('quotes the config path in the "next" command', () => {
    const plan = planFor('/tmp/k', 'out');
    expect(planText(plan, "/tmp/my configs/it's.yaml")).toContain(`kubestrap up --config '/tmp/my configs/it'\\''s.yaml'`);
  });
});

describe('failed commands', () => {
  it('show the argv quoted the same way, so the line can be pasted to retry it', async () => {
    const { CommandError } = await import('../../src/errors.js');
    const argv = ['kubectl', '--kubeconfig', '/tmp/my kube # x/config', '--context', 'prod', 'get', 'nodes'];
    const line = /command: (.*)/.exec(new CommandError('failed', argv, '').message)![1]!;
    expect(shellWords('bash', line)).toEqual(argv);
  });
});
