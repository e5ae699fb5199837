/**
 * The Redis side of bind-slot leases (see bind-slots.ts). Keys, all under the daemon's key prefix:
 * - `slots:<carrier>:members` (zset): instance token → when its announcement expires (Redis time, ms);
 * - `slots:<carrier>:binds` (hash): instance token → how many slots (binds) it has configured for the carrier;
 * - `slots:<carrier>:<k>`: the token of the instance holding slot k, expiring with its lease;
 * - `slots:<carrier>:<k>:free`: when slot k was first seen free (Redis time, ms) while nobody took it;
 * - `slots:instance:<token>`: `<nonce>:<time>` — the process running under the token (a random nonce per process)
 *   and when it last ticked, to notice two running instances sharing one token.
 * Times come from Redis's own clock (TIME), so instances' clocks need not agree.
 */

/** The keys one carrier's part of a tick uses, in the order TICK_SCRIPT reads them. */
export function carrierKeys(prefix: string, carrier: string, binds: number): string[] {
  const base = `${prefix}slots:${carrier}:`;
  const keys = [`${base}members`, `${base}binds`];
  for (let k = 0; k < binds; k++) keys.push(`${base}${k}`);
  for (let k = 0; k < binds; k++) keys.push(`${base}${k}:free`);
  return keys;
}

export function instanceKey(prefix: string, token: string): string {
  return `${prefix}slots:instance:${token}`;
}

export function slotKey(prefix: string, carrier: string, slot: number): string {
  return `${prefix}slots:${carrier}:${slot}`;
}

/** One slot's state in a tick's answer. */
export const SlotState = {
  /** Ours, renewed. */
  held: "H",
  /** Ours from this tick on. */
  taken: "T",
  /** Ours, renewed, but it belongs to another live instance now: drain the bind and release it. */
  yield: "Y",
  /** Another instance holds it. */
  other: "O",
  /** Nobody holds it (and it is not ours to take yet). */
  free: "F",
} as const;
export type SlotStateCode = (typeof SlotState)[keyof typeof SlotState];

/**
 * tick — KEYS: instanceKey, then carrierKeys(...) of each carrier, one after the other; ARGV: token, leaseMs,
 * freeGraceMs, acquire ("1": announce, take and yield; "0": shutting down — withdraw the announcement, only renew what
 * is held), carrier count, process nonce, then each carrier's binds. Per carrier: drops expired announcements, announces this instance (unless
 * shutting down), then for each slot k renews it when it is ours, takes it when free and ours by preference (slot k
 * prefers the live instance of rank k mod n among those configured with more than k binds, ranked by token), or
 * when free for `freeGraceMs` whoever asks. A slot held by an instance it does not prefer is yielded (Y) to the
 * preferred one when there are at least as many slots as instances (so every instance gets one); with fewer, only
 * when the preferred one holds at least two slots fewer (a joining instance does not move a bind for nothing).
 * Returns what the instance key held before ("" if none), then one string per carrier, a SlotState letter per
 * slot.
 */
export const TICK_SCRIPT = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token, lease, grace, acquire = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == "1"
local out = {redis.call("GET", KEYS[1]) or ""}
redis.call("SET", KEYS[1], ARGV[6] .. ":" .. now, "PX", lease * 2)
local k, a = 2, 7
for c = 1, tonumber(ARGV[5]) do
  local binds = tonumber(ARGV[a])
  a = a + 1
  local members, counts = KEYS[k], KEYS[k + 1]
  local base = k + 2
  k = k + 2 + 2 * binds
  for _, gone in ipairs(redis.call("ZRANGEBYSCORE", members, "-inf", now)) do
    redis.call("ZREM", members, gone)
    redis.call("HDEL", counts, gone)
  end
  if acquire then
    redis.call("ZADD", members, now + lease, token)
    redis.call("HSET", counts, token, binds)
    redis.call("PEXPIRE", members, lease * 2)
    redis.call("PEXPIRE", counts, lease * 2)
  else
    redis.call("ZREM", members, token)
    redis.call("HDEL", counts, token)
  end
  local live = redis.call("ZRANGE", members, 0, -1)
  table.sort(live)
  local wants = {}
  for i, m in ipairs(live) do wants[i] = tonumber(redis.call("HGET", counts, m) or "0") end
  -- Slots held per instance: with fewer slots than instances, a slot moves only to even out counts (not for rank alone).
  local holders, held = {}, {}
  for s = 0, binds - 1 do
    local holder = redis.call("GET", KEYS[base + s])
    holders[s] = holder
    if holder then held[holder] = (held[holder] or 0) + 1 end
  end
  local strict = #live <= binds
  local states = {}
  for s = 0, binds - 1 do
    local slot, free = KEYS[base + s], KEYS[base + binds + s]
    local candidates = {}
    for i, m in ipairs(live) do
      if wants[i] > s then candidates[#candidates + 1] = m end
    end
    local preferred = false
    if #candidates > 0 then preferred = candidates[(s % #candidates) + 1] end
    local holder = holders[s]
    local state
    if holder == token then
      redis.call("PEXPIRE", slot, lease)
      if acquire and preferred and preferred ~= token and (strict or (held[preferred] or 0) + 1 < held[token]) then
        state = "Y"
        held[token] = held[token] - 1
        held[preferred] = (held[preferred] or 0) + 1
      else
        state = "H"
      end
    elseif holder then
      state = "O"
    else
      local since = tonumber(redis.call("GET", free) or "")
      if not since then
        since = now
        redis.call("SET", free, now, "PX", lease * 2)
      end
      if acquire and (preferred == token or now - since >= grace) then
        redis.call("SET", slot, token, "PX", lease)
        redis.call("DEL", free)
        state = "T"
      else
        state = "F"
      end
    end
    states[#states + 1] = state
  end
  out[c + 1] = table.concat(states)
end
return out
`;

/**
 * release — KEYS: slot keys, then (from ARGV[2] + 1 on) pairs of members and binds keys to withdraw the
 * announcement from; ARGV: token, how many slot keys. Deletes each slot key that holds `token` (a lease another
 * instance took meanwhile is left alone). Returns how many leases were released.
 */
export const RELEASE_SCRIPT = `
local released = 0
local slots = tonumber(ARGV[2])
for i = 1, slots do
  if redis.call("GET", KEYS[i]) == ARGV[1] then
    redis.call("DEL", KEYS[i])
    released = released + 1
  end
end
for i = slots + 1, #KEYS, 2 do
  redis.call("ZREM", KEYS[i], ARGV[1])
  redis.call("HDEL", KEYS[i + 1], ARGV[1])
end
return released
`;

/** probe — KEYS: instanceKey. Returns what it holds ("" if nothing) and Redis's time (ms). */
export const PROBE_SCRIPT = `
local t = redis.call("TIME")
return {redis.call("GET", KEYS[1]) or "", tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))}
`;

/** forget — KEYS: instanceKey; ARGV: nonce. Deletes it if this process wrote it last. */
export const FORGET_SCRIPT = `
local value = redis.call("GET", KEYS[1]) or ""
if string.sub(value, 1, #ARGV[1] + 1) == ARGV[1] .. ":" then return redis.call("DEL", KEYS[1]) end
return 0
`;
