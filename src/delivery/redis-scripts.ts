/**
 * Lua scripts that make every state change of a message one atomic step in Redis. The lifecycle computes the
 * next document in JavaScript (pure); these scripts only check the version it was computed from and apply it
 * with its side effects (timer, outbox, receipt correlation keys, body retention), so a crash or a second instance
 * can never apply a transition twice. Every non-final message has a timer (the `timers` sorted set is also the
 * set of messages in flight).
 */

/**
 * create — KEYS: idem (or a placeholder equal to doc when no key), doc, timers, rate (or the doc key when no
 * rate limit), then one key per volume limit, then one key per correlation
 * ARGV: [1] id, [2] docJson, [3] text, [4] idemTtlMs, [5] timerDueMs, [6] hasIdem ("1"/"0"), [7] ratePoints
 *       ("0" = no limit), [8] correlationTtlMs, [9] volume limit count L, then per limit its most messages and its
 *       window in ms ([10], [11], …), then the correlation values (one per correlation KEY)
 * Returns the id of the message that now owns the idempotency key ("=" + id when it existed already), or
 * "!" + ms until the window resets when the account is over its rate (nothing written but the count), or
 * "#" + i + ":" + ms until its window resets when volume limit i (1-based) is reached (nothing written). Volume
 * limits (anti-abuse: messages to one number or one range, src/north/accounts/volume-limits.ts) are checked after
 * the idempotency key, so a repeat of a stored message counts nothing, and counted only when every one has room.
 * The rate count is a fixed one-second window per account (a counter that expires a second after its first
 * unit, src/north/accounts/rate-limit.ts), shared by the HTTP API, every SMPP bind and every instance; it is
 * here so that the check and the write are one step (one round trip per accepted message). The text is a field
 * of the doc hash while the message is in flight (one command less than a key of its own; see update).
 */
export const CREATE_SCRIPT = `
if ARGV[7] ~= "0" then
  local consumed = redis.call("INCR", KEYS[4])
  if consumed == 1 then redis.call("PEXPIRE", KEYS[4], 1000) end
  if consumed > tonumber(ARGV[7]) then
    local ttl = redis.call("PTTL", KEYS[4])
    if ttl < 0 then
      redis.call("PEXPIRE", KEYS[4], 1000)
      ttl = 1000
    end
    return "!" .. ttl
  end
end
if ARGV[6] == "1" then
  local existing = redis.call("GET", KEYS[1])
  if existing then
    -- Told to a repeat now: never to be withdrawn (see withdraw). Its key is the doc key with the other id.
    local doc = string.sub(KEYS[2], 1, #KEYS[2] - #ARGV[1]) .. existing
    if redis.call("EXISTS", doc) == 1 then redis.call("HSET", doc, "r", 1) end
    return "=" .. existing
  end
end
local limits = tonumber(ARGV[9])
for i = 1, limits do
  local key = KEYS[4 + i]
  if tonumber(redis.call("GET", key) or "0") >= tonumber(ARGV[8 + 2 * i]) then
    local ttl = redis.call("PTTL", key)
    if ttl < 0 then
      ttl = tonumber(ARGV[9 + 2 * i])
      redis.call("PEXPIRE", key, ttl)
    end
    return "#" .. i .. ":" .. ttl
  end
end
for i = 1, limits do
  if redis.call("INCR", KEYS[4 + i]) == 1 then redis.call("PEXPIRE", KEYS[4 + i], ARGV[9 + 2 * i]) end
end
if ARGV[6] == "1" then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[4]) end
redis.call("HSET", KEYS[2], "v", 1, "doc", ARGV[2], "t", ARGV[3])
redis.call("ZADD", KEYS[3], ARGV[5], ARGV[1])
local values = 10 + 2 * limits
for i = 5 + limits, #KEYS do
  redis.call("SET", KEYS[i], ARGV[values + i - 5 - limits], "PX", ARGV[8])
end
return ARGV[1]
`;

