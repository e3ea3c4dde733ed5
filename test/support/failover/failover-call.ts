/**
 * One recorded call for failover tests: a `FailoverSrc` dialog plus its two paced PCMU streams, started on one
 * recorder and moved (signalling and media) to another one as the SRC would after its failure.
 */
import { FailoverSrc, parseAnswer, type SrcResponse } from './failover-src.js';
import { RtpStreams, referenceSignal } from './rtp-stream.js';

export class FailoverCall {
  readonly src: FailoverSrc;
  readonly rtp: RtpStreams;
  /** The reference audio of each stream (decoded PCMU, what a perfect recording holds). */
  readonly reference: Int16Array[];
  /** RTP ports of the first recorder's answer. */
  readonly firstPorts: number[];

  private constructor(src: FailoverSrc, rtp: RtpStreams, reference: Int16Array[], firstPorts: number[]) {
    this.src = src;
    this.rtp = rtp;
    this.reference = reference;
    this.firstPorts = firstPorts;
  }

  /** INVITE to `sipPort`, then media to the answered ports. Throws unless answered 200. */
  static async start(sipPort: number, seconds: number, seed = 7): Promise<FailoverCall> {
    const src = await FailoverSrc.open();
    const ok = await src.invite(sipPort);
    if (ok.status !== 200) {
      src.close();
      throw new Error(`INVITE answered ${ok.status}`);
    }
    const signals = [referenceSignal(seed, seconds), referenceSignal(seed * 31 + 1, seconds)];
    const ports = parseAnswer(ok.body).media.map((m) => m.port);
    const rtp = await RtpStreams.open(
      signals.map((s) => s.ulaw),
      ports.map((port) => ({ host: '127.0.0.1', port })),
    );
    rtp.start();
    return new FailoverCall(
      src,
      rtp,
      signals.map((s) => s.pcm),
      ports,
    );
  }

  /** Points the media at the ports of `answer` (a 200 with SDP); returns them. */
  follow(answer: SrcResponse): number[] {
    const ports = parseAnswer(answer.body).media.map((m) => m.port);
    this.rtp.retarget(ports.map((port) => ({ host: '127.0.0.1', port })));
    return ports;
  }

  close(): void {
    this.rtp.close();
    this.src.close();
  }
}
