import { randomFillSync } from "node:crypto";
import { ErrorCodes, OtpgwError } from "../errors.js";
import { LogThrottle } from "../observability/log-throttle.js";
import { RedisOutcomeUnknownError } from "../redis/redis-batch.js";
import type { CarrierReceipt } from "../south/carrier-pool.js";
import {
  MessageProcessor,
  type DeliveryCollaborators,
  type ProcessorDeps,
  type ProcessorOptions,
} from "./message-processor.js";
import { canAccept } from "./admission.js";
import { CreateWithdrawals } from "./create-withdrawals.js";
import type { HandOffs } from "./hand-offs.js";
import { newMessage } from "./lifecycle.js";
import { nothingToNotify } from "./processor-types.js";
import { ReceiptLookup, receiptEvent } from "./receipt-lookup.js";
import type { DeliveryService } from "./service-types.js";
import type { Message, NewMessage } from "./types.js";

export interface DeliveryEngineOptions extends ProcessorOptions {
  /** How often due timers are claimed (DLR deadlines, retries, recovery after a crash). */
  timerPollMs: number;
  /** A claimed timer comes back after this long if its handling never finished (crash, lost instance). */
  timerLeaseMs: number;
  /** Receipts that arrive before their submit result is committed are looked up again this many times. */
  receiptLookupRetries: number;
  receiptLookupDelayMs: number;
}

/**
 * What a hand-over did with the outbox entry: "out-of-outbox" when the notifier took the message out itself in
 * the same step as queuing its notification (SMPP receipts), else delivery removes it afterwards.
 */
export type NotifyResult = "out-of-outbox" | void;

export interface DeliveryEngineDeps extends DeliveryCollaborators {
  clock?: () => number;
  rng?: () => number;
  options: DeliveryEngineOptions;
  /** Hands a final message's notification over (webhook queue, SMPP receipt); must be idempotent per id. */
  notify: (message: Message) => Promise<NotifyResult>;
  /** A notification to queue in the same step as the final state (see ProcessorDeps.prepareHandOver). */
  prepareHandOver?: ProcessorDeps["prepareHandOver"];
  /** Messages passed between instances for a carrier whose binds are elsewhere (bind-slot leases); none without. */
  handOffs?: HandOffs;
}

/** A Redis failure becomes OTPGW_ERR_DELIVERY_STORE (answer 503: not acknowledged); our own errors stay. */
function storeError(error: unknown): Error {
  if (error instanceof OtpgwError) return error;
  return new OtpgwError(ErrorCodes.DELIVERY_STORE, `message store unavailable: ${(error as Error).message}`, {
    cause: error,
  });
}

const rethrowAsStoreError = (error: unknown): never => {
  throw storeError(error);
};

/** Resolves at `deadline` (ms since the epoch), at once if it passed; holds no process open. */
function untilDeadline(deadline: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref());
}

/** Timers claimed per poll: bounds the burst after a restart with many messages in flight. */
const TIMER_BATCH = 500;
/** Outbox hand-overs started by sweeps and still under way (receivers that hang): no more are taken beyond it. */
const SWEEP_HAND_OVERS = 100;

/**
 * The message lifecycle service: accepts messages durably, moves them through attempts on carriers as
 * receipts, submit results and timers arrive, and hands final states to the notifier. Recovery after a crash
 * needs nothing special: every non-final message has a timer in Redis, and the poller resumes it.
 */
export class DeliveryEngine implements DeliveryService {
  private readonly deps: DeliveryEngineDeps;
  private readonly processor: MessageProcessor;
  private readonly clock: () => number;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Hand-overs under way in this process: message id → the hand-over (close waits for them, bounded). */
  private readonly handingOver = new Map<string, Promise<void>>();
  /** Of those, the ones outbox sweeps started: never awaited by a poll, which runs the timers. */
  private sweepHandOvers = 0;
  /**
   * Messages this process handed over that a running outbox sweep may still have read before they left the
   * outbox: true once out of it. A sweep drops the true ones before it reads the outbox (what it then reads cannot
   * hold them), so this holds the hand-overs since the last sweep (~100 ms), not a minute's worth.
   */
  private readonly handedOver = new Map<string, boolean>();
  private closed = false;
  private readonly notProcessedLog = new LogThrottle(10_000);
  /** A poll fails every turn while Redis is unreachable (or its replicas behind): a line every 10 s says so. */
  private readonly pollFailedLog = new LogThrottle(10_000);
  /** Receipts whose carrier id is not mapped in memory: looked up in Redis. */
  private readonly lookup: ReceiptLookup;
  /** Creates refused to their submitter because Redis's answer was lost: undone once Redis answers again. */
  private readonly withdrawals: CreateWithdrawals;

