/**
 * Call loggers bound on first use write exactly the lines an eagerly bound child would (secrets redacted, call ids
 * bound), and nothing below the configured level.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger, LazyChildLogger } from '../../../../recorder/src/observability/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

/** A line without its timestamp, which differs between two loggers. */
function timeless(line: Record<string, unknown>): Record<string, unknown> {
  const { time, ...rest } = line;
  expect(time).to.be.a('string');
  return rest;
}

describe('observability/logger LazyChildLogger', () => {
  const bindings = { callId: 'a84b4c76e66710@pc33', recordingId: 'r-1' };

  it('writes the same lines as a child logger, keys redacted and the call bound', async () => {
    const eager = capture();
    const lazy = capture();
    const child = createLogger('info', 'rec-1', eager.stream).child(bindings);
    const call = new LazyChildLogger(createLogger('info', 'rec-1', lazy.stream), bindings);
    for (const log of [child, call]) {
      log.info({ reason: 'bye', crypto: { inline: 'secret' }, streams: [{ keySalt: 'k' }] }, 'session ended');
      log.warn('BYE to the SRC timed out');
      log.error({ err: 'disk full' }, 'cannot write final sidecar');
    }
    await new Promise((r) => setImmediate(r));
    expect(lazy.lines().map(timeless)).to.deep.equal(eager.lines().map(timeless));
    const [ended] = lazy.lines();
    expect(ended).to.include({ callId: bindings.callId, recordingId: 'r-1', recorderId: 'rec-1' });
    expect(ended?.crypto).to.equal('[redacted]');
    expect(JSON.stringify(lazy.lines())).to.not.include('secret');
  });

  it('writes nothing below the configured level', async () => {
    const out = capture();
    const call = new LazyChildLogger(createLogger('warn', 'rec-1', out.stream), bindings);
    call.info({ reason: 'bye' }, 'recording session ended');
    call.debug({ status: 200 }, 'BYE answered');
    call.warn({ err: 'timeout' }, 'BYE to the SRC timed out');
    await new Promise((r) => setImmediate(r));
    expect(out.lines().map((l) => l.msg)).to.deep.equal(['BYE to the SRC timed out']);
  });
});
