import { ErrorCodes, OtpgwError } from "../errors.js";
import { LogThrottle } from "../observability/log-throttle.js";
import { RedisOutcomeUnknownError } from "../redis/redis-batch.js";
import { VolumeLimitedError } from "./create-limits.js";
import type { CarrierReceipt } from "../south/carrier-pool.js";
import {
  MessageProcessor,
  type DeliveryCollaborators,
  type ProcessorDeps,
  type ProcessorOptions,
} from "./message-processor.js";
import type { ChannelStatus } from "../escalation/channel-types.js";
import { canAccept } from "./admission.js";
import { CreateWithdrawals } from "./create-withdrawals.js";
import type { HandOffs } from "./hand-offs.js";
import { conversionCredit, newMessage, type SubmitResult } from "./lifecycle.js";
import { newMessageId } from "./message-id.js";
import { OutboxHandOvers, untilDeadline, type NotifyResult } from "./outbox-hand-overs.js";
import { nothingToNotify, type EscalationDeps } from "./processor-types.js";
import { ReceiptLookup, receiptEvent } from "./receipt-lookup.js";
import { TimerPoller } from "./timer-poller.js";
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

export interface DeliveryEngineDeps extends DeliveryCollaborators {
  /**
   * The clock of every time delivery stores or compares (default Date.now). Several instances on one Redis judge each
   * other's deadlines: the gateway's is Redis's clock as this process sees it (RedisClock).
   */
  clock?: () => number;
  /** How far `clock` may be from the one every instance shares (RedisClock.errorMs); 0 without (see TimerPoller). */
  clockErrorMs?: () => number;
  rng?: () => number;
  options: DeliveryEngineOptions;
  /** Hands a final message's notification over (webhook queue, SMPP receipt); must be idempotent per id. */
  notify: (message: Message) => Promise<NotifyResult>;
  /** A notification to queue in the same step as the final state (see ProcessorDeps.prepareHandOver). */
  prepareHandOver?: ProcessorDeps["prepareHandOver"];
  /** Messages passed between instances for a carrier whose binds are elsewhere (bind-slot leases); none without. */
  handOffs?: HandOffs;
  /** WhatsApp and voice after SMS (src/escalation/); none without. */
  escalation?: EscalationDeps;
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

/**
 * The message lifecycle service: accepts messages durably, moves them through attempts on carriers as
 * receipts, submit results and timers arrive, and hands final states to the notifier. Recovery after a crash
 * needs nothing special: every non-final message has a timer in Redis, and the poller resumes it.
 */
export class DeliveryEngine implements DeliveryService {
  private readonly deps: DeliveryEngineDeps;
  private readonly processor: MessageProcessor;
  private readonly clock: () => number;
  /** See `startedAt`. */
  private started: number | undefined;
  /** Claims due timers and handed-off messages. */
  private readonly poller: TimerPoller;
  /** Final states to the notifier, and the outbox sweep. */
  private readonly handOvers: OutboxHandOvers;
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
    this.handOvers = new OutboxHandOvers({
      store: deps.store,
      notify: deps.notify,
      logger: deps.logger,
      sweepFailed: (error) => this.pollFailed(error, "outbox sweep failed"),
    });
    this.withdrawals = new CreateWithdrawals({
      store: deps.store,
      logger: deps.logger,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    });
    this.processor = new MessageProcessor({
      store: deps.store,
      planner: deps.planner,
      pools: deps.pools,
      ...(deps.poolClock && { poolClock: deps.poolClock }),
      carriers: deps.carriers,
      logger: deps.logger,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.reportsConversions && { reportsConversions: deps.reportsConversions }),
      ...(deps.conversionListener && { conversionListener: deps.conversionListener }),
      ...(deps.attemptWithdrawals && { attemptWithdrawals: deps.attemptWithdrawals }),
      clock: this.clock,
      startedAt: () => this.started,
      rng: deps.rng ?? Math.random,
      options: deps.options,
      // A message whose submitter asked for no receipt needs no hand-over: it never enters the outbox.
      prepareHandOver: (message) =>
        message.receiptVia === "none" ? nothingToNotify() : deps.prepareHandOver?.(message),
      onFinal: (message, handedOver) => {
        if (!handedOver) void this.handOvers.handOver(message);
      },
      ...(deps.handOffs && { handOff: (carrier, id) => deps.handOffs?.handOff(carrier, id, this.clock()) }),
      ...(deps.escalation && { escalation: deps.escalation }),
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
    this.poller = new TimerPoller({
      store: deps.store,
      pools: deps.pools,
      ...(deps.handOffs && { handOffs: deps.handOffs }),
      withdrawals: this.withdrawals,
      handOvers: this.handOvers,
      clock: this.clock,
      ...(deps.clockErrorMs && { clockErrorMs: deps.clockErrorMs }),
      pollMs: deps.options.timerPollMs,
      leaseMs: deps.options.timerLeaseMs,
      process: (id) => this.processInBackground(id),
      failed: (error, what) => this.pollFailed(error, what),
    });
  }

  /** When start() ran, on `clock` (startupGraceUntil; escalation's start-up window); undefined before. */
  get startedAt(): number | undefined {
    return this.started;
  }

