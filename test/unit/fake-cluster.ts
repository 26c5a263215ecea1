// For unit tests only: a Kubernetes API and helm faked in memory behind fakeExec, so the engine
// (runner, remove, lease, state) runs end to end with every kubectl/helm child process faked.
// It understands the argv the adapters build (get/list/apply/create/replace/delete, helm
// history/status/upgrade/uninstall) and records every change in `changes`, in order.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { Helm } from '../../src/adapters/helm.js';
import { Kind } from '../../src/adapters/kind.js';
import { Kubectl } from '../../src/adapters/kubectl.js';
import type { Target } from '../../src/adapters/target.js';
import type { Session } from '../../src/engine/session.js';
import { fakeExec, type FakeResult } from './fake-exec.js';

type Obj = {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
};

/** `configmaps`, `ConfigMap`, `NetworkPolicy.networking.k8s.io`, `networkpolicies` → `networkpolicy`. */
export function kindKey(resource: string): string {
  const r = resource.split('.')[0]!.toLowerCase();
  if (r.endsWith('ies')) return `${r.slice(0, -3)}y`;
  if (r.endsWith('sses')) return r.slice(0, -2);
  if (r.endsWith('s') && !r.endsWith('ss')) return r.slice(0, -1);
  return r;
}

const key = (kind: string, namespace: string | undefined, name: string) => `${kindKey(kind)}|${namespace ?? ''}|${name}`;
const notFound = (what: string): FakeResult => ({ exitCode: 1, stderr: `Error from server (NotFound): ${what} not found` });

export class FakeCluster {
  readonly objects = new Map<string, Obj>();
  readonly releases = new Map<string, { release: string; namespace: string; revision: number }>();
  /** Every change, in order: `apply ConfigMap kubestrap-system/kubestrap-state`, `delete ...`, `helm upgrade ns/rel`. */
  readonly changes: string[] = [];
  /** A command whose argv matches fails with the stderr returned (checked before it is answered). */
  failWhen: ((argv: readonly string[]) => string | undefined) | undefined;
  private rv = 1;
  readonly exec = fakeExec([], (argv, input) => this.answer(argv, input));
  readonly target: Target = { context: 'fake' };

