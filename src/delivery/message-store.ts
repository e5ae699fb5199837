import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { RedisBatch } from "../redis/redis-batch.js";
import { ChannelSendMarks } from "./channel-send-marks.js";
import { createRefusal, type RateLimit } from "./create-limits.js";
import { decodeMessage, encodeMessage } from "./doc-codec.js";
import { applySubmitResult } from "./lifecycle.js";
import {
  ACCEPT_SCRIPT,
  CLAIM_DUE_SCRIPT,
  CREATE_SCRIPT,
  GET_SCRIPT,
  GET_STRING_SCRIPT,
  GET_TEXT_SCRIPT,
  OUTBOX_CLAIM_SCRIPT,
  OUTBOX_DONE_SCRIPT,
  OUTBOX_RELEASE_SCRIPT,
  UPDATE_SCRIPT,
  WITHDRAW_SCRIPT,
  DROP_ORPHAN_TIMER_SCRIPT,
} from "./redis-scripts.js";
import type { StoreRetention } from "./store-retention.js";
import type { ReceiptTarget, Update, Versioned } from "./store-types.js";
import type { Message, VolumeLimit } from "./types.js";

export type { StoreRetention } from "./store-retention.js";
export type { HandOverItems, ReceiptTarget, Update, Versioned } from "./store-types.js";

const isOne = (applied: number): boolean => applied === 1;

/**
 * How long a message in the outbox is leased to the instance handing its notification over (see
 * OUTBOX_CLAIM_SCRIPT): longer than a hand-over can take (a webhook POST times out after 10 s, then its retry is
 * queued), short enough that another instance — or this one restarted — takes over soon after one died
 * mid-hand-over (one that stops gives its leases up).
 */
const OUTBOX_LEASE_MS = 30_000;

/** What a correlation key holds: the part a carrier's message id (or a handset) maps to (read by findByCarrierId). */
const correlationValue = (target: ReceiptTarget): string =>
  `${target.messageId}:${target.attempt}:${target.part}`;

const NO_LIMITS: readonly VolumeLimit[] = [];

/**
 * Messages in Redis. Every key starts with `prefix`. Layout:
 * - `m:<id>` hash {v, doc, t, a:<attempt>:<part>…}: the message document (doc-codec.ts), its version, the text while
 *   in flight (deleted at the final state), and carriers' acceptances recorded since the last version;
 * - `t:<id>`: the text after the final state when a body retention is configured (expiring with it);
 * - `i:<account>:<key>`: idempotency key → id;
 * - `c:<carrier>:<carrier message id>`: → `<id>:<attempt>:<part>`;
 * - `e:<id>:<attempt>`: an escalation attempt's send started (channel-send-marks.ts), expiring after its deadline;
 * - `timers` (zset): id → when to look at it next, for every non-final message; `outbox` (set): final
 *   messages whose notification (webhook / SMPP receipt) has not been handed over yet; `outbox:<id>`: the lease
 *   of the instance handing it over.
 * The hot-path calls (create, recordAccepted, update) are plain functions returning the batch's promise mapped
 * with `.then`: a message waiting for Redis keeps a promise and a callback alive, not a suspended `async` frame
 * (those were a good share of what every young-generation collection copied; a four-level chain of plain
 * `.then`s holds ~800 bytes per pending call where `await`s hold ~1,800, and costs half the CPU). Called from
 * `async` code, a synchronous throw still ends up as a rejection.
 */
export class MessageStore {
  private readonly redis: Redis;
  private readonly batch: RedisBatch;
  private readonly prefix: string;
  private readonly retention: StoreRetention;
  /** This process's token in the outbox's leases (see OUTBOX_CLAIM_SCRIPT). */
  private readonly instance = randomBytes(8).toString("hex");
  /** Escalation sends started and not answered "not taken", on the same batch. */
  readonly sendMarks: ChannelSendMarks;

