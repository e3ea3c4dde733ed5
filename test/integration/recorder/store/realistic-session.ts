/**
 * A stored session as a recorder would write it for a real SIPREC call: the dialog from a real INVITE through
 * `Dialog.fromInvite` (Record-Route, CSeq, tags), a two-stream SRTP offer and our answer, metadata parsed by the
 * real parser, one open segment.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dialog } from '../../../../recorder/src/sip/dialog/dialog.js';
import { parseSipMessage } from '../../../../recorder/src/sip/message/parser.js';
import type { SipRequest } from '../../../../recorder/src/sip/message/types.js';
import type { MessageSource } from '../../../../recorder/src/sip/transport/types.js';
import { parseMetadata } from '../../../../recorder/src/siprec/metadata/index.js';
import type { StoredSession, StoredStream } from '../../../../recorder/src/store/stored-session.js';
import { REPO_ROOT } from '../../../support/recorder-process.js';

export function storeFixture(name: string): string {
  return readFileSync(join(REPO_ROOT, 'test/fixtures/store', name), 'utf8');
}

export const SRC_SOURCE: MessageSource = {
  protocol: 'tcp',
  localAddress: '192.0.2.50',
  localPort: 5060,
  remoteAddress: '198.51.100.20',
  remotePort: 5060,
  connectionId: 'tcp-41',
};

export function fixtureInvite(callId?: string): SipRequest {
  let text = storeFixture('siprec-invite-record-route.sip');
  if (callId !== undefined) text = text.replace(/^Call-ID: .*$/m, `Call-ID: ${callId}\r`);
  const m = parseSipMessage(Buffer.from(text));
  if (m.type !== 'request') throw new Error('fixture is not a request');
  return m;
}

/** The SRC's key of an offered m-line (its `inline:` value). */
export function offeredKey(offer: string, index: number): string {
  const keys = [...offer.matchAll(/inline:([A-Za-z0-9+/=]+)/g)].map((m) => m[1] ?? '');
  return keys[index] ?? '';
}

function stream(index: number, offer: string, localKey: Buffer): StoredStream {
  return {
    mediaIndex: index,
    label: String(index + 1),
    kind: 'audio',
    accepted: true,
    direction: 'recvonly',
    codec: {
      pt: 8,
      name: 'PCMA',
      clockRate: 8000,
      channels: 1,
      telephoneEvent: { pt: 101, clockRate: 8000, fmtp: '0-15' },
    },
    srtp: {
      suite: 'AES_CM_128_HMAC_SHA1_80',
      tag: 1,
      remoteKeySalt: offeredKey(offer, index),
      localKeySalt: localKey.toString('base64'),
      sessionParams: [],
    },
    rtcpMux: false,
    channel: index,
    remoteAddress: '198.51.100.21',
    remotePort: 40000 + 2 * index,
    rejectReason: null,
    packetsReceived: 1500 + index,
    bytesReceived: 258_000 + index,
    firstPacketAt: 1_772_442_845_120,
    lastPacketAt: 1_772_442_875_100,
  };
}

/** Our key‖salt for a stream: 30 bytes that look random and differ per session and stream. */
export function ourKey(recordingId: string, index: number): Buffer {
  return createHash('sha256').update(`${recordingId}/${index}`).digest().subarray(0, 30);
}

/** A complete session for `recordingId`; `callId` overrides the fixture's so sessions stay distinct. */
export function realisticSession(
  recordingId: string,
  callId?: string,
  recorderId = 'recorder-a',
): StoredSession {
  const invite = fixtureInvite(callId);
  const dialog = Dialog.fromInvite(
    invite,
    SRC_SOURCE,
    `srs-${recordingId.slice(0, 8)}`,
    '<sip:srs@192.0.2.50:5060;transport=tcp>;+sip.srs',
  );
  const offer = storeFixture('offer-srtp-two-streams.sdp');
  const metadataXml = storeFixture('metadata-complete.xml');
  const parsed = parseMetadata(metadataXml);
  if (!parsed.ok) throw new Error(`fixture metadata does not parse: ${parsed.error}`);
  const startedAt = 1_772_442_845_000;
  return {
    schema: 1,
    recordingId,
    callId: dialog.callId,
    dialog: dialog.toJSON(),
    state: 'confirmed',
    siprec: true,
    classifiedBy: 'require-siprec',
    startedAt,
    lastSignalAt: startedAt,
    endedAt: null,
    endReason: null,
    paused: false,
    sessionExpiresMs: 1_800_000,
    source: { address: SRC_SOURCE.remoteAddress, port: SRC_SOURCE.remotePort, protocol: 'tcp' },
    correlationHeaders: { 'X-UCID': '00001033631712345678' },
    sdp: {
      offer,
      offerVersion: '1',
      answer: offer.replace('o=SBC', 'o=-').replace(/a=sendonly/g, 'a=recvonly'),
      answerVersion: 1,
      localSessionId: '3948571203',
    },
    streams: [stream(0, offer, ourKey(recordingId, 0)), stream(1, offer, ourKey(recordingId, 1))],
    metadata: {
      status: 'parsed',
      merged: parsed.metadata,
      raw: [{ receivedAt: new Date(startedAt).toISOString(), method: 'INVITE', document: metadataXml }],
    },
    segments: [{ recorderId, start: startedAt, end: null, files: [`${recordingId}.wav`] }],
    counters: { reinvites: 0, updates: 0, metadataUpdates: 0, failovers: 0, handovers: 0 },
  };
}
