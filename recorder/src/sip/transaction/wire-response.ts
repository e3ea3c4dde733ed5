import { parseSipMessage } from '../message/parser.js';
import { serializeSipMessage } from '../message/serializer.js';
import type { SipResponse } from '../message/types.js';

/**
 * A final response a server transaction keeps only to send it again (§17.2.1 Timer G and retransmitted
 * INVITEs, §17.2.2 retransmitted requests during Timer J). On UDP that is 32 s per transaction, and the
 * parsed form — header rows, their strings (slices that pin the request's whole header text), a body
 * buffer — is ~1.5 KB; the wire text is one flat string of a few hundred bytes. Retransmissions are rare,
 * so parsing it back for them costs less than holding the objects for every call.
 */
export class WireResponse {
  /** Latin-1 so every byte of the body round-trips unchanged. */
  readonly #text: string;

  constructor(response: SipResponse) {
    this.#text = serializeSipMessage(response).toString('latin1');
  }

  /** The response again, byte-for-byte the same once serialized. */
  revive(): SipResponse {
    const wire = Buffer.from(this.#text, 'latin1');
    // Our own message: the limits that guard against peers must not refuse it (this runs in timer callbacks).
    return parseSipMessage(wire, {
      maxHeaders: Number.MAX_SAFE_INTEGER,
      maxHeaderBytes: wire.length,
    }) as SipResponse;
  }
}