  /** `batch`: the connection's group commit, shared with other hot-path writers (one is made if not given). */
  constructor(options: { redis: Redis; prefix: string; retention: StoreRetention; batch?: RedisBatch }) {
    this.prefix = options.prefix;
    this.retention = options.retention;
    this.redis = options.redis;
    this.batch = options.batch ?? new RedisBatch(options.redis, undefined, { keyPrefix: options.prefix });
    this.batch.define("store_create", CREATE_SCRIPT);
    this.batch.define("store_update", UPDATE_SCRIPT);
    this.batch.define("store_get", GET_SCRIPT, { readOnly: true });
    this.batch.define("store_string", GET_STRING_SCRIPT, { readOnly: true });
    this.batch.define("store_text", GET_TEXT_SCRIPT, { readOnly: true });
    this.batch.define("store_outbox_done", OUTBOX_DONE_SCRIPT);
    this.batch.define("store_outbox_claim", OUTBOX_CLAIM_SCRIPT);
    this.batch.define("store_outbox_release", OUTBOX_RELEASE_SCRIPT);
    this.batch.define("store_claim_due", CLAIM_DUE_SCRIPT);
    this.batch.define("store_accept", ACCEPT_SCRIPT);
    this.batch.define("store_withdraw", WITHDRAW_SCRIPT);
    this.batch.define("store_drop_orphan_timer", DROP_ORPHAN_TIMER_SCRIPT);
    this.sendMarks = new ChannelSendMarks({ batch: this.batch, prefix: this.prefix });
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private docKey(id: string): string {
    return this.prefix + "m:" + id;
  }

  private idempotencyKeyOf(account: string, idempotencyKey: string): string {
    return this.prefix + "i:" + account + ":" + idempotencyKey;
  }

  private correlationKey(carrier: string, carrierMessageId: string): string {
    return this.prefix + "c:" + carrier + ":" + carrierMessageId;
  }

  /**
   * Persists a new message, its text, its first timer, and its idempotency key, in one step. When the key was
   * already used by the account, nothing is written and the first message's id is returned with created=false.
   * With `rate`, one unit of the account's budget is taken in the same step; `correlations` (of a first attempt
   * planned before storing) are written with it.
   * @throws RateLimitedError when the account is over its rate (nothing stored).
   */
  create(
    message: Message,
    text: string,
    timerAt: number,
    options: {
      idempotencyKey?: string;
      rate?: RateLimit;
      limits?: readonly VolumeLimit[];
      correlations?: Update["correlations"];
    } = {},
  ): Promise<{ id: string; created: boolean }> {
    const { idempotencyKey, rate } = options;
    const correlations = options.correlations ?? [];
    const limits = options.limits ?? NO_LIMITS;
    const docKey = this.docKey(message.id);
    const idemKey = idempotencyKey ? this.idempotencyKeyOf(message.account, idempotencyKey) : docKey;
    return this.batch
      .run<string>(
        "store_create",
        [
          idemKey,
          docKey,
          this.key("timers"),
          rate?.key ?? docKey,
          ...limits.map((l) => l.key),
          ...correlations.map((c) => this.correlationKey(c.carrier, c.carrierMessageId)),
        ],
        [
          message.id,
          encodeMessage(message),
          text,
          this.retention.idempotencyMs,
          timerAt,
          idempotencyKey ? "1" : "0",
          rate?.perSecond ?? 0,
          this.retention.correlationMs,
          limits.length,
          ...limits.flatMap((l) => [l.messages, l.windowMs]),
          ...correlations.map((c) => correlationValue(c.target)),
        ],
      )
      .then((result) => {
        const refused = createRefusal(result, rate, limits);
        if (refused) throw refused;
        if (result.startsWith("=")) return { id: result.slice(1), created: false };
        return { id: result, created: true };
      });
  }

  /**
   * Undoes `create` (same arguments) of a message whose create may or may not have run — its answer was lost —
   * and whose client was told it failed: deletes it, its timer, and the idempotency key and correlations that
   * still point at it, unless it has moved on. "withdrawn", "absent" (the create never ran) or "too late".
   */
  withdraw(
    message: Message,
    options: { idempotencyKey?: string; correlations?: Update["correlations"] } = {},
  ): Promise<"withdrawn" | "absent" | "too late"> {
    const keys = [this.docKey(message.id), this.key("timers")];
    const values = [message.id];
    if (options.idempotencyKey) {
      keys.push(this.idempotencyKeyOf(message.account, options.idempotencyKey));
      values.push(message.id);
    }
    for (const c of options.correlations ?? []) {
      keys.push(this.correlationKey(c.carrier, c.carrierMessageId));
      values.push(correlationValue(c.target));
    }
    return this.batch
      .run<number>("store_withdraw", keys, values)
      .then((result) => (result === 1 ? "withdrawn" : result === 0 ? "absent" : "too late"));
  }

  /** The message with the parts accepted since its last version merged in (see recordAccepted). */
  async get(id: string): Promise<Versioned | null> {
    const flat = await this.batch.run<string[]>("store_get", [this.docKey(id)], []);
    let version: string | undefined;
    let doc: string | undefined;
    const accepted: [number, number, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i]!;
      if (field === "v") version = flat[i + 1];
      else if (field === "doc") doc = flat[i + 1];
      else if (field.startsWith("a:")) {
        const [, n, part] = field.split(":");
        accepted.push([Number(n), Number(part), flat[i + 1]!]);
      }
    }
    if (version === undefined || doc === undefined) return null;
    let message = decodeMessage(doc);
    for (const [n, part, carrierMessageId] of accepted) {
      message = applySubmitResult(message, n, part, { status: "accepted", carrierMessageId });
    }
    return { message, version: Number(version) };
  }

