// The in-cluster verifier's manifests against a real API server (KWOK nodes): applied with strict
// server-side validation (the PrometheusRule against its real CRD from kube-prometheus-stack), its
// RBAC judged by the real authorizer (`kubectl auth can-i --as` its ServiceAccount), and a Job made
// from its CronJob admitted under Pod Security "restricted" with its pod created. The verifier
// program itself runs on the real kind tier (test/e2e-real/behaviour.test.ts): KWOK runs no containers.
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { describeCheck } from '../../src/plan/plan.js';
import { commonLabels } from '../../src/render/common.js';
import { driftChecks } from '../../src/steps/continuous-verification.js';
import { scorecard } from '../../src/steps/monitoring.js';
import { verifier, verifierAlerts, verifierManifests } from '../../src/steps/verifier.js';
import { apply, createNamespace, deleteNamespace, helm, kubectl } from './kube.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const charts = path.resolve(repo, process.env.KUBESTRAP_UPSTREAM_CHARTS ?? '../shared/upstream-charts');
const prometheusRuleCrd = 'prometheusrules.monitoring.coreos.com';

describe('in-cluster verifier manifests on the test cluster', () => {
  let ns = '';
  let createdCrd = false;
  let objects: Record<string, any>[] = [];

  beforeAll(async () => {
    ns = await createNamespace('e2e-verifier', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const { config } = await loadConfigFile(path.join(repo, 'examples/production.yaml'));
    config.spec.verification.inCluster.enabled = true;
    const labels = commonLabels(config, 'continuous-verification');
    // production.yaml has tenants, quotas and backups: every kind of read the verifier makes.
    const checks = driftChecks(config).map((check) => ({ check, description: describeCheck(check) }));
    objects = [
      ...verifierManifests(config, ns, labels, scorecard.driftLabel, checks),
      verifierAlerts(config, ns, ns, labels, scorecard.driftLabel),
    ];

    const has = await kubectl(['get', 'crd', prometheusRuleCrd, '--ignore-not-found', '-o', 'name']);
    if (String(has.stdout).trim() === '') {
      const tgz = (await import('node:fs')).readdirSync(charts).find((f) => f.startsWith('kube-prometheus-stack-'))!;
      const crds = String((await helm(['show', 'crds', path.join(charts, tgz)])).stdout);
      const crd = parseAllDocuments(crds)
        .map((d) => d.toJS())
        .find((d) => d?.metadata?.name === prometheusRuleCrd);
      await kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(crd) });
      await kubectl(['wait', `crd/${prometheusRuleCrd}`, '--for=condition=Established', '--timeout=60s']);
      createdCrd = true;
    }
  });

  afterAll(async () => {
    await kubectl(['delete', 'clusterrolebinding,clusterrole', verifier.name, '--ignore-not-found'], { reject: false });
    if (ns) await deleteNamespace(ns);
    if (createdCrd) await kubectl(['delete', 'crd', prometheusRuleCrd, '--ignore-not-found', '--wait=false'], { reject: false });
  });

  it('every object passes strict server-side validation and is created', async () => {
    // The pod names kubestrap-platform-critical; the class is created by the cluster step, not here.
    for (const o of objects) if (o.kind === 'CronJob') delete o.spec.jobTemplate.spec.template.spec.priorityClassName;
    const r = await apply(objects, undefined, { args: ['--validate=strict'], reject: false });
    expect(String(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
    const kinds = String(
      (await kubectl(['-n', ns, 'get', 'cronjob,serviceaccount,role,rolebinding,configmap,prometheusrule', '-o', 'name'])).stdout,
    );
    for (const want of [
      `cronjob.batch/${verifier.cronJob}`,
      `role.rbac.authorization.k8s.io/${verifier.name}`,
      `configmap/${verifier.checks}`,
      `configmap/${verifier.results}`,
      'prometheusrule.monitoring.coreos.com/kubestrap-verification',
    ]) {
      expect(kinds).toContain(want);
    }
  });

  it('the real authorizer grants the ServiceAccount exactly the reads its checks need and one write', async () => {
    const sa = `system:serviceaccount:${ns}:${verifier.name}`;
    const can = async (...args: string[]) =>
      String((await kubectl(['auth', 'can-i', ...args, '--as', sa], { reject: false })).stdout).trim();
    expect(await can('get', 'resourcequotas/tenant-quota', '-n', 'payments')).toBe('yes');
    expect(await can('get', 'resourcequotas/other', '-n', 'payments')).toBe('no');
    expect(await can('get', 'networkpolicies.networking.k8s.io/default-deny', '-n', 'payments')).toBe('yes');
    expect(await can('list', 'storageclasses')).toBe('yes');
    expect(await can('patch', `configmaps/${verifier.results}`, '-n', ns)).toBe('yes');
    expect(await can('get', `configmaps/${verifier.checks}`, '-n', ns)).toBe('yes');
    expect(await can('patch', `configmaps/${verifier.checks}`, '-n', ns)).toBe('no');
    expect(await can('create', 'configmaps', '-n', ns)).toBe('no');
    expect(await can('list', 'secrets', '--all-namespaces')).toBe('no');
    expect(await can('get', 'secrets/anything', '-n', 'velero')).toBe('no');
    expect(await can('create', 'pods', '-n', 'payments')).toBe('no');
    expect(await can('delete', 'networkpolicies.networking.k8s.io/default-deny', '-n', 'payments')).toBe('no');
    expect(await can('list', 'namespaces')).toBe('no');
  });

  it('a Job made from the CronJob is admitted and its pod created under Pod Security "restricted"', async () => {
    await kubectl(['-n', ns, 'create', 'job', 'verifier-now', `--from=cronjob/${verifier.cronJob}`]);
    const deadline = Date.now() + 90_000;
    let pods = '';
    while (Date.now() < deadline) {
      pods = String((await kubectl(['-n', ns, 'get', 'pods', '-l', 'job-name=verifier-now', '-o', 'name'])).stdout).trim();
      if (pods) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const events = String(
      (
        await kubectl(
          ['-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=verifier-now', '-o', 'jsonpath={.items[*].message}'],
          { reject: false },
        )
      ).stdout,
    );
    expect(pods, events).toMatch(/^pod\/verifier-now-/);
  });
});
