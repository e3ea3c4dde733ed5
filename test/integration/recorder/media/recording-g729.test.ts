/**
 * Issue 3 "Codecs": a G.729-only stream is stored losslessly — raw frames next to the WAV, the sidecar saying so.
 * sipp is the SRC with a G.729-only offer shaped like Oracle's (vorpal-oracle-2021-invite-g729-ucid: PT 18,
 * `annexb=no`, the second m-line without rtpmap) and replays, with `play_pcap_audio`, a capture this test writes:
 * RTP PT 18 with two 10-byte frames per 20 ms packet (nothing here encodes G.729; ffmpeg only decodes it, so the
 * frames are fixed pseudo-random bit patterns, which a G.729 decoder plays like any others). The raw file must hold
 * exactly those frames in order, and ffmpeg's G.729 decoder must turn the stored frames into the same audio as the
 * frames sent. A call mixing a G.729-only stream and an A-law one stores the first raw and decodes the second.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecorder, type RecorderProcess } from '../../../support/recorder-process.js';
import { runSipp } from '../../../support/sipp.js';
import { killPeers } from '../../../support/media-rtp/udp-capture.js';
import { writeRtpPcap } from '../../../support/media-rtp/rtp-pcap.js';
import { RtpPeer, buildRtp, sendPaced } from '../../../support/media-rtp/rtp-peer.js';
import { SiprecSrc } from '../../../support/media-engine/siprec-src.js';
import {
  SOURCE_SIGNALS,
  referenceAudio,
  sendWithFfmpeg,
} from '../../../support/media-engine/media-senders.js';
import {
  callLengthMs,
  compareChannel,
  readRecording,
  rms,
  waitForSidecar,
  type MediaSidecar,
} from '../../../support/media-engine/recording-check.js';

const FRAME_BYTES = 10;
const FRAMES_PER_PACKET = 2;
const PACKETS = 100; // 2 s
const FIRST_SEQ = 4242;

/** `count` G.729 frames of fixed pseudo-random bits (a linear congruential generator, seeded). */
function g729Frames(count: number, seed: number): Buffer[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    const frame = Buffer.alloc(FRAME_BYTES);
    for (let i = 0; i < FRAME_BYTES; i++) {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      frame[i] = state >>> 24;
    }
    return frame;
  });
}

/** One RTP packet of the stream: two frames, timestamps 160 apart (8 kHz, 20 ms). */
function g729Packet(frames: readonly Buffer[], index: number, ssrc: number): Buffer {
  return buildRtp({
    payloadType: 18,
    sequence: FIRST_SEQ + index,
    timestamp: 1000 + index * 160,
    ssrc,
    marker: index === 0,
    payload: Buffer.concat(frames.slice(index * FRAMES_PER_PACKET, (index + 1) * FRAMES_PER_PACKET)),
  });
}

/** The records of a raw-frame file, read by its documented layout (32-byte header, then ts/seq/len/payload). */
function readRawFile(path: string): {
  magic: string;
  clockRate: number;
  payloadType: number;
  encoding: string;
  records: { timestamp: number; sequence: number; payload: Buffer }[];
  trailing: number;
} {
  const data = readFileSync(path);
  const records: { timestamp: number; sequence: number; payload: Buffer }[] = [];
  let at = 32;
  while (at + 8 <= data.length && at + 8 + data.readUInt16BE(at + 6) <= data.length) {
    const length = data.readUInt16BE(at + 6);
    records.push({
      timestamp: data.readUInt32BE(at),
      sequence: data.readUInt16BE(at + 4),
      payload: data.subarray(at + 8, at + 8 + length),
    });
    at += 8 + length;
  }
  return {
    magic: data.toString('latin1', 0, 8),
    clockRate: data.readUInt32BE(8),
    payloadType: data[12]!,
    encoding: data.toString('latin1', 16, 32).replace(/\0+$/, ''),
    records,
    trailing: data.length - at,
  };
}

/** Decodes raw G.729 frames (10 bytes each, back to back) with ffmpeg to 16-bit samples. */
function decodeG729(frames: Buffer, dir: string, name: string): Buffer {
  const input = join(dir, `${name}.g729`);
  const output = join(dir, `${name}.s16`);
  writeFileSync(input, frames);
  execFileSync('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'g729',
    '-i',
    input,
    '-f',
    's16le',
    '-ac',
    '1',
    output,
  ]);
  return readFileSync(output);
}