  /**
   * Records that the carrier accepted part `part` of attempt `n` (and maps its id to the message), without a new
   * version of the document: for an acceptance that changes nothing else (no outcome, same timer). The next
   * transition writes the document with it; `get` merges it in meanwhile. False when the message is gone.
   * Deferred (RedisBatch.defer): nobody waits on it (receipts match from memory), so it rides along with the next
   * call; a crash in those few milliseconds is a crash before the write (handset correlation and timer stand).
   */
  recordAccepted(
    messageId: string,
    n: number,
    part: number,
    carrier: string,
    carrierMessageId: string,
  ): Promise<boolean> {
    return this.batch
      .defer<number>(
        "store_accept",
        [this.docKey(messageId), this.correlationKey(carrier, carrierMessageId)],
        [
          `a:${n}:${part}`,
          carrierMessageId,
          correlationValue({ messageId, attempt: n, part }),
          this.retention.correlationMs,
        ],
      )
      .then(isOne);
  }

  async getText(id: string): Promise<string | null> {
    return this.batch.run<string | null>("store_text", [this.docKey(id), this.key(`t:${id}`)], []);
  }

  /** Applies `update` if the stored version is still `version`; false means someone else changed it first. */
  update(version: number, update: Update): Promise<boolean> {
    const { message } = update;
    const correlations = update.correlations ?? [];
    const handOver = update.final ? update.handOver : undefined;
    const items = handOver?.items ?? [];
    const docKey = this.docKey(message.id);
    const keys = [
      docKey,
      this.key("timers"),
      this.key("outbox"),
      this.key(`t:${message.id}`),
      items.length > 0 ? handOver!.list : docKey,
      ...correlations.map((c) => this.correlationKey(c.carrier, c.carrierMessageId)),
    ];
    const args = [
      message.id,
      String(version),
      encodeMessage(message),
      update.timerAt === null ? "" : String(update.timerAt),
      update.final ? "1" : "0",
      this.retention.bodyMs,
      this.retention.messageMs,
      this.retention.correlationMs,
      handOver ? "1" : "0",
      handOver ? (handOver.refreshExpiry === false ? -handOver.ttlMs : handOver.ttlMs) : 0,
      handOver?.maxLength ?? 0,
      OUTBOX_LEASE_MS,
      this.instance,
      correlations.length,
      ...correlations.map((c) => correlationValue(c.target)),
      ...items,
    ];
    const step = update.deferred
      ? this.batch.defer<number>("store_update", keys, args)
      : this.batch.run<number>("store_update", keys, args);
    return step.then(isOne);
  }

