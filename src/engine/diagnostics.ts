/**
 * What to show when a wait times out: pods that are not ready and why, recent Warning events,
 * and the last log lines of containers that are failing. All output goes through redaction.
 */
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IEvent } from 'kubernetes-models/v1/Event';
import type { Kubectl } from '../adapters/kubectl.js';

export async function diagnose(kubectl: Kubectl, namespace: string): Promise<string[]> {
  const lines: string[] = [];
  try {
    const pods = await kubectl.list<IPod>('pods', { namespace });
    const unhealthy = pods.filter((p) => {
      const statuses = p.status?.containerStatuses ?? [];
      return p.status?.phase !== 'Succeeded' && (p.status?.phase === 'Pending' || statuses.length === 0 || statuses.some((c) => !c.ready));
    });
    for (const pod of unhealthy.slice(0, 8)) {
      const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      const waiting = (pod.status?.containerStatuses ?? []).filter((c) => !c.ready);
      const reasons = [
        unscheduled ? `unschedulable: ${unscheduled.message ?? unscheduled.reason ?? ''}` : '',
        ...waiting.map(
          (c) =>
            `${c.name}: ${c.state?.waiting?.reason ?? c.state?.terminated?.reason ?? 'not ready'}${c.restartCount ? ` (${c.restartCount} restarts)` : ''}`,
        ),
      ].filter(Boolean);
      lines.push(
        `pod ${namespace}/${pod.metadata?.name ?? ''} ${pod.status?.phase ?? 'Unknown'}${pod.spec?.nodeName ? ` on ${pod.spec.nodeName}` : ''}: ${reasons.join('; ') || 'containers not ready'}`,
      );
      for (const c of waiting.filter((c) => c.restartCount > 0 || c.state?.terminated).slice(0, 2)) {
        const log = await kubectl.logsTail(namespace, pod.metadata?.name ?? '', c.name, 15);
        lines.push(
          ...log
            .split('\n')
            .filter(Boolean)
            .map((l) => `    ${c.name}| ${l}`),
        );
      }
    }
    const events = (await kubectl.list<IEvent>('events', { namespace, fieldSelector: 'type=Warning' }))
      .sort((a, b) => String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)))
      .slice(-10);
    for (const e of events)
      lines.push(
        `event ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.reason ?? ''} ${e.message ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}`,
      );
    if (lines.length === 0) lines.push(`no failing pods or Warning events in namespace ${namespace}`);
  } catch (error) {
    lines.push(`could not collect diagnostics in ${namespace}: ${(error as Error).message.split('\n')[0]}`);
  }
  return lines.map((l) => kubectl.redact(l));
}
