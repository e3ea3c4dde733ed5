/**
 * Message framing for SIP over a byte stream (TCP, TLS), RFC 3261 §18.3: a message is its header section up to
 * the first empty line, then exactly Content-Length bytes of body. Pure: bytes in, frames out, no sockets.
 *
 *   [CRLF keep-alives]  start-line CRLF  *(header CRLF)  CRLF  body(Content-Length)  [next message …]
 *
 * Every byte is examined at most once (the header scan resumes where the previous chunk stopped) and buffered
 * bytes grow geometrically, so a peer trickling one byte at a time costs linear time and bounded memory.
 */
import { SipFramingError } from './errors.js';

/** Limits applied to every message on a stream. */
export interface StreamFramerLimits {
  /** Largest header section (start line + headers + empty line), in bytes. */
  readonly maxHeaderBytes: number;
  /** Largest accepted Content-Length, in bytes. */
  readonly maxBodyBytes: number;
}

/** Defaults: SIPREC INVITEs are 2–6 KB (INTEROP.md §12); 64 KiB headers and 1 MiB bodies leave wide margins. */
export const DEFAULT_FRAMER_LIMITS: StreamFramerLimits = Object.freeze({
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
});

/** What one `push()` can produce, in stream order. */
export type StreamFrame =
  | { readonly kind: 'message'; readonly data: Buffer }
  /** A double-CRLF keep-alive ping: RFC 5626 §3.5.1 asks for a single CRLF pong. */
  | { readonly kind: 'ping' }
  /** The stream cannot be resynchronised after this; nothing more is produced. */
  | { readonly kind: 'error'; readonly error: SipFramingError };

const CR = 0x0d;
const LF = 0x0a;
/** Content-Length values longer than this are over any sane limit; refusing early avoids number precision games. */
const MAX_CONTENT_LENGTH_DIGITS = 15;

/**
 * A Content-Length header line (full or compact name, any case, whitespace before the colon) with its folded
 * continuation lines. Index 0 would be the start line, which is skipped by the caller.
 */
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/gim;

type State = 'idle' | 'header' | 'body' | 'failed';

/** Splits a byte stream into whole SIP messages. One instance per connection. */
export class StreamFramer {
  readonly #limits: StreamFramerLimits;
  #state: State = 'idle';
  readonly #acc = new Accumulator();
  /** idle: how much of "\r\n\r\n" the last bytes matched. */
  #pingMatch = 0;
  /** header: the previous byte ended a line (LF), or the previous two were LF CR. */
  #lineStart = false;
  #crAtLineStart = false;
  /** body: total message size (header + body) being assembled. */
  #messageSize = 0;

  constructor(limits: Partial<StreamFramerLimits> = {}) {
    this.#limits = { ...DEFAULT_FRAMER_LIMITS, ...limits };
  }

  /** Bytes currently held for an incomplete message (the connection's buffered-bytes cap looks at this). */
  get bufferedBytes(): number {
    return this.#acc.capacity;
  }

  /** True once a framing error was reported; the connection must be closed. */
  get failed(): boolean {
    return this.#state === 'failed';
  }

