/**
 * baresip 1.0.0 (Debian `baresip-core`) as a TLS + SDES-SRTP caller for integration tests, driven without a
 * terminal. What works here, found by trying:
 * - Commands come from `-e` (the `menu` module runs `/dial <uri>` at start). The `stdio` module must not be
 *   loaded: with stdin not a terminal its epoll registration fails. `ctrl_tcp` is not needed.
 * - The call hangs itself up when the `aufile` source reaches the end of its WAV ("audio error (end of file)"),
 *   so the WAV's length is the call's length; we then stop the process with SIGTERM.
 * - `-n lo` fails in 1.0.0 (libre skips loopback interfaces looked up by name); `-n 127.0.0.1` together with
 *   `net_interface 127.0.0.1` keeps SIP and media on loopback.
 * - There is no `sip_trans_def` in 1.0.0: the account URI carries `;transport=tls`, which every dialled URI
 *   inherits. `;mediaenc=srtp-mand` makes the offer `RTP/SAVP` with `a=crypto` (RFC 4568).
 * - `sip_certificate` is one PEM file holding the client certificate and its key; `sip_cafile` verifies the
 *   recorder's certificate. `-s` prints every SIP message, which {@link traceMessages} extracts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BaresipCallOptions {
  /** The recorder's TLS port on 127.0.0.1. */
  readonly tlsPort: number;
  /** CA that signed the recorder's certificate. */
  readonly caFile: string;
  /** Client certificate and key; omitted, baresip presents none. */
  readonly clientCert?: { readonly certFile: string; readonly keyFile: string };
  /** Length of the 440 Hz tone sent, which is also the call's length (default 2 s). */
  readonly seconds?: number;
  /** First port of baresip's own RTP range (it needs a few). */
  readonly rtpPort: number;
}

/** A running baresip with one outgoing call. */
export interface BaresipCall {
  readonly child: ChildProcess;
  /** Everything printed so far (colour codes included). */
  output(): string;
  /** Resolves once the output matches `pattern`; rejects after `timeoutMs` or if baresip exits first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM (SIGKILL after 3 s), removes the config directory, resolves with the full output. */
  stop(): Promise<string>;
}

/** One SIP message of the `-s` trace. */
export interface TracedMessage {
  readonly from: string;
  readonly to: string;
  readonly text: string;
}

/** A mono 16-bit 8 kHz WAV of a sine tone (RIFF/WAVE, PCM). */
export function sineWav(seconds: number, hz = 440): Buffer {
  const rate = 8000;
  const samples = Math.round(seconds * rate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    wav.writeInt16LE(Math.round(12_000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  return wav;
}

/** Starts baresip and dials `sip:srs@127.0.0.1:<tlsPort>;transport=tls`. */
export async function startBaresipCall(opts: BaresipCallOptions): Promise<BaresipCall> {
  const dir = await mkdtemp(join(tmpdir(), 'baresip-'));
  const seconds = opts.seconds ?? 2;
  await writeFile(join(dir, 'tone.wav'), sineWav(seconds));
  const config = [
    'poll_method epoll',
    'sip_listen 127.0.0.1:0',
    `sip_cafile ${opts.caFile}`,
    'call_local_timeout 30',
    'call_max_calls 1',
    `audio_source aufile,${join(dir, 'tone.wav')}`,
    `audio_player aufile,${join(dir, 'played.wav')}`,
    `audio_alert aufile,${join(dir, 'alert.wav')}`,
    `rtp_ports ${opts.rtpPort}-${opts.rtpPort + 20}`,
    'rtcp_mux no',
    'net_interface 127.0.0.1',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module srtp.so',
    'module_tmp account.so',
    'module_app menu.so',
  ];
  if (opts.clientCert) {
    const pem = `${await readFile(opts.clientCert.certFile, 'utf8')}\n${await readFile(opts.clientCert.keyFile, 'utf8')}`;
    await writeFile(join(dir, 'client.pem'), pem, { mode: 0o600 });
    config.push(`sip_certificate ${join(dir, 'client.pem')}`);
  }
  await writeFile(join(dir, 'config'), `${config.join('\n')}\n`);
  await writeFile(
    join(dir, 'accounts'),
    '<sip:src@127.0.0.1;transport=tls>;regint=0;mediaenc=srtp-mand;audio_codecs=PCMU\n',
  );

  const child = spawn(
    'baresip',
    [
      '-f',
      dir,
      '-n',
      '127.0.0.1',
      '-s',
      '-t',
      String(seconds + 20),
      '-e',
      `/dial sip:srs@127.0.0.1:${opts.tlsPort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer): void => {
    output += d.toString('latin1');
    for (const l of [...listeners]) l();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const l of [...listeners]) l();
  });

  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output);
          if (match) return finish(() => resolve(match));
          if (child.exitCode !== null || child.signalCode !== null)
            finish(() => reject(new Error(`baresip exited before ${String(pattern)}:\n${output}`)));
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`no ${String(pattern)} from baresip in ${timeoutMs} ms:\n${output}`)),
            ),
          timeoutMs,
        );
        const finish = (f: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(kill);
      }
      await rm(dir, { recursive: true, force: true });
      return output;
    },
  };
}

/** The SIP messages of baresip's `-s` trace, in order. */
export function traceMessages(output: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  // Each block: ESC[36;1m "#" LF "<proto> <from> -> <to>" LF <message> ESC[;m
  const esc = String.fromCharCode(0x1b);
  const block = new RegExp(`${esc}\\[36;1m#\\r?\\n\\S+ (\\S+) -> (\\S+)\\r?\\n([\\s\\S]*?)${esc}\\[;m`, 'g');
  for (const m of output.matchAll(block))
    out.push({ from: m[1] ?? '', to: m[2] ?? '', text: (m[3] ?? '').replace(/\r\n/g, '\n') });
  return out;
}
