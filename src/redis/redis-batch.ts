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
 *
 * A call's writes run at most once. ioredis sends a command again when its connection dropped before the answer
 * and came back within its retries (`autoResendUnfulfilledCommands`, which the other commands on the connection
 * need): a create would then run twice — its idempotency key already taken by itself, the account's rate counted
 * twice — and its caller would get the second run's answer. So a call that writes carries a key of its own (the
 * replay key): the script stores its writing operations' answers there (for 30 s) in the same step as their
 * writes, and a second run of the same call answers those instead of running them again. Read-only operations'
 * answers are not kept (one may be a message's text: nothing of it may outlive its retention) — a second run reads
 * again.
 */
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Redis } from "ioredis";
import { pack } from "msgpackr";
import { batchScript } from "./batch-script.js";
import { isReadonlyError } from "./failover.js";
import {
  RedisOpError,
  RedisOutcomeUnknownError,
  ReplicasBehindError,
  type ReplicaWait,
} from "./redis-batch-errors.js";

export { RedisOpError, RedisOutcomeUnknownError, ReplicasBehindError, type ReplicaWait };

/** Operations per script call: bounds how long one call holds Redis (each op is a few commands). */
const MAX_OPS_PER_CALL = 256;

/**
 * How long an operation queued with `defer` waits at most for a call to ride along with — and only while other
 * operations keep coming (one queued with `run` within this long): at a moderate load (say 1,000 messages a second)
 * an acknowledgement's call comes every millisecond or so, and a write that only its own message's next step waits
 * on (a carrier's acceptance, a final state, a receipt's removal) then costs no call — and no fsync — of its own.
 * With nothing else being written (a carrier's receipt backlog on a quiet instance) waiting would only pace the
 * writes: they go at the end of the turn, as `run`'s do.
 */
export const DEFER_MS = 5;

/** Deferred operations waiting at once beyond which they go at the end of the turn: a burst needs no ride. */
const MAX_DEFERRED_WAITING = 32;

type Arg = string | number;

/** What a packed operation's keys and arguments are replaced with (see RedisBatch.pack). */
const released: string[] = [];

