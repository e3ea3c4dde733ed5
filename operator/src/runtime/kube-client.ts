/**
 * A small JSON REST client for the Kubernetes API, authenticated by @kubernetes/client-node's
 * KubeConfig.
 *
 * Why not the generated APIs of client-node 1.4.0 (checked against its source in node_modules):
 * - their `patch*` methods pick `application/json-patch+json` themselves; here every write names its
 *   content type: server-side apply (`application/apply-patch+yaml` with a fieldManager) for children,
 *   merge patch for `/status`;
 * - they deserialise into model classes (timestamps become Date) while its Watch hands out raw JSON,
 *   so an informer cache built from both mixes two shapes; here everything stays the JSON the API
 *   server sent;
 * - counting every request by kind and verb (the operator's metrics) needs one choke point.
 * Errors carry the HTTP status and the metav1.Status reason (client-node's ApiException keeps the
 * raw body string in `.body`). Watches are done here too, see informer.ts for why.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../api/meta.js';
import type { ResourceType } from '../api/resources.js';

/** Error of a request the API server refused, or could not be reached for (status 0). */
export class KubeApiError extends Error {
  readonly code = 'K8S_API_ERROR';
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** metav1.Status reason (NotFound, Conflict, Invalid, Forbidden, Expired, …). */
    readonly reason: string,
  ) {
    super(message);
  }
}

/** Observer of every request, for metrics. */
export interface RequestObserver {
  (kind: string, verb: string, status: number): void;
}

/** A running watch. */
export interface WatchStream {
  /** Resolves when the server ends the stream, rejects on error (a KubeApiError 410 when expired). */
  readonly done: Promise<void>;
  abort(): void;
}

/** Options of a list or watch. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
}

const MAX_BODY = 512 * 1024 * 1024;
const MAX_WATCH_LINE = 64 * 1024 * 1024;
const AUTH_REFRESH_MS = 60_000;

type Agent = http.Agent | https.Agent;

/** The Kubernetes REST client. */
export class KubeClient {
  readonly #kubeConfig: KubeConfig;
  readonly #server: URL;
  readonly #agent: Agent;
  readonly #watchAgent: Agent;
  readonly #observe: RequestObserver;
  readonly #timeoutMs: number;
  #headers: Record<string, string> = {};
  #headersAt = 0;

  private constructor(
    kubeConfig: KubeConfig,
    agent: Agent,
    watchAgent: Agent,
    observe: RequestObserver,
    timeoutMs: number,
  ) {
    this.#kubeConfig = kubeConfig;
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new KubeApiError('the kubeconfig has no current cluster', 0, 'BadConfig');
    this.#server = new URL(server);
    this.#agent = agent;
    this.#watchAgent = watchAgent;
    this.#observe = observe;
    this.#timeoutMs = timeoutMs;
  }

  /** Creates a client for the kubeconfig's current context. */
  static async create(
    kubeConfig: KubeConfig,
    options: { observe?: RequestObserver; timeoutMs?: number; maxSockets?: number } = {},
  ): Promise<KubeClient> {
    const tls: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(tls);
    const server = kubeConfig.getCurrentCluster()?.server ?? '';
    const make = (maxSockets: number): Agent =>
      server.startsWith('https:')
        ? new https.Agent({
            keepAlive: true,
            maxSockets,
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            servername: tls.servername,
            ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
          })
        : new http.Agent({ keepAlive: true, maxSockets });
    const client = new KubeClient(
      kubeConfig,
      make(options.maxSockets ?? 32),
      make(Infinity),
      options.observe ?? (() => undefined),
      options.timeoutMs ?? 30_000,
    );
    await client.#authHeaders();
    return client;
  }

  /** The API server URL. */
  get server(): string {
    return this.#server.toString();
  }

  /** Closes idle connections. */
  close(): void {
    this.#agent.destroy();
    this.#watchAgent.destroy();
  }

