/**
 * The messages between the {@link MediaEngine} (main thread, SIP side) and its media workers. Every request
 * carries an id and gets exactly one reply; the workers also push periodic reports (liveness per stream and
 * counter deltas for the metrics). Plain data only: everything here crosses `postMessage` (structured clone).
 *
 * SRTP keys travel in `configure` requests: a structured clone inside one process, never serialised to text, and
 * never part of a reply, a report or a log line.
 */

/** Codecs a stream can be recorded with (G.729 is stored as raw frames, the others decoded into the WAV). */
export type MediaCodecName = 'PCMU' | 'PCMA' | 'G722' | 'OPUS' | 'G729';

/** How one negotiated stream is to be received. Sent for every stream of a recording on each (re-)offer. */
export interface MediaStreamConfig {
  /** The stream's RTP port, as allocated by the same recording: its key from then on. */
  readonly rtpPort: number;
  /** `a=label`, for the sidecar and DTMF events. */
  readonly label: string | null;
  /** Channel in the recording (offer order among recorded streams), fixed for the life of the stream. */
  readonly channel: number;
  readonly codec: {
    readonly name: MediaCodecName;
    readonly pt: number;
    /** RTP clock rate (8000 for G.722, RFC 3551 §4.5.2; 48000 for Opus). */
    readonly clockRate: number;
  };
  /** RFC 4733 telephone-event payload type and its clock rate, when negotiated. */
  readonly telephoneEvent: { readonly pt: number; readonly clockRate: number } | null;
  /** RFC 3389 comfort-noise payload type, when negotiated. */
  readonly comfortNoisePt: number | null;
  /**
   * SDES-SRTP: the suite, the SRC's master key‖salt (decrypts what it sends) and ours from the answer (protects
   * the receiver reports we send back, RFC 4568 §6.1).
   */
  readonly srtp: {
    readonly suite: string;
    readonly remoteKeySalt: Uint8Array;
    readonly localKeySalt: Uint8Array;
  } | null;
  /** RTCP on the RTP port (RFC 5761) instead of port + 1. */
  readonly rtcpMux: boolean;
  /** False while the stream is `inactive` (hold): packets are not written, the timeline pads silence. */
  readonly active: boolean;
  /** Where the SDP says the SRC sends from; the real source is latched from the first valid packet. */
  readonly remoteAddress: string | null;
  readonly remotePort: number;
}

/** The RTP and RTCP ports of one allocated stream. */
export interface MediaPortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

/** One RFC 4733 event as the sidecar records it. */
export interface DtmfEvent {
  /** 0–9, *, #, A–D, "flash", or "event-<n>" for other event codes (RFC 4733 §3.2). */
  readonly digit: string;
  readonly label: string | null;
  readonly channel: number;
  /** Wall-clock time (ms since the epoch) the event's first packet arrived. */
  readonly atMs: number;
  readonly durationMs: number;
}

/** Reception statistics of one stream, for the sidecar. */
export interface StreamMediaStats {
  readonly rtpPort: number;
  readonly label: string | null;
  readonly channel: number;
  /** Whether the stream has a channel in the WAV (false for one added after the layout was fixed). */
  readonly inWav: boolean;
  readonly codec: MediaCodecName | null;
  /** `wav` when decoded into the recording, `raw` when stored as frames (G.729). */
  readonly storage: 'wav' | 'raw';
  readonly rawFile: string | null;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly packetsDuplicated: number;
  readonly packetsLate: number;
  /** Interarrival jitter (RFC 3550 A.8) in ms. */
  readonly jitterMs: number;
  readonly bytesReceived: number;
  readonly firstPacketAt: number | null;
  readonly lastPacketAt: number | null;
  readonly srtpAuthFailures: number;
  readonly srtpReplays: number;
  readonly decodeErrors: number;
  /** Truncated, oversized, wrong version, bad header. */
  readonly malformedPackets: number;
  /** Packets from a source other than the latched one. */
  readonly foreignPackets: number;
  /** Payload types that were not negotiated. */
  readonly unknownPayloadTypes: number;
  readonly ssrcChanges: number;
  readonly latchedSource: string | null;
  readonly rtcpReceived: number;
  readonly rtcpSent: number;
  readonly dtmfEvents: number;
  /** Timeline: re-anchorings on the wall clock, net drift correction (ms, + = silence inserted), late audio (ms). */
  readonly timeline: { readonly reanchors: number; readonly driftMs: number; readonly lateMs: number } | null;
}

