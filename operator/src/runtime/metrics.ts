/**
 * The operator's own Prometheus metrics (names `siprec_operator_*`) on a private registry, plus the
 * default process metrics (CPU, memory) the benchmark reads.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Verbs that change state on the API server. */
const WRITE_VERBS = new Set(['create', 'apply', 'update', 'patch', 'patch_status', 'delete']);

/** Every metric the operator exports. */
export class OperatorMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly apiRequests: Counter<'kind' | 'verb' | 'code'>;
  readonly apiWrites: Counter<'kind' | 'verb'>;
  readonly informerRestarts: Counter<'kind'>;
  readonly leader: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    this.reconciles = new Counter({
      name: 'siprec_operator_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, error, terminal).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'siprec_operator_reconcile_errors_total',
      help: 'Reconciles that failed.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'siprec_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'siprec_operator_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['controller'],
      registers,
    });
    this.apiRequests = new Counter({
      name: 'siprec_operator_api_requests_total',
      help: 'Requests to the Kubernetes API by kind, verb and HTTP status (0: unreachable).',
      labelNames: ['kind', 'verb', 'code'],
      registers,
    });
    this.apiWrites = new Counter({
      name: 'siprec_operator_api_writes_total',
      help: 'Requests that change state on the Kubernetes API, by kind and verb.',
      labelNames: ['kind', 'verb'],
      registers,
    });
    this.informerRestarts = new Counter({
      name: 'siprec_operator_informer_restarts_total',
      help: 'Times an informer relisted after an error or a silent watch.',
      labelNames: ['kind'],
      registers,
    });
    this.leader = new Gauge({
      name: 'siprec_operator_leader',
      help: '1 while this process holds the leader Lease.',
      registers,
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Request observer for KubeClient. */
  readonly observeRequest = (kind: string, verb: string, status: number): void => {
    this.apiRequests.inc({ kind, verb, code: String(status) });
    if (WRITE_VERBS.has(verb)) this.apiWrites.inc({ kind, verb });
  };
}
