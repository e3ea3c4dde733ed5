/** Exposes the session store's counters as `siprec_store_*` metrics, read at scrape time. */
import { Gauge, type Registry } from 'prom-client';
import type { SessionStore, StoreStats } from './session-store.js';

const EXPORTED: readonly [keyof StoreStats, string, string][] = [
  ['commands', 'siprec_store_commands', 'Redis commands sent by the session store'],
  ['bytesSent', 'siprec_store_bytes_sent', 'Bytes of Redis commands sent by the session store'],
  ['writes', 'siprec_store_writes', 'Session states written to the store'],
  [
    'fencedWrites',
    'siprec_store_fenced_writes',
    'Writes refused because another recorder took the session over',
  ],
  [
    'errors',
    'siprec_store_errors',
    'Session store errors (unreachable Redis, bad documents, full write queue)',
  ],
  ['pendingWrites', 'siprec_store_pending_writes', 'Sessions whose latest state waits for Redis'],
];

export function registerStoreMetrics(registry: Registry, store: SessionStore): void {
  for (const [field, name, help] of EXPORTED) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(store.stats()[field]);
      },
    });
  }
  new Gauge({
    name: 'siprec_store_degraded',
    help: '1 while the session store cannot reach Redis or has writes waiting for it',
    registers: [registry],
    collect() {
      this.set(store.health().degraded ? 1 : 0);
    },
  });
}
