/**
 * Packet fixtures of the RTP/RTCP/SRTP tests (test/fixtures/media/{rtp,rtcp,srtp}; see rtp/README.md there).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/support/media-rtp/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** One packet from a `.bin` fixture, e.g. `rtp/ffmpeg-pcmu.bin`. */
export function packetFixture(name: string): Buffer {
  return readFileSync(resolve(repoRoot, 'test/fixtures/media', name));
}

/** The packets of a `.hex` fixture (one per line). */
export function hexPackets(name: string): Buffer[] {
  return readFileSync(resolve(repoRoot, 'test/fixtures/media', name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Buffer.from(line.trim(), 'hex'));
}

/** Master key ‖ salt of the ffmpeg SRTP fixtures. */
export const FFMPEG_FIXTURE_KEY = Buffer.from('AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO', 'base64');

/** Hex string to Buffer, ignoring whitespace (for RFC vectors written in groups). */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}
