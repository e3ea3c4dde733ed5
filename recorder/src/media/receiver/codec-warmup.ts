/**
 * Runs every decoder once when a media worker starts, before it takes calls.
 *
 * Why: the first Opus decodes of a process compile and tier up libopus's wasm (tens of ms, more on a busy host),
 * and the first packets of every codec run cold JavaScript. Paid on a call's first packets, that stall delays
 * the arrival times the recording is anchored by, and channels of one call end up tens of ms apart.
 */
import OpusScript from 'opusscript';
import { createDecoder } from '../codecs/create-decoder.js';

/** Decodes a second of real audio with each codec, at each rate a recording may use. */
export function warmUpDecoders(): void {
  const frame = 960;
  const pcm = Buffer.alloc(frame * 2);
  const encoder = new OpusScript(48000, 1, OpusScript.Application.VOIP);
  const packets: Buffer[] = [];
  try {
    for (let f = 0; f < 50; f++) {
      for (let i = 0; i < frame; i++)
        pcm.writeInt16LE(Math.round(6000 * Math.sin((f * frame + i) / 9)), i * 2);
      packets.push(Buffer.from(encoder.encode(pcm, frame)));
    }
  } finally {
    encoder.delete();
  }
  const out = new Int16Array(5760);
  for (const rate of [48000, 16000, 8000] as const) {
    const decoder = createDecoder('OPUS', { channels: 1, sampleRate: rate });
    for (const p of packets) decoder.decode(p, out);
    decoder.close();
  }
  const bytes = Buffer.alloc(160);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37) & 0xff;
  for (const name of ['PCMU', 'PCMA', 'G722'] as const) {
    const decoder = createDecoder(name);
    for (let f = 0; f < 50; f++) decoder.decode(bytes, out);
    decoder.close();
  }
}
