/**
 * The decoder contract used by the media path: one instance per received stream, decoding RTP payloads
 * into caller-supplied buffers so the per-packet path allocates nothing.
 */

/** Codecs we decode to PCM. G.729 is stored as raw frames instead (see RawFrameWriter). */
export type DecodableCodec = 'PCMU' | 'PCMA' | 'G722' | 'OPUS';

/** A stateful audio decoder for one RTP stream. */
export interface Decoder {
  /** Codec name as used in SDP rtpmap (upper case). */
  readonly name: DecodableCodec;
  /** Output sample rate in Hz (G.722: 16000 although its RTP clock is 8000, RFC 3551 §4.5.2). */
  readonly sampleRate: number;
  /** Output channels; samples are interleaved when 2. */
  readonly channels: number;
  /**
   * Decodes one RTP payload into `out` (interleaved when stereo) and returns the number of samples written
   * per channel. Throws a {@link CodecError} (`CODEC_BAD_PAYLOAD`, `CODEC_OUTPUT_TOO_SMALL`) on input it
   * cannot decode; the decoder stays usable.
   */
  decode(payload: Buffer, out: Int16Array): number;
  /**
   * Writes `samples` samples (per channel) that stand in for lost audio and returns how many were written
   * (bounded by `out`). Decoders with a real concealment algorithm (Opus) use it; others write silence.
   */
  concealment(out: Int16Array, samples: number): number;
  /** Forgets all state, as after an SSRC change. */
  reset(): void;
  /** Releases native/wasm resources; idempotent. The decoder must not be used afterwards. */
  close(): void;
}

/** Stable error codes raised by the codecs. */
export type CodecErrorCode =
  'CODEC_UNSUPPORTED' | 'CODEC_BAD_OPTIONS' | 'CODEC_BAD_PAYLOAD' | 'CODEC_OUTPUT_TOO_SMALL' | 'CODEC_CLOSED';

/** An error from a decoder or resampler, with a stable `code`. */
export class CodecError extends Error {
  readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string) {
    super(message);
    this.name = 'CodecError';
    this.code = code;
  }
}
