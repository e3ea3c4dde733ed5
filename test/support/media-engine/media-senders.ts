/**
 * Real media senders for the recording tests, and the source audio they send: ffmpeg (RTP and SRTP _80/_32 in
 * PCMU, PCMA, G.722 and Opus; PEERS.md packetisation), GStreamer `srtpenc` (AES-GCM), each pacing in real time
 * (`-re`, `sync=true`) so the recorder's wall-clock timeline sees a real call. Several streams go out of one
 * process, so their audio leaves aligned and the recording's channels can be checked for alignment.
 */
import { execFileSync } from 'node:child_process';
import { runPeer } from '../media-rtp/udp-capture.js';
import { readS16le } from '../audio-compare.js';
import type { OfferCodec } from './siprec-src.js';
import { OFFER_CODECS } from './siprec-src.js';

/**
 * Source signals, one per stream, distinct so a swapped channel is noticed: talk-spurt-like bursts of a chirp,
 * and a slowly modulated falling chirp. All below 3.4 kHz, so every codec carries them.
 */
export const SOURCE_SIGNALS = [
  'if(lt(mod(t\\,0.6)\\,0.4)\\,0.5*sin(2*PI*(220+350*t)*t)\\,0)',
  '0.35*sin(2*PI*(1400-180*t)*t)*(0.6+0.4*sin(2*PI*2.5*t))',
] as const;

/** The rate a codec's source is generated at (its decoded rate) and its packet size in samples (20 ms). */
export function codecRate(codec: OfferCodec): { rate: number; samples: number } {
  switch (codec) {
    case 'G722':
      return { rate: 16000, samples: 320 };
    case 'OPUS':
      return { rate: 48000, samples: 960 };
    default:
      return { rate: 8000, samples: 160 };
  }
}

/**
 * The lavfi input of a source signal, in 20 ms frames: with `-re`, ffmpeg then sends one packet every 20 ms like a
 * real SRC (with its default 1024-sample frames it sends bursts of six packets every 128 ms).
 */
export function lavfiSource(signal: string, rate: number, seconds: number): string[] {
  return ['-f', 'lavfi', '-i', `aevalsrc=${signal}:s=${rate}:d=${seconds}:n=${rate / 50}`];
}

/** The source as 16-bit samples at `rate` (the reference a recording is compared with). */
export function referenceAudio(signal: string, rate: number, seconds: number, path: string): Int16Array {
  execFileSync('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    ...lavfiSource(signal, rate, seconds),
    '-f',
    's16le',
    '-ac',
    '1',
    path,
  ]);
  return readS16le(path);
}

/** Writes the source as a 16-bit PCM WAV (GStreamer's input). */
export function sourceWav(signal: string, rate: number, seconds: number, path: string): void {
  execFileSync('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    ...lavfiSource(signal, rate, seconds),
    '-c:a',
    'pcm_s16le',
    '-ac',
    '1',
    path,
  ]);
}

/** One stream an ffmpeg process sends. */
export interface FfmpegStream {
  readonly codec: OfferCodec;
  readonly signal: string;
  readonly port: number;
  readonly ssrc: number;
  /** SRTP with the SRC's key from the offer. */
  readonly srtp?: { readonly suite: string; readonly keySalt: Buffer };
  /** Where to send instead of 127.0.0.1:port (an impairment relay). */
  readonly via?: { readonly host: string; readonly port: number };
}

function encoderArgs(codec: OfferCodec): string[] {
  const { rate, samples } = codecRate(codec);
  const packetize = ['-af', `asetnsamples=n=${samples}:p=0`, '-ar', String(rate), '-ac', '1'];
  switch (codec) {
    case 'PCMU':
      return [...packetize, '-c:a', 'pcm_mulaw'];
    case 'PCMA':
      return [...packetize, '-c:a', 'pcm_alaw'];
    case 'G722':
      return [...packetize, '-c:a', 'g722'];
    case 'OPUS':
      return [
        ...packetize,
        '-c:a',
        'libopus',
        '-application',
        'voip',
        '-frame_duration',
        '20',
        '-b:a',
        '32k',
      ];
    case 'G729':
      throw new Error('ffmpeg has no G.729 encoder');
  }
}

/** ffmpeg arguments sending every stream in real time from one process. */
export function ffmpegArgs(streams: readonly FfmpegStream[], seconds: number): string[] {
  const args = ['-nostdin', '-loglevel', 'error'];
  for (const s of streams) args.push('-re', ...lavfiSource(s.signal, codecRate(s.codec).rate, seconds));
  streams.forEach((s, i) => {
    const host = s.via?.host ?? '127.0.0.1';
    const port = s.via?.port ?? s.port;
    const scheme = s.srtp ? 'srtp' : 'rtp';
    args.push('-map', `${i}:a`, ...encoderArgs(s.codec));
    args.push('-payload_type', String(OFFER_CODECS[s.codec].pt), '-ssrc', String(s.ssrc));
    if (s.srtp)
      args.push('-srtp_out_suite', s.srtp.suite, '-srtp_out_params', s.srtp.keySalt.toString('base64'));
    args.push('-f', 'rtp', `${scheme}://${host}:${port}?pkt_size=1400`);
  });
  return args;
}

/** Sends the streams with ffmpeg and resolves when it has finished. */
export function sendWithFfmpeg(streams: readonly FfmpegStream[], seconds: number): Promise<string> {
  return runPeer('ffmpeg', ffmpegArgs(streams, seconds), (seconds + 30) * 1000);
}

/** One A-law stream GStreamer sends under AES-GCM. */
export interface GstGcmStream {
  readonly wav: string;
  readonly port: number;
  readonly ssrc: number;
  /** Master key‖salt (28 bytes for AES-128-GCM, 44 for AES-256-GCM). */
  readonly keySalt: Buffer;
  readonly cipher: 'aes-128-gcm' | 'aes-256-gcm';
}

/** Sends 8 kHz WAV files as PCMA over AES-GCM SRTP from one real-time GStreamer pipeline. */
export function sendWithGstreamer(streams: readonly GstGcmStream[], seconds: number): Promise<string> {
  const branches = streams.map(
    (s) =>
      `filesrc location=${s.wav} ! wavparse ! audioconvert ! audio/x-raw,rate=8000,channels=1 ! alawenc ` +
      `! rtppcmapay pt=8 min-ptime=20000000 max-ptime=20000000 ssrc=${s.ssrc} ` +
      `! srtpenc key=${s.keySalt.toString('hex')} rtp-cipher=${s.cipher} rtp-auth=null rtcp-cipher=${s.cipher} rtcp-auth=null ` +
      `! udpsink host=127.0.0.1 port=${s.port} sync=true`,
  );
  return runPeer('gst-launch-1.0', ['-q', ...branches.join(' ').split(' ')], (seconds + 30) * 1000);
}
