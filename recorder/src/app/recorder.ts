/**
 * The composition root of one recorder: builds every layer from the configuration and wires them together.
 * Nothing else in the recorder reads configuration or creates long-lived resources; tests start several
 * recorders in one process through this class.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { RecorderConfig } from '../config/config.js';
import { HttpServer } from '../http/http-server.js';
import { MediaEngine, type MediaReport } from '../media/engine/media-engine.js';
import { MediaEngineError } from '../media/engine/media-engine-error.js';
import { RecorderMetrics } from '../observability/metrics.js';
import { SidecarWriter } from '../recording/sidecar.js';
import { repairRecordingDir } from '../recording/startup-repair.js';
import { SessionRegistry } from '../siprec/session/session-registry.js';
import { SiprecUserAgent } from '../siprec/session/siprec-user-agent.js';
import { SipCore } from '../sip/core/sip-core.js';
import type { SipMessage } from '../sip/message/types.js';
import { parseVia } from '../sip/message/via.js';
import type { IncomingRequest } from '../sip/core/transaction-user.js';
import { TransportManager } from '../sip/transport/transport-manager.js';
import type { MessageSource } from '../sip/transport/types.js';
import { registerTransportMetrics } from './transport-metrics.js';
import { DirectorySegmentStorage } from '../recording/assembly/segment-storage.js';
import { FailoverCoordinator } from '../siprec/failover/failover-coordinator.js';
import { createSessionStore } from '../store/create-session-store.js';
import type { SessionStore } from '../store/session-store.js';
import { registerStoreMetrics } from '../store/store-metrics.js';
import { PolicyEngine } from '../policy/policy-engine.js';
import { PolicySet } from '../policy/policy-set.js';
import { PolicyWatcher } from '../policy/policy-watcher.js';

export const RECORDER_VERSION = '0.1.0';

export interface RecorderPorts {
  readonly sip: number;
  readonly tls: number | undefined;
  readonly http: number;
}

export class Recorder {
  readonly config: RecorderConfig;
  readonly logger: Logger;
  readonly metrics: RecorderMetrics;
  readonly userAgent: SiprecUserAgent;
  readonly #transports: TransportManager;
  readonly #core: SipCore;
  readonly #http: HttpServer;
  readonly #sidecars: SidecarWriter;
  readonly #store: SessionStore;
  readonly #failover: FailoverCoordinator;
  readonly #policy: PolicyEngine;
  readonly #policyWatcher: PolicyWatcher | undefined;
  #media: MediaEngine | undefined;
  #ports: RecorderPorts | undefined;
  #ready = false;
  #stopped = false;

  constructor(config: RecorderConfig, logger: Logger, opts: { defaultMetrics?: boolean } = {}) {
    this.config = config;
    this.logger = logger;
    this.metrics = new RecorderMetrics(opts);
    this.#sidecars = new SidecarWriter(config.recordingDir);
    const mediaAddress = config.advertiseAddress ?? defaultAdvertiseAddress(config.sipHost);

    this.#transports = new TransportManager({
      host: config.sipHost,
      port: config.sipPort,
      ...(config.tls ? { tls: { ...config.tls, port: config.sipTlsPort } } : {}),
      sink: (data, source) => this.#core.receive(data, source),
      onError: (err) => logger.warn({ err }, 'transport error'),
    });
    registerTransportMetrics(this.metrics.registry, this.#transports.counters);

    // The session store (DESIGN.md §4): Redis when REDIS_URL is set, else in memory. Errors are rate-limited in the
    // log: an unreachable Redis retries every few hundred ms.
    let lastStoreError = 0;
    this.#store = createSessionStore(config, {
      onError: (err) => {
        const now = Date.now();
        if (now - lastStoreError < 5000) return;
        lastStoreError = now;
        logger.warn({ err: err.message }, 'session store error');
      },
      onFenced: (recordingId) => this.userAgent.stopRecording(recordingId),
    });
    registerStoreMetrics(this.metrics.registry, this.#store);
    this.#failover = new FailoverCoordinator({
      store: this.#store,
      recorderId: config.recorderId,
      version: RECORDER_VERSION,
      leaseMs: config.sessionLeaseMs,
      sessionTimeoutMs: config.sessionTimeoutMs,
      recordingDir: config.recordingDir,
      storage: new DirectorySegmentStorage(config.recordingDir),
      sidecars: this.#sidecars,
      logger,
      registry: this.metrics.registry,
      clock: { now: () => Date.now() },
      status: () => ({
        ready: this.#ready && !this.userAgent.draining,
        draining: this.userAgent.draining,
        activeSessions: this.userAgent.registry.size,
        address: `${mediaAddress}:${this.#ports?.sip ?? config.sipPort}`,
      }),
      stopRecording: (recordingId) => this.userAgent.stopRecording(recordingId),
    });

    // RecordingPolicies (POLICY_FILE): validated with the configuration, reloaded when the ConfigMap changes.
    const policyFile = config.policyFile;
    this.#policyWatcher = policyFile
      ? new PolicyWatcher({
          path: policyFile.path,
          initial: policyFile.initial,
          logger,
          onReload: () => this.metrics.policyReloads.inc({ result: 'ok' }),
          onInvalid: () => this.metrics.policyReloads.inc({ result: 'invalid' }),
        })
      : undefined;
    const noPolicies = PolicySet.empty();
    this.#policy = new PolicyEngine({
      policies: () => this.#policyWatcher?.current ?? noPolicies,
      logger,
      clock: { now: () => Date.now() },
      decisions: this.metrics.policyDecisions,
      setPaused: (recordingId, paused) =>
        paused ? this.userAgent.pause(recordingId) : this.userAgent.resume(recordingId),
      sessionOf: (recordingId) => this.userAgent.registry.byRecording(recordingId),
      agent: config.recorderId,
    });

    this.userAgent = new SiprecUserAgent({
      config,
      logger,
      metrics: this.metrics,
      sidecars: this.#sidecars,
      media: {
        openRecording: (init) => {
          if (!this.#media) throw new MediaEngineError('MEDIA_CLOSED', 'the media engine is not running');
          return this.#media.openRecording(init);
        },
      },
      registry: new SessionRegistry(),
      clock: { now: () => Date.now() },
      random: (n) => randomBytes(n),
      newRecordingId: () => randomUUID(),
      mediaAddress,
      contactFor: (source) => this.#contactFor(source, mediaAddress),
      isReady: () => this.#ready,
      onAdmittedRequest: (incoming) => this.#registerAlias(incoming),
      persistence: this.#failover,
      policy: this.#policy,
      degradedReasons: () => (this.#store.health().degraded ? ['session store degraded'] : []),
    });

    this.#core = new SipCore(
      {
        transport: this.#transports,
        logger,
        viaHost: mediaAddress,
        viaPort: config.sipPort,
        userAgent: `siprec-recorder/${RECORDER_VERSION}`,
        onParseError: (err, source) => {
          this.metrics.sipParseErrors.inc({ protocol: source.protocol });
          logger.debug(
            { code: err.code, source: `${source.remoteAddress}:${source.remotePort}` },
            'unparseable SIP',
          );
        },
        onMessage: (direction, message) => this.#countMessage(direction, message),
      },
      this.userAgent,
    );
    this.#http = new HttpServer(this.#policy.guard(this.userAgent), this.metrics.registry, logger);
    this.metrics.sessionsByCodecSource = () => {
      const counts = new Map<string, number>();
      for (const session of this.userAgent.registry.all()) {
        const codecs = new Set<string>();
        for (const s of session.streams) if (s.accepted && s.codec) codecs.add(s.codec.name);
        for (const c of codecs) counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      return counts;
    };
  }

  /** Starts every listener; resolves once SIP and HTTP accept traffic. */
  async start(): Promise<RecorderPorts> {
    await this.#sidecars.init();
    // What a killed predecessor left half-written becomes valid files before any new call starts.
    // With a shared directory, files of recordings still live in the store are segments another recorder (or this
    // one's next request) continues: only the rest is repaired.
    const keep = async (recordingId: string): Promise<boolean> => {
      try {
        const loaded = await this.#store.load(recordingId);
        return loaded !== undefined && loaded.session.state !== 'ended';
      } catch {
        return true; // the store cannot say: leave the files for the survivor that finalises the session
      }
    };
    for (const outcome of await repairRecordingDir(this.config.recordingDir, { keep })) {
      if (outcome.action === 'failed') this.logger.error(outcome, 'cannot repair a leftover recording file');
      else if (outcome.action === 'kept-live')
        this.logger.info(outcome, 'left a live recording segment as it is');
      else this.logger.warn(outcome, 'repaired a recording left by a stopped recorder');
    }
    this.#media = await MediaEngine.start({
      workers: this.config.mediaWorkers,
      host: this.config.sipHost,
      portMin: this.config.rtpPortMin,
      portMax: this.config.rtpPortMax,
      logger: this.logger,
      onReport: (report) => this.#onMediaReport(report),
      onDtmf: (recordingId, events) => this.#policy.onDtmf(recordingId, events),
    });
    await this.#transports.start();
    this.userAgent.attach(this.#core);
    const http = await this.#http.start(
      this.config.httpPort,
      this.config.sipHost.includes(':') ? '::' : '0.0.0.0',
    );
    const addresses = this.#transports.addresses;
    this.#ports = { sip: addresses.udp.port, tls: addresses.tls?.port, http };
    this.#ready = true;
    this.#failover.start();
    this.#policyWatcher?.start();
    this.logger.info(
      {
        sip: this.#ports.sip,
        tls: this.#ports.tls,
        http,
        recordingDir: this.config.recordingDir,
        mediaWorkers: this.#media.workerCount,
        recorderId: this.config.recorderId,
        store: this.#store.backend,
      },
      'recorder started',
    );
    return this.#ports;
  }

  get ports(): RecorderPorts {
    if (!this.#ports) throw new Error('recorder not started');
    return this.#ports;
  }

  /** Stops accepting sessions (readiness 503, OPTIONS 503); active sessions continue. */
  drain(): void {
    this.userAgent.drain();
  }

  /**
   * Stops the recorder. Active sessions are ended with a BYE so the SRC knows (and fails over to another SRS),
   * and their sidecars are finalised before the process exits.
   */
  async stop(reason = 'shutdown'): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#ready = false;
    this.userAgent.close({ endSessions: true, reason });
    // Give the BYEs a moment on the wire before the sockets close; recordings and sidecars are finalised meanwhile.
    await new Promise((r) => setTimeout(r, 50));
    await this.userAgent.settled();
    this.#failover.stop();
    this.#policyWatcher?.stop();
    await this.#sidecars.flush();
    await this.#store.close();
    await this.#media?.close();
    this.#core.close();
    await this.#transports.stop();
    await this.#http.stop();
  }

  /**
   * RFC 5923 §5 / INTEROP §12 (AudioCodes `;alias`): requests we send to the Via's sent-by reuse the connection the
   * SRC opened, instead of a new one the SRC may not accept.
   */
  #registerAlias(incoming: IncomingRequest): void {
    const { source, request } = incoming;
    if (source.connectionId === undefined) return;
    const top = request.headers.getAll('Via')[0];
    if (top === undefined || !/;\s*alias\b/i.test(top)) return;
    try {
      const via = parseVia(top);
      this.#transports.aliasConnection(
        source.connectionId,
        via.host,
        via.port ?? (source.protocol === 'tls' ? 5061 : 5060),
      );
    } catch {
      // An unparseable Via was already answered by the core; nothing to alias.
    }
  }

  #contactFor(source: MessageSource, address: string): string {
    const host = address.includes(':') ? `[${address}]` : address;
    const transport = source.protocol === 'udp' ? '' : `;transport=${source.protocol}`;
    const scheme = 'sip';
    return `<${scheme}:srs@${host}:${source.localPort}${transport}>;+sip.srs`;
  }

  #onMediaReport(report: MediaReport): void {
    this.userAgent.onMediaLiveness(report.streams);
    const c = report.counters;
    const m = this.metrics;
    if (c.packets > 0) m.rtpPackets.inc(c.packets);
    if (c.bytes > 0) m.rtpBytes.inc(c.bytes);
    if (c.lost > 0) m.rtpLost.inc(c.lost);
    if (c.malformed > 0) m.rtpMalformed.inc(c.malformed);
    if (c.srtpAuthFailures > 0) m.srtpAuthFailures.inc(c.srtpAuthFailures);
    if (c.decodeErrors > 0) m.decodeErrors.inc(c.decodeErrors);
    for (const seconds of report.writeLatencies) m.writeLatency.observe(seconds);
    m.rtpPortsInUse.set(report.portsInUse);
  }

  #countMessage(direction: 'in' | 'out', message: SipMessage): void {
    if (direction === 'out' && message.type === 'response') {
      // Responses are counted by the user agent with their request method; nothing to add here.
    }
  }
}

/** The address SRCs should send to when ADVERTISE_ADDRESS is not set. */
function defaultAdvertiseAddress(bindHost: string): string {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) if (ni.family === 'IPv4' && !ni.internal) return ni.address;
  }
  return '127.0.0.1';
}
