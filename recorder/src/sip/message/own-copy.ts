/**
 * A flat copy of `value` that owns its characters. Header values are slices of the message's decoded header
 * text, and keys built from them are concatenations over such slices; V8 keeps a slice's whole parent alive.
 * A Call-ID or transaction key held through Timer L/J would pin the request's entire header section (about
 * 1 KB for a SIPREC INVITE) for 32 s per call.
 */
export function ownCopy(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}