/**
 * update — KEYS: doc, timers, outbox, text key, hand-over list (the doc key when none), then one key per
 *       correlation
 * ARGV: [1] id, [2] expectedVersion, [3] docJson, [4] timerDueMs ("" = remove the timer), [5] final ("1"/"0"),
 *       [6] bodyTtlMs, [7] docTtlMs, [8] correlationTtlMs, [9] handOver ("1" = the notification is handed over in
 *       this step, "0" = the message goes to the outbox), [10] listTtlMs (negative: the list's expiry was
 *       refreshed moments ago, set it only if this step creates the list), [11] listMax, [12] outboxLeaseMs,
 *       [13] the storing instance's token, [14] correlation count, then the correlation values from [15] (one per
 *       correlation KEY), then the hand-over items from [15 + count] (appended to the list; none = nothing to
 *       notify).
 * A message entering the outbox is leased to the instance that stores it (`<outbox key>:<id>` = its token, see
 * OUTBOX_CLAIM_SCRIPT): it hands the notification over at once, and no other instance's sweep takes it meanwhile.
 * Hand-over items are appended as given: an instance that will send them itself has stamped them with its token
 * and a deadline (no key is set for them here; src/north/smpp/receipt-scripts.ts).
 * A final message goes to the outbox (its notification is handed over later, e.g. a webhook), or, when the
 * notifier could say at once what to queue (SMPP receipts), its items go to their list in this same step and it
 * never enters the outbox. At the final state the text (field `t`) is deleted, or moved to the text key to expire
 * after the body retention; a text key of a message stored by an earlier version gets the same treatment.
 * Returns 1 when applied, 0 when the stored version differs (the caller re-reads and recomputes).
 */
export const UPDATE_SCRIPT = `
local current = redis.call("HGET", KEYS[1], "v")
if current ~= ARGV[2] then return 0 end
redis.call("HSET", KEYS[1], "v", tonumber(current) + 1, "doc", ARGV[3])
if ARGV[4] == "" then
  redis.call("ZREM", KEYS[2], ARGV[1])
else
  redis.call("ZADD", KEYS[2], ARGV[4], ARGV[1])
end
local correlations = tonumber(ARGV[14])
for i = 1, correlations do
  redis.call("SET", KEYS[5 + i], ARGV[14 + i], "PX", ARGV[8])
end
if ARGV[5] == "1" then
  if ARGV[9] == "1" then
    local first = 15 + correlations
    if #ARGV >= first then
      local length = redis.call("RPUSH", KEYS[5], unpack(ARGV, first))
      local listTtl = tonumber(ARGV[10])
      if listTtl > 0 or length == #ARGV - first + 1 then redis.call("PEXPIRE", KEYS[5], math.abs(listTtl)) end
      if length > tonumber(ARGV[11]) then redis.call("LTRIM", KEYS[5], -tonumber(ARGV[11]), -1) end
    end
  else
    redis.call("SADD", KEYS[3], ARGV[1])
    redis.call("SET", KEYS[3] .. ":" .. ARGV[1], ARGV[13], "PX", ARGV[12])
  end
  redis.call("PEXPIRE", KEYS[1], ARGV[7])
  local bodyTtl = tonumber(ARGV[6])
  local text = nil
  if bodyTtl > 0 then text = redis.call("HGET", KEYS[1], "t") end
  if redis.call("HDEL", KEYS[1], "t") == 1 then
    if text then redis.call("SET", KEYS[4], text, "PX", bodyTtl) end
  elseif bodyTtl > 0 then
    redis.call("PEXPIRE", KEYS[4], bodyTtl)
  else
    redis.call("DEL", KEYS[4])
  end
end
return 1
`;

/**
 * claimDue — KEYS: timers; ARGV: nowMs, leaseMs, limit
 * Takes up to `limit` messages whose timer is due and pushes each timer `leaseMs` ahead, so no other poller
 * (another instance, or this one a moment later) takes the same message while it is being handled; the handling
 * sets the real next timer. Returns the ids.
 */
export const CLAIM_DUE_SCRIPT = `
local due = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", ARGV[1], "LIMIT", 0, ARGV[3])
local lease = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(due) do
  redis.call("ZADD", KEYS[1], lease, id)
end
return due
`;

/** get — KEYS: doc. Returns the hash as a flat list: v, doc and any accepted-part fields (see ACCEPT_SCRIPT). */
export const GET_SCRIPT = `return redis.call("HGETALL", KEYS[1])`;

