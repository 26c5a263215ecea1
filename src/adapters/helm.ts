/** helm, one typed function per use, for helm 3 and helm 4 (flags differ; see helm-args.ts). */
import { KubestrapError } from '../errors.js';
import type { HelmRelease } from '../roadmap/types.js';
import type { Exec } from './exec.js';
import type { HelmHistoryEntry } from '../engine/helm-recovery.js';
import { helmTargetArgs, historyArgs, rollbackArgs, statusArgs, uninstallArgs, upgradeInstallArgs, type HelmMajor } from './helm-args.js';
import { durationMs } from './kubectl.js';
import type { Target } from './target.js';

export async function helmVersion(exec: Exec): Promise<{ version: string; major: HelmMajor }> {
  const { stdout } = await exec.run(['helm', 'version', '--template', '{{.Version}}'], { timeoutMs: 20_000 });
  const version = stdout.trim();
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major !== 3 && major !== 4) {
    throw new KubestrapError(`helm ${version} is not supported`, { suggestion: 'Install helm 4 (or helm 3.22); `kubestrap doctor` shows what is expected.' });
  }
  return { version, major };
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
    await this.exec.run(upgradeInstallArgs(this.target, release, valuesFile, timeout, this.major), { timeoutMs: durationMs(timeout) + 60_000 });
  }

  async uninstall(release: string, namespace: string, timeout: string): Promise<void> {
    await this.exec.run(uninstallArgs(this.target, release, namespace, timeout), { timeoutMs: durationMs(timeout) + 60_000 });
  }

  /** The release's revisions, oldest first; [] when the release does not exist. */
  async history(release: string, namespace: string): Promise<HelmHistoryEntry[]> {
    const { stdout, exitCode, stderr } = await this.exec.run(historyArgs(this.target, release, namespace), { okExitCodes: [1], timeoutMs: 60_000 });
    if (exitCode !== 0) {
      if (/not found/i.test(stderr)) return [];
      throw new KubestrapError(`helm history ${release} failed: ${stderr}`);
    }
    return (JSON.parse(stdout || '[]') as HelmHistoryEntry[]).sort((a, b) => a.revision - b.revision);
  }

  async rollback(release: string, namespace: string, revision: number, timeout: string): Promise<void> {
    await this.exec.run(rollbackArgs(this.target, release, namespace, revision, timeout, this.major), { timeoutMs: durationMs(timeout) + 60_000 });
  }

  /** undefined when the release does not exist. */
  async status(release: string, namespace: string): Promise<HelmReleaseStatus | undefined> {
    const { stdout, exitCode, stderr } = await this.exec.run(statusArgs(this.target, release, namespace), { okExitCodes: [1], timeoutMs: 60_000 });
    if (exitCode !== 0) {
      if (/not found/i.test(stderr)) return undefined;
      throw new KubestrapError(`helm status ${release} failed: ${stderr}`);
    }
    return JSON.parse(stdout) as HelmReleaseStatus;
  }

  async list(namespace?: string): Promise<{ name: string; namespace: string; status: string }[]> {
    const { stdout } = await this.exec.run(['helm', 'list', ...(namespace ? ['--namespace', namespace] : ['--all-namespaces']), ...(this.major === 3 ? ['--all'] : []), '--output', 'json', ...helmTargetArgs(this.target)], { timeoutMs: 60_000 });
    return JSON.parse(stdout || '[]') as { name: string; namespace: string; status: string }[];
  }
}
