/** helm, one typed function per use, for helm 3 and helm 4 (flags differ; see helm-args.ts). */
import { KubestrapError } from '../errors.js';
import type { ChartSourceRef, HelmRelease } from './helm-release.js';
import type { Exec } from './exec.js';
import {
  helmTargetArgs,
  historyArgs,
  rollbackArgs,
  showCrdsArgs,
  statusArgs,
  uninstallArgs,
  upgradeInstallArgs,
  type HelmMajor,
} from './helm-args.js';
import { unanswered } from './kube-api.js';
import { durationMs, type Kubectl } from './kubectl.js';
import type { Target } from './target.js';

export async function helmVersion(exec: Exec): Promise<{ version: string; major: HelmMajor }> {
  const { stdout } = await exec.run(['helm', 'version', '--template', '{{.Version}}'], { timeoutMs: 20_000 });
  const version = stdout.trim();
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major !== 3 && major !== 4) {
    throw new KubestrapError(`helm ${version} is not supported`, {
      suggestion: 'Install helm 4 (or helm 3.22); `kubestrap doctor` shows what is expected.',
    });
  }
  return { version, major };
}

/** One revision of `helm history --output json`. */
export interface HelmHistoryEntry {
  revision: number;
  /** RFC 3339 time of the revision (helm writes it when the operation starts). */
  updated: string;
  status: string;
  description?: string;
}

export interface HelmReleaseStatus {
  name: string;
  namespace: string;
  version: number;
  info: { status: string; description?: string };
  chart?: { metadata?: { name: string; version: string } };
}

export class Helm {
  constructor(
    private readonly exec: Exec,
    readonly target: Target,
    readonly major: HelmMajor,
  ) {}

  async upgradeInstall(release: HelmRelease, valuesFile: string, timeout: string): Promise<void> {
    await this.exec.run(upgradeInstallArgs(this.target, release, valuesFile, timeout, this.major), {
      timeoutMs: durationMs(timeout) + 60_000,
    });
  }

  /** The CRDs the chart carries, subcharts included (multi-document YAML). */
  async showCrds(chart: ChartSourceRef): Promise<string> {
    return (await this.exec.run(showCrdsArgs(chart), { timeoutMs: 5 * 60_000 })).stdout;
  }

  async uninstall(release: string, namespace: string, timeout: string): Promise<void> {
    await this.exec.run(uninstallArgs(this.target, release, namespace, timeout), { timeoutMs: durationMs(timeout) + 60_000 });
  }

  /**
   * The release's revisions, oldest first; [] when the release does not exist. Read from the
   * storage Secrets' labels (no helm process) unless a revision is pending-*: then helm's own
   * history, with its times and descriptions, decides the recovery. From labels, `updated` is when
   * the revision's Secret was created (helm writes it as the operation starts).
   */
  async history(release: string, namespace: string): Promise<HelmHistoryEntry[]> {
    const revisions = await this.revisionsFromLabels(release, namespace);
    if (revisions && !revisions.some((r) => r.status.startsWith('pending-'))) {
      // The newest 20, as `helm history --max 20`.
      return revisions
        .slice(0, 20)
        .map((r) => ({ revision: r.version, status: r.status, updated: r.created }))
        .reverse();
    }
    const { stdout, exitCode, stderr } = await this.exec.run(historyArgs(this.target, release, namespace), {
      okExitCodes: [1],
      timeoutMs: 60_000,
    });
    if (exitCode !== 0) {
      if (/not found/i.test(stderr)) return [];
      throw new KubestrapError(`helm history ${release} failed: ${stderr}`);
    }
    return (JSON.parse(stdout || '[]') as HelmHistoryEntry[]).sort((a, b) => a.revision - b.revision);
  }

  async rollback(release: string, namespace: string, revision: number, timeout: string): Promise<void> {
    await this.exec.run(rollbackArgs(this.target, release, namespace, revision, timeout, this.major), {
      timeoutMs: durationMs(timeout) + 60_000,
    });
  }

  private releaseReader: Kubectl | undefined;
  private helmDriver: string | undefined;

  /**
   * `status` first looks at the labels of the release's storage Secrets through the Kubectl's
   * in-process API client (metadata only, never a release's content): a release whose latest
   * revision is deployed needs no helm process. Anything else (no API client, another storage
   * driver, not found, not deployed) is helm's to answer.
   */
  readReleasesThrough(kubectl: Kubectl, env: NodeJS.ProcessEnv): void {
    this.releaseReader = kubectl;
    this.helmDriver = env.HELM_DRIVER;
  }

  /** The release's revisions from its storage Secrets' labels (newest first), or undefined when helm has to say. */
  private async revisionsFromLabels(
    release: string,
    namespace: string,
  ): Promise<{ version: number; status: string; created: string }[] | undefined> {
    if (!this.releaseReader || (this.helmDriver && !['secret', 'secrets'].includes(this.helmDriver))) return undefined;
    const api = await this.releaseReader.api();
    const secrets = api ? await api.listMetadata('secrets', namespace, `owner=helm,name=${release}`) : unanswered;
    if (secrets === unanswered) return undefined;
    const revisions = secrets.map((s) => ({
      version: Number(s.labels?.version),
      status: s.labels?.status ?? '',
      created: s.creationTimestamp ?? '',
    }));
    if (revisions.some((r) => !Number.isInteger(r.version) || !r.status)) return undefined;
    return revisions.sort((a, b) => b.version - a.version);
  }

  private async deployedFromLabels(release: string, namespace: string): Promise<HelmReleaseStatus | undefined> {
    const latest = (await this.revisionsFromLabels(release, namespace))?.[0];
    if (!latest || latest.status !== 'deployed') return undefined;
    return { name: release, namespace, version: latest.version, info: { status: 'deployed' } };
  }

  /** undefined when the release does not exist. */
  async status(release: string, namespace: string): Promise<HelmReleaseStatus | undefined> {
    const deployed = await this.deployedFromLabels(release, namespace);
    if (deployed) return deployed;
    const { stdout, exitCode, stderr } = await this.exec.run(statusArgs(this.target, release, namespace), {
      okExitCodes: [1],
      timeoutMs: 60_000,
    });
    if (exitCode !== 0) {
      if (/not found/i.test(stderr)) return undefined;
      throw new KubestrapError(`helm status ${release} failed: ${stderr}`);
    }
    return JSON.parse(stdout) as HelmReleaseStatus;
  }

  async list(namespace?: string): Promise<{ name: string; namespace: string; status: string }[]> {
    const { stdout } = await this.exec.run(
      [
        'helm',
        'list',
        ...(namespace ? ['--namespace', namespace] : ['--all-namespaces']),
        ...(this.major === 3 ? ['--all'] : []),
        '--output',
        'json',
        ...helmTargetArgs(this.target),
      ],
      { timeoutMs: 60_000 },
    );
    return JSON.parse(stdout || '[]') as { name: string; namespace: string; status: string }[];
  }
}
