// The objects the functional probes apply (src/engine/probe-objects.ts), as the API server would get
// them, and the probe scripts run for real under /bin/sh with wget and sleep faked on PATH (so the
// retry counts are seen without waiting). kind-real-options.test.ts runs the scripts against a real
// local HTTP server with the host's wget; test/e2e-real runs the pods on a kind cluster.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { lock } from '../../src/lock.js';
import {
  cpuLoadObjects,
  deniedScript,
  fetchScript,
  httpServerPod,
  podToPodObjects,
  probeBody,
  probePod,
  requiredAntiAffinity,
} from '../../src/engine/probe-objects.js';
import { tempDir } from './temp-dir.js';

const restrictedContainer = {
  runAsNonRoot: true,
  runAsUser: 65534,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('probe pods', () => {
  it('a probe pod: managed-by and probe labels, never restarted, no API token, 1 s grace, restricted, small', () => {
    const pod = probePod('ns', 'p', ['true']);
    new Pod(pod as never).validate();
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns', labels: { 'app.kubernetes.io/managed-by': 'kubestrap', 'kubestrap.dev/probe': 'p' } },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 1,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'probe',
            image: lock.images.probe,
            command: ['true'],
            securityContext: restrictedContainer,
            resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
          },
        ],
      },
    });
  });

  it('spec fields given are added, and the CPU limit can be raised', () => {
    const pod = probePod('ns', 'p', ['true'], { nodeName: 'n1', restartPolicy: 'OnFailure' }, '500m');
    expect(pod.spec).toMatchObject({ nodeName: 'n1', restartPolicy: 'OnFailure', automountServiceAccountToken: false });
    expect(pod.spec.containers[0].resources?.limits).toEqual({ cpu: '500m', memory: '32Mi' });
  });

  it('the HTTP server pod serves the probe file on 8080 from an emptyDir, is Ready once it listens, and keeps running', () => {
    const pod = httpServerPod('ns', 'srv');
    new Pod(pod as never).validate();
    expect(pod.spec.restartPolicy).toBe('Always');
    expect(pod.spec.volumes).toEqual([{ name: 'www', emptyDir: { sizeLimit: '1Mi' } }]);
    const [c] = pod.spec.containers;
    expect(c.command).toEqual(['sh', '-c', `echo ${probeBody} > /www/probe.txt && exec httpd -f -p 8080 -h /www`]);
    expect(c.volumeMounts).toEqual([{ name: 'www', mountPath: '/www' }]);
    expect(c.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 8080 }, periodSeconds: 2 });
    expect(c.securityContext).toEqual(restrictedContainer);
  });

  it('pod-to-pod: the Service selects the server (and not the client) on the port the client fetches; the client avoids the server node', () => {
    const { server, service, client } = podToPodObjects('ns');
    new Service(service as never).validate();
    new Pod(client as never).validate();
    const spec = (service as { spec: { selector: Record<string, string>; ports: { port: number; targetPort: number }[] } }).spec;
    expect(service).toMatchObject({
      metadata: { name: server.metadata.name, namespace: 'ns', labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    });
    const selects = (labels: Record<string, string>) => Object.entries(spec.selector).every(([k, v]) => labels[k] === v);
    expect(selects(server.metadata.labels)).toBe(true);
    expect(selects(client.metadata.labels)).toBe(false);
    expect(spec.ports).toEqual([{ port: 8080, targetPort: 8080 }]);
    expect(client.spec.containers[0].command.join(' ')).toContain(`wget -q -T 5 -O - http://${server.metadata.name}.ns.svc:8080/probe.txt`);
    expect(client.spec.containers[0].command.join(' ')).toContain('[ $i -lt 5 ]');
    expect(client.spec.containers[0].command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(client.spec.affinity).toEqual(requiredAntiAffinity(server.metadata.name));
    expect(client.spec.restartPolicy).toBe('Never');
  });

  it('cpu load: the Deployment selects its pods, which burn CPU up to 100m and restart; the HPA scales it 1..2 at 50 % CPU', () => {
    const [deployment, hpa] = cpuLoadObjects('ns') as [any, any];
    new Deployment(deployment).validate();
    new HorizontalPodAutoscaler(hpa).validate();
    expect(deployment.metadata).toEqual({
      name: 'kubestrap-probe-load',
      namespace: 'ns',
      labels: { 'app.kubernetes.io/managed-by': 'kubestrap' },
    });
    expect(hpa.metadata).toEqual(deployment.metadata);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'kubestrap.dev/probe': 'kubestrap-probe-load' } });
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
    const pod = deployment.spec.template.spec;
    expect(pod).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 1, automountServiceAccountToken: false });
    expect(pod.containers[0].resources.limits.cpu).toBe('100m');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kubestrap-probe-load' },
      minReplicas: 1,
      maxReplicas: 2,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
    expect((cpuLoadObjects('ns', 'other')[1] as any).spec.scaleTargetRef.name).toBe('other');
  });
});

