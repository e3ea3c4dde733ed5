/**
 * The recorder's Prometheus metrics (`siprec_*`). One registry per recorder instance, so tests can run several
 * recorders in one process without their counters mixing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class RecorderMetrics {
  readonly registry = new Registry();
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
  readonly rtpPortsInUse = new Gauge({
    name: 'siprec_rtp_ports_in_use',
    help: 'RTP/RTCP ports bound for active streams',
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'siprec_process_' });
  }
}
