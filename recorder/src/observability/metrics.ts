/**
 * The recorder's Prometheus metrics (`siprec_*`). One registry per recorder instance, so tests can run several
 * recorders in one process without their counters mixing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class RecorderMetrics {
  readonly registry = new Registry();
  /** Counts active sessions per recorded codec at scrape time; set by the composition root. */
  sessionsByCodecSource: () => ReadonlyMap<string, number> = () => new Map();
  readonly sipRequests = new Counter({
    name: 'siprec_sip_requests_total',
    help: 'SIP requests received, by method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly sipResponses = new Counter({
    name: 'siprec_sip_responses_total',
    help: 'SIP responses sent, by request method and status code',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });
  readonly sipParseErrors = new Counter({
    name: 'siprec_sip_parse_errors_total',
    help: 'SIP messages that could not be parsed',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly sipRejectedSources = new Counter({
    name: 'siprec_sip_rejected_sources_total',
    help: 'SIP requests refused with 403 because the source is not in ALLOWED_SOURCES',
    registers: [this.registry],
  });
  readonly activeSessions = new Gauge({
    name: 'siprec_active_sessions',
    help: 'Recording sessions in progress',
    registers: [this.registry],
  });
  readonly sessionsTotal = new Counter({
    name: 'siprec_sessions_total',
    help: 'Recording sessions started',
    registers: [this.registry],
  });
  readonly sessionsEnded = new Counter({
    name: 'siprec_sessions_ended_total',
    help: 'Recording sessions finalised, by end reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly sessionsRejected = new Counter({
    name: 'siprec_sessions_rejected_total',
    help: 'Recording INVITEs refused, by status code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly metadataParseFailures = new Counter({
    name: 'siprec_metadata_parse_failures_total',
    help: 'Metadata documents kept raw because they could not be parsed even after sanitising',
    registers: [this.registry],
  });
  readonly metadataSanitised = new Counter({
    name: 'siprec_metadata_sanitised_total',
    help: 'Ill-formed metadata documents repaired by the sanitiser',
    registers: [this.registry],
  });
  readonly inviteLatency = new Histogram({
    name: 'siprec_invite_answer_seconds',
    help: 'Time from receiving a new recording INVITE to sending its final response',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly policyDecisions = new Counter({
    name: 'siprec_policy_decisions_total',
    help: 'RecordingPolicy decisions (at the INVITE, and each change after a metadata update), by policy and action',
    labelNames: ['policy', 'action'] as const,
    registers: [this.registry],
  });
  readonly policyReloads = new Counter({
    name: 'siprec_policy_reloads_total',
    help: 'Changes of POLICY_FILE seen while running: applied (ok) or refused (invalid, the previous policies stay)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly rtpPortsInUse = new Gauge({
    name: 'siprec_rtp_ports_in_use',
    help: 'RTP/RTCP ports bound for active streams',
    registers: [this.registry],
  });

  // Media metrics: fed from the media workers' periodic counter deltas.
  readonly rtpPackets = new Counter({
    name: 'siprec_rtp_packets_total',
    help: 'RTP packets received and accepted (authenticated, parsed, from the latched source)',
    registers: [this.registry],
  });
  readonly rtpBytes = new Counter({
    name: 'siprec_rtp_bytes_total',
    help: 'RTP payload bytes of the accepted packets',
    registers: [this.registry],
  });
  readonly rtpLost = new Counter({
    name: 'siprec_rtp_lost_total',
    help: 'RTP packets lost (RFC 3550 A.3: expected minus received)',
    registers: [this.registry],
  });
  readonly rtpMalformed = new Counter({
    name: 'siprec_rtp_malformed_total',
    help: 'Datagrams dropped on RTP/RTCP ports as truncated, oversized or not RTP',
    registers: [this.registry],
  });
  readonly srtpAuthFailures = new Counter({
    name: 'siprec_srtp_auth_failures_total',
    help: 'SRTP/SRTCP packets dropped because their authentication tag did not verify',
    registers: [this.registry],
  });
  readonly decodeErrors = new Counter({
    name: 'siprec_decode_errors_total',
    help: 'RTP payloads the codec could not decode',
    registers: [this.registry],
  });
  readonly writeLatency = new Histogram({
    name: 'siprec_write_latency_seconds',
    help: 'Time for a recording to get the audio it has buffered onto disk (sampled every 2 s per recording)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly sessionsByCodec: Gauge<'codec'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.sessionsByCodec = new Gauge({
      name: 'siprec_sessions_by_codec',
      help: 'Active recording sessions by recorded codec (a session with two codecs counts for both)',
      labelNames: ['codec'] as const,
      registers: [this.registry],
      collect: () => {
        this.sessionsByCodec.reset();
        for (const [codec, n] of this.sessionsByCodecSource()) this.sessionsByCodec.set({ codec }, n);
      },
    });
    // prom-client's default metrics are already named process_* and nodejs_*: the prefix is only ours, so RSS is
    // siprec_process_resident_memory_bytes (not siprec_process_process_…), as dashboards and the README expect.
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'siprec_' });
  }
}