  constructor(deps: DeliveryEngineDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? Date.now;
    this.withdrawals = new CreateWithdrawals({
      store: deps.store,
      logger: deps.logger,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    });
    this.processor = new MessageProcessor({
      store: deps.store,
      planner: deps.planner,
      pools: deps.pools,
      carriers: deps.carriers,
      logger: deps.logger,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      clock: this.clock,
      rng: deps.rng ?? Math.random,
      options: deps.options,
      // A message whose submitter asked for no receipt needs no hand-over: it never enters the outbox.
      prepareHandOver: (message) =>
        message.receiptVia === "none" ? nothingToNotify() : deps.prepareHandOver?.(message),
      onFinal: (message, handedOver) => {
        if (!handedOver) void this.handOver(message);
      },
      ...(deps.handOffs && { handOff: (carrier, id) => deps.handOffs?.handOff(carrier, id, this.clock()) }),
    });
    this.lookup = new ReceiptLookup({
      store: deps.store,
      processor: this.processor,
      logger: deps.logger,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      retries: deps.options.receiptLookupRetries,
      delayMs: deps.options.receiptLookupDelayMs,
      requestMarks: (carrierId) => deps.pools.get(carrierId)?.requestMarks() ?? [],
    });
  }

  start(): void {
    for (const pool of this.deps.pools.values()) pool.setReceiptHandler((event) => this.onReceipt(event));
    this.pollTimer = setInterval(() => void this.poll(), this.deps.options.timerPollMs);
    this.pollTimer.unref();
    void this.poll();
  }

  /**
   * Persists a new message (with its first attempt when one can be planned now) and starts it; resolves once it
   * is in Redis. No `await` here: the function's frame ends at once, and a submit waiting for Redis holds a
   * promise and its callback, not a suspended frame (a good share of what each young-generation GC copies).
   */
  async accept(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    if (this.closed) throw new OtpgwError(ErrorCodes.DELIVERY_CLOSED, "otpgw is shutting down");
    const now = this.clock();
    const message = newMessage(newMessageId(now), input, now);
    // Usually the first attempt is planned now and written with the message (one step); its DLR deadline is
    // the timer. Otherwise the timer is a safety net: if this process dies before the first attempt, the
    // poller picks it up.
    const first = this.processor.planFirst(message, input.text, now);
    const stored = first?.message ?? message;
    return this.storeCall(() =>
      // A literal with every option, not spreads: a spread copy that gains fields gets a hidden class of its own
      // (lifecycle.ts).
      this.deps.store
        .create(stored, input.text, first?.timerAt ?? now + this.deps.options.timerLeaseMs, {
          idempotencyKey: input.idempotencyKey,
          rate: input.rateLimit,
          correlations: first?.correlations,
        })
        .catch((error: unknown) => {
          // Refused to the submitter (who sends it again): if the create did run, that copy must not go out too.
          if (error instanceof RedisOutcomeUnknownError) {
            this.withdrawals.add(
              stored,
              { idempotencyKey: input.idempotencyKey, correlations: first?.correlations },
              first,
            );
          }
          throw error;
        }),
    ).then(({ id, created }) => {
      if (!created) return this.existing(id);
      this.deps.metrics?.messagesAccepted.inc();
      if (first) {
        this.processor.launchFirst(first);
        return { message: stored, created: true };
      }
      // This process just wrote it: its first step needs neither the document nor the text read back.
      this.processor.adopt({ message, version: 1 }, input.text);
      this.processInBackground(id);
      return { message, created: true };
    });
  }