/** The outcome of finalising a recording. */
export interface RecordingMediaResult {
  readonly recordingId: string;
  readonly wav: {
    readonly path: string;
    readonly channels: number;
    readonly sampleRate: number;
    readonly frames: number;
    readonly durationMs: number;
  } | null;
  readonly streams: readonly StreamMediaStats[];
  readonly dtmf: readonly DtmfEvent[];
  /** The first write failure, if any (the `.part` file is then left for the start-up repair). */
  readonly writeError: string | null;
}

/** Liveness of one stream, pushed about once a second. */
export interface StreamLiveness {
  readonly recordingId: string;
  readonly rtpPort: number;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly firstPacketAt: number | null;
  readonly lastPacketAt: number | null;
}

/** Counter increments since the previous report of one worker. */
export interface WorkerCounterDeltas {
  packets: number;
  bytes: number;
  lost: number;
  srtpAuthFailures: number;
  decodeErrors: number;
  malformed: number;
}

/** Requests from the main thread. */
export type EngineRequest =
  | {
      readonly id: number;
      readonly op: 'open';
      readonly recordingId: string;
      readonly directory: string;
      readonly startMs: number;
      /**
       * RTP/RTCP pairs to bind now and return in the reply (the offer's m-lines), saving a round trip per stream.
       * Fewer come back when the worker's slice runs out; the caller then asks with `allocate`.
       */
      readonly ports: number;
    }
  | { readonly id: number; readonly op: 'allocate'; readonly recordingId: string }
  | {
      readonly id: number;
      readonly op: 'configure';
      readonly recordingId: string;
      readonly streams: readonly MediaStreamConfig[];
      /** RTP ports bound by `open` that no stream took: closed without a trace in the result. */
      readonly unused: readonly number[];
    }
  | { readonly id: number; readonly op: 'release'; readonly recordingId: string; readonly rtpPort: number }
  | {
      readonly id: number;
      readonly op: 'pause' | 'resume';
      readonly recordingId: string;
      readonly atMs: number;
    }
  | {
      readonly id: number;
      readonly op: 'finalize';
      readonly recordingId: string;
      readonly endMs: number;
      /** False: close sockets and delete any partial files (a session that never started). */
      readonly keep: boolean;
      /** As in `configure`: pairs bound by `open` that no stream took. */
      readonly unused: readonly number[];
    }
  | { readonly id: number; readonly op: 'close' };

/** A reply to one request. */
export type EngineReply =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string };
    };

/** What a worker pushes on its own. */
export type EngineEvent =
  | {
      readonly type: 'report';
      readonly streams: readonly StreamLiveness[];
      readonly counters: WorkerCounterDeltas;
      /** Seconds each periodic write flush took since the last report. */
      readonly writeLatencies: readonly number[];
      readonly portsInUse: number;
    }
  | {
      /**
       * RFC 4733 events of one recording as they end (within a tick), for pause triggers (RecordingPolicy `pause`):
       * the final result still lists every event not inside a pause.
       */
      readonly type: 'dtmf';
      readonly recordingId: string;
      readonly events: readonly DtmfEvent[];
    }
  | {
      readonly type: 'log';
      readonly level: 'warn' | 'error' | 'info';
      readonly msg: string;
      readonly fields: Readonly<Record<string, string | number | null>>;
    };

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  readonly index: number;
  readonly host: string;
  /** First RTP port of this worker's slice (even) and the number of RTP/RTCP pairs in it. */
  readonly firstPort: number;
  readonly pairCount: number;
  readonly reportIntervalMs: number;
  readonly tickMs: number;
}
