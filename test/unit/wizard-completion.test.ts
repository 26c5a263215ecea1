import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { completionScript } from '../../src/commands/completion.js';
import { UsageError } from '../../src/errors.js';
import { phaseIds, stepIds } from '../../src/roadmap/types.js';
import { tempDir } from './temp-dir.ts';

/** Runs the bash completion function for a command line ending in the word being completed. */
function complete(words: string[]): string[] {
  const dir = tempDir('ks-compl-');
  const file = path.join(dir, 'kubestrap.bash');
  writeFileSync(file, completionScript('bash', buildProgram()));
  const script = `source ${JSON.stringify(file)}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kubestrap; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('kubestrap completion bash (executed by bash)', () => {
  it('is valid bash', () => {
    const r = spawnSync('bash', ['-n'], { input: completionScript('bash', buildProgram()) });
    expect(r.status, String(r.stderr)).toBe(0);
  });
  it('completes commands, options, choices, phase and step names', () => {
    expect(complete(['kubestrap', ''])).toEqual(
      expect.arrayContaining(['init', 'plan', 'up', 'phase', 'verify', 'status', 'down', 'doctor', 'schema', 'completion']),
    );
    expect(complete(['kubestrap', 'phase', ''])).toEqual([...phaseIds]);
    expect(complete(['kubestrap', 'phase', 'features', ''])).toEqual([...stepIds]);
    expect(complete(['kubestrap', 'init', '--cni', ''])).toEqual(['cilium', 'calico', 'default']);
    expect(complete(['kubestrap', 'up', '--only', 'mon'])).toEqual(['monitoring']);
    expect(complete(['kubestrap', 'up', '--output', ''])).toEqual(['text', 'plain', 'json']);
    expect(complete(['kubestrap', 'init', '--tenant-c'])).toEqual(['--tenant-cpu']);
    expect(complete(['kubestrap', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });
});

describe('kubestrap completion zsh / fish', () => {
  it('zsh: a #compdef function listing every command, option choices, phases and steps', () => {
    const s = completionScript('zsh', buildProgram());
    expect(s.split('\n')[0]).toBe('#compdef kubestrap');
    expect(s).toContain("'1:phase:(foundation features observability operations)'");
    expect(s).toContain(`'2:step:(${stepIds.join(' ')})'`);
    expect(s).toMatch(/--cni'\[CNI plugin \(env KUBESTRAP_CNI\)\]:value:\(cilium calico default\)'/);
    const zsh = spawnSync('zsh', ['-n'], { input: s });
    if (!zsh.error) expect(zsh.status, String(zsh.stderr)).toBe(0);
  });
  it('fish: complete lines per command and option', () => {
    const s = completionScript('fish', buildProgram());
    expect(s).toMatch(/complete -c kubestrap -n "__fish_seen_subcommand_from init" -l cni -x -a 'cilium calico default'/);
    expect(s).toContain(`-a '${phaseIds.join(' ')}' -d phase`);
    const fish = spawnSync('fish', ['--no-execute'], { input: s });
    if (!fish.error) expect(fish.status, String(fish.stderr)).toBe(0);
  });
  it('an unknown shell is a usage error naming the choices', () => {
    expect(() => completionScript('tcsh', buildProgram())).toThrow(UsageError);
  });
});