  /** Feeds the next chunk of the stream; returns the frames it completed, in order. */
  push(chunk: Buffer): StreamFrame[] {
    const frames: StreamFrame[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case 'idle':
          pos = this.#skipKeepAlives(chunk, pos, frames);
          break;
        case 'header':
          pos = this.#scanHeader(chunk, pos, frames);
          break;
        case 'body':
          pos = this.#takeBody(chunk, pos, frames);
          break;
        case 'failed':
          return frames;
      }
    }
    return frames;
  }

  /**
   * RFC 3261 §7.5: CRLFs before a start line are ignored; RFC 5626 §3.5.1: each CRLFCRLF among them is a ping.
   * Returns the position of the first byte of a message, or the chunk end.
   */
  #skipKeepAlives(chunk: Buffer, pos: number, frames: StreamFrame[]): number {
    for (let i = pos; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === CR) {
        this.#pingMatch = this.#pingMatch === 2 ? 3 : 1;
      } else if (b === LF) {
        if (this.#pingMatch === 3) {
          frames.push({ kind: 'ping' });
          this.#pingMatch = 0;
        } else {
          this.#pingMatch = this.#pingMatch === 1 ? 2 : 0;
        }
      } else {
        this.#pingMatch = 0;
        this.#state = 'header';
        this.#lineStart = false;
        this.#crAtLineStart = false;
        return i;
      }
    }
    return chunk.length;
  }

  /** Looks for the empty line ending the header section: CRLFCRLF, or LF-only variants (LFLF, LFCRLF). */
  #scanHeader(chunk: Buffer, pos: number, frames: StreamFrame[]): number {
    let i = pos;
    let end = -1;
    while (i < chunk.length) {
      if (this.#lineStart) {
        this.#lineStart = false;
        if (chunk[i] === LF) {
          end = i + 1;
          break;
        }
        if (chunk[i] === CR) {
          this.#crAtLineStart = true;
          i++;
          continue;
        }
      } else if (this.#crAtLineStart) {
        this.#crAtLineStart = false;
        if (chunk[i] === LF) {
          end = i + 1;
          break;
        }
      }
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) break;
      i = lf + 1;
      this.#lineStart = true;
    }
    const stop = end < 0 ? chunk.length : end;
    if (this.#acc.length + (stop - pos) > this.#limits.maxHeaderBytes) {
      return this.#fail(
        frames,
        new SipFramingError(
          'SIP_FRAMING_HEADER_TOO_LARGE',
          `header section exceeds ${this.#limits.maxHeaderBytes} bytes`,
        ),
      );
    }
    if (end < 0) {
      this.#acc.append(chunk, pos, chunk.length, this.#limits.maxHeaderBytes);
      return chunk.length;
    }
    let header: Buffer;
    if (this.#acc.length === 0) {
      header = chunk.subarray(pos, end);
    } else {
      this.#acc.append(chunk, pos, end, this.#limits.maxHeaderBytes);
      header = this.#acc.view();
    }
    const length = this.#contentLength(header);
    if (length instanceof SipFramingError) return this.#fail(frames, length);
    this.#messageSize = header.length + length;
    if (this.#acc.length === 0) {
      // Common case: the header section is in this chunk; the body may be too.
      if (chunk.length - end >= length) {
        frames.push({ kind: 'message', data: Buffer.from(chunk.subarray(pos, end + length)) });
        this.#state = 'idle';
        return end + length;
      }
      this.#acc.append(chunk, pos, end, this.#messageSize);
    } else if (length === 0) {
      frames.push({ kind: 'message', data: this.#acc.take() });
      this.#state = 'idle';
      return end;
    }
    this.#state = 'body';
    return end;
  }

  #takeBody(chunk: Buffer, pos: number, frames: StreamFrame[]): number {
    const want = this.#messageSize - this.#acc.length;
    const stop = Math.min(chunk.length, pos + want);
    this.#acc.append(chunk, pos, stop, this.#messageSize);
    if (this.#acc.length === this.#messageSize) {
      frames.push({ kind: 'message', data: this.#acc.take() });
      this.#state = 'idle';
    }
    return stop;
  }

  #fail(frames: StreamFrame[], error: SipFramingError): number {
    frames.push({ kind: 'error', error });
    this.#state = 'failed';
    this.#acc.release();
    return Number.MAX_SAFE_INTEGER;
  }

  /**
   * Reads Content-Length (or its compact form `l`, RFC 3261 §7.3.3), any case, any whitespace around the colon,
   * folded lines joined (§7.3.1). Required on streams (§18.3). Duplicates must agree (no smuggling).
   */
  #contentLength(header: Buffer): number | SipFramingError {
    const copy = (): Buffer => Buffer.from(header);
    const values: string[] = [];
    CONTENT_LENGTH.lastIndex = 0;
    const text = header.toString('latin1');
    for (let m = CONTENT_LENGTH.exec(text); m !== null; m = CONTENT_LENGTH.exec(text)) {
      if (m.index > 0) values.push((m[1] ?? '').replace(/\s+/g, ' ').trim());
    }
    if (values.length === 0) {
      return new SipFramingError(
        'SIP_FRAMING_CONTENT_LENGTH_MISSING',
        'Content-Length is required on stream transports',
        copy(),
      );
    }
    const first = values[0] ?? '';
    if (!/^\d+$/.test(first) || values.some((v) => v !== first)) {
      return new SipFramingError(
        'SIP_FRAMING_CONTENT_LENGTH_INVALID',
        `invalid Content-Length "${first.slice(0, 40)}"`,
        copy(),
      );
    }
    const length = first.length > MAX_CONTENT_LENGTH_DIGITS ? Infinity : Number(first);
    if (length > this.#limits.maxBodyBytes) {
      return new SipFramingError(
        'SIP_FRAMING_BODY_TOO_LARGE',
        `Content-Length ${first.slice(0, 20)} exceeds ${this.#limits.maxBodyBytes} bytes`,
        copy(),
      );
    }
    return length;
  }
}

/** A byte buffer that grows geometrically (amortised linear appends) up to a known ceiling. */
class Accumulator {
  #buf: Buffer | undefined;
  #len = 0;

  get length(): number {
    return this.#len;
  }

  get capacity(): number {
    return this.#buf?.length ?? 0;
  }

  append(src: Buffer, start: number, end: number, ceiling: number): void {
    const n = end - start;
    if (n <= 0) return;
    const need = this.#len + n;
    if (this.#buf === undefined || need > this.#buf.length) {
      const grown = Math.min(Math.max(need, (this.#buf?.length ?? 512) * 2), Math.max(ceiling, need));
      const next = Buffer.allocUnsafe(grown);
      this.#buf?.copy(next, 0, 0, this.#len);
      this.#buf = next;
    }
    src.copy(this.#buf, this.#len, start, end);
    this.#len = need;
  }

  view(): Buffer {
    return (this.#buf ?? Buffer.alloc(0)).subarray(0, this.#len);
  }

  /** Hands over the bytes (without copying when the buffer is exactly full) and empties the accumulator. */
  take(): Buffer {
    const buf = this.#buf ?? Buffer.alloc(0);
    const out = buf.length === this.#len ? buf : Buffer.from(buf.subarray(0, this.#len));
    this.release();
    return out;
  }

  release(): void {
    this.#buf = undefined;
    this.#len = 0;
  }
}
