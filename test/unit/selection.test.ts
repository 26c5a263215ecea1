import { describe, expect, it } from 'vitest';
import { selectionFrom } from '../../src/commands/up.js';
import { UsageError } from '../../src/errors.js';

const base = { cwd: '/', env: {}, explicit: {} };

describe('step selection for up / phase', () => {
  it('--from starts at a phase and keeps the later ones', () => {
    expect(selectionFrom({ ...base, from: 'observability' }).phases).toEqual(['observability', 'operations']);
  });
  it('phase <p> [step] selects one phase and optionally one step', () => {
    expect(selectionFrom({ ...base, phase: 'features', step: 'gateway' })).toEqual({ phases: ['features'], only: ['gateway'], skip: [] });
  });
  it('--only and --skip take comma-separated or repeated step names', () => {
    expect(selectionFrom({ ...base, only: ['cost,monitoring'], skip: ['gateway', 'integration'] })).toEqual({
      only: ['cost', 'monitoring'],
      skip: ['gateway', 'integration'],
    });
  });
  it('an unknown step is a usage error that lists the steps', () => {
    expect(() => selectionFrom({ ...base, only: ['monitorng'] })).toThrow(UsageError);
    try {
      selectionFrom({ ...base, skip: ['x'] });
      expect.unreachable();
    } catch (error) {
      expect((error as UsageError).message).toBe('--skip: unknown step "x"');
      expect((error as UsageError).suggestion).toMatch(/^Steps are: cluster, networking/);
    }
  });
});
