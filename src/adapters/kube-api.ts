/**
 * Talks to the API server in-process, over one kept-alive connection pool, for what a run does by
 * the hundred: reads (get, list, /readyz), server-side applies of single objects (run state, probe
 * objects), the run lease's create/replace and deletes that need no waiting. A kubectl process per
 * call cost ~50 ms of CPU and a TLS handshake each. Only when the context authenticates in a way
 * this client does exactly as kubectl would (client certificate or bearer token, no proxy); every
 * other case, and every answer other than 200/201 (and 404 for a read or delete, 409 for a create
 * or replace), is left to kubectl (the caller falls back), so errors and their wording stay
 * kubectl's. Credentials stay in memory; a token is registered for redaction.
 */
import type { Agent as HttpAgentType } from 'node:http';
import { createRequire } from 'node:module';

// Required, not imported: the ESM view of node:http reads every export, and one of them (WebSocket)
// loads Node's bundled undici, which doubled what loading http and https cost (~25 ms of CPU per run).
const require = createRequire(import.meta.url);
const { Agent: HttpAgent, request: httpRequest } = require('node:http') as typeof import('node:http');
const { Agent: HttpsAgent, request: httpsRequest } = require('node:https') as typeof import('node:https');

export interface KubeApiConfig {
  server: URL;
  namespace: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure?: boolean;
  serverName?: string;
}

interface KubeconfigView {
  clusters?: { cluster?: Record<string, unknown> }[] | null;
  users?: { user?: Record<string, unknown> }[] | null;
  contexts?: { context?: { namespace?: string } }[] | null;
}