  /** The message that already owns an idempotency key (created=false). */
  private async existing(id: string): Promise<{ message: Message; created: boolean }> {
    const loaded = await this.storeCall(() => this.deps.store.get(id));
    if (!loaded)
      throw new OtpgwError(ErrorCodes.DELIVERY_STORE, `message ${id} of an idempotency key is gone`);
    // A repeat of a create this process refused because Redis's answer was lost: it had run, and is now told to the
    // submitter, so it is delivered instead of withdrawn — started here, as nothing else will start it.
    const reclaimed = this.withdrawals.reclaim(id);
    if (reclaimed !== undefined && loaded.version === 1) {
      this.deps.metrics?.messagesAccepted.inc();
      if (reclaimed.first) this.processor.launchFirst(reclaimed.first);
      else this.processInBackground(id);
    }
    return { message: loaded.message, created: false };
  }

  /** @throws OtpgwError DELIVERY_STORE when Redis cannot answer (the API says 503, retry; not a 500). */
  async get(id: string): Promise<Message | null> {
    return (await this.storeCall(() => this.deps.store.get(id)))?.message ?? null;
  }

  async getByIdempotencyKey(account: string, idempotencyKey: string): Promise<Message | null> {
    const id = await this.storeCall(() => this.deps.store.findByIdempotencyKey(account, idempotencyKey));
    return id ? this.get(id) : null;
  }

  /** Whether new work for this destination can go out now, or would only queue up (admission.ts). */
  canAccept(to: string, country: string): boolean {
    return canAccept(this.deps, to, country);
  }

