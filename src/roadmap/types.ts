/**
 * The contract every roadmap step fulfils. `render` is pure and returns data: the files to write,
 * the actions that apply them and the checks that verify them. The engine turns actions and checks
 * into kubectl/helm/kind argv through the adapters, so `plan` lists exactly what `up` will run.
 */
import type { ChartSourceRef, HelmRelease } from '../adapters/helm-release.js';
import type { Config } from '../config/schema.js';

export type { ChartSourceRef, HelmRelease };

export const phaseIds = ['foundation', 'features', 'observability', 'operations'] as const;
export type PhaseId = (typeof phaseIds)[number];

export interface Artifact {
  /** Path relative to the render directory, e.g. `features/security/namespaces.yaml`. */
  path: string;
  content: string;
}

/** A Secret kubestrap generates at apply time; its value never enters plan, state, logs or argv. */
export interface GeneratedSecret {
  namespace: string;
  name: string;
  /** Keys with random values (length in characters; alphanumeric, so they are safe inside URLs). */
  random: Record<string, number>;
  /** Keys with fixed, non-secret values (e.g. a username). */
  fixed?: Record<string, string>;
  /**
   * Keys derived from other keys by a template over their values, e.g. an AWS credentials file.
   * `accessKey`/`secretKey` name keys of this Secret, or of `fromSecret` (a generated Secret in the
   * same namespace, applied earlier) when set.
   */
  derived?: Record<string, { format: 'aws-credentials'; accessKey: string; secretKey: string; fromSecret?: string }>;
}

export type Action =
  /** encryptionConfig: absolute host path of the encryption-at-rest config, created once if missing. */
  | { type: 'kind-create'; cluster: string; config: string; waitForNodes: boolean; encryptionConfig?: string }
  /**
   * Server-side apply of a manifest. `manifest` is an artifact path relative to the render
   * directory, unless `absolute` is set: then it is a file outside the plan (e.g. the Gateway API
   * CRDs from a local chart directory when charts come from `spec.charts.source: local`).
   */
  | { type: 'apply'; manifest: string; description: string; absolute?: true }
  | { type: 'apply-url'; url: string; description: string }
  | { type: 'helm'; release: HelmRelease }
  /**
   * Server-side apply of the CRDs a chart carries (`helm show crds`, subcharts included) whose API
   * group is in `groups`; the chart's other CRDs are left out (e.g. Envoy Gateway's own CRDs
   * without the Gateway API CRDs its chart bundles, which kubestrap applies at its pinned version).
   */
  | { type: 'chart-crds'; chart: ChartSourceRef; groups: string[]; description: string }
  | { type: 'secret'; secret: GeneratedSecret }
  /**
   * `kubectl annotate --overwrite` of a cluster-scoped object kubestrap does not own (kind's
   * StorageClass): not recorded in state, so `down` leaves the object and its annotations.
   */
  | { type: 'annotate'; resource: string; name: string; annotations: Record<string, string>; description: string };

export type WorkloadKind = 'deployment' | 'daemonset' | 'statefulset';

export type Check =
  | { type: 'api-ready' }
  | { type: 'nodes-ready' }
  | { type: 'rollout'; namespace: string; kind: WorkloadKind; name: string }
  | { type: 'crd-established'; name: string }
  | { type: 'apiservice-available'; name: string }
  | { type: 'helm-deployed'; namespace: string; release: string }
  | { type: 'default-storageclass'; /** undefined: any one class, as long as exactly one is the default. */ name?: string | undefined }
  | { type: 'namespace-labels'; namespace: string; labels: Record<string, string> }
  | { type: 'exists'; resource: string; namespace?: string; name: string }
  | { type: 'rejects-privileged-pod'; namespace: string }
  | { type: 'velero-bsl-available'; namespace: string; name: string }
  /** A functional probe that needs real containers; skipped with its reason on simulated nodes. */
  | { type: 'probe'; probe: ProbeId; namespace: string; description: string; peerNamespace?: string }
  /** Something kubestrap cannot check on this target; always reported as skipped with the reason. */
  | { type: 'not-checkable'; description: string; reason: string };

export type ProbeId =
  | 'dns'
  | 'pod-to-pod'
  /** default-deny in `namespace`: a pod there is reached from inside and not from `peerNamespace`. */
  | 'network-policy'
  | 'pvc-binds'
  | 'hpa-metrics'
  /** The smoke workload answers HTTP with its known page through its Service. */
  | 'smoke-http'
  /** A Job made from the in-cluster verifier's CronJob completes and writes its results ConfigMap. */
  | 'in-cluster-verifier'
  | 'backup-restore'
  /** kind: a request made by the probe shows up in the API server's audit log on the control-plane node. */
  | 'audit-log'
  /** kind: a Secret written by the probe is stored encrypted (k8s:enc: prefix) in etcd. */
  | 'secrets-encrypted'
  /** An always-firing alert goes Prometheus -> Alertmanager -> kubestrap's probe route -> a receiver pod the check runs. */
  | 'alert-delivery'
  /** Every PrometheusRule kubestrap applied is loaded by Prometheus; each rule evaluates with health ok. */
  | 'alert-rules';

export interface StepPlan {
  artifacts: Artifact[];
  actions: Action[];
  checks: Check[];
  /** Lines `plan` shows for the step besides files, commands and checks (e.g. the kind node image). */
  notes?: string[];
}

export interface RenderContext {
  config: Config;
  /** Directory relative paths in the config resolve against (the config file's directory). */
  baseDir: string;
  /** Absolute directory the artifacts are written to (kind mounts need absolute host paths). */
  outDir: string;
}

export type Enablement = { enabled: true } | { enabled: false; reason: string };

export interface Step {
  id: StepId;
  phase: PhaseId;
  title: string;
  /** Steps that must have succeeded first. */
  needs: StepId[];
  /** More steps that must have succeeded first under this configuration only (the plan lists both). */
  needsFor?(config: Config): StepId[];
  enabled(config: Config): Enablement;
  render(ctx: RenderContext): StepPlan;
}

export const stepIds = [
  'cluster',
  'networking',
  'storage',
  'certificates',
  'security',
  'gateway',
  'integration',
  'monitoring',
  'autoscalers',
  'autoscaling',
  'disaster-recovery',
  'cost',
  'continuous-verification',
] as const;
export type StepId = (typeof stepIds)[number];
