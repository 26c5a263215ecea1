/** kubectl, one typed function per use. Every call names the context; see kubectl-args.ts. */
import { parseAllDocuments } from 'yaml';
import type { Exec } from './exec.js';
import { apiConfigFromView, hasCondition, KubeApi, rolloutComplete, unanswered } from './kube-api.js';
import { annotateArgs, kubectlBase, rolloutStatusArgs, serverSideApplyArgs, serverSideApplyStdinArgs, waitArgs } from './kubectl-args.js';
import type { Target } from './target.js';

export interface KubeList<T> {
  items: T[];
}

export class Kubectl {
  constructor(
    private readonly exec: Exec,
    readonly target: Target,
  ) {}

  redact(text: string): string {
    return this.exec.redactor.redact(text);
  }

  private apiEnv: NodeJS.ProcessEnv | undefined;
  private apiClient: Promise<KubeApi | undefined> | undefined;
  /** `kubectl config view --minify --flatten` of the context, read once for the API client. */
  private view: string | undefined;

  /**
   * From now on get, list, /readyz, the first look of rollout status and condition waits, and
   * single-object applies from stdin go to the API in-process (kube-api.ts) when the context allows
   * it; kubectl does everything else and whatever that client leaves undone.
   */
  useApiClient(env: NodeJS.ProcessEnv): void {
    this.apiEnv = env;
  }

  /** The in-process API client, once useApiClient was called and the context allows it (see kube-api.ts). */
  api(): Promise<KubeApi | undefined> {
    const env = this.apiEnv;
    if (!env) return Promise.resolve(undefined);
    this.apiClient ??= this.exec
      .run([...this.base(), 'config', 'view', '--minify', '--flatten', '--output', 'json'], { timeoutMs: 20_000 })
      .then(
        ({ stdout }) => {
          this.view = stdout;
          const config = apiConfigFromView(stdout, env);
          if (!config) return undefined;
          if (config.token) this.exec.redactor.add(config.token);
          return new KubeApi(config);
        },
        () => undefined,
      );
    return this.apiClient;
  }

  private base(): string[] {
    return kubectlBase(this.target);
  }