  /**
   * Stops taking messages and timers and starting attempts; waits (bounded) for the work in hand. Receipts
   * are still recorded until `detach` (call it after the carrier binds have drained). Idempotent.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.processor.stop();
    const deadline = Date.now() + timeoutMs;
    await Promise.race([this.processor.idle(), untilDeadline(deadline)]);
    await this.settleHandOvers(deadline);
    await this.withdrawals.drain();
    if (this.withdrawals.size > 0) {
      this.deps.logger.warn(
        { pending: this.withdrawals.size },
        "stopping with withdrawals pending (Redis unreachable): those messages may be delivered besides their resends",
      );
    }
  }

  /** Runs a store call for a client; a Redis failure becomes OTPGW_ERR_DELIVERY_STORE (answer 503: not acknowledged). */
  private storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return call().catch(rethrowAsStoreError);
    } catch (error) {
      return Promise.reject(storeError(error));
    }
  }

  /** Moves a message on without waiting; a failure (Redis down) is logged and its timer brings it back. */
  private processInBackground(id: string): void {
    this.processor
      .process(id)
      .catch((error: unknown) =>
        this.notProcessedLog.warn(
          this.deps.logger,
          "",
          { err: (error as Error).message, messageId: id },
          "message not processed; its timer will retry (such lines at most every 10 s)",
        ),
      );
  }

  /**
   * Stops listening to carrier receipts (after the binds closed). Receipts recorded while the binds drained finalised
   * messages and started their hand-overs after `close`: they are settled the same way, within `timeoutMs`.
   */
  async detach(timeoutMs = 0): Promise<void> {
    for (const pool of this.deps.pools.values()) pool.setReceiptHandler(undefined);
    await this.settleHandOvers(Date.now() + timeoutMs);
  }

  /**
   * Hand-overs under way finish (until `deadline`); those still unanswered then (a webhook receiver that hangs)
   * are left to the next sweep, here after a restart or on another instance, at once rather than when their leases
   * run out. Released earlier, another instance would send them while they are still going out.
   */
  private async settleHandOvers(deadline: number): Promise<void> {
    await Promise.race([Promise.allSettled(this.handingOver.values()), untilDeadline(deadline)]);
    await Promise.all(
      [...this.handingOver.keys()].map((id) => this.deps.store.outboxRelease(id).catch(() => undefined)),
    );
  }

  /** Claims due timers and processes those messages; also retries notifications left in the outbox. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      // Withdrawals first: a message to withdraw must not be claimed and attempted before it is withdrawn.
      await this.withdrawals.drain();
      if (this.withdrawals.size > 0) return;
      // Due timers and messages handed over by other instances (hand-offs.ts): asked in one turn, one Redis call.
      const { store, handOffs, pools, options } = this.deps;
      const now = this.clock();
      const [due, handedOff = []] = await Promise.all([
        store.claimDue(now, options.timerLeaseMs, TIMER_BATCH),
        handOffs?.claimForBound(pools, now, options.timerLeaseMs, TIMER_BATCH),
      ]);
      for (const id of [...due, ...handedOff]) this.processInBackground(id);
      for (const [id, out] of this.handedOver) if (out) this.handedOver.delete(id);
      // Only messages nobody is handing over are taken (leased to this instance, so no other one takes them too);
      // those being handed over here right now are left to that hand-over. The rest are started here (the next poll
      // drops what `handedOver` holds) and awaited by none: a receiver that hangs must not hold up the timers.
      const room = Math.min(100, SWEEP_HAND_OVERS - this.sweepHandOvers);
      if (room <= 0) return;
      const pending = (await this.deps.store.claimOutbox(room)).filter((id) => !this.handingOver.has(id));
      const loaded = await Promise.all(pending.map((id) => this.deps.store.get(id)));
      pending.forEach((id, i) => {
        const message = loaded[i]?.message;
        this.sweepHandOver(message ? this.handOver(message) : this.deps.store.outboxDone(id));
      });
    } catch (error) {
      this.pollFailed(error, "timer poll failed; retrying");
    } finally {
      this.polling = false;
    }
  }

  /** Counts a hand-over an outbox sweep started while it runs (see SWEEP_HAND_OVERS). */
  private sweepHandOver(handOver: Promise<unknown>): void {
    this.sweepHandOvers++;
    handOver
      .catch((error: unknown) => this.pollFailed(error, "outbox sweep failed"))
      .finally(() => this.sweepHandOvers--);
  }

  private pollFailed(error: unknown, what: string): void {
    this.pollFailedLog.warn(this.deps.logger, "", { err: (error as Error).message }, what);
  }

  /**
   * Hands a final message to the notifier, then takes it out of the outbox. One hand-over per message at a
   * time in this process, and none again for one an outbox sweep read before it left the outbox (see
   * `handedOver`); across a crash the notifier may see a message twice and must dedupe (webhook jobs are keyed
   * by message id).
   */
  private handOver(message: Message): Promise<void> {
    const running = this.handingOver.get(message.id);
    if (running) return running;
    const handOver = this.handOverNow(message).finally(() => this.handingOver.delete(message.id));
    this.handingOver.set(message.id, handOver);
    return handOver;
  }

  private async handOverNow(message: Message): Promise<void> {
    try {
      let leftOutbox = false;
      if (!this.handedOver.has(message.id)) {
        leftOutbox = (await this.deps.notify(message)) === "out-of-outbox";
        this.handedOver.set(message.id, false);
      }
      if (!leftOutbox) await this.deps.store.outboxDone(message.id);
      this.handedOver.set(message.id, true);
    } catch (error) {
      // Stays in the outbox: the next poll tries again. A notification that failed is left to any instance (its
      // lease given up); one that went out and only its removal failed stays leased here, so this instance's own
      // sweep finishes it (handedOver) and no other notifies again.
      this.deps.logger.warn(
        { err: error, messageId: message.id },
        "notification hand-over failed; will retry",
      );
      if (!this.handedOver.has(message.id)) {
        await this.deps.store.outboxRelease(message.id).catch(() => undefined);
      }
    }
  }

  /**
   * Records a carrier's receipt. Resolves once it is recorded (or known to match no message); rejects when it
   * could not be recorded, so the bind asks the carrier to deliver it again.
   */
  private async onReceipt(event: CarrierReceipt): Promise<void> {
    // Usually the carrier's id was mapped in memory when its submit_sm_resp came: no await, so no frame waits here
    // (async only so that a throw still becomes a rejection: the bind then asks the carrier to deliver it again).
    const target = this.processor.knownCorrelation(event.carrierId, event.receipt.messageId);
    return target ? this.processor.receipt(target, receiptEvent(event.receipt)) : this.lookup.lookUp(event);
  }
}

/** Random bytes for ids, drawn 4 KiB at a time (one system call per 512 ids instead of one per id). */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

/** Sortable, unguessable ids: 8 hex of seconds since the epoch + 16 random hex. */
function newMessageId(now: number): string {
  if (randomOffset + 8 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const random = randomPool.toString("hex", randomOffset, randomOffset + 8);
  randomOffset += 8;
  return (
    Math.floor(now / 1000)
      .toString(16)
      .padStart(8, "0") + random
  );
}
