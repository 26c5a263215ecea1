// The roadmap's layout (src/roadmap/layout.ts; the engine sends a run's part of it in run.start)
// and its step registry agree.
import { describe, expect, it } from 'vitest';
import { roadmapLayout, runLayout } from '../../src/roadmap/layout.js';
import { roadmap } from '../../src/roadmap/roadmap.js';
import { phaseIds, stepIds } from '../../src/roadmap/types.js';

describe('roadmap layout', () => {
  it('lists every phase once, in order, and every step once', () => {
    expect(roadmapLayout.map((p) => p.id)).toEqual([...phaseIds]);
    expect(roadmapLayout.flatMap((p) => p.steps)).toEqual([...stepIds]);
  });

  it('the registry holds, at each place of the layout, the step with that id and that phase', () => {
    expect(roadmap.map((p) => p.id)).toEqual(roadmapLayout.map((p) => p.id));
    roadmap.forEach((phase, i) => {
      expect(phase.steps.map((s) => s.id)).toEqual(roadmapLayout[i]!.steps);
      for (const step of phase.steps) expect(step.phase, step.id).toBe(phase.id);
    });
  });

  it("a run's layout keeps the phases with a selected step, in roadmap order, whatever order the steps come in", () => {
    const layout = runLayout(['monitoring', 'storage', 'cluster']);
    expect(layout.map((p) => [p.id, p.steps])).toEqual([
      ['foundation', ['cluster', 'storage']],
      ['observability', ['monitoring']],
    ]);
    expect(layout[0]).toMatchObject({ title: 'Foundation', weeks: 'weeks 1-2: core infrastructure' });
    expect(runLayout([])).toEqual([]);
  });

  it('reversed (down), phases and the steps in each come last first, and the roadmap layout is left as it was', () => {
    const layout = runLayout(stepIds, true);
    expect(layout.map((p) => p.id)).toEqual([...phaseIds].reverse());
    expect(layout.flatMap((p) => p.steps)).toEqual([...stepIds].reverse());
    expect(roadmapLayout.flatMap((p) => p.steps)).toEqual([...stepIds]);
  });
});