/**
 * Runs a probe script under /bin/sh with `wget` and `sleep` faked on PATH: the n-th wget call answers
 * `answers[n]` (a body it prints and exits 0, or null: it fails), the last answer repeating.
 */
async function runScript(script: string, answers: (string | null)[]) {
  const bin = tempDir('kubestrap-probe-script-');
  const count = path.join(bin, 'count');
  writeFileSync(count, '0');
  writeFileSync(path.join(bin, 'answers'), answers.map((a) => (a === null ? '!FAIL' : a)).join('\n'));
  writeFileSync(
    path.join(bin, 'wget'),
    [
      '#!/bin/sh',
      `n=$(cat ${count}); n=$((n+1)); echo $n > ${count}`,
      `a=$(sed -n "\${n}p" ${bin}/answers); [ -z "$a" ] && a=$(tail -n 1 ${bin}/answers)`,
      '[ "$a" = "!FAIL" ] && exit 1',
      'case "$*" in *"-O /dev/null"*) ;; *) printf "%s" "$a" ;; esac',
    ].join('\n'),
  );
  writeFileSync(path.join(bin, 'sleep'), '#!/bin/sh\nexit 0\n');
  chmodSync(path.join(bin, 'wget'), 0o755);
  chmodSync(path.join(bin, 'sleep'), 0o755);
  const r = await execa('sh', ['-c', script], { reject: false, env: { PATH: `${bin}:${process.env.PATH}` }, timeout: 30_000 });
  return { exitCode: r.exitCode, stdout: r.stdout, wgets: Number(readFileSync(count, 'utf8').trim()) };
}

describe('probe scripts (sh for real, wget and sleep faked on PATH)', () => {
  const url = 'http://10.0.0.1:8080/probe.txt';

  it('fetch: succeeds on the first answer holding the body, after failures and wrong bodies, within its attempts', async () => {
    expect(await runScript(fetchScript(url), [probeBody])).toEqual({ exitCode: 0, stdout: 'reached', wgets: 1 });
    expect(await runScript(fetchScript(url, 4), [null, '404 Not Found', probeBody])).toMatchObject({ exitCode: 0, wgets: 3 });
    expect(await runScript(fetchScript(url, 4, 'smoke'), [probeBody, 'smoke'])).toMatchObject({ exitCode: 0, wgets: 2 });
  });

  it('fetch: fails after exactly its attempts when the body never comes', async () => {
    expect(await runScript(fetchScript(url, 3), [null])).toEqual({ exitCode: 1, stdout: 'could not read the probe file', wgets: 3 });
    expect(await runScript(fetchScript(url), ['wrong'])).toMatchObject({ exitCode: 1, wgets: 1 });
  });

  it('denied: succeeds after 3 failures in a row; a success in between starts the count again', async () => {
    expect(await runScript(deniedScript(url), [null])).toEqual({ exitCode: 0, stdout: 'denied', wgets: 3 });
    const r = await runScript(deniedScript(url), [null, null, 'x', null, null, null]);
    expect(r).toMatchObject({ exitCode: 0, wgets: 6 });
    expect(r.stdout).toBe(`reached ${url}\ndenied`);
    expect(await runScript(deniedScript(url, 2, 5), [null])).toMatchObject({ exitCode: 0, wgets: 2 });
  });

  it('denied: fails when the server stays reachable for all its attempts (30 by default)', async () => {
    const r = await runScript(deniedScript(url), ['x']);
    expect(r.exitCode).toBe(1);
    expect(r.wgets).toBe(30);
    expect(r.stdout.split('\n').at(-1)).toBe('still reachable after 30 tries: the NetworkPolicy is not enforced');
    expect(await runScript(deniedScript(url, 3, 4), ['x', null, null, 'x'])).toMatchObject({ exitCode: 1, wgets: 4 });
  });
});
