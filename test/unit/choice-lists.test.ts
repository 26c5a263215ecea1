// The wizard's select questions offer only values the schema allows (their names and descriptions
// are the wizard's own; the values come from one list, the schema's enum).
import { describe, expect, it } from 'vitest';
import { overrideDefs } from '../../src/config/overrides.js';
import { questions, type Answers } from '../../src/wizard/questions.js';

const contexts: Answers[] = [
  {},
  { provider: 'kind' },
  { provider: 'existing' },
  { provider: 'existing', profile: 'eks' },
  { provider: 'existing', profile: 'gke' },
  { provider: 'existing', profile: 'aks' },
  { cni: 'default' },
  { monitoring: true, logs: true },
];

describe('wizard choices and schema enums', () => {
  const selects = questions.filter((q) => q.type === 'select');

  it('there are select questions with schema choices to check', () => {
    expect(selects.filter((q) => overrideDefs.find((d) => d.flag === q.flag)?.choices).length).toBeGreaterThan(5);
  });

  it.each(selects.map((q) => [q.flag, q] as const))(
    '--%s: every value offered is one the schema accepts, and the recommended one too',
    (flag, q) => {
      const def = overrideDefs.find((d) => d.flag === flag);
      expect(def, `--${flag} has an override row`).toBeDefined();
      if (!def?.choices) return; // free-form in the schema (e.g. the Kubernetes minor is checked elsewhere)
      for (const a of contexts) {
        if (q.when && !q.when(a)) continue;
        for (const c of q.choices(a)) expect(def.choices, `--${flag} offers ${c.value}`).toContain(c.value);
        expect(def.choices).toContain(q.recommended(a));
      }
    },
  );
});