interface PendingOp {
  name: string;
  keys: string[];
  args: Arg[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Told of every script call once answered (or failed): its round trip and how many operations it carried. */
export type BatchObserver = (seconds: number, ops: number, failed: boolean) => void;

export class RedisBatch {
  private readonly redis: Redis;
  private readonly observe: BatchObserver | undefined;
  private readonly ops = new Map<string, string>();
  /** Operations that only read: a call of nothing else waits for no replica. */
  private readonly readOnly = new Set<string>();
  private readonly wait: ReplicaWait;
  private script: { lua: string; sha: string } | undefined;
  private readonly delayMs: number;
  /** `<key prefix>batch:<this batch's random id>:`, followed by a call's number: its replay key. */
  private readonly replayPrefix: string;
  private replaySequence = 0;
  private queue: PendingOp[] = [];
  /** The flush at the end of this turn, if one is due. */
  private immediate: NodeJS.Immediate | undefined;
  /** A later flush (`delayMs`, or a deferred operation's DEFER_MS), and when it fires (performance.now()). */
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private readonly deferMs: number;
  /** When `run` last queued an operation (performance.now()), and deferred operations queued since the last flush. */
  private lastRunAt = Number.NEGATIVE_INFINITY;
  private deferredWaiting = 0;
  /** Calls sent and not answered yet (`settle` waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Script calls sent (for metrics and the benchmark). */
  calls = 0;
  opsSent = 0;
  /** Connections made so far: a call queued while disconnected may have been sent once this moved. */
  private connects = 0;
  private lastFailoverReconnect = 0;

  /**
   * `observe` sees each call's round trip (metrics): the time an acknowledgement waits for Redis, its fsync
   * included. `delayMs` (default 0): how long an operation waits for others to share its call; 0 sends those
   * of one event-loop turn together at the end of the turn. A full call (MAX_OPS_PER_CALL) never waits.
   * `wait`: replicas that must have a call's writes before its operations are answered — WAIT is sent right
   * behind the script (no extra round trip); fewer in time fails the call as of unknown outcome (the primary ran
   * it): callers refuse what they were to acknowledge, and a create is withdrawn (src/delivery).
   * `keyPrefix`: the deployment's Redis key prefix, which the calls' replay keys start with.
   */
  constructor(
    redis: Redis,
    observe?: BatchObserver,
    options: { delayMs?: number; deferMs?: number; wait?: ReplicaWait; keyPrefix?: string } = {},
  ) {
    this.redis = redis;
    this.observe = observe;
    this.delayMs = options.delayMs ?? 0;
    this.deferMs = Math.max(options.deferMs ?? DEFER_MS, this.delayMs);
    this.replayPrefix = `${options.keyPrefix ?? ""}batch:${randomBytes(8).toString("hex")}:`;
    this.wait = options.wait ?? { replicas: 0, timeoutMs: 0 };
    redis.on("connect", () => this.connects++);
  }

  /**
   * Registers an operation: `lua` is a script body using KEYS and ARGV and ending with `return …`. Defining the
   * same name again with the same body does nothing; with another body it throws (two modules disagreeing).
   * `readOnly`: the body writes nothing (a call of such operations alone waits for no replica).
   */
  define(name: string, lua: string, options: { readOnly?: boolean } = {}): void {
    const existing = this.ops.get(name);
    if (existing === lua) return;
    if (existing !== undefined) throw new Error(`redis op ${name} is already defined differently`);
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(name)) throw new Error(`bad redis op name ${name}`);
    this.ops.set(name, lua);
    if (options.readOnly) this.readOnly.add(name);
    this.script = undefined;
  }

  /** Queues one operation for this turn's script call; resolves with what its body returned. */
  run<T = unknown>(name: string, keys: string[], args: Arg[]): Promise<T> {
    this.lastRunAt = performance.now();
    return this.enqueue<T>(name, keys, args, this.delayMs);
  }

  /**
   * Queues an operation no client's acknowledgement waits on: while others keep coming it goes with the next call
   * sent for one of them, or on its own after DEFER_MS (`delayMs` if longer) — so it costs no call of its own when
   * others follow soon; otherwise, or beyond MAX_DEFERRED_WAITING, as `run`'s. Order is kept either way: operations
   * run in the order they were queued, `run` or `defer`. A caller whose next step needs it done calls `hurry`.
   */
  defer<T = unknown>(name: string, keys: string[], args: Arg[]): Promise<T> {
    const ride =
      performance.now() - this.lastRunAt < this.deferMs && this.deferredWaiting < MAX_DEFERRED_WAITING;
    this.deferredWaiting++;
    return this.enqueue<T>(name, keys, args, ride ? this.deferMs : this.delayMs);
  }

  /**
   * Sends what is queued — deferred operations too, also those queued later in this turn (a step already under way
   * that defers its write) — at the end of this turn: something waits on them after all.
   */
  hurry(): void {
    this.schedule(0);
  }

  /**
   * Sends everything queued and waits for every call in flight (shutdown: before the connection closes, so that
   * nothing queued here, nor a call's EVAL fallback, goes after its QUIT). Resolves within `withinMs` in any case.
   */
  async settle(withinMs: number): Promise<void> {
    const deadline = performance.now() + withinMs;
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.queue.length > 0) this.flush();
      const left = deadline - performance.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, left)));
      await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
      clearTimeout(timer);
      // Work queued by what the answers ran (a removal queued on the next tick, say) goes in the next round.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private enqueue<T>(name: string, keys: string[], args: Arg[], waitMs: number): Promise<T> {
    if (!this.ops.has(name)) return Promise.reject(new Error(`redis op ${name} is not defined`));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ name, keys, args, resolve: resolve as (value: unknown) => void, reject });
      // A full call gains nothing by waiting.
      if (this.queue.length >= MAX_OPS_PER_CALL && (this.timer || this.delayMs > 0)) this.flush();
      else this.schedule(waitMs);
    });
  }

  /** Makes sure a flush comes within `waitMs` (0: at the end of this turn). */
  private schedule(waitMs: number): void {
    if (this.immediate) return;
    if (waitMs === 0) {
      this.immediate = setImmediate(this.flushNow);
      return;
    }
    const due = performance.now() + waitMs;
    if (this.timer) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(this.flushNow, waitMs);
  }

  private compiled(): { lua: string; sha: string } {
    if (!this.script) {
      const lua = batchScript(this.ops, this.readOnly);
      this.script = { lua, sha: createHash("sha1").update(lua).digest("hex") };
    }
    return this.script;
  }

  private readonly flushNow = (): void => this.flush();

  private flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
    this.deferredWaiting = 0;
    while (this.queue.length > 0) {
      const batch =
        this.queue.length > MAX_OPS_PER_CALL ? this.queue.splice(0, MAX_OPS_PER_CALL) : this.queue;
      if (batch === this.queue) this.queue = [];
      const sent = this.send(batch); // never rejects: each operation's caller is answered
      this.inFlight.add(sent);
      void sent.finally(() => this.inFlight.delete(sent));
    }
  }

  /**
   * The batch as one MessagePack argument. Its operations' keys and arguments (documents, texts) are let go once
   * packed: they need not live until the answer (a few ms, often across a young-generation GC that would copy
   * them). Not in `send`: a local of an async function may be kept across its await.
   */
  private pack(batch: PendingOp[]): Buffer {
    const ops: unknown[] = [];
    for (const op of batch) {
      const args = op.args;
      for (let i = 0; i < args.length; i++) if (typeof args[i] === "number") args[i] = String(args[i]);
      ops.push(op.name, op.keys, args);
    }
    const packed = pack(ops);
    for (const op of batch) {
      op.keys = released;
      op.args = released;
    }
    return packed;
  }

  private async send(batch: PendingOp[]): Promise<void> {
    this.calls++;
    this.opsSent += batch.length;
    let replies: unknown[];
    const started = this.observe ? performance.now() : 0;
    const sentWhileReady = this.redis.status === "ready";
    const connects = this.connects;
    try {
      const writes = batch.some((op) => !this.readOnly.has(op.name));
      const replayKey = writes ? `${this.replayPrefix}${++this.replaySequence}` : undefined;
      replies = await this.call(this.pack(batch), replayKey, writes && this.wait.replicas > 0);
    } catch (error) {
      this.observe?.((performance.now() - started) / 1000, batch.length, true);
      // Redis's own refusal of the call is an answer; a connection lost after the call may have left is not.
      const mayHaveRun =
        (error as Error).name !== "ReplyError" && (sentWhileReady || connects !== this.connects);
      const failure = mayHaveRun ? new RedisOutcomeUnknownError(error as Error) : (error as Error);
      for (const op of batch) op.reject(failure);
      if (isReadonlyError((error as Error).message)) this.reconnectAfterFailover();
      return;
    }
    this.observe?.((performance.now() - started) / 1000, batch.length, false);
    let readonly = false;
    for (let i = 0; i < batch.length; i++) {
      const op = batch[i]!;
      const result = replies[2 * i + 1];
      if (replies[2 * i] === 1) op.resolve(result ?? null);
      else {
        const message = typeof result === "string" ? result : "no reply";
        readonly ||= isReadonlyError(message);
        op.reject(new RedisOpError(op.name, message));
      }
    }
    if (readonly) this.reconnectAfterFailover();
  }

  /**
   * Writes refused with READONLY: this connection reaches a replica — after a failover behind the same address, the
   * old primary. The refused operations failed (their callers answer "not accepted"); reconnecting reaches whatever
   * the address leads to now (failover.ts). At most once a second, should the address itself lead to a replica.
   */
  private reconnectAfterFailover(): void {
    const now = Date.now();
    if (now - this.lastFailoverReconnect < 1000) return;
    this.lastFailoverReconnect = now;
    this.redis.disconnect(true);
  }

  /**
   * EVALSHA, falling back to EVAL when Redis does not know the script (first use, or after a restart). `replayKey`
   * for a call that writes; `waitForReplicas` when its writes must reach the replicas.
   */
  private async call(
    ops: Buffer,
    replayKey: string | undefined,
    waitForReplicas: boolean,
  ): Promise<unknown[]> {
    const { lua, sha } = this.compiled();
    const args = replayKey === undefined ? [ops] : [ops, replayKey];
    try {
      return await this.replicated(this.redis.evalsha(sha, 0, ...args), waitForReplicas);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await this.replicated(this.redis.eval(lua, 0, ...args), waitForReplicas);
    }
  }

  /** The script's reply, once `wait.replicas` replicas have its writes (WAIT queued right behind the script). */
  private async replicated(reply: Promise<unknown>, writes: boolean): Promise<unknown[]> {
    if (!writes) return (await reply) as unknown[];
    const { replicas, timeoutMs } = this.wait;
    const acked = this.redis.wait(replicas, timeoutMs);
    acked.catch(() => undefined); // awaited below; not unhandled meanwhile should the script fail first
    const result = (await reply) as unknown[];
    // The script ran: a WAIT refused (an ACL without it, say) must not read as Redis refusing the call.
    const count = await acked.catch((error: Error) => {
      throw new ReplicasBehindError(0, replicas, timeoutMs, error.message);
    });
    if (count < replicas) throw new ReplicasBehindError(count, replicas, timeoutMs);
    return result;
  }
}
