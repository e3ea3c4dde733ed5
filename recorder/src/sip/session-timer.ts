import { hasOptionTag } from './message/option-tags.js';
import { parseParams, splitOutside } from './message/split.js';
import type { SipRequest } from './message/types.js';

/** RFC 4028 §4: the smallest session interval anyone may ask for, in seconds. */
export const RFC4028_MIN_SE = 90;

/** Our policy for session timers. */
export interface SessionTimerPolicy {
  /** Our Min-SE in seconds; keep it ≤ 90 so no real SRC is ever answered 422 (INTEROP.md §9). */
  minSE: number;
  /** Interval to impose when a timer-capable UAC asked for none; unset = no timer in that case. */
  defaultSE?: number;
}

/** What to do with the session timer of an INVITE / re-INVITE / UPDATE. */
export type SessionTimerResult =
  | { kind: 'none' }
  | {
      kind: 'ok';
      /** Seconds; the session ends if no refresh arrives within it. */
      sessionExpires: number;
      refresher: 'uac';
      /** `Session-Expires: N;refresher=uac` and `Require: timer` — for the 2xx. */
      responseHeaders: [string, string][];
    }
  | {
      kind: 'too-small';
      /** Answer 422 with `Min-SE: minSE` (RFC 4028 §6). */
      minSE: number;
      responseHeaders: [string, string][];
    };

/** Parses a delta-seconds value (RFC 4028 §4), rejecting junk and absurd values. */
function deltaSeconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 0xffffffff ? n : undefined;
}

/**
 * Negotiates the session timer as the UAS (RFC 4028 §9) with one fixed policy: the SRC refreshes
 * (`refresher=uac`, INTEROP.md §8.6 — SRCs such as OpenSIPS cannot take SRS-originated refreshes).
 *
 * - No Session-Expires: a timer-capable UAC gets `defaultSE` if configured, else no timer.
 * - The UAC does not list `timer` in Supported (a proxy inserted Session-Expires), or it asked for
 *   `refresher=uas`: the §9 table would make *us* the refresher, so we decline the timer altogether and
 *   answer without Session-Expires (§7.2: the UAC then knows there is none) — never 422.
 * - Session-Expires below our Min-SE from a timer-capable UAC: 422 (§9). Our Min-SE is capped at the RFC
 *   floor of 90 s; a lower one deliberately tolerates SRCs that ask for less.
 * - Otherwise we accept the requested interval unchanged, e.g. CUBE SE 1800/Min-SE 1800 and Ribbon
 *   SE 1800/Min-SE 90 (INTEROP.md §9).
 */
export function negotiateSessionTimer(request: SipRequest, policy: SessionTimerPolicy): SessionTimerResult {
  const ourMin = Math.max(Math.min(policy.minSE, RFC4028_MIN_SE), 1);
  const uacSupportsTimer =
    hasOptionTag(request.headers, 'Supported', 'timer') || hasOptionTag(request.headers, 'Require', 'timer');
  const minSEHeader = request.headers.get('Min-SE');
  const requestMin = deltaSeconds(minSEHeader?.split(';')[0]) ?? 0;
  const seHeader = request.headers.get('Session-Expires');

  const ok = (seconds: number): SessionTimerResult => ({
    kind: 'ok',
    sessionExpires: seconds,
    refresher: 'uac',
    responseHeaders: [
      ['Session-Expires', `${seconds};refresher=uac`],
      // §9: "If the refresher parameter in the 2xx response has a value of 'uac', the UAS MUST place a
      // Require header field into the response with the value 'timer'."
      ['Require', 'timer'],
    ],
  });

  if (seHeader === undefined) {
    if (!uacSupportsTimer || policy.defaultSE === undefined) return { kind: 'none' };
    return ok(Math.max(policy.defaultSE, requestMin, ourMin));
  }
  const [valuePart = '', ...paramParts] = splitOutside(seHeader, ';');
  const seconds = deltaSeconds(valuePart);
  if (seconds === undefined || !uacSupportsTimer) return { kind: 'none' };
  if (parseParams(paramParts).get('refresher')?.toLowerCase() === 'uas') return { kind: 'none' };
  if (seconds < ourMin) {
    const minSE = Math.max(ourMin, requestMin);
    return { kind: 'too-small', minSE, responseHeaders: [['Min-SE', String(minSE)]] };
  }
  return ok(seconds);
}
