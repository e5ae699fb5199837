/**
 * The one script a RedisBatch call runs (redis-batch.ts): its operations' bodies as Lua functions, and the dispatcher
 * that runs a batch of them in order, answers each, and keeps a call's answers for a second run of it.
 */

/**
 * How long a call's answer is kept for a second run of it: ioredis resends on its reconnect, within its retries
 * (seconds). Every call that writes leaves one such key (~200 bytes) for this long: ~6 MB of Redis at 1,000 calls a
 * second.
 */
const REPLAY_TTL_MS = 30_000;

/**
 * Runs the operations in order. ARGV[1] is the batch as one MessagePack array, flat: name, keys, args of the
 * first operation, then of the second, … (keys and args arrays of strings, as a script's own KEYS and ARGV are):
 * one argument instead of thousands, so neither ioredis nor Redis parses a long argument list (Redis's Lua has
 * cmsgpack), and no table per operation beyond its own KEYS and ARGV. Answers flat too: 1 and the result, or 0 and
 * the error text, per operation (a result of nil is answered as false: a nil would end the reply early).
 * ARGV[2], for a call that writes: its replay key (see the class comment).
 * The keys are not declared in the call's KEYS: fine on one Redis primary, not on a Cluster.
 */
const DISPATCH = `
local replay = ARGV[2]
local answered = nil
if replay then
  local stored = redis.call("GET", replay)
  if stored then answered = cmsgpack.unpack(stored) end
end
local batch = cmsgpack.unpack(ARGV[1])
local out = {}
local reads = false
local j = 1
for i = 1, #batch, 3 do
  local name = batch[i]
  local fn = OPS[name]
  if READS[name] then reads = true end
  if answered and not READS[name] then
    out[j] = answered[j]
    out[j + 1] = answered[j + 1]
  elseif fn == nil then
    out[j] = 0
    out[j + 1] = "unknown operation " .. name
  else
    local ok, res = pcall(fn, batch[i + 1], batch[i + 2])
    if ok then
      out[j] = 1
      if res == nil then res = false end
      out[j + 1] = res
    else
      out[j] = 0
      out[j + 1] = tostring(res and (res.err or res))
    end
  end
  j = j + 2
end
if replay and not answered then
  local kept = out
  if reads then
    kept = {}
    j = 1
    for i = 1, #batch, 3 do
      if READS[batch[i]] then
        kept[j] = 0
        kept[j + 1] = false
      else
        kept[j] = out[j]
        kept[j + 1] = out[j + 1]
      end
      j = j + 2
    end
  end
  redis.call("SET", replay, cmsgpack.pack(kept), "PX", ${REPLAY_TTL_MS})
end
return out
`;

/** The script for these operations (name → Lua body) of which `readOnly` only read. */
export function batchScript(ops: ReadonlyMap<string, string>, readOnly: ReadonlySet<string>): string {
  const bodies = [...ops].map(([name, lua]) => `OPS["${name}"] = function(KEYS, ARGV)\n${lua}\nend`);
  const reads = [...readOnly].map((name) => `READS["${name}"] = true`);
  return `local OPS = {}\nlocal READS = {}\n${bodies.join("\n")}\n${reads.join("\n")}\n${DISPATCH}`;
}
