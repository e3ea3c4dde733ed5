import type { SipHeaders } from './headers.js';

/**
 * Whether `Require`/`Supported` (or another option-tag list such as `Proxy-Require`, `Unsupported`) lists
 * `tag`. Option tags compare case-insensitively here: RFC 3261 §19.2 makes them case-sensitive, but SRCs
 * have been seen writing `Timer`, and a false negative costs a recording.
 */
export function hasOptionTag(
  headers: SipHeaders,
  header: 'Require' | 'Supported' | 'Proxy-Require' | 'Unsupported',
  tag: string,
): boolean {
  const wanted = tag.toLowerCase();
  return headers.getAll(header).some((t) => t.toLowerCase() === wanted);
}