/** The scenario: Oracle-shaped G.729-only offer, the capture replayed, BYE. */
function scenario(pcap: string): string {
  const sdp = [
    'v=0',
    'o=- 1274751 131744 IN IP[local_ip_type] [local_ip]',
    's=-',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    'm=audio [media_port] RTP/AVP 18 101',
    'a=rtpmap:18 G729/8000',
    'a=fmtp:18 annexb=no',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=maxptime:20',
    'a=label:369607687',
    'a=sendonly',
    'm=audio [media_port+2] RTP/AVP 18 101',
    'a=fmtp:18 annexb=no',
    'a=rtpmap:101 telephone-event/8000',
    'a=ptime:20',
    'a=label:369607688',
    'a=sendonly',
  ].join('\n');
  const metadata =
    '<?xml version="1.0" encoding="UTF-8"?><recording xmlns="urn:ietf:params:xml:ns:recording:1">' +
    '<datamode>complete</datamode><session session_id="T2VneEh6Wko="><sipSessionID>g729</sipSessionID></session>' +
    '<stream stream_id="eWYwdUNOWnk=" session_id="T2VneEh6Wko="><label>369607687</label></stream>' +
    '<stream stream_id="OEs2Y2ZWZWs=" session_id="T2VneEh6Wko="><label>369607688</label></stream></recording>';
  const dialog = (method: string, cseq: number): string[] => [
    `${method} sip:srs@[remote_ip]:[remote_port] SIP/2.0`,
    'Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]',
    'From: <sip:acmeSrc@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]',
    `To: <sip:srs@[remote_ip]:[remote_port]>${method === 'INVITE' ? '' : '[peer_tag_param]'}`,
    'Call-ID: [call_id]',
    `CSeq: ${cseq} ${method}`,
    'Max-Forwards: 70',
  ];
  const invite = [
    ...dialog('INVITE', 1),
    'Contact: <sip:acmeSrc@[local_ip]:[local_port]>;+sip.src',
    'Require: siprec',
    'Content-Type: multipart/mixed;boundary=unique-boundary-1',
    'Content-Length: [len]',
    '',
    '--unique-boundary-1',
    'Content-Type: application/sdp',
    '',
    sdp,
    '--unique-boundary-1',
    'Content-Type: application/rs-metadata+xml',
    'Content-Disposition: recording-session',
    '',
    metadata,
    '--unique-boundary-1--',
  ].join('\n');
  const ack = [...dialog('ACK', 1), 'Content-Length: 0', '', ''].join('\n');
  const bye = [...dialog('BYE', 2), 'Content-Length: 0', '', ''].join('\n');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="siprec-g729-pcap">
  <send retrans="500"><![CDATA[
${invite}
]]></send>
  <recv response="100" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
${ack}
]]></send>
  <nop><action><exec play_pcap_audio="${pcap}"/></action></nop>
  <pause milliseconds="${PACKETS * 20 + 1000}"/>
  <send retrans="500"><![CDATA[
${bye}
]]></send>
  <recv response="200"/>