const proxyVariables = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const userKeysSupported = new Set(['client-certificate-data', 'client-key-data', 'token']);
const clusterKeysSupported = new Set(['server', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name']);

/**
 * The client settings of `kubectl config view --minify --flatten --output json`, or undefined
 * when the context needs something only kubectl does (exec plugins, auth providers, basic auth,
 * impersonation, token files, proxies).
 */
export function apiConfigFromView(json: string, env: NodeJS.ProcessEnv): KubeApiConfig | undefined {
  if (proxyVariables.some((v) => env[v])) return undefined;
  let view: KubeconfigView;
  try {
    view = JSON.parse(json) as KubeconfigView;
  } catch {
    return undefined;
  }
  const cluster = view.clusters?.[0]?.cluster;
  const user = view.users?.[0]?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string') return undefined;
  if (Object.keys(cluster).some((k) => !clusterKeysSupported.has(k)) || Object.keys(user).some((k) => !userKeysSupported.has(k)))
    return undefined;
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    return undefined;
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') return undefined;
  const data = (value: unknown) => (typeof value === 'string' ? Buffer.from(value, 'base64') : undefined);
  const config: KubeApiConfig = { server, namespace: view.contexts?.[0]?.context?.namespace || 'default' };
  const ca = data(cluster['certificate-authority-data']);
  const cert = data(user['client-certificate-data']);
  const key = data(user['client-key-data']);
  if (ca) config.ca = ca;
  if (cert) config.cert = cert;
  if (key) config.key = key;
  if (typeof user.token === 'string') config.token = user.token;
  if (cluster['insecure-skip-tls-verify'] === true) config.insecure = true;
  if (typeof cluster['tls-server-name'] === 'string') config.serverName = cluster['tls-server-name'];
  return config;
}

/** Returned when this client does not answer and kubectl has to. */
export const unanswered = Symbol('unanswered');
export type Answer<T> = T | typeof unanswered;

interface ApiResource {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  shortNames: string[];
  namespaced: boolean;
}

interface DiscoveryResource {
  resource: string;
  singularResource?: string;
  shortNames?: string[];
  scope?: string;
  responseKind?: { kind?: string };
}
interface DiscoveryList {
  kind?: string;
  items?: { metadata?: { name?: string }; versions?: { version: string; resources?: DiscoveryResource[] }[] }[];
}

const aggregatedDiscovery = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

type Listed = { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

export class KubeApi {
  private readonly agent: HttpAgentType;
  /** Watches hold their connection open: their own pool, so they never starve reads. */
  private readonly watchAgent: HttpAgentType;
  private resources: ApiResource[] | undefined;
  private discoveredAt = 0;
  /** The server has no aggregated discovery (older than 1.30): kubectl resolves every resource. */
  private noDiscovery = false;
  /** Set after a transport error: from then on kubectl answers everything. */
  private broken = false;

  constructor(private readonly config: KubeApiConfig) {
    this.agent =
      config.server.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            maxSockets: 8,
            ...(config.ca ? { ca: config.ca } : {}),
            ...(config.cert ? { cert: config.cert } : {}),
            ...(config.key ? { key: config.key } : {}),
            ...(config.serverName ? { servername: config.serverName } : {}),
            rejectUnauthorized: !config.insecure,
          })
        : new HttpAgent({ keepAlive: true, maxSockets: 8 });
    this.watchAgent =
      config.server.protocol === 'https:'
        ? new HttpsAgent({
            ...(config.ca ? { ca: config.ca } : {}),
            ...(config.cert ? { cert: config.cert } : {}),
            ...(config.key ? { key: config.key } : {}),
            ...(config.serverName ? { servername: config.serverName } : {}),
            rejectUnauthorized: !config.insecure,
          })
        : new HttpAgent();
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  /**
   * Waits until `done` holds for the objects of a list (a namespace, a field selector such as
   * metadata.name=x): lists once, then watches from that resourceVersion, re-listing when the server
   * ends the watch. Answers as soon as an event makes `done` true, instead of polling. `met: false`
   * with the last objects seen when the time runs out; unanswered when this client cannot watch
   * (the caller then polls as before).
   */
  async waitForList<T extends Listed>(
    resource: string,
    options: { namespace?: string; fieldSelector?: string },
    done: (items: T[]) => boolean,
    timeoutMs: number,
  ): Promise<Answer<{ met: boolean; items: T[] }>> {
    const target = await this.resolve(resource);
    if (!target) return unanswered;
    const deadline = Date.now() + timeoutMs;
    const base = this.path(target, options.namespace);
    const selector: Record<string, string> = options.fieldSelector ? { fieldSelector: options.fieldSelector } : {};
    for (;;) {
      const r = await this.request(`${base}?${new URLSearchParams(selector)}`);
      if (r?.status !== 200) return unanswered;
      const list = JSON.parse(r.body) as { metadata?: { resourceVersion?: string } };
      const items = new Map<string, T>();
      for (const item of this.listItems(r.body).items as T[])
        items.set(`${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`, item);
      if (done([...items.values()])) return { met: true, items: [...items.values()] };
      const left = deadline - Date.now();
      if (left <= 0) return { met: false, items: [...items.values()] };
      const query = new URLSearchParams({
        ...selector,
        watch: '1',
        allowWatchBookmarks: 'true',
        resourceVersion: list.metadata?.resourceVersion ?? '',
        timeoutSeconds: String(Math.ceil(left / 1000)),
      });
      const outcome = await this.watch(`${base}?${query}`, left, (type, object) => {
        const key = `${(object as T).metadata?.namespace ?? ''}/${(object as T).metadata?.name ?? ''}`;
        if (type === 'DELETED') items.delete(key);
        else if (type === 'ADDED' || type === 'MODIFIED')
          items.set(key, { apiVersion: (object as { apiVersion?: string }).apiVersion, ...(object as T) });
        else return false;
        return done([...items.values()]);
      });
      if (outcome === 'met') return { met: true, items: [...items.values()] };
      if (outcome === 'timeout') return { met: false, items: [...items.values()] };
      if (outcome === 'failed') return unanswered;
      // 'ended' (the server's timeout, or 410 Gone): list again.
    }
  }

  private watch(
    apiPath: string,
    timeoutMs: number,
    onEvent: (type: string, object: unknown) => boolean,
  ): Promise<'met' | 'timeout' | 'ended' | 'failed'> {
    if (this.broken) return Promise.resolve('failed');
    const base = this.config.server.pathname.replace(/\/$/, '');
    const url = new URL(`${base}${apiPath}`, this.config.server);
    const call = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'kubestrap',
      ...(this.config.token ? { Authorization: `Bearer ${this.config.token}` } : {}),
    };
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: 'met' | 'timeout' | 'ended' | 'failed') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      const req = call(url, { agent: this.watchAgent, headers }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          finish('failed');
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            let event: { type?: string; object?: unknown };
            try {
              event = JSON.parse(line) as { type?: string; object?: unknown };
            } catch {
              finish('failed');
              return;
            }
            if (event.type === 'ERROR') {
              finish('ended');
              return;
            }
            if (onEvent(event.type ?? '', event.object)) {
              finish('met');
              return;
            }
          }
        });
        res.on('end', () => finish('ended'));
        res.on('error', () => finish('failed'));
      });
      req.on('error', () => finish('failed'));
      req.end();
    });
  }

  /** GET of a path; undefined after a transport error (the client is then off for the run). */
  async request(
    apiPath: string,
    accept = 'application/json',
    timeoutMs = 30_000,
    send?: { method: 'PATCH' | 'POST' | 'PUT' | 'DELETE'; contentType: string; body: string },
  ): Promise<{ status: number; body: string } | undefined> {
    if (this.broken) return undefined;
    const base = this.config.server.pathname.replace(/\/$/, '');
    const url = new URL(`${base}${apiPath}`, this.config.server);
    const call = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = {
      Accept: accept,
      'User-Agent': 'kubestrap',
      ...(this.config.token ? { Authorization: `Bearer ${this.config.token}` } : {}),
    };
    if (send) {
      headers['Content-Type'] = send.contentType;
      // Node frames a DELETE body only with an explicit length (it sends no chunked encoding for it).
      headers['Content-Length'] = String(Buffer.byteLength(send.body));
    }
    try {
      return await new Promise((resolve, reject) => {
        const req = call(url, { method: send?.method ?? 'GET', agent: this.agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${apiPath} timed out`)));
        req.on('error', reject);
        req.end(send?.body);
      });
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  async readyz(): Promise<Answer<string>> {
    const r = await this.request('/readyz', 'text/plain', 15_000);
    return r?.status === 200 ? r.body.trim() : unanswered;
  }

  /** The object, undefined when it does not exist (404), or unanswered. */
  async get<T>(resource: string, name: string | undefined, namespace: string | undefined): Promise<Answer<T | undefined>> {
    // `kubectl get <type>` without a name prints a List of kubectl's own shape: kubectl's to answer.
    const target = name ? await this.resolve(resource) : undefined;
    if (!target || !name) return unanswered;
    const r = await this.request(this.path(target, namespace, name));
    if (r?.status === 404) return undefined;
    if (r?.status !== 200) return unanswered;
    return JSON.parse(r.body) as T;
  }

  async list<T>(
    resource: string,
    options: { namespace?: string; allNamespaces?: boolean; selector?: string; fieldSelector?: string },
  ): Promise<Answer<T[]>> {
    const target = await this.resolve(resource);
    if (!target) return unanswered;
    const query = new URLSearchParams();
    if (options.selector) query.set('labelSelector', options.selector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    const path = this.path(
      target,
      options.allNamespaces ? undefined : (options.namespace ?? this.config.namespace),
      undefined,
      options.allNamespaces,
    );
    const r = await this.request(`${path}${query.size ? `?${query}` : ''}`);
    if (r?.status !== 200) return unanswered;
    return this.listItems(r.body).items as T[];
  }

  /**
   * Server-side apply of one object (field manager kubestrap, conflicts forced, as kubestrap's
   * kubectl apply): true when the server took it; anything else is kubectl's to do (and report).
   */
  async apply(
    object: { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } },
    yamlText: string,
  ): Promise<boolean> {
    const { apiVersion, kind, metadata } = object;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof metadata?.name !== 'string') return false;
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    let target = this.byKind(kind, group);
    if (target === undefined && Date.now() - this.discoveredAt >= 1000 && !this.noDiscovery) {
      await this.discover();
      target = this.byKind(kind, group);
    }
    if (!target) return false;
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
    const path = `${this.path({ ...target, version }, namespace)}/${encodeURIComponent(metadata.name)}?fieldManager=kubestrap&force=true&fieldValidation=Strict`;
    const r = await this.request(path, 'application/json', 60_000, {
      method: 'PATCH',
      contentType: 'application/apply-patch+yaml',
      body: yamlText,
    });
    return r?.status === 200 || r?.status === 201;
  }

  /**
   * A server-side dry-run create of one object (`kubectl create --dry-run=server`): ok when the
   * server would admit it, else the server's reason (admission, Pod Security, validation); anything
   * but a clear answer is kubectl's.
   */
  async dryRunCreate(object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  }): Promise<Answer<{ ok: boolean; message: string }>> {
    const resolved = await this.resourceOf(object);
    if (!resolved) return unanswered;
    const { target, version } = resolved;
    const path = `${this.path({ ...target, version }, object.metadata.namespace)}?dryRun=All&fieldValidation=Strict`;
    const r = await this.request(path, 'application/json', 60_000, {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify(object),
    });
    if (r?.status === 200 || r?.status === 201)
      return { ok: true, message: `${target.singular || object.kind.toLowerCase()}/${object.metadata.name}` };
    if (r && [400, 403, 409, 422].includes(r.status)) {
      try {
        const status = JSON.parse(r.body) as { kind?: string; message?: string };
        if (status.kind === 'Status' && typeof status.message === 'string') return { ok: false, message: status.message };
      } catch {
        // not a Status: kubectl's to report
      }
    }
    return unanswered;
  }

  /**
   * `kubectl create` (POST) or `kubectl replace` (PUT, with the resourceVersion in the object) of one
   * object given as JSON: the stored object, or a conflict (409: it exists already, or changed
   * since it was read) with the server's reason as kubectl prints it; unanswered otherwise.
   */
  async write<T>(
    verb: 'create' | 'replace',
    object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
  ): Promise<Answer<{ ok: true; object: T } | { ok: false; error: string }>> {
    const resolved = await this.resourceOf(object);
    if (!resolved) return unanswered;
    const { target, version } = resolved;
    const path = this.path({ ...target, version }, object.metadata.namespace, verb === 'replace' ? object.metadata.name : undefined);
    const r = await this.request(`${path}?fieldValidation=Strict`, 'application/json', 60_000, {
      method: verb === 'create' ? 'POST' : 'PUT',
      contentType: 'application/json',
      body: JSON.stringify(object),
    });
    if (r?.status === 200 || r?.status === 201) return { ok: true, object: JSON.parse(r.body) as T };
    if (r?.status === 409) {
      try {
        const status = JSON.parse(r.body) as { kind?: string; reason?: string; message?: string };
        if (status.kind === 'Status' && status.message)
          return { ok: false, error: `Error from server (${status.reason ?? 'Conflict'}): ${status.message}` };
      } catch {
        // not a Status: kubectl's to report
      }
    }
    return unanswered;
  }

  /**
   * `kubectl delete --ignore-not-found --wait` of one object when it needs no waiting: true once
   * the object is gone (it did not exist, or a read right after the delete finds it gone); false
   * when it is still there (finalizers, graceful termination: kubectl deletes again and waits) or
   * the client cannot tell. Secrets are kubectl's: the answer to a delete holds the deleted object.
   */
  async deleteIfQuick(resource: string, name: string, namespace: string | undefined): Promise<boolean> {
    const target = await this.resolve(resource);
    if (!target || (target.group === '' && target.plural === 'secrets')) return false;
    const path = this.path(target, namespace, name);
    const r = await this.request(path, 'application/json', 60_000, {
      method: 'DELETE',
      contentType: 'application/json',
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }),
    });
    if (r?.status === 404) return true;
    if (r?.status !== 200 && r?.status !== 202) return false;
    const after = await this.request(path, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    return after?.status === 404;
  }

  /** The resource an object's apiVersion and kind name, discovered again (at most once a second) when unknown. */
  private async resourceOf(object: { apiVersion: string; kind: string }): Promise<{ target: ApiResource; version: string } | undefined> {
    const [group, version] = object.apiVersion.includes('/') ? (object.apiVersion.split('/') as [string, string]) : ['', object.apiVersion];
    let target = this.byKind(object.kind, group);
    if (target === undefined && Date.now() - this.discoveredAt >= 1000 && !this.noDiscovery) {
      await this.discover();
      target = this.byKind(object.kind, group);
    }
    return target ? { target, version } : undefined;
  }

  private byKind(kind: string, group: string): ApiResource | undefined {
    const hits = (this.resources ?? []).filter((r) => r.kind === kind && r.group === group);
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** Only the metadata of the matching objects (never e.g. a Secret's data), or unanswered. */
  async listMetadata(
    resource: string,
    namespace: string,
    selector: string,
  ): Promise<Answer<{ name?: string; labels?: Record<string, string>; creationTimestamp?: string }[]>> {
    const target = await this.resolve(resource);
    if (!target) return unanswered;
    const r = await this.request(
      `${this.path(target, namespace)}?${new URLSearchParams({ labelSelector: selector })}`,
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
    );
    if (r?.status !== 200) return unanswered;
    const list = JSON.parse(r.body) as {
      kind?: string;
      items?: { metadata?: { name?: string; labels?: Record<string, string>; creationTimestamp?: string } }[];
    };
    if (list.kind !== 'PartialObjectMetadataList') return unanswered;
    return (list.items ?? []).map(({ metadata: m = {} }) => ({
      ...(m.name ? { name: m.name } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
    }));
  }

  /** kubectl sets apiVersion and kind on each item of a list; the API leaves them out. */
  private listItems(body: string): { items: unknown[] } {
    const list = JSON.parse(body) as { apiVersion?: string; kind?: string; items?: Record<string, unknown>[] };
    const kind = list.kind?.replace(/List$/, '');
    return { items: (list.items ?? []).map((item) => ({ apiVersion: list.apiVersion, kind, ...item })) };
  }

  private path(r: ApiResource, namespace: string | undefined, name?: string, allNamespaces = false): string {
    const prefix = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    const ns = r.namespaced && !allNamespaces ? `/namespaces/${encodeURIComponent(namespace ?? this.config.namespace)}` : '';
    return `${prefix}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /**
   * `name` or `name.group` (plural, singular, short name or kind) to one API resource, as kubectl
   * resolves it; undefined when unknown or ambiguous (kubectl then decides). Discovery is read once
   * per run, and again when a resource is not found (a step may have just installed its CRDs).
   */
  async resolve(resource: string): Promise<ApiResource | undefined> {
    const found = this.match(resource);
    if (found !== undefined || this.noDiscovery || Date.now() - this.discoveredAt < 1000) return found ?? undefined;
    await this.discover();
    return this.match(resource) ?? undefined;
  }

  private match(resource: string): ApiResource | null | undefined {
    if (!this.resources) return undefined;
    const [name, ...rest] = resource.toLowerCase().split('.');
    const group = rest.join('.');
    const hits = this.resources.filter(
      (r) =>
        (r.plural === name || r.singular === name || r.shortNames.includes(name ?? '') || r.kind.toLowerCase() === name) &&
        (rest.length === 0 || r.group === group),
    );
    if (hits.length === 1) return hits[0];
    // Without a group kubectl prefers the core group (e.g. `events`); anything else ambiguous is kubectl's call.
    const core = hits.filter((r) => r.group === '');
    if (rest.length === 0 && core.length === 1) return core[0];
    return hits.length > 1 ? null : undefined;
  }

  private async discover(): Promise<void> {
    this.discoveredAt = Date.now();
    const [core, groups] = await Promise.all([
      this.request('/api', `${aggregatedDiscovery},application/json`),
      this.request('/apis', `${aggregatedDiscovery},application/json`),
    ]);
    const resources: ApiResource[] = [];
    for (const r of [core, groups]) {
      if (r?.status !== 200) return;
      const list = JSON.parse(r.body) as DiscoveryList;
      // An older server without aggregated discovery: kubectl answers (it has its own cache).
      if (list.kind !== 'APIGroupDiscoveryList') {
        this.noDiscovery = true;
        return;
      }
      for (const item of list.items ?? []) {
        const group = item.metadata?.name ?? '';
        const seen = new Set<string>();
        // Versions come in preference order; a resource is taken from the first version serving it.
        for (const v of item.versions ?? []) {
          for (const res of v.resources ?? []) {
            if (seen.has(res.resource)) continue;
            seen.add(res.resource);
            resources.push({
              group,
              version: v.version,
              plural: res.resource,
              singular: res.singularResource ?? '',
              kind: res.responseKind?.kind ?? '',
              shortNames: res.shortNames ?? [],
              namespaced: res.scope === 'Namespaced',
            });
          }
        }
      }
    }
    this.resources = resources;
  }
}

type Workload = { metadata?: { generation?: number }; spec?: Record<string, unknown>; status?: Record<string, unknown> };

/**
 * True when `kubectl rollout status` would report the rollout complete right now (its rules for
 * Deployments, StatefulSets with RollingUpdate and DaemonSets with RollingUpdate); false means
 * "not known to be complete" and kubectl waits for it.
 */
export function rolloutComplete(kind: string, obj: Workload): boolean {
  const generation = obj.metadata?.generation ?? 0;
  const status = obj.status ?? {};
  const spec = obj.spec ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  if (generation > num(status.observedGeneration)) return false;
  switch (kind) {
    case 'deployment': {
      const conditions = (status.conditions as { type?: string; reason?: string }[] | undefined) ?? [];
      if (conditions.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')) return false;
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const updated = num(status.updatedReplicas);
      return updated >= replicas && num(status.replicas) <= updated && num(status.availableReplicas) >= updated;
    }
    case 'statefulset': {
      const strategy = spec.updateStrategy as { type?: string; rollingUpdate?: { partition?: number } } | undefined;
      if (strategy?.type !== undefined && strategy.type !== 'RollingUpdate') return false;
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      if (num(status.readyReplicas) < replicas) return false;
      const partition = strategy?.rollingUpdate?.partition;
      if (typeof partition === 'number') return num(status.updatedReplicas) >= replicas - partition;
      return typeof status.updateRevision === 'string' && status.updateRevision === status.currentRevision;
    }
    case 'daemonset': {
      const strategy = spec.updateStrategy as { type?: string } | undefined;
      if (strategy?.type !== undefined && strategy.type !== 'RollingUpdate') return false;
      const desired = num(status.desiredNumberScheduled);
      return num(status.updatedNumberScheduled) >= desired && num(status.numberAvailable) >= desired;
    }
    default:
      return false;
  }
}

/** True when the object has condition `type` (case-insensitive, as `kubectl wait`) with status True. */
export function hasCondition(
  obj:
    | { metadata?: { generation?: number }; status?: { conditions?: { type?: string; status?: string; observedGeneration?: number }[] } }
    | undefined,
  type: string,
): boolean {
  const generation = obj?.metadata?.generation;
  return (obj?.status?.conditions ?? []).some(
    (c) =>
      c.type?.toLowerCase() === type.toLowerCase() &&
      c.status === 'True' &&
      !(typeof c.observedGeneration === 'number' && typeof generation === 'number' && c.observedGeneration < generation),
  );
}