  async clientVersion(): Promise<string> {
    const { stdout } = await this.exec.run(['kubectl', 'version', '--client', '--output', 'json'], { timeoutMs: 20_000 });
    return (JSON.parse(stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
  }

  async serverVersion(): Promise<string> {
    const api = await this.api();
    const r = api ? await api.request('/version', 'application/json', 15_000) : undefined;
    const version = r?.status === 200 ? (JSON.parse(r.body) as { gitVersion?: unknown }).gitVersion : undefined;
    if (typeof version === 'string') return version;
    const { stdout } = await this.exec.run([...this.base(), 'version', '--output', 'json', '--request-timeout', '15s'], {
      timeoutMs: 30_000,
    });
    const parsed = JSON.parse(stdout) as { serverVersion?: { gitVersion: string } };
    if (!parsed.serverVersion) throw new Error('the API server did not report its version');
    return parsed.serverVersion.gitVersion;
  }

  async readyz(): Promise<string> {
    const api = await this.api();
    const answer = api ? await api.readyz() : unanswered;
    if (answer !== unanswered) return answer;
    const { stdout } = await this.exec.run([...this.base(), 'get', '--raw', '/readyz', '--request-timeout', '15s'], { timeoutMs: 30_000 });
    return stdout.trim();
  }

  /** GET of an API path (`kubectl get --raw`), e.g. a file a kubelet serves through the node proxy. */
  async raw(apiPath: string, timeout = '60s'): Promise<string> {
    const { stdout } = await this.exec.run([...this.base(), 'get', '--raw', apiPath, '--request-timeout', timeout], {
      timeoutMs: durationMs(timeout) + 30_000,
    });
    return stdout;
  }

  /** The server URL and cluster name of the context, from the kubeconfig (no credentials). */
  async contextServer(): Promise<{ cluster: string; server: string }> {
    // The API client read the same minified view already (with credentials; only names are used here).
    await this.api();
    const stdout =
      this.view ?? (await this.exec.run([...this.base(), 'config', 'view', '--minify', '--output', 'json'], { timeoutMs: 20_000 })).stdout;
    const cfg = JSON.parse(stdout) as { clusters?: { name: string; cluster: { server: string } }[] };
    const c = cfg.clusters?.[0];
    if (!c) throw new Error(`context ${this.target.context} names no cluster`);
    return { cluster: c.name, server: c.cluster.server };
  }

  async contexts(): Promise<string[]> {
    const kubeconfig = this.target.kubeconfig ? ['--kubeconfig', this.target.kubeconfig] : [];
    const { stdout } = await this.exec.run(['kubectl', ...kubeconfig, 'config', 'get-contexts', '--output', 'name'], { timeoutMs: 20_000 });
    return stdout
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** `kubectl get -o json`; undefined when the object does not exist. */
  async get<T>(resource: string, name?: string, namespace?: string): Promise<T | undefined> {
    const api = await this.api();
    const answer = api ? await api.get<T>(resource, name, namespace) : unanswered;
    if (answer !== unanswered) return answer;
    const { stdout, exitCode, stderr } = await this.exec.run(
      [
        ...this.base(),
        'get',
        resource,
        ...(name ? [name] : []),
        ...(namespace ? ['--namespace', namespace] : []),
        '--output',
        'json',
        '--request-timeout',
        '30s',
      ],
      { okExitCodes: [1], timeoutMs: 60_000 },
    );
    if (exitCode !== 0) {
      if (/NotFound|not found/i.test(stderr)) return undefined;
      throw new Error(stderr || `kubectl get ${resource} failed`);
    }
    return JSON.parse(stdout) as T;
  }

  async list<T>(
    resource: string,
    options: { namespace?: string; allNamespaces?: boolean; selector?: string; fieldSelector?: string } = {},
  ): Promise<T[]> {
    const api = await this.api();
    const answer = api ? await api.list<T>(resource, options) : unanswered;
    if (answer !== unanswered) return answer;
    const { stdout } = await this.exec.run(
      [
        ...this.base(),
        'get',
        resource,
        ...(options.allNamespaces ? ['--all-namespaces'] : options.namespace ? ['--namespace', options.namespace] : []),
        ...(options.selector ? ['--selector', options.selector] : []),
        ...(options.fieldSelector ? ['--field-selector', options.fieldSelector] : []),
        '--output',
        'json',
        '--request-timeout',
        '30s',
      ],
      { timeoutMs: 60_000 },
    );
    return (JSON.parse(stdout) as KubeList<T>).items;
  }

  async applyFile(file: string): Promise<string> {
    return (await this.exec.run(serverSideApplyArgs(this.target, file), { timeoutMs: 5 * 60_000 })).stdout;
  }

  /** Server-side apply of objects passed on stdin, so their content never reaches argv. */
  async applyStdin(yaml: string): Promise<string> {
    // One object (run state, generated Secret, probe objects): applied in-process when possible.
    const api = await this.api();
    if (api) {
      const docs = parseAllDocuments(yaml);
      const only = docs.length === 1 ? docs[0] : undefined;
      const object = only && only.errors.length === 0 ? (only.toJS() as Parameters<KubeApi['apply']>[0] | null) : undefined;
      if (object && typeof object === 'object' && (await api.apply(object, yaml))) return '';
    }
    return (await this.exec.run(serverSideApplyStdinArgs(this.target), { input: yaml, timeoutMs: 2 * 60_000 })).stdout;
  }

  async annotate(resource: string, name: string, annotations: Record<string, string>): Promise<void> {
    await this.exec.run(annotateArgs(this.target, resource, name, annotations), { timeoutMs: 60_000 });
  }

  async deleteFile(file: string, timeout: string): Promise<void> {
    await this.exec.run([...this.base(), 'delete', '--filename', file, '--ignore-not-found', '--wait', '--timeout', timeout], {
      timeoutMs: 15 * 60_000,
    });
  }

  async delete(resource: string, name: string, namespace: string | undefined, timeout = '2m'): Promise<void> {
    // An object that is gone at once (or was never there) needs no kubectl process to wait for it.
    const api = await this.api();
    if (api && (await api.deleteIfQuick(resource, name, namespace))) return;
    await this.exec.run(
      [
        ...this.base(),
        'delete',
        resource,
        name,
        ...(namespace ? ['--namespace', namespace] : []),
        '--ignore-not-found',
        '--wait',
        '--timeout',
        timeout,
      ],
      {
        timeoutMs: 10 * 60_000,
      },
    );
  }

  async deleteNoWait(resource: string, name: string, namespace?: string): Promise<void> {
    await this.exec.run(
      [...this.base(), 'delete', resource, name, ...(namespace ? ['--namespace', namespace] : []), '--ignore-not-found', '--wait=false'],
      { timeoutMs: 60_000 },
    );
  }

  async waitDeleted(resources: string[], timeout: string): Promise<void> {
    await this.exec.run([...this.base(), 'wait', '--for=delete', ...resources, '--timeout', timeout], {
      timeoutMs: durationMs(timeout) + 30_000,
    });
  }

  async rolloutStatus(namespace: string, resource: string, timeout: string): Promise<void> {
    // A rollout already complete needs no kubectl; anything else is kubectl's to wait for.
    const [kind, name] = resource.split('/');
    const plural = kind ? workloadResources[kind] : undefined;
    const api = plural && name ? await this.api() : undefined;
    if (api && kind && plural && name) {
      const obj = await api.get<Parameters<typeof rolloutComplete>[1]>(plural, name, namespace);
      if (obj !== unanswered && obj !== undefined && rolloutComplete(kind, obj)) return;
    }
    await this.exec.run(rolloutStatusArgs(this.target, namespace, resource, timeout), { timeoutMs: durationMs(timeout) + 30_000 });
  }

  async waitFor(resource: string, condition: string, timeout: string, namespace?: string): Promise<void> {
    // A condition already met needs no kubectl wait.
    const type = /^condition=([^=]+)$/.exec(condition)?.[1];
    const [kind, name, ...more] = resource.split('/');
    const api = type && kind && name && more.length === 0 ? await this.api() : undefined;
    if (api && type && kind && name) {
      const obj = await api.get<Parameters<typeof hasCondition>[0]>(kind, name, namespace);
      if (obj !== unanswered && hasCondition(obj, type)) return;
    }
    await this.exec.run(waitArgs(this.target, resource, condition, timeout, namespace), { timeoutMs: durationMs(timeout) + 30_000 });
  }

  /** Creates an object with a server-side dry run; returns the server's error text, if any. */
  async dryRunCreate(yaml: string): Promise<{ ok: boolean; message: string }> {
    const { exitCode, stderr, stdout } = await this.exec.run(
      [...this.base(), 'create', '--dry-run=server', '--filename', '-', '--output', 'name'],
      {
        input: yaml,
        okExitCodes: [1],
        timeoutMs: 60_000,
      },
    );
    return { ok: exitCode === 0, message: exitCode === 0 ? stdout : stderr };
  }

  /**
   * The data keys of a Secret, or undefined when it does not exist. A Go template prints only the
   * keys, so no value ever leaves kubectl.
   */
  async secretKeys(name: string, namespace: string): Promise<string[] | undefined> {
    const { stdout, exitCode, stderr } = await this.exec.run(
      [
        ...this.base(),
        'get',
        'secret',
        name,
        '--namespace',
        namespace,
        '--output',
        'go-template={{range $k, $v := .data}}{{$k}}{{"\\n"}}{{end}}',
        '--request-timeout',
        '30s',
      ],
      { okExitCodes: [1], timeoutMs: 60_000 },
    );
    if (exitCode !== 0) {
      if (/NotFound|not found/i.test(stderr)) return undefined;
      throw new Error(stderr || `kubectl get secret ${name} failed`);
    }
    return stdout
      .split('\n')
      .map((k) => k.trim())
      .filter(Boolean);
  }

  async execIn(namespace: string, pod: string, command: string[]): Promise<string> {
    const { stdout } = await this.exec.run([...this.base(), 'exec', '--namespace', namespace, pod, '--', ...command], {
      timeoutMs: 60_000,
    });
    return stdout;
  }

  async logsTail(namespace: string, pod: string, container: string, lines: number): Promise<string> {
    const { stdout, exitCode, stderr } = await this.exec.run(
      [
        ...this.base(),
        'logs',
        '--namespace',
        namespace,
        pod,
        '--container',
        container,
        '--tail',
        String(lines),
        '--request-timeout',
        '15s',
      ],
      { okExitCodes: [1], timeoutMs: 30_000 },
    );
    return exitCode === 0 ? stdout : `(no logs: ${stderr.split('\n')[0] ?? ''})`;
  }
}

const workloadResources: Record<string, string> = {
  deployment: 'deployments.apps',
  statefulset: 'statefulsets.apps',
  daemonset: 'daemonsets.apps',
};

export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  if (!m) return 10 * 60_000;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
}