  constructor() {
    this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', uid: 'kube-system-uid-1' } });
    this.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', annotations: { 'kwok.x-k8s.io/node': 'fake' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }

  /** The session openSession would give, on this fake. */
  session(): Session {
    return {
      exec: this.exec,
      kubectl: new Kubectl(this.exec, this.target),
      helm: new Helm(this.exec, this.target, 4),
      kind: new Kind(this.exec),
      tools: { kubectl: 'v1.36.0', helm: 'v4.1.0' },
    };
  }

  get(kind: string, namespace: string | undefined, name: string): Obj | undefined {
    return this.objects.get(key(kind, namespace, name));
  }

  put(o: Obj): Obj {
    const stored = { ...o, metadata: { ...o.metadata, uid: o.metadata.uid ?? `uid-${this.rv}`, resourceVersion: String(this.rv++) } };
    this.objects.set(key(o.kind, o.metadata.namespace, o.metadata.name), stored);
    return stored;
  }

  /** The run state as the engine stored it in its ConfigMap. */
  state(): any {
    const cm = this.get('configmap', 'kubestrap-system', 'kubestrap-state') as any;
    return cm ? JSON.parse(cm.data['state.json']) : undefined;
  }

  private answer(argv: readonly string[], input: string | undefined): FakeResult | undefined {
    const failure = this.failWhen?.(argv);
    if (failure !== undefined) return { exitCode: 1, stderr: failure };
    return argv[0] === 'helm' ? this.helm(argv) : argv[0] === 'kubectl' ? this.kubectl(argv, input) : undefined;
  }

  private kubectl(argv: readonly string[], input: string | undefined): FakeResult | undefined {
    if (argv[1] === 'version') return JSON.stringify({ clientVersion: { gitVersion: 'v1.36.0' } });
    const at = argv.indexOf('--context');
    const args = at >= 0 ? argv.slice(at + 2) : argv.slice(1);
    const flag = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const verb = args[0];
    switch (verb) {
      case 'version':
        return JSON.stringify({ serverVersion: { gitVersion: 'v1.36.0' } });
      case 'config':
        return JSON.stringify({ clusters: [{ name: 'fake', cluster: { server: 'https://127.0.0.1:6443' } }] });
      case 'get': {
        if (args[1] === '--raw') return 'ok';
        const resource = args[1]!;
        const name = args[2] && !args[2].startsWith('--') ? args[2] : undefined;
        const namespace = flag('--namespace');
        if (name) {
          const o = this.get(resource, namespace, name);
          return o ? JSON.stringify(o) : notFound(`${resource} "${name}"`);
        }
        const items = [...this.objects.values()].filter(
          (o) =>
            kindKey(o.kind) === kindKey(resource) &&
            (args.includes('--all-namespaces') || !namespace || o.metadata.namespace === namespace),
        );
        return JSON.stringify({ items });
      }
      case 'apply': {
        const file = flag('-f') ?? flag('--filename');
        const text = file === '-' ? (input ?? '') : readFileSync(file!, 'utf8');
        for (const doc of parseAllDocuments(text)) {
          const o = doc.toJS() as Obj | null;
          if (!o?.kind) continue;
          this.put(o);
          this.changes.push(`apply ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
        }
        return '';
      }
      case 'create':
      case 'replace': {
        const o = parseAllDocuments(input ?? '')[0]!.toJS() as Obj;
        const existing = this.get(o.kind, o.metadata.namespace, o.metadata.name);
        if (verb === 'create' && existing)
          return { exitCode: 1, stderr: `Error from server (AlreadyExists): ${o.kind} "${o.metadata.name}" already exists` };
        if (
          verb === 'replace' &&
          (!existing || (o.metadata.resourceVersion && o.metadata.resourceVersion !== existing.metadata.resourceVersion))
        ) {
          return { exitCode: 1, stderr: 'Error from server (Conflict): the object has been modified' };
        }
        this.changes.push(`${verb} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
        return JSON.stringify(this.put(o));
      }
      case 'delete': {
        const resource = args[1]!;
        const name = args[2]!;
        const namespace = flag('--namespace');
        if (this.objects.delete(key(resource, namespace, name)))
          this.changes.push(`delete ${kindKey(resource)} ${namespace ? `${namespace}/` : ''}${name}`);
        return '';
      }
      case 'wait':
      case 'rollout':
        return '';
      default:
        return undefined;
    }
  }

  private helm(argv: readonly string[]): FakeResult | undefined {
    const verb = argv[1];
    const namespace = argv[argv.indexOf('--namespace') + 1]!;
    switch (verb) {
      case 'version':
        return 'v4.1.0';
      case 'history': {
        const r = this.releases.get(`${namespace}/${argv[2]}`);
        return r
          ? JSON.stringify([{ revision: r.revision, status: 'deployed', updated: new Date().toISOString() }])
          : { exitCode: 1, stderr: 'Error: release: not found' };
      }
      case 'status': {
        const r = this.releases.get(`${namespace}/${argv[2]}`);
        return r
          ? JSON.stringify({ name: r.release, namespace, version: r.revision, info: { status: 'deployed' } })
          : { exitCode: 1, stderr: 'Error: release: not found' };
      }
      case 'upgrade': {
        const release = argv[3]!;
        const r = this.releases.get(`${namespace}/${release}`);
        this.releases.set(`${namespace}/${release}`, { release, namespace, revision: (r?.revision ?? 0) + 1 });
        this.changes.push(`helm upgrade ${namespace}/${release}`);
        return '';
      }
      case 'uninstall': {
        this.releases.delete(`${namespace}/${argv[2]}`);
        this.changes.push(`helm uninstall ${namespace}/${argv[2]}`);
        return '';
      }
      case 'list':
        return JSON.stringify(
          [...this.releases.values()].map((r) => ({
            name: r.release,
            namespace: r.namespace,
            revision: String(r.revision),
            status: 'deployed',
          })),
        );
      default:
        return undefined;
    }
  }
}
