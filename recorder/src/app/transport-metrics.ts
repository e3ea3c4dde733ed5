/** Exposes the transports' plain counters as `siprec_transport_*` metrics, read at scrape time. */
import { Gauge, type Registry } from 'prom-client';
import type { ProtocolCounters, TransportCounters } from '../sip/transport/transport-counters.js';

const EXPORTED: readonly (keyof ProtocolCounters)[] = [
  'messagesIn',
  'messagesOut',
  'framingErrors',
  'connectionsActive',
  'connectionsRejected',
  'handshakeFailures',
  'sendFailures',
];

export function registerTransportMetrics(registry: Registry, counters: TransportCounters): void {
  for (const field of EXPORTED) {
    const name = `siprec_transport_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
    new Gauge({
      name,
      help: `SIP transport ${field}, by protocol`,
      labelNames: ['protocol'] as const,
      registers: [registry],
      collect() {
        for (const protocol of ['udp', 'tcp', 'tls'] as const)
          this.set({ protocol }, counters[protocol][field]);
      },
    });
  }
}