  start(): void {
    this.started = this.clock();
    for (const pool of this.deps.pools.values()) pool.setReceiptHandler((event) => this.onReceipt(event));
    this.deps.attemptWithdrawals?.listen((id, n) => this.processor.queuedParts.withdrawEnded(id, n));
    this.poller.start();
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
          limits: input.volumeLimits,
          correlations: first?.correlations,
        })
        .catch((error: unknown) => {
          if (error instanceof VolumeLimitedError)
            this.deps.metrics?.submitsLimited.inc({ account: input.account, limit: error.limit.kind });
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

  /**
   * Records that the person used the code of message `id` (docs/http-api.md, "Conversions"): a message not final is
   * delivered at once (nothing more is sent), a final one keeps its state. Counted once, by the attempt it proves
   * delivered. Resolves with the message as stored now, or null when it is gone.
   */
  async convert(id: string): Promise<Message | null> {
    const before = await this.storeCall(() => this.processor.convert(id));
    if (before !== undefined) this.#countConversion(before);
    return this.get(id);
  }

  /**
   * A first conversion report of a message as it was before: in the metrics, and in live health's conversion share
   * when its delivery was counted there (delivered by SMS, or ended delivered by this report).
   */
  #countConversion(before: Message): void {
    this.deps.conversionListener?.converted(before);
    const credited = conversionCredit(before);
    this.deps.metrics?.conversions.inc({
      carrier: credited?.carrier ?? "none",
      channel: credited?.channel ?? "none",
      message_state: before.state,
    });
    // A message that ended undeliverable or expired was never counted as a delivery.
    if (credited?.channel !== "sms" || (before.state !== "attempting" && before.state !== "delivered"))
      return;
    // Delivered by this very report when it was still attempting.
    const deliveredAt = before.state === "attempting" ? this.clock() : (before.finalAt ?? this.clock());
    this.deps.planner.conversionObserved?.(before.to, before.country, credited.carrier, deliveredAt, true);
  }

  /** The text of a message not yet final (escalation reads its code from it); null once deleted. */
  getText(id: string): Promise<string | null> {
    return this.storeCall(() => this.deps.store.getText(id));
  }

  /**
   * Records how a channel's provider answered the send of escalation attempt `attempt` (its one part), as a
   * carrier's submit answer is recorded: an accepted send's provider id then finds the message's statuses.
   */
  channelResult(messageId: string, attempt: number, channel: string, result: SubmitResult): Promise<void> {
    return this.processor.submitResult(messageId, attempt, 0, result, channel);
  }

  /**
   * Records a status a channel's provider reported (its status callback), as a carrier's receipt is recorded.
   * Resolves once recorded or known to match no message; rejects when it could not be recorded (the provider is
   * then answered 5xx and posts it again).
   */
  channelStatus(channel: string, status: ChannelStatus): Promise<void> {
    return this.onReceipt(
      {
        carrierId: channel,
        bindId: `${channel}-status`,
        ...(status.recipient !== undefined && { handset: status.recipient }),
        receipt: {
          messageId: status.providerMessageId,
          stat: status.stat,
          final: status.final,
          delivered: status.delivered,
          ...(status.err !== undefined && { err: status.err }),
          from: "text",
        },
      },
      status.reference === undefined ? {} : { reference: status.reference },
    );
  }

  /**
   * Marks the send of escalation attempt `attempt` as started (channel-send-marks.ts), before its request goes out,
   * for `ttlMs`: a status that overtakes the provider's answer may then be matched by the handset. False when it was
   * marked already (an earlier send may have gone out: it must not be sent again).
   */
  channelSendStarted(messageId: string, attempt: number, ttlMs: number): Promise<boolean> {
    return this.deps.store.sendMarks.started(messageId, attempt, ttlMs);
  }

  /** The provider answered that it did not take the send of attempt `attempt`: no status can be that send's. */
  channelSendNotTaken(messageId: string, attempt: number): Promise<void> {
    return this.deps.store.sendMarks.notTaken(messageId, attempt);
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
    this.poller.stop();
    this.processor.stop();
    const deadline = Date.now() + timeoutMs;
    await Promise.race([this.processor.idle(), untilDeadline(deadline)]);
    await this.handOvers.settle(deadline);
    await this.deps.attemptWithdrawals?.close();
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
    await this.handOvers.settle(Date.now() + timeoutMs);
  }

  private pollFailed(error: unknown, what: string): void {
    this.pollFailedLog.warn(this.deps.logger, "", { err: (error as Error).message }, what);
  }

  /**
   * Records a carrier's receipt (`channel`: a WhatsApp or voice status, see ReceiptLookup). Resolves once recorded
   * (or known to match no message); rejects when it could not be, so the carrier or provider delivers it again.
   */
  private async onReceipt(event: CarrierReceipt, channel?: { reference?: string }): Promise<void> {
    // Usually the carrier's id was mapped in memory when its submit_sm_resp came: no await, so no frame waits here
    // (async only so that a throw still becomes a rejection).
    const target = this.processor.knownCorrelation(event.carrierId, event.receipt.messageId);
    return target
      ? this.processor.receipt(target, receiptEvent(event.receipt))
      : this.lookup.lookUp(event, channel);
  }
}
