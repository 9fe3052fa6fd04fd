import type { Result } from 'ioredis';

// Lua run inside Redis so a delta's version check and its writes are one atomic step: two
// control instances taking heartbeats for the same appliance can never both apply a delta on
// the same `since`. Lua's unpack() is bounded by the C stack (about 8000 values), hence the
// chunks.

/** KEYS: meta hash, member set, change channel. ARGV: member count to remove, removed..., added... */
const APPLY_CHUNKED = `
local function each_chunk(cmd, key, first, last)
  local i = first
  while i <= last do
    local j = math.min(i + 999, last)
    redis.call(cmd, key, unpack(ARGV, i, j))
    i = j + 1
  end
end
`;

/**
 * Routes delta. KEYS[2] is the member set of generation ARGV[3] ('' for the set written before
 * generations, redis-route-sets.ts). ARGV: epoch, since, generation, version, change message,
 * number withdrawn, withdrawn..., announced... Returns 1 when applied, 0 when the stored
 * epoch/version/generation do not match (a snapshot flipped in between: the appliance resyncs).
 */
export const ROUTES_DELTA_LUA = `${APPLY_CHUNKED}
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'version', 'set')
if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] or (cur[3] or '') ~= ARGV[3] then return 0 end
local nw = tonumber(ARGV[6])
each_chunk('SREM', KEYS[2], 7, 6 + nw)
each_chunk('SADD', KEYS[2], 7 + nw, #ARGV)
redis.call('HSET', KEYS[1], 'version', ARGV[4])
redis.call('PUBLISH', KEYS[3], ARGV[5])
return 1
`;

/**
 * Makes a fully written route generation current. KEYS: meta hash, change channel. ARGV:
 * epoch, version, generation, change message. Returns the generation it replaced ('' for the
 * set written before generations, false when there was none).
 */
export const ROUTES_FLIP_LUA = `
local old = redis.call('HMGET', KEYS[1], 'epoch', 'set')
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'version', ARGV[2], 'set', ARGV[3])
redis.call('PUBLISH', KEYS[2], ARGV[4])
if not old[1] then return false end
return old[2] or ''
`;

/**
 * Inventory delta. ARGV: since, version, change message, number removed, removed..., added...
 */
export const INVENTORY_DELTA_LUA = `${APPLY_CHUNKED}
local cur = redis.call('HGET', KEYS[1], 'version')
if cur ~= ARGV[1] then return 0 end
local nr = tonumber(ARGV[4])
each_chunk('SREM', KEYS[2], 5, 4 + nr)
each_chunk('SADD', KEYS[2], 5 + nr, #ARGV)
redis.call('HSET', KEYS[1], 'version', ARGV[2])
redis.call('PUBLISH', KEYS[3], ARGV[3])
return 1
`;

/**
 * A chaos experiment, by the rule of experiment-merge.ts: the record is replaced only when
 * its state moves forward; `applied` times are one field per appliance and time, set once
 * (HSETNX). KEYS: experiments hash, the experiment's applied hash, change channel. ARGV: id,
 * state, record JSON (without applied), change message, then field, value pairs. Returns 1
 * when the state changed, 0 when the stored one was kept.
 */
export const EXPERIMENT_PUT_LUA = `
local rank = { planned = 0, running = 1, ended = 2, aborted = 2, refused = 2 }
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local changed = 0
if not cur or rank[ARGV[2]] > rank[cjson.decode(cur).state] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  changed = 1
end
for i = 5, #ARGV, 2 do
  redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('PUBLISH', KEYS[3], ARGV[4])
return changed
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    ferryRoutesDelta(...args: (string | string[])[]): Result<number, Context>;
    ferryRoutesFlip(...args: string[]): Result<string | null, Context>;
    ferryInventoryDelta(...args: (string | string[])[]): Result<number, Context>;
    ferryExperimentPut(...args: string[]): Result<number, Context>;
  }
}
