/**
 * What `init` reads from the cluster of the chosen context to recommend a profile and a default
 * StorageClass: nodes and StorageClasses, read-only, through kubectl. Any failure (no kubectl, no
 * access, a cluster that does not answer) leaves the wizard with its usual recommendations.
 */
import { detectProfile } from '../config/profile.js';
import type { ClusterFacts } from './questions.js';

interface Meta {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { providerID?: string };
}

export async function readClusterFacts(
  env: NodeJS.ProcessEnv,
  kubeconfig: string | undefined,
  context: string,
): Promise<ClusterFacts | undefined> {
  try {
    const [{ createExec }, { Redactor }, { Kubectl }] = await Promise.all([
      import('../adapters/exec.js'),
      import('../adapters/redact.js'),
      import('../adapters/kubectl.js'),
    ]);
    const kubectl = new Kubectl(createExec(new Redactor(), env), { context, ...(kubeconfig ? { kubeconfig } : {}) });
    const [nodes, classes] = await Promise.all([kubectl.list<Meta>('nodes'), kubectl.list<Meta>('storageclasses')]);
    const d = detectProfile(
      nodes.map((n) => ({ name: n.metadata?.name ?? '', providerID: n.spec?.providerID, labels: n.metadata?.labels ?? {} })),
    );
    // A providerID alone also fits a self-managed cluster on that cloud; a visible control plane is kubeadm-like.
    const profile = d.profile && (d.byLabel || !d.selfManaged) ? d.profile : d.selfManaged ? 'kubeadm' : undefined;
    const defaults = classes
      .filter((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
      .map((c) => c.metadata?.name ?? '');
    return { ...(profile ? { profile } : {}), evidence: d.evidence, ...(defaults.length === 1 ? { defaultClass: defaults[0] } : {}) };
  } catch {
    return undefined;
  }
}