  /** The id of the message an account's idempotency key points to (within the idempotency retention), or null. */
  findByIdempotencyKey(account: string, idempotencyKey: string): Promise<string | null> {
    return this.batch.run<string | null>(
      "store_string",
      [this.idempotencyKeyOf(account, idempotencyKey)],
      [],
    );
  }

  async findByCarrierId(carrier: string, carrierMessageId: string): Promise<ReceiptTarget | null> {
    const value = await this.batch.run<string | null>(
      "store_string",
      [this.correlationKey(carrier, carrierMessageId)],
      [],
    );
    if (!value) return null;
    const [messageId, attempt, part] = value.split(":");
    if (!messageId || attempt === undefined || part === undefined) return null;
    return { messageId, attempt: Number(attempt), part: Number(part) };
  }

  /**
   * What is still pending for a message, for operators (`otpgw messages show`): when it is looked at next (its
   * timer: a DLR deadline, a retry, its expiry; null once final) and whether its notification (webhook or SMPP
   * receipt) still waits in the outbox to be handed over.
   */
  async pending(id: string): Promise<{ timerAt: number | null; inOutbox: boolean }> {
    const [timerAt, inOutbox] = await Promise.all([
      this.redis.zscore(this.key("timers"), id),
      this.redis.sismember(this.key("outbox"), id),
    ]);
    return { timerAt: timerAt === null ? null : Number(timerAt), inOutbox: inOutbox === 1 };
  }

  /** Claims up to `limit` messages whose timer is due (see CLAIM_DUE_SCRIPT). */
  async claimDue(now: number, leaseMs: number, limit: number): Promise<string[]> {
    return this.batch.run<string[]>("store_claim_due", [this.key("timers")], [now, leaseMs, limit]);
  }

  /**
   * Final messages whose notification has not been handed over and that no instance is handing over (up to
   * `limit`), each now leased to this one for OUTBOX_LEASE_MS: hand it over, then `outboxDone` (or
   * `outboxRelease` when that failed).
   */
  claimOutbox(limit: number): Promise<string[]> {
    return this.batch.run<string[]>(
      "store_outbox_claim",
      [this.key("outbox")],
      [OUTBOX_LEASE_MS, limit, this.instance],
    );
  }

  /** Deferred (RedisBatch.defer): nothing but the outbox's count of what is in hand waits on it. */
  async outboxDone(id: string): Promise<void> {
    await this.batch.defer("store_outbox_done", [this.key("outbox")], [id]);
  }

  /** Sends the deferred writes (an acceptance) now: a step of the same message waits on one. */
  hurry(): void {
    this.batch.hurry();
  }

  /** Gives up this instance's lease of a message in the outbox (its hand-over failed): the next sweep retries. */
  async outboxRelease(id: string): Promise<void> {
    await this.batch.run("store_outbox_release", [this.key("outbox")], [id, this.instance]);
  }

  /** The set of final messages whose notification has not been handed over yet. */
  get outboxKey(): string {
    return this.key("outbox");
  }

  /** Removes the timer of a message whose document is gone (see DROP_ORPHAN_TIMER_SCRIPT); true when removed. */
  dropOrphanTimer(id: string): Promise<boolean> {
    return this.batch
      .run<number>("store_drop_orphan_timer", [this.docKey(id), this.key("timers")], [id])
      .then(isOne);
  }

  /** Messages not final yet (each has a timer). */
  async activeCount(): Promise<number> {
    return this.redis.zcard(this.key("timers"));
  }
}
