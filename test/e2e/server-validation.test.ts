// Every built-in object the shipped examples render is validated by the real v1.36 API server
// (server-side dry run: schema, defaulting, admission), not only offline.
import path from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { buildPlan } from '../../src/plan/plan.js';
import { clusterEnv } from './cluster-env.ts';

const repo = path.resolve(import.meta.dirname, '../..');
/** Kinds whose CRDs come from charts that a bare API server does not have. */
const customGroups = /^(cert-manager\.io|gateway\.networking\.k8s\.io|monitoring\.coreos\.com|autoscaling\.k8s\.io|velero\.io|snapshot\.storage\.k8s\.io|cilium\.io)\//;

describe.each(['kind-dev.yaml', 'production.yaml'])('the API server accepts what %s renders', (example) => {
  const env = clusterEnv();
  const created: string[] = [];
  const kubectl = (args: string[], input?: string) =>
    execa(env.kubectl, ['--context', env.context, ...args], { env: { ...process.env, KUBECONFIG: env.kubeconfig }, reject: false, ...(input ? { input } : {}) });

  afterAll(async () => {
    for (const ns of created) await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  it('server-side dry run of every built-in object', async () => {
    const loaded = await loadConfigFile(path.join(repo, 'examples', example));
    const plan = buildPlan({ config: loaded.config, baseDir: loaded.baseDir, outDir: '/tmp/kubestrap-dry-run' });
    const objects: Record<string, any>[] = [];
    for (const step of plan.phases.flatMap((p) => p.steps)) {
      const manifests = new Set(step.rendered.actions.flatMap((a) => (a.type === 'apply' && !a.absolute ? [a.manifest] : [])));
      for (const a of step.rendered.artifacts.filter((x) => manifests.has(x.path))) {
        for (const doc of parseAllDocuments(a.content)) objects.push(doc.toJS());
      }
    }
    const builtIn = objects.filter((o) => !customGroups.test(o.apiVersion));
    expect(builtIn.length).toBeGreaterThan(15);
    // Namespaced objects need their namespace to exist; create the ones that do not yet (after any
    // earlier test's namespace of the same name has finished terminating). kubestrap-system is
    // created by the engine itself, not by a manifest.
    const namespaces = [...builtIn.filter((o) => o.kind === 'Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubestrap-system' } }];
    for (const ns of namespaces) {
      await kubectl(['wait', '--for=delete', `namespace/${ns.metadata.name}`, '--timeout', '120s']);
      const exists = await kubectl(['get', 'namespace', ns.metadata.name, '--ignore-not-found', '--output', 'name']);
      if (!exists.stdout) {
        const r = await kubectl(['create', '-f', '-'], stringify(ns));
        expect(r.stderr).toBe('');
        created.push(ns.metadata.name);
      }
    }
    const failures: string[] = [];
    for (const o of builtIn.filter((x) => x.kind !== 'Namespace')) {
      const r = await kubectl(['apply', '--server-side', '--dry-run=server', '--field-manager', 'kubestrap-test', '-f', '-'], stringify(o));
      if (r.exitCode !== 0) failures.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${r.stderr}`);
    }
    expect(failures).toEqual([]);
  });
});
