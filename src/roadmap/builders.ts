/** Small helpers steps use to describe their artifacts, actions and checks. */
import type { Config } from '../config/schema.js';
import type { ChartKey } from '../lock.js';
import { chartSource } from '../render/charts.js';
import { toYaml, toYamlStream } from '../render/template.js';
import type { Action, Artifact, Check, PhaseId, RenderContext, StepId, StepPlan, WorkloadKind } from './types.js';

export class PlanBuilder {
  readonly artifacts: Artifact[] = [];
  readonly actions: Action[] = [];
  readonly checks: Check[] = [];
  readonly notes: string[] = [];
  private readonly dir: string;

  constructor(
    private readonly ctx: RenderContext,
    phase: PhaseId,
    step: StepId,
  ) {
    this.dir = `${phase}/${step}`;
  }

  get config(): Config {
    return this.ctx.config;
  }

  /** Adds a manifest (one or more objects) and the server-side apply of it. */
  manifest(file: string, objects: readonly unknown[], description: string): void {
    if (objects.length === 0) return;
    const path = `${this.dir}/${file}`;
    this.artifacts.push({ path, content: toYamlStream(objects) });
    this.actions.push({ type: 'apply', manifest: path, description });
  }

  /** Adds a file that is written but not applied by itself (e.g. an audit policy kind mounts). */
  file(file: string, object: unknown): string {
    const path = `${this.dir}/${file}`;
    this.artifacts.push({ path, content: toYaml(object) });
    return path;
  }

  /** Adds a values file and the `helm upgrade --install` of a pinned chart with it. */
  helm(key: ChartKey, release: string, namespace: string, values: Record<string, unknown>): void {
    const valuesPath = `${this.dir}/values-${release}.yaml`;
    this.artifacts.push({ path: valuesPath, content: toYaml(values) });
    this.actions.push({
      type: 'helm',
      release: { release, namespace, chart: chartSource(this.ctx.config, this.ctx.baseDir, key), values: valuesPath },
    });
    this.checks.push({ type: 'helm-deployed', namespace, release });
  }

  action(action: Action): void {
    this.actions.push(action);
  }

  check(...checks: Check[]): void {
    this.checks.push(...checks);
  }

  /** A line `plan` shows for this step (a setting worth seeing before anything runs). */
  note(text: string): void {
    this.notes.push(text);
  }

  rollout(namespace: string, ...workloads: [WorkloadKind, string][]): void {
    for (const [kind, name] of workloads) this.checks.push({ type: 'rollout', namespace, kind, name });
  }

  build(): StepPlan {
    return { artifacts: this.artifacts, actions: this.actions, checks: this.checks, ...(this.notes.length ? { notes: this.notes } : {}) };
  }
}
