/**
 * Receives what a real sender (ffmpeg, GStreamer) sends to an RTP port and the RTCP port above it, for the
 * media integration tests; and runs those senders with a deadline so a hung peer never outlives its test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';

/** Datagrams received on an RTP/RTCP port pair. */
export interface PortPairCapture {
  readonly port: number;
  readonly rtp: Buffer[];
  readonly rtcp: Buffer[];
  close(): void;
}

/** Binds a free port P (kernel-chosen) and P + 1 on 127.0.0.1, retrying until both are free. */
export async function capturePortPair(): Promise<PortPairCapture> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const rtpSocket = dgram.createSocket('udp4');
    const rtcpSocket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => rtpSocket.bind(0, '127.0.0.1', resolve));
    const port = rtpSocket.address().port;
    if (port < 65535) {
      const ok = await new Promise<boolean>((resolve) => {
        rtcpSocket.once('error', () => resolve(false));
        rtcpSocket.bind(port + 1, '127.0.0.1', () => resolve(true));
      });
      if (ok) {
        const rtp: Buffer[] = [];
        const rtcp: Buffer[] = [];
        rtpSocket.on('message', (m) => rtp.push(m));
        rtcpSocket.on('message', (m) => rtcp.push(m));
        return {
          port,
          rtp,
          rtcp,
          close: () => {
            rtpSocket.close();
            rtcpSocket.close();
          },
        };
      }
    }
    rtpSocket.close();
    rtcpSocket.close();
  }
  throw new Error('no free RTP/RTCP port pair');
}

/** Children started by {@link runPeer} and not yet exited; tests kill them in an after hook. */
export const runningPeers = new Set<ChildProcess>();

/** Kills every peer still running (call from `after`/`afterEach`). */
export function killPeers(): void {
  for (const child of runningPeers) child.kill('SIGKILL');
  runningPeers.clear();
}

/**
 * Runs a peer to completion; resolves with its stderr once it exited 0 and a short grace period for the last
 * datagrams passed, rejects on a non-zero exit or after `timeoutMs` (the peer is killed).
 */
export function runPeer(command: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    runningPeers.add(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not finish in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      runningPeers.delete(child);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      runningPeers.delete(child);
      if (code !== 0) {
        reject(new Error(`${command} exited with ${code}: ${stderr}`));
        return;
      }
      setTimeout(() => resolve(stderr), 200);
    });
  });
}
