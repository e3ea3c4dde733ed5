/**
 * Opus (RFC 6716) through opusscript's wasm build of libopus. RTP Opus is always signalled as
 * `opus/48000/2` (RFC 7587 §7) whatever the encoder really sends; the decoder's channel count decides the
 * output: 1 down-mixes inside libopus, 2 keeps (or up-mixes) stereo, interleaved.
 */
import OpusScript from 'opusscript';
import { CodecError, type Decoder } from './decoder.js';

/** Output rates libopus can decode to natively (decoding at the recording rate avoids a resampler). */
export type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** Options of {@link OpusDecoder}. */
export interface OpusDecoderOptions {
  /** 1 = down-mix (default), 2 = keep stereo. */
  readonly channels?: 1 | 2;
  /** Output sample rate; default 48000. */
  readonly sampleRate?: OpusRate;
}

/** Largest Opus packet: 3 frames of 1275 bytes plus framing (RFC 6716 §3.2.5); opusscript's input buffer. */
const MAX_PACKET_BYTES = 3828;
/** libopus conceals a lost packet by decoding "no data"; each call yields up to 60 ms. */
const EMPTY = Buffer.alloc(0);
/** Beyond this much concealment in one gap, PLC has faded out anyway; write plain silence. */
const MAX_PLC_MS = 120;

/** Decoder for one Opus stream. Call `close()` when the stream ends: it frees wasm memory. */
export class OpusDecoder implements Decoder {
  readonly name = 'OPUS';
  readonly sampleRate: OpusRate;
  readonly channels: 1 | 2;
  #opus: OpusScript | undefined;

  constructor(options: OpusDecoderOptions = {}) {
    const channels = options.channels ?? 1;
    const rate = options.sampleRate ?? 48000;
    if (channels !== 1 && channels !== 2) {
      throw new CodecError(
        'CODEC_BAD_OPTIONS',
        `Opus output channels must be 1 or 2, not ${String(channels)}`,
      );
    }
    if (![8000, 12000, 16000, 24000, 48000].includes(rate)) {
      throw new CodecError('CODEC_BAD_OPTIONS', `Opus cannot decode to ${String(rate)} Hz`);
    }
    this.channels = channels;
    this.sampleRate = rate;
    this.#opus = new OpusScript(rate, channels, OpusScript.Application.VOIP);
  }

  decode(payload: Buffer, out: Int16Array): number {
    const opus = this.#live();
    if (payload.length === 0) return 0;
    if (payload.length > MAX_PACKET_BYTES) {
      throw new CodecError(
        'CODEC_BAD_PAYLOAD',
        `Opus packet of ${payload.length} bytes exceeds ${MAX_PACKET_BYTES}`,
      );
    }
    let pcm: Buffer;
    try {
      pcm = opus.decode(payload);
    } catch (err) {
      throw new CodecError('CODEC_BAD_PAYLOAD', `Opus packet rejected: ${(err as Error).message}`);
    }
    return this.#copy(pcm, out, Number.MAX_SAFE_INTEGER);
  }

  concealment(out: Int16Array, samples: number): number {
    const opus = this.#live();
    const wanted = Math.max(0, Math.min(samples, Math.floor(out.length / this.channels)));
    const plcLimit = (this.sampleRate * MAX_PLC_MS) / 1000;
    let done = 0;
    while (done < wanted && done < plcLimit) {
      const pcm = opus.decode(EMPTY);
      const got = this.#copy(pcm, out.subarray(done * this.channels), wanted - done);
      if (got === 0) break;
      done += got;
    }
    out.fill(0, done * this.channels, wanted * this.channels);
    return wanted;
  }

  reset(): void {
    const opus = this.#live();
    // OPUS_RESET_STATE (opus_defines.h): a fresh decoder without reallocating wasm memory.
    opus.decoderCTL(4028, 0);
  }

  close(): void {
    if (this.#opus) {
      this.#opus.delete();
      this.#opus = undefined;
    }
  }

  #live(): OpusScript {
    if (!this.#opus) throw new CodecError('CODEC_CLOSED', 'Opus decoder used after close()');
    return this.#opus;
  }

  /** Copies little-endian s16 PCM into `out`, at most `maxSamples` per channel; returns samples per channel. */
  #copy(pcm: Buffer, out: Int16Array, maxSamples: number): number {
    const ch = this.channels;
    const available = pcm.length >> 1;
    const perChannel = Math.min(Math.floor(available / ch), maxSamples);
    const values = perChannel * ch;
    if (maxSamples === Number.MAX_SAFE_INTEGER && values > out.length) {
      throw new CodecError('CODEC_OUTPUT_TOO_SMALL', `${values} samples do not fit in ${out.length}`);
    }
    const n = Math.min(values, out.length - (out.length % ch));
    if ((pcm.byteOffset & 1) === 0) {
      out.set(new Int16Array(pcm.buffer, pcm.byteOffset, n));
    } else {
      for (let i = 0; i < n; i++) out[i] = pcm.readInt16LE(i * 2);
    }
    return n / ch;
  }
}
