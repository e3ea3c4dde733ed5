/**
 * Decoder factory: the one place that maps an SDP encoding name to an implementation.
 */
import { CodecError, type DecodableCodec, type Decoder } from './decoder.js';
import { G711Decoder } from './g711.js';
import { G722Decoder, type G722Mode } from './g722.js';
import { OpusDecoder, type OpusRate } from './opus.js';

/** Per-codec decoder options; each field applies only to the codec it names. */
export interface CreateDecoderOptions {
  /** Opus: 1 down-mixes (default), 2 keeps stereo. */
  readonly channels?: 1 | 2;
  /** Opus: output rate (default 48000). Ignored by fixed-rate codecs. */
  readonly sampleRate?: OpusRate;
  /** G.722: bit rate (default 64000, the only one used over RTP). */
  readonly g722Mode?: G722Mode;
}

/** Codec names {@link createDecoder} accepts, for callers that check an SDP before creating. */
export const DECODABLE_CODECS: readonly DecodableCodec[] = ['PCMU', 'PCMA', 'G722', 'OPUS'];

/**
 * Creates a decoder for an rtpmap encoding name (case-insensitive). Throws `CODEC_UNSUPPORTED` for names
 * we do not decode (G.729 goes to RawFrameWriter instead).
 */
export function createDecoder(name: string, options: CreateDecoderOptions = {}): Decoder {
  switch (name.toUpperCase()) {
    case 'PCMU':
      return new G711Decoder('PCMU');
    case 'PCMA':
      return new G711Decoder('PCMA');
    case 'G722':
      return new G722Decoder(options.g722Mode ?? 64000);
    case 'OPUS':
      return new OpusDecoder({ channels: options.channels ?? 1, sampleRate: options.sampleRate ?? 48000 });
    default:
      throw new CodecError('CODEC_UNSUPPORTED', `no decoder for ${name}`);
  }
}