/**
 * accept — KEYS: doc, correlation; ARGV: field ("a:<attempt>:<part>"), carrier message id, correlation value,
 * correlationTtlMs. A carrier's acceptance of a part is recorded as one small field beside the document instead of
 * a new version of it (the document is rewritten at the next real transition); readers merge the fields in.
 * Returns 0 when the message no longer exists.
 */
export const ACCEPT_SCRIPT = `
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
redis.call("SET", KEYS[2], ARGV[3], "PX", ARGV[4])
return 1`;

/**
 * text — KEYS: doc, text key. The text of a message in flight is the doc hash's field `t`; after the final state
 * (with a body retention) and for messages stored by earlier versions, it is the text key.
 */
export const GET_TEXT_SCRIPT = `return redis.call("HGET", KEYS[1], "t") or redis.call("GET", KEYS[2])`;

/** correlation lookups — KEYS: the key. Returns its string value or nil. */
export const GET_STRING_SCRIPT = `return redis.call("GET", KEYS[1])`;

/**
 * dropOrphanTimer — KEYS: doc, timers; ARGV: id. Removes the timer of a message whose document is gone (deleted by
 * hand, or evicted by a Redis without `noeviction`): it would otherwise be claimed again every lease, for ever.
 * Returns 1 when removed, 0 when the document exists (nothing to drop).
 */
export const DROP_ORPHAN_TIMER_SCRIPT = `
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
return redis.call("ZREM", KEYS[2], ARGV[1])
`;

/** outboxDone — KEYS: outbox; ARGV: id. */
export const OUTBOX_DONE_SCRIPT = `return redis.call("SREM", KEYS[1], ARGV[1])`;

/**
 * outboxClaim — KEYS: outbox; ARGV: leaseMs, limit, token. Up to `limit` messages of the outbox whose notification
 * no other instance is handing over: each is leased (`<outbox key>:<id>` = token, with an expiry) to the caller,
 * which hands it over — also one it holds already (its own final step's answer was lost, say: the instance keeps
 * its own hand-overs apart in memory). A message leased by another instance (it stored the final state and is
 * notifying now, see update) is left to it, and taken by whoever sweeps after the lease ran out (that instance
 * died, or its hand-over hangs). Returns the ids.
 */
export const OUTBOX_CLAIM_SCRIPT = `
local claimed = {}
for _, id in ipairs(redis.call("SRANDMEMBER", KEYS[1], ARGV[2])) do
  local lease = KEYS[1] .. ":" .. id
  if redis.call("SET", lease, ARGV[3], "NX", "PX", ARGV[1]) then
    claimed[#claimed + 1] = id
  elseif redis.call("GET", lease) == ARGV[3] then
    redis.call("PEXPIRE", lease, ARGV[1])
    claimed[#claimed + 1] = id
  end
end
return claimed
`;

/**
 * outboxRelease — KEYS: outbox; ARGV: id, token. Gives up the caller's lease (a hand-over failed, or the instance
 * stops with hand-overs unanswered): the next sweep, here or elsewhere, takes the message at once.
 */
export const OUTBOX_RELEASE_SCRIPT = `
local lease = KEYS[1] .. ":" .. ARGV[1]
if redis.call("GET", lease) == ARGV[2] then return redis.call("DEL", lease) end
return 0
`;

/**
 * withdraw — KEYS: doc, timers, then keys the create wrote that point at the message (idempotency key, handset
 * correlations); ARGV: id, then the value each extra key must still hold to be deleted.
 * Undoes a create whose answer was lost (its client was told it failed): only while the message is as created
 * (version 1: nothing was attempted from it, here or on another instance) and no repeat with its idempotency key
 * was told about it (field `r`, set by create). Returns 1 when withdrawn, 0 when there was nothing to withdraw
 * (the create never ran), -1 when too late (it moved on, or a repeat took it over).
 */
export const WITHDRAW_SCRIPT = `
local v = redis.call("HGET", KEYS[1], "v")
if not v then return 0 end
if v ~= "1" or redis.call("HEXISTS", KEYS[1], "r") == 1 then return -1 end
redis.call("DEL", KEYS[1])
redis.call("ZREM", KEYS[2], ARGV[1])
for i = 3, #KEYS do
  if redis.call("GET", KEYS[i]) == ARGV[i - 1] then redis.call("DEL", KEYS[i]) end
end
return 1
`;
