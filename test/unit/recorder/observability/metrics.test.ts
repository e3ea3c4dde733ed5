/**
 * The names operators put in dashboards and alerts: the process metrics a memory or fd alert reads must be
 * exposed under `siprec_process_*` exactly once prefixed.
 */
import { expect } from 'chai';
import { RecorderMetrics } from '../../../../recorder/src/observability/metrics.js';

describe('RecorderMetrics', () => {
  it('exposes resident memory as siprec_process_resident_memory_bytes, with no doubled prefix', async () => {
    const text = await new RecorderMetrics().registry.metrics();
    expect(text).to.match(/^siprec_process_resident_memory_bytes \d+/m);
    expect(text).to.match(/^siprec_process_cpu_seconds_total /m);
    expect(text).to.match(/^siprec_nodejs_heap_size_used_bytes /m);
    expect(text).to.not.include('siprec_process_process_');
  });

  it('exposes no process metrics when default metrics are off (several recorders in one test process)', async () => {
    const text = await new RecorderMetrics({ defaultMetrics: false }).registry.metrics();
    expect(text).to.not.include('siprec_process_');
    expect(text).to.include('siprec_active_sessions');
  });
});
