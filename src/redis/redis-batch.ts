/**
 * Group commit for the hot path: every Redis operation asked for during one turn of the event loop goes to
 * Redis as ONE script call that runs them in order, each as its own atomic step, and answers each caller
 * separately. A message costs a handful of operations (create, attempt, submit result, receipt, …); sent one by
 * one, each is a socket write, a reply to parse and a promise in ioredis, which at thousands of messages per
 * second costs more CPU than the rest of the gateway. Batched, they cost one write per turn.
 *
 * Operations are Lua function bodies registered by name (`define`); they see their own KEYS and ARGV exactly as
 * a standalone script would, so each stays readable and testable on its own. An operation that raises an error
 * fails only its own caller (its earlier writes stay, as with any Redis script); a failed call (connection lost)
 * fails every operation of that batch — none of them was acknowledged to anyone.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** Operations per script call: bounds how long one call holds Redis (each op is a few commands). */
const MAX_OPS_PER_CALL = 256;

type Arg = string | number;

interface PendingOp {
  name: string;
  keys: string[];
  args: Arg[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** An operation's own error, raised inside its Lua body (its caller gets it; the rest of the batch is unaffected). */
export class RedisOpError extends Error {
  constructor(op: string, message: string) {
    super(`redis op ${op}: ${message}`);
    this.name = "RedisOpError";
  }
}

/** Runs the operations in ARGV order; answers {1, result} or {0, error text} for each. */
const DISPATCH = `
local out = {}
local k, a = 0, 1
local n = tonumber(ARGV[1])
for i = 1, n do
  local name, nk, na = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local keys, args = {}, {}
  for j = 1, nk do keys[j] = KEYS[k + j] end
  for j = 1, na do args[j] = ARGV[a + 3 + j] end
  local op = OPS[name]
  if op == nil then
    out[i] = {0, "unknown operation " .. name}
  else
    local ok, res = pcall(op, keys, args)
    if ok then out[i] = {1, res} else out[i] = {0, tostring(res and (res.err or res))} end
  end
  k, a = k + nk, a + 3 + na
end
return out
`;

export class RedisBatch {
  private readonly redis: Redis;
  private readonly ops = new Map<string, string>();
  private script: { lua: string; sha: string } | undefined;
  private queue: PendingOp[] = [];
  private scheduled = false;
  /** Script calls sent (for metrics and the benchmark). */
  calls = 0;
  opsSent = 0;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /**
   * Registers an operation: `lua` is a script body using KEYS and ARGV and ending with `return …`. Defining the
   * same name again with the same body does nothing; with another body it throws (two modules disagreeing).
   */
  define(name: string, lua: string): void {
    const existing = this.ops.get(name);
    if (existing === lua) return;
    if (existing !== undefined) throw new Error(`redis op ${name} is already defined differently`);
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(name)) throw new Error(`bad redis op name ${name}`);
    this.ops.set(name, lua);
    this.script = undefined;
  }

  /** Queues one operation for this turn's script call; resolves with what its body returned. */
  run<T = unknown>(name: string, keys: string[], args: Arg[]): Promise<T> {
    if (!this.ops.has(name)) return Promise.reject(new Error(`redis op ${name} is not defined`));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ name, keys, args, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private compiled(): { lua: string; sha: string } {
    if (!this.script) {
      const bodies = [...this.ops].map(([name, lua]) => `OPS["${name}"] = function(KEYS, ARGV)\n${lua}\nend`);
      const lua = `local OPS = {}\n${bodies.join("\n")}\n${DISPATCH}`;
      this.script = { lua, sha: createHash("sha1").update(lua).digest("hex") };
    }
    return this.script;
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch =
        this.queue.length > MAX_OPS_PER_CALL ? this.queue.splice(0, MAX_OPS_PER_CALL) : this.queue;
      if (batch === this.queue) this.queue = [];
      void this.send(batch);
    }
  }

  private async send(batch: PendingOp[]): Promise<void> {
    const keys: string[] = [];
    const argv: Arg[] = [batch.length];
    for (const op of batch) {
      for (const key of op.keys) keys.push(key);
      argv.push(op.name, op.keys.length, op.args.length);
      for (const arg of op.args) argv.push(arg);
    }
    this.calls++;
    this.opsSent += batch.length;
    let replies: [number, unknown][];
    try {
      replies = await this.call(keys, argv);
    } catch (error) {
      for (const op of batch) op.reject(error as Error);
      return;
    }
    batch.forEach((op, i) => {
      const reply = replies[i];
      if (reply && reply[0] === 1) op.resolve(reply[1] ?? null);
      else op.reject(new RedisOpError(op.name, typeof reply?.[1] === "string" ? reply[1] : "no reply"));
    });
  }

  /** EVALSHA, falling back to EVAL when Redis does not know the script (first use, or after a restart). */
  private async call(keys: string[], argv: Arg[]): Promise<[number, unknown][]> {
    const { lua, sha } = this.compiled();
    try {
      return (await this.redis.evalsha(sha, keys.length, ...keys, ...argv)) as [number, unknown][];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return (await this.redis.eval(lua, keys.length, ...keys, ...argv)) as [number, unknown][];
    }
  }
}
