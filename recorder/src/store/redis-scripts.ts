/**
 * Lua scripts of the Redis store. Each runs atomically on the server (Redis executes a script without
 * interleaving other commands), which is what makes fencing and "exactly one recorder wins" hold: the check and
 * the change happen in one step. Times are epoch ms from the calling recorder's clock (leases are seconds long;
 * NTP keeps recorders within milliseconds of each other).
 *
 * Session hash fields: `p:core`, `p:sdp`, `p:streams`, `p:meta` (the document parts), `fence` (newest fencing
 * token, incremented with HINCRBY — the hash-field INCR), `owner`, `leaseUntil`, `ended`, `rev`, and the index
 * entries it is found by, `dialog` and `callid`.
 */
import { createHash } from 'node:crypto';

/** A script with its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Writes parts of a session under a fencing token.
 * KEYS: session, dialog index, Call-ID index, leases.
 * ARGV: token, recorderId, now, leaseMs, ttlMs, full (1|0), recordingId, ended (1|0), indexTtlMs, dialog id, Call-ID,
 * key prefix, then field/value pairs.
 * Returns {1, revision} | {0, fence, owner} (a newer owner: refused) | {-1} (partial write to a missing session).
 *
 * The session hash remembers the dialog id and Call-ID it is indexed under (`dialog`, `callid`): when INVITE/Replaces
 * moved it to a new dialog (RFC 3891 §3), the replaced dialog's index entries are removed — that dialog has ended,
 * and must not lead a later request to the new one.
 */
export const SAVE = script(
  'save',
  `
local token = tonumber(ARGV[1])
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if fence > token then
  return {0, fence, redis.call('HGET', KEYS[1], 'owner') or ''}
end
if ARGV[6] ~= '1' and redis.call('HEXISTS', KEYS[1], 'p:core') == 0 then
  return {-1}
end
if fence < token then
  -- Unknown to Redis: a new recording, or Redis lost its data. The write restores the session with its writer
  -- as owner under the token it holds, so fencing stays monotonic across a Redis restart.
  local untilMs = tonumber(ARGV[3]) + tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], 'fence', token, 'owner', ARGV[2], 'leaseUntil', untilMs)
  if ARGV[8] ~= '1' then redis.call('ZADD', KEYS[4], untilMs, ARGV[7]) end
end
local previousDialog = redis.call('HGET', KEYS[1], 'dialog')
if previousDialog and previousDialog ~= ARGV[10] then
  local key = ARGV[12] .. 'dialog:' .. previousDialog
  if redis.call('GET', key) == ARGV[7] then redis.call('DEL', key) end
end
local previousCallId = redis.call('HGET', KEYS[1], 'callid')
if previousCallId and previousCallId ~= ARGV[11] then
  redis.call('SREM', ARGV[12] .. 'callid:' .. previousCallId, ARGV[7])
end
redis.call('HSET', KEYS[1], 'dialog', ARGV[10], 'callid', ARGV[11])
for i = 13, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'ended', ARGV[8])
local rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
local ttl = tonumber(ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('SET', KEYS[2], ARGV[7], 'PX', ttl)
redis.call('SADD', KEYS[3], ARGV[7])
redis.call('PEXPIRE', KEYS[3], ttl)
if ARGV[8] == '1' then redis.call('ZREM', KEYS[4], ARGV[7]) end
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[9]))
return {1, rev}
`,
);

/**
 * acquire | takeover | claim (see `SessionStore`).
 * KEYS: session, leases, recorders. ARGV: recorderId, now, leaseMs, mode, recordingId, counters key prefix,
 * counters TTL ms.
 * Returns {1, token, previousOwner, leaseUntil} | {0, owner, leaseUntil} | {-2} (not found) | {-3} (ended).
 */
export const ACQUIRE = script(
  'acquire',
  `
if redis.call('HEXISTS', KEYS[1], 'p:core') == 0 then return {-2} end
local me = ARGV[1]
local now = tonumber(ARGV[2])
local mode = ARGV[4]
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'leaseUntil') or '0')
local ended = redis.call('HGET', KEYS[1], 'ended') == '1'
local free = owner == '' or untilMs <= now or owner == me
if mode == 'takeover' and not free then
  local alive = tonumber(redis.call('ZSCORE', KEYS[3], owner) or '0')
  free = alive <= now
elseif mode == 'claim' then
  if ended then return {-3} end
  free = owner ~= '' and untilMs <= now
end
if not free then return {0, owner, untilMs} end
local token = redis.call('HINCRBY', KEYS[1], 'fence', 1)
local newUntil = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'owner', me, 'leaseUntil', newUntil)
if not ended then redis.call('ZADD', KEYS[2], newUntil, ARGV[5]) end
if owner ~= '' and owner ~= me then
  local ttl = tonumber(ARGV[7])
  local lost = ARGV[6] .. owner
  redis.call('HINCRBY', lost, 'failovers', 1)
  redis.call('PEXPIRE', lost, ttl)
  if mode == 'takeover' then
    local won = ARGV[6] .. me
    redis.call('HINCRBY', won, 'recoveries', 1)
    redis.call('PEXPIRE', won, ttl)
  end
end
return {1, token, owner, newUntil}
`,
);

/**
 * KEYS: session, leases. ARGV: recorderId, token, now, leaseMs, recordingId.
 * Returns {1, leaseUntil} | {0, owner, fence} | {-2}.
 */
export const RENEW = script(
  'renew',
  `
if redis.call('HEXISTS', KEYS[1], 'p:core') == 0 then return {-2} end
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
if fence ~= tonumber(ARGV[2]) or owner ~= ARGV[1] then return {0, owner, fence} end
local untilMs = tonumber(ARGV[3]) + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'leaseUntil', untilMs)
if redis.call('HGET', KEYS[1], 'ended') ~= '1' then redis.call('ZADD', KEYS[2], untilMs, ARGV[5]) end
return {1, untilMs}
`,
);

/** KEYS: session, leases. ARGV: recorderId, token, recordingId. Returns 1 | 0. */
export const RELEASE = script(
  'release',
  `
local fence = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if fence ~= tonumber(ARGV[2]) or (redis.call('HGET', KEYS[1], 'owner') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', '', 'leaseUntil', 0)
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
`,
);

/**
 * KEYS: recorder key, recorders. ARGV: recorderId, info JSON, now, ttlMs, index TTL ms.
 * Recorders whose heartbeat expired are dropped from the index on the way.
 */
export const HEARTBEAT = script(
  'heartbeat',
  `
local now = tonumber(ARGV[3])
local expires = now + tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[4]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], expires, ARGV[1])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
return expires
`,
);

/** Every script, loaded on each connection. */
export const SCRIPTS: readonly LuaScript[] = [SAVE, ACQUIRE, RENEW, RELEASE, HEARTBEAT];
