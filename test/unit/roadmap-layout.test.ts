// The roadmap's layout (src/roadmap/layout.ts, read by renderers) and its step registry agree.
import { describe, expect, it } from 'vitest';
import { roadmapLayout } from '../../src/roadmap/layout.js';
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
});
