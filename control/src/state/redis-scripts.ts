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
 * Routes delta. ARGV: epoch, since, version, change message, number withdrawn, withdrawn...,
 * announced... Returns 1 when applied, 0 when the stored epoch/version do not match.
 */
export const ROUTES_DELTA_LUA = `${APPLY_CHUNKED}
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'version')
if cur[1] ~= ARGV[1] or cur[2] ~= ARGV[2] then return 0 end
local nw = tonumber(ARGV[5])
each_chunk('SREM', KEYS[2], 6, 5 + nw)
each_chunk('SADD', KEYS[2], 6 + nw, #ARGV)
redis.call('HSET', KEYS[1], 'version', ARGV[3])
redis.call('PUBLISH', KEYS[3], ARGV[4])
return 1
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    ferryRoutesDelta(...args: (string | string[])[]): Result<number, Context>;
    ferryInventoryDelta(...args: (string | string[])[]): Result<number, Context>;
  }
}
