import { randomBytes, randomFillSync } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from './via.js';

/** A source of random bytes; injectable so tests can make tags, branches and Call-IDs deterministic. */
export type RandomSource = (n: number) => Buffer;

const POOL_SIZE = 4096;
let pool: Buffer | undefined;
let poolOffset = POOL_SIZE;

/**
 * The default random source: CSPRNG bytes served from a 4 KiB pool refilled in one call, because a
 * `randomBytes` call per tag/branch costs more than the rest of answering a request.
 */
export const cryptoRandom: RandomSource = (n) => {
  if (n > 256) return randomBytes(n);
  if (poolOffset + n > POOL_SIZE) {
    pool ??= Buffer.allocUnsafe(POOL_SIZE);
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from((pool as Buffer).subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
};

/** A From/To tag (RFC 3261 §19.3: at least 32 bits of randomness): 16 hex digits. */
export function newTag(random: RandomSource = cryptoRandom): string {
  return random(8).toString('hex');
}

/** A Via branch, unique per transaction, starting with the RFC 3261 magic cookie (§8.1.1.7). */
export function newBranch(random: RandomSource = cryptoRandom): string {
  return BRANCH_MAGIC_COOKIE + random(10).toString('hex');
}

/** A Call-ID (RFC 3261 §8.1.1.4): globally unique, 128 random bits, optionally `@host`. */
export function newCallId(random: RandomSource = cryptoRandom, host?: string): string {
  const id = random(16).toString('hex');
  return host ? `${id}@${host}` : id;
}
