/**
 * The Redis steps of the receipt outbox (src/north/smpp/receipt-outbox.ts), run through the connection's group
 * commit (RedisBatch). Several otpgw instances share each system_id's list, so a job is sent only by the instance
 * that holds its lease: a key per job (`<lease prefix><sha1 of the item>`, see `leaseKey`) set with an expiry by
 * the step that queues it (for the instance that queues it and sends it from memory) or by a scan that claims it.
 * It goes when the ESME answered (with the job), is set to the retry delay when the ESME asks for a retry, and
 * is deleted when the session is lost; an instance that crashed leaves it to expire, and another sends the job.
 */
import { hash } from "node:crypto";

/** The key of an item's lease, under its list's lease prefix (`redis.sha1hex` in the scripts: the same hex). */
export function leaseKey(leasePrefix: string, item: string): string {
  // crypto.hash: one call, no Hash object (~0.26 instead of ~0.63 µs here; twice per receipt).
  return leasePrefix + hash("sha1", item, "hex");
}

/**
 * Queues the jobs of a final message as it leaves delivery's outbox, in one step: only the call that takes the id
 * out of the outbox queues them, so a repeated hand-over (an outbox sweep, a crash in between) queues nothing
 * twice. Bounded and expiring with the retention; each job claimed for leaseMs when lease keys are given.
 * KEYS: delivery outbox, receipt list, then one lease key per job (or none); ARGV: message id, retentionMs,
 * maxQueued, leaseMs, jobs…
 */
export const RECEIPTS_ENQUEUE = {
  op: "receipts_enqueue",
  lua: `
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local length = 0
for i = 5, #ARGV do length = redis.call('RPUSH', KEYS[2], ARGV[i]) end
for i = 3, #KEYS do redis.call('SET', KEYS[i], 1, 'PX', ARGV[4]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if length > tonumber(ARGV[3]) then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1) end
return 1
`,
} as const;

/**
 * Claims the jobs nobody holds a lease on, walking the list from `start`: reads at most `examine` items and claims
 * at most `claim` of them (each lease set for leaseMs). Jobs waiting for a retry (leased) are skipped, not read
 * again and again: the walk goes on behind them. Returns the position to go on from (0: the end was reached), then
 * the claimed items.
 * KEYS: receipt list; ARGV: lease prefix, start, examine, claim, leaseMs.
 */
export const RECEIPTS_CLAIM = {
  op: "receipts_claim",
  lua: `
local start = tonumber(ARGV[2])
local examine = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local items = redis.call('LRANGE', KEYS[1], start, start + examine - 1)
local out = {0}
for i, item in ipairs(items) do
  if redis.call('SET', ARGV[1] .. redis.sha1hex(item), 1, 'PX', ARGV[5], 'NX') then
    out[#out + 1] = item
    if #out > limit then
      out[1] = start + i
      return out
    end
  end
end
if #items == examine then out[1] = start + examine end
return out
`,
} as const;

/**
 * Takes answered jobs out of their list with their leases. Exported for the store benchmark.
 * KEYS: receipt list, then the jobs' lease keys (one per job; none for a caller that holds no lease);
 * ARGV: the jobs (removed once each).
 */
export const RECEIPTS_REMOVE = {
  op: "receipts_remove",
  lua: `
local removed = 0
for i = 1, #ARGV do
  removed = removed + redis.call('LREM', KEYS[1], 1, ARGV[i])
  if KEYS[i + 1] then redis.call('DEL', KEYS[i + 1]) end
end
return removed
`,
} as const;

/**
 * Sets a job's lease to `ms` from now (the ESME asked for a retry: no instance sends it before then), or deletes
 * it when `ms` is 0 (its session was lost: any receiver may take it at once).
 * KEYS: the lease key; ARGV: ms.
 */
export const RECEIPTS_LEASE = {
  op: "receipts_lease",
  lua: `
if ARGV[1] == '0' then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
return 1
`,
} as const;
