/**
 * The Redis steps of the receipt outbox (src/north/smpp/receipt-outbox.ts), run through the connection's group
 * commit (RedisBatch). Several otpgw instances share each system_id's list, so a job is sent only by the instance
 * that holds it, in one of two ways:
 * - its item is stamped (`<instance token>:<deadline ms>|<job>`, see `stampJob`) by the step that queues it, for
 *   the instance that queues it and sends it straight from memory: the fast path, no key of its own — nothing to
 *   set in that step, nothing to delete with the job's removal;
 * - a lease key (`<lease prefix><sha1 of the item>`, see `leaseKey`) with an expiry, taken by a scan that claims
 *   the job, or set to the retry delay when the ESME asks for a retry (whichever way the job was held before).
 * A scan leaves a job to another instance while that instance's stamp has not reached its deadline (read on
 * Redis's clock), and to anyone while a lease key is set. A lease key goes when the ESME answered (with the job)
 * and is deleted when the session is lost; an instance that crashed leaves its stamps and keys to run out, and
 * another sends the job.
 */
import { hash } from "node:crypto";

/** The key of an item's lease, under its list's lease prefix (`redis.sha1hex` in the scripts: the same hex). */
export function leaseKey(leasePrefix: string, item: string): string {
  // crypto.hash: one call, no Hash object (~0.26 instead of ~0.63 µs here). Not on the fast path (stamped jobs).
  return leasePrefix + hash("sha1", item, "hex");
}

/**
 * Queues the jobs of a final message as it leaves delivery's outbox, in one step: only the call that takes the id
 * out of the outbox queues them, so a repeated hand-over (an outbox sweep, a crash in between) queues nothing
 * twice. Bounded and expiring with the retention. The jobs come stamped when the caller sends them itself.
 * KEYS: delivery outbox, receipt list; ARGV: message id, retentionMs, maxQueued, jobs…
 */
export const RECEIPTS_ENQUEUE = {
  op: "receipts_enqueue",
  lua: `
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local length = 0
for i = 4, #ARGV do length = redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if length > tonumber(ARGV[3]) then redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1) end
return 1
`,
} as const;

/**
 * Claims the jobs nobody holds, walking the list from `start`: reads at most `examine` items and claims at most
 * `claim` of them (each lease set for leaseMs). A job stamped by another instance whose deadline has not passed
 * (Redis's clock, read once) is held by it, and one stamped by the caller that the caller says it holds in memory
 * (sending it): both skipped without a command. Every other job — not stamped (queued by an earlier version, or
 * for no instance in particular), its stamp's deadline passed, or stamped by the caller and no longer in its
 * memory (its final step's answer was lost, or it let the job go: a retry, a lost session) — is claimed only if
 * its lease key can be set (SET NX): jobs waiting for a retry are skipped, not read again and again, and the walk
 * goes on behind them. Returns the position to go on from (0: the end was reached), then the claimed items.
 * KEYS: receipt list; ARGV: lease prefix, start, examine, claim, leaseMs, the caller's instance token, then the
 * stamped items the caller holds in memory without a lease key (none, usually: those in flight).
 */
export const RECEIPTS_CLAIM = {
  op: "receipts_claim",
  lua: `
local start = tonumber(ARGV[2])
local examine = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local mine = {}
for i = 7, #ARGV do mine[ARGV[i]] = true end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local items = redis.call('LRANGE', KEYS[1], start, start + examine - 1)
local out = {0}
for i, item in ipairs(items) do
  local owner, deadline = string.match(item, '^(%x+):(%d+)|')
  local held = owner and tonumber(deadline) > now and (owner ~= ARGV[6] or mine[item])
  if not held and redis.call('SET', ARGV[1] .. redis.sha1hex(item), 1, 'PX', ARGV[5], 'NX') then
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
 * Takes answered jobs out of their list, with the lease keys of those that have one. Exported for the store
 * benchmark.
 * KEYS: receipt list, then the lease keys of the first jobs (those held by a lease key come first; a job sent
 * from memory on its stamp alone has none, so a caller with no lease passes none);
 * ARGV: the jobs (removed once each, by their exact item, stamp included).
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
 * it when `ms` is 0 (its session was lost: any receiver may take it at once — but another instance's only once
 * the job's stamp, if it has one, reached its deadline).
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