  /** Collection path of a resource (namespace '' → all namespaces). */
  static path(resource: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    const tail = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}` : '';
    return `${base}${ns}/${resource.plural}${tail}`;
  }

  /** Lists a resource in pages of 500, returning the items and the list's resourceVersion. */
  async list<T extends KubeObject>(
    resource: ResourceType,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let cont = '';
    let resourceVersion: string;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (options.labelSelector) query.set('labelSelector', options.labelSelector);
      if (cont) query.set('continue', cont);
      const page = await this.#request<{
        items?: T[];
        metadata?: { continue?: string; resourceVersion?: string };
      }>(resource.kind, 'list', 'GET', `${KubeClient.path(resource, options.namespace)}?${query.toString()}`);
      for (const item of page.items ?? []) {
        // Items of a list carry no apiVersion/kind; put them back so cached objects are complete.
        items.push({
          ...item,
          apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
          kind: resource.kind,
        });
      }
      cont = page.metadata?.continue ?? '';
      resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (cont);
    return { items, resourceVersion };
  }

  /** Reads one object; undefined when it does not exist. */
  async get<T extends KubeObject>(
    resource: ResourceType,
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.#request<T>(resource.kind, 'get', 'GET', KubeClient.path(resource, namespace, name));
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Server-side apply (creates or patches; the fieldManager owns the fields it sends). */
  async apply<T extends KubeObject>(
    resource: ResourceType,
    object: KubeObject,
    fieldManager: string,
  ): Promise<T> {
    const meta = object.metadata ?? {};
    const query = new URLSearchParams({ fieldManager, force: 'true' });
    return this.#request<T>(
      resource.kind,
      'apply',
      'PATCH',
      `${KubeClient.path(resource, meta.namespace, meta.name)}?${query.toString()}`,
      object,
      'application/apply-patch+yaml',
    );
  }

  /** Merge-patches the /status subresource with `{ status }`. */
  async patchStatus<T extends KubeObject>(
    resource: ResourceType,
    namespace: string,
    name: string,
    status: unknown,
  ): Promise<T> {
    return this.#request<T>(
      resource.kind,
      'patch_status',
      'PATCH',
      KubeClient.path(resource, namespace, name, 'status'),
      { status },
      'application/merge-patch+json',
    );
  }

  /** Creates an object. */
  async create<T extends KubeObject>(
    resource: ResourceType,
    namespace: string,
    object: KubeObject,
  ): Promise<T> {
    return this.#request<T>(resource.kind, 'create', 'POST', KubeClient.path(resource, namespace), object);
  }

  /** Replaces an object (optimistic concurrency through metadata.resourceVersion). */
  async replace<T extends KubeObject>(
    resource: ResourceType,
    namespace: string,
    name: string,
    object: KubeObject,
  ): Promise<T> {
    return this.#request<T>(
      resource.kind,
      'update',
      'PUT',
      KubeClient.path(resource, namespace, name),
      object,
    );
  }

  /** Deletes an object (404 is not an error). */
  async delete(resource: ResourceType, namespace: string, name: string): Promise<void> {
    try {
      await this.#request(resource.kind, 'delete', 'DELETE', KubeClient.path(resource, namespace, name));
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }

  /**
   * Watches a resource from a resourceVersion. The server ends the stream after timeoutSeconds, and
   * sends BOOKMARK events so that a quiet resource still shows the connection is alive.
   */
  watch(
    resource: ResourceType,
    options: ListOptions & { resourceVersion: string; timeoutSeconds: number },
    onEvent: (type: string, object: KubeObject) => void,
  ): WatchStream {
    const query = new URLSearchParams({
      watch: '1',
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(options.timeoutSeconds),
    });
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    const controller = new AbortController();
    const done = (async () => {
      const headers = await this.#authHeaders();
      await new Promise<void>((resolve, reject) => {
        const url = new URL(
          `${KubeClient.path(resource, options.namespace)}?${query.toString()}`,
          this.#server,
        );
        const req = this.#transport().request(
          url,
          { method: 'GET', agent: this.#watchAgent, headers, signal: controller.signal },
          (res) => {
            this.#observe(resource.kind, 'watch', res.statusCode ?? 0);
            if (res.statusCode !== 200) {
              this.#readBody(res).then(
                (body) => reject(statusError(res.statusCode ?? 0, body)),
                (err: unknown) => reject(networkError(err)),
              );
              return;
            }
            let buffer = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffer += chunk;
              if (buffer.length > MAX_WATCH_LINE) {
                res.destroy(new KubeApiError('watch event larger than 64 MiB', 0, 'TooLarge'));
                return;
              }
              let nl: number;
              while ((nl = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, nl).trim();
                buffer = buffer.slice(nl + 1);
                if (!line) continue;
                let event: {
                  type?: string;
                  object?: KubeObject & { code?: number; reason?: string; message?: string };
                };
                try {
                  event = JSON.parse(line) as typeof event;
                } catch {
                  res.destroy(new KubeApiError('watch sent a line that is not JSON', 0, 'BadWatchEvent'));
                  return;
                }
                if (event.type === 'ERROR') {
                  const s = event.object ?? {};
                  res.destroy(
                    new KubeApiError(s.message ?? 'watch error', s.code ?? 500, s.reason ?? 'WatchError'),
                  );
                  return;
                }
                if (event.type && event.object) onEvent(event.type, event.object);
              }
            });
            res.on('end', () => resolve());
            res.on('error', (err) => reject(err instanceof KubeApiError ? err : networkError(err)));
            res.on('close', () => resolve());
          },
        );
        req.on('error', (err) =>
          reject(
            controller.signal.aborted ? new KubeApiError('watch aborted', 0, 'Aborted') : networkError(err),
          ),
        );
        req.end();
      });
    })();
    return { done, abort: () => controller.abort() };
  }

  #transport(): typeof http | typeof https {
    return this.#server.protocol === 'https:' ? https : http;
  }

  /** Authorization headers, refreshed periodically (token files rotate). */
  async #authHeaders(): Promise<Record<string, string>> {
    if (Date.now() - this.#headersAt > AUTH_REFRESH_MS) {
      const opts: https.RequestOptions = {};
      await this.#kubeConfig.applyToHTTPSOptions(opts);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
      if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      this.#headers = headers;
      this.#headersAt = Date.now();
    }
    return this.#headers;
  }

  #readBody(res: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) res.destroy(new KubeApiError('response larger than 512 MiB', 0, 'TooLarge'));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
  }

  async #request<T>(
    kind: string,
    verb: string,
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const headers: Record<string, string> = { ...(await this.#authHeaders()), Accept: 'application/json' };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const url = new URL(path, this.#server);
    let status = 0;
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const req = this.#transport().request(
          url,
          { method, agent: this.#agent, headers, timeout: this.#timeoutMs },
          (res) => {
            status = res.statusCode ?? 0;
            this.#readBody(res).then(resolve, reject);
          },
        );
        req.on('timeout', () =>
          req.destroy(new KubeApiError(`${method} ${url.pathname} timed out`, 0, 'Timeout')),
        );
        req.on('error', reject);
        req.end(payload);
      });
      if (status < 200 || status > 299) throw statusError(status, text);
      return (text ? JSON.parse(text) : {}) as T;
    } catch (err) {
      throw err instanceof KubeApiError ? err : networkError(err);
    } finally {
      this.#observe(kind, verb, status);
    }
  }
}

function statusError(status: number, body: string): KubeApiError {
  let message = body.slice(0, 1000);
  let reason = 'Unknown';
  try {
    const s = JSON.parse(body) as { message?: string; reason?: string };
    message = s.message ?? message;
    reason = s.reason ?? reason;
  } catch {
    // not a metav1.Status: keep the raw text
  }
  return new KubeApiError(`${status} ${reason}: ${message}`, status, reason);
}

function networkError(err: unknown): KubeApiError {
  return new KubeApiError(
    `API server unreachable: ${(err as Error)?.message ?? String(err)}`,
    0,
    'Unreachable',
  );
}
