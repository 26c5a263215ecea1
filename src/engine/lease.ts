/**
 * One run per cluster: a coordination.k8s.io Lease in kubestrap-system. A second run is refused
 * while the lease is fresh; a lease left by a killed run is taken over once it has expired. The
 * holder renews it while working. Updates carry resourceVersion, so two runs cannot both win.
 */
import type { ILease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Exec } from '../adapters/exec.js';
import { unanswered } from '../adapters/kube-api.js';
import { kubectlBase } from '../adapters/kubectl-args.js';
import type { Kubectl } from '../adapters/kubectl.js';
import { KubestrapError } from '../errors.js';
import { managedByLabel } from '../names.js';
import { toYaml } from '../render/template.js';
import { stateNamespace } from './state.js';

export const leaseName = 'kubestrap-run';
/** Where on which machine the holder runs: `<boot id>/<pid namespace>/<pid>/<start time>` (Linux). */
export const holderProcessAnnotation = 'kubestrap.dev/holder-process';

/**
 * This process, identified so that another kubestrap on the same machine (same kernel boot, same
 * PID namespace) can tell for sure whether it still runs; undefined where /proc is not there.
 */
export function processIdentity(pid: number = process.pid): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidns = readlinkSync('/proc/self/ns/pid');
    const start = startTimeOf(pid);
    return start ? `${boot}/${pidns}/${pid}/${start}` : undefined;
  } catch {
    return undefined;
  }
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (start time); the command name (field 2) may hold spaces, so count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/**
 * True only when the recorded holder ran on this machine, in this PID namespace, and that process
 * is gone (no process with its PID, or one started at another time). Anything else, e.g. a holder on
 * another machine, cannot be checked and counts as alive.
 */
export function holderIsGone(
  recorded: string | undefined,
  self: string | undefined = processIdentity(),
  startOf: (pid: number) => string | undefined = startTimeOf,
): boolean {
  if (!recorded || !self) return false;
  const [boot, pidns, pid, start] = recorded.split('/');
  const [myBoot, myPidns] = self.split('/');
  if (!boot || !pidns || !pid || !start || boot !== myBoot || pidns !== myPidns || !/^\d+$/.test(pid)) return false;
  return startOf(Number(pid)) !== start;
}

export class LeaseHeldError extends KubestrapError {}

export class RunLease {
  readonly holder = `${hostname()}/pid-${process.pid}/${randomBytes(3).toString('hex')}`;
  private readonly holderProcess = processIdentity();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kubectl: Kubectl,
    private readonly exec: Exec,
    private readonly durationSeconds: number,
    private readonly log: (message: string) => void,
  ) {}

  private manifest(acquireTime: string, resourceVersion?: string): ILease & { metadata: { name: string; namespace: string } } {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: leaseName,
        namespace: stateNamespace,
        ...(resourceVersion ? { resourceVersion } : {}),
        labels: { ...managedByLabel },
        ...(this.holderProcess ? { annotations: { [holderProcessAnnotation]: this.holderProcess } } : {}),
      },
      spec: { holderIdentity: this.holder, leaseDurationSeconds: this.durationSeconds, acquireTime, renewTime: microTime(new Date()) },
    };
  }

  private async write(verb: 'create' | 'replace', lease: ReturnType<RunLease['manifest']>): Promise<{ ok: boolean; stderr: string }> {
    // In-process when the API client can (no kubectl process per renewal); kubectl otherwise.
    const api = await this.kubectl.api();
    const answer = api ? await api.write<ILease>(verb, lease) : unanswered;
    if (answer !== unanswered) return answer.ok ? { ok: true, stderr: '' } : { ok: false, stderr: answer.error };
    const { exitCode, stderr } = await this.exec.run([...kubectlBase(this.kubectl.target), verb, '--filename', '-', '--output', 'json'], {
      input: toYaml(lease),
      okExitCodes: [1],
      timeoutMs: 60_000,
    });
    return { ok: exitCode === 0, stderr };
  }

  async acquire(): Promise<void> {
    const now = microTime(new Date());
    const existing = await this.kubectl.get<ILease>('lease', leaseName, stateNamespace);
    if (!existing) {
      const created = await this.write('create', this.manifest(now));
      if (!created.ok) {
        if (/AlreadyExists/i.test(created.stderr)) return this.acquire();
        throw new KubestrapError(`could not create the run lease: ${created.stderr}`);
      }
    } else {
      const { holderIdentity, renewTime, leaseDurationSeconds } = existing.spec ?? {};
      const expiresAt = renewTime ? new Date(renewTime).getTime() + (leaseDurationSeconds ?? this.durationSeconds) * 1000 : 0;
      const gone = holderIsGone(existing.metadata?.annotations?.[holderProcessAnnotation]);
      if (holderIdentity && expiresAt > Date.now() && !gone) {
        throw new LeaseHeldError(
          `another kubestrap run holds this cluster: ${holderIdentity} (lease renewed ${renewTime}, expires ${new Date(expiresAt).toISOString()})`,
          {
            suggestion:
              'Wait for that run to finish. If it was killed, its lease expires by itself at the time shown; run again after that and kubestrap takes it over (at once when the killed run was on this machine).',
          },
        );
      }
      const replaced = await this.write('replace', this.manifest(now, existing.metadata?.resourceVersion));
      if (!replaced.ok) {
        throw new LeaseHeldError('another kubestrap run took the lease at the same moment', {
          suggestion: 'Run again when the other run has finished.',
        });
      }
      if (holderIdentity && gone && expiresAt > Date.now()) {
        this.log(
          `took over the run lease left by ${holderIdentity}: that run's process on this machine has exited (it was killed or crashed)`,
        );
      } else if (holderIdentity) {
        this.log(
          `took over the run lease left by ${holderIdentity}, which expired at ${new Date(expiresAt).toISOString()} (that run was probably killed)`,
        );
      }
    }
    this.timer = setInterval(() => void this.renew(), Math.max(1000, (this.durationSeconds * 1000) / 3));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const existing = await this.kubectl.get<ILease>('lease', leaseName, stateNamespace);
      if (!existing || existing.spec?.holderIdentity !== this.holder) {
        this.log(`the run lease is no longer held by this run (now: ${existing?.spec?.holderIdentity ?? 'nobody'}); another run may start`);
        return;
      }
      const renewed = await this.write(
        'replace',
        this.manifest(existing.spec?.acquireTime ?? microTime(new Date()), existing.metadata?.resourceVersion),
      );
      if (!renewed.ok) this.log(`could not renew the run lease: ${renewed.stderr.split('\n')[0] ?? ''}`);
    } catch (error) {
      this.log(`could not renew the run lease: ${(error as Error).message.split('\n')[0] ?? ''}`);
    }
  }

  /** Gives the lease up. A failure is reported, not thrown: the lease then expires by itself. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      const existing = await this.kubectl.get<ILease>('lease', leaseName, stateNamespace);
      if (existing?.spec?.holderIdentity === this.holder) await this.kubectl.delete('lease', leaseName, stateNamespace);
    } catch (error) {
      this.log(
        `could not release the run lease (it expires by itself after ${this.durationSeconds}s): ${(error as Error).message.split('\n')[0] ?? ''}`,
      );
    }
  }
}

/** Lease times are MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
