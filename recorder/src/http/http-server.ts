/**
 * The recorder's one HTTP port (DESIGN.md §3): probes for Kubernetes, Prometheus metrics, and a small JSON API.
 * The server knows nothing about SIP: it talks to the recorder through {@link RecorderControl}.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** A session as the API shows it. */
export interface SessionSummary {
  readonly recordingId: string;
  readonly callId: string;
  readonly state: string;
  readonly paused: boolean;
  readonly startedAt: string;
  readonly streams: number;
  readonly participants: readonly string[];
}

export interface HealthReport {
  readonly ready: boolean;
  readonly draining: boolean;
  /**
   * Serving, but without part of its redundancy (session store unreachable): readiness stays 200 so SRCs keep
   * being served, and the body says `degraded`.
   */
  readonly degraded?: boolean;
  /** Why the recorder is not ready or is degraded (e.g. "session store unreachable"). */
  readonly reasons: readonly string[];
}

/** Why a pause or resume was refused (a RecordingPolicy's pause rules): the status and message to answer with. */
export interface PauseRefusal {
  readonly status: number;
  readonly error: string;
}

/** What the HTTP layer may ask of the recorder. */
export interface RecorderControl {
  health(): HealthReport;
  listSessions(): readonly SessionSummary[];
  getSession(recordingId: string): SessionSummary | undefined;
  /** Returns false when no such session is active, a refusal when its policy does not allow it. */
  pause(recordingId: string): boolean | PauseRefusal;
  resume(recordingId: string): boolean | PauseRefusal;
  /** Starts draining: no new sessions, readiness 503 (DESIGN.md §5). */
  drain(): void;
}

const MAX_ROUTE_LENGTH = 512;

export class HttpServer {
  #server: Server | undefined;

  constructor(
    private readonly control: RecorderControl,
    private readonly registry: Registry,
    private readonly logger: Logger,
  ) {}

  /** Listens on host:port (0 picks a free port); resolves with the bound port. */
  async start(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.logger.error({ err }, 'http handler failed');
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? '/').slice(0, MAX_ROUTE_LENGTH);
    const path = url.split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    // Bodies are never needed by this API; drain whatever was sent so the connection can be reused.
    req.resume();

    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const health = this.control.health();
      const status = health.ready && !health.draining ? 'ready' : health.draining ? 'draining' : 'not ready';
      return send(res, status === 'ready' ? 200 : 503, {
        status,
        degraded: health.degraded ?? false,
        reasons: health.reasons,
      });
    }
    if (path === '/metrics') {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      res.end(body);
      return;
    }
    if (path === '/api/sessions' && method === 'GET')
      return send(res, 200, { sessions: this.control.listSessions() });
    if (path === '/api/drain' && method === 'POST') {
      this.control.drain();
      return send(res, 202, { status: 'draining' });
    }
    const match = /^\/api\/sessions\/([A-Za-z0-9._-]{1,128})(?:\/(pause|resume))?$/.exec(path);
    if (match) {
      const id = match[1] ?? '';
      const action = match[2];
      if (action === undefined && method === 'GET') {
        const session = this.control.getSession(id);
        return session ? send(res, 200, session) : send(res, 404, { error: `no active session ${id}` });
      }
      if (action !== undefined && method === 'POST') {
        const done = action === 'pause' ? this.control.pause(id) : this.control.resume(id);
        if (typeof done === 'object') return send(res, done.status, { error: done.error });
        return done
          ? send(res, 200, this.control.getSession(id))
          : send(res, 404, { error: `no active session ${id}` });
      }
      return send(res, 405, { error: `${method} not allowed here` });
    }
    return send(res, 404, { error: `no route ${path}` });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