</scenario>
`;
}

describe('G.729-only streams are stored as raw frames', function () {
  this.timeout(120_000);
  let recorder: RecorderProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'media-g729-'));
    recorder = await startRecorder();
  });

  afterEach(() => killPeers());

  after(async () => {
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Checks the raw file of `channel` holds exactly `frames`, in order, with the header the format documents. */
  function expectRawFrames(sidecar: MediaSidecar, channel: number, frames: readonly Buffer[]): Buffer {
    const stream = sidecar.streams[channel]!;
    const name = `${sidecar.recordingId}.ch${channel}.g729.raw`;
    expect(stream.codec).to.equal('G729');
    expect(stream.storage, 'the sidecar says the stream is stored raw').to.equal('raw');
    expect(stream.rawFile).to.equal(name);
    const raw = readRawFile(join(recorder.recordingDir, name));
    expect(raw).to.deep.include({
      magic: 'SRSRAW01',
      clockRate: 8000,
      payloadType: 18,
      encoding: 'G729',
      trailing: 0,
    });
    expect(raw.records).to.have.length(PACKETS);
    raw.records.forEach((r, i) => {
      expect(r.sequence, `record ${i}: sequence`).to.equal((FIRST_SEQ + i) & 0xffff);
      if (i > 0)
        expect((r.timestamp - raw.records[i - 1]!.timestamp) >>> 0, `record ${i}: 20 ms on`).to.equal(160);
    });
    const stored = Buffer.concat(raw.records.map((r) => r.payload));
    expect(stored.equals(Buffer.concat(frames)), 'exactly the frames sent, in order').to.be.true;
    return stored;
  }

  /** A user can play the stored frames: ffmpeg decodes them to the same audio as the frames that were sent. */
  function expectPlayable(stored: Buffer, frames: readonly Buffer[], name: string): void {
    const fromFile = decodeG729(stored, dir, `${name}-stored`);
    const fromSource = decodeG729(Buffer.concat(frames), dir, `${name}-sent`);
    expect(fromFile.length, '80 samples per frame').to.equal(frames.length * 80 * 2);
    expect(fromFile.equals(fromSource), 'decoded stored frames = decoded sent frames').to.be.true;
    expect(rms(new Int16Array(fromFile.buffer, fromFile.byteOffset, fromFile.length / 2))).to.be.greaterThan(
      0,
    );
  }

  it('sipp replays G.729 RTP: the raw file holds exactly the frames sent, and ffmpeg plays them', async () => {
    const frames = g729Frames(PACKETS * FRAMES_PER_PACKET, 729);
    const pcap = join(dir, 'g729.pcap');
    writeRtpPcap(
      pcap,
      Array.from({ length: PACKETS }, (_, i) => ({ atMs: i * 20, rtp: g729Packet(frames, i, 0x729729) })),
    );
    const file = join(dir, 'g729.xml');
    writeFileSync(file, scenario(pcap));
    const result = await runSipp({
      scenario: file,
      target: `127.0.0.1:${recorder.sipPort}`,
      timeoutSeconds: 60,
    });
    expect(result.exitCode, result.errors || result.stdout).to.equal(0);
    const callId = /Call-ID: (\S+)/.exec(result.messages)?.[1];
    const sidecar = await waitForSidecar(recorder.recordingDir, callId!);

    const stored = expectRawFrames(sidecar, 0, frames);
    expectPlayable(stored, frames, 'sipp');
    expect(sidecar.streams[0]!.packetsReceived).to.equal(PACKETS);
    expect(sidecar.streams[0]!.packetsLost).to.equal(0);
    // The second G.729 stream sent nothing: its raw file exists, with the header and no frame.
    const second = readRawFile(join(recorder.recordingDir, `${sidecar.recordingId}.ch1.g729.raw`));
    expect(second.records).to.be.empty;
    expect(sidecar.streams[1]!.storage).to.equal('raw');
    // Nothing is decoded into the WAV, which still lasts as long as the call.
    const wav = readRecording(recorder.recordingDir, sidecar);
    expect(Math.abs(sidecar.recording!.durationMs - callLengthMs(sidecar))).to.be.at.most(2);
    for (const channel of wav.channels) expect(rms(channel)).to.equal(0);
  });

  it('G.729 and A-law in one call: the G.729 stream raw, the A-law one decoded into its WAV channel', async () => {
    const frames = g729Frames(PACKETS * FRAMES_PER_PACKET, 18);
    const peer = await RtpPeer.open({ rtcpMux: false });
    const src = await SiprecSrc.open(recorder.sipPort);
    try {
      const { response, answer } = await src.invite([
        { codec: 'G729', label: 'caller', port: peer.rtpPort },
        { codec: 'PCMA', label: 'callee' },
      ]);
      expect(response.status).to.equal(200);
      const [g729Port, alawPort] = answer.map((a) => a.port) as [number, number];
      const seconds = (PACKETS * 20) / 1000;
      const alaw = sendWithFfmpeg(
        [{ codec: 'PCMA', signal: SOURCE_SIGNALS[1], port: alawPort, ssrc: 0x8a8a }],
        seconds,
      );
      await sendPaced(PACKETS, 20, (i) => peer.sendRtp(g729Packet(frames, i, 0x18181818), g729Port));
      await alaw;
      await new Promise((r) => setTimeout(r, 300));
      expect((await src.bye()).status).to.equal(200);

      const sidecar = await waitForSidecar(recorder.recordingDir, src.callId);
      const stored = expectRawFrames(sidecar, 0, frames);
      expectPlayable(stored, frames, 'mixed');
      expect(sidecar.streams[1]).to.deep.include({ codec: 'PCMA', storage: 'wav', channel: 1 });
      expect(sidecar.streams[1]!.rawFile).to.equal(undefined);
      expect(existsSync(join(recorder.recordingDir, `${sidecar.recordingId}.ch1.g729.raw`))).to.be.false;
      const wav = readRecording(recorder.recordingDir, sidecar);
      expect(wav.channels).to.have.length(2);
      expect(rms(wav.channels[0]!), 'the G.729 channel of the WAV is silent').to.equal(0);
      const reference = referenceAudio(SOURCE_SIGNALS[1], 8000, seconds, join(dir, 'ref.raw'));
      const cmp = compareChannel(reference, wav, 1);
      expect(cmp.correlation, JSON.stringify(cmp)).to.be.at.least(0.999);
    } finally {
      src.close();
      peer.close();
    }
  });
});
