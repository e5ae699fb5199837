import { LogThrottle } from "../observability/log-throttle.js";
import { planAttempt, type ReadyAttempt } from "./attempt-planner.js";
import { applyWithConflictRetry, type ConflictRetryContext } from "./conflict-retry.js";
import { KeyedSerializer } from "./keyed-serializer.js";
import { DocumentCache } from "./document-cache.js";
import { handsetMatches } from "./handset-match.js";
import { CommitObserver } from "./commit-observer.js";
import { LocalIndex } from "./local-index.js";
import { QueuedParts } from "./queued-parts.js";
import { firstBoundAt, startupGraceUntil } from "./startup-grace.js";
import { correlationsOf } from "./submit-results.js";
import { retrySubmitResult } from "./submit-result-retry.js";
import {
  applyConversion,
  applyReceipt,
  applySubmitResult,
  finalize,
  settle,
  type Next,
  type ReceiptEvent,
  type SubmitResult,
} from "./lifecycle.js";
import type { ReceiptTarget, Update, Versioned } from "./message-store.js";
import type { Message } from "./types.js";
import type { PreparedHandOver, ProcessorDeps } from "./processor-types.js";

export type { DeliveryCollaborators, ProcessorDeps, ProcessorOptions } from "./processor-types.js";

/**
 * Applies events to messages and acts on what the lifecycle decides: starts attempts on carriers, records submit
 * results and receipts, finalises. Every change is committed to Redis with its version before anything is sent, so a
 * crash at any point leaves a state that the timers resume from. The steps (withConflictRetry's usual case, advance,
 * commit, store, recordAccepted) are plain functions chaining the store's promise with `.then` (see MessageStore),
 * so an event on a message in hand waits for Redis without a suspended frame; they run inside the serializer's
 * callbacks, so a synchronous throw still rejects.
 */
export class MessageProcessor {
  private readonly deps: ProcessorDeps;
  private readonly serial = new KeyedSerializer(() => this.deps.store.hurry());
  /** Documents this process is working on, with their versions (bounded): saves a read per event. */
  private readonly cache = new DocumentCache();
  private stopping = false;
  /** Attempts started before this (by an earlier process) may get a start-up grace; see startupGraceUntil. */
  private readonly startedAt: number;
  /** Texts and carrier ids of the messages in hand: no read-back of what this process wrote. */
  private readonly index: LocalIndex;
  /** Parts waiting in a carrier's queue: withdrawn before their attempt ends, here or elsewhere (one at a time). */
  readonly queuedParts = new QueuedParts(() => this.deps);
  private readonly noIdLog = new LogThrottle(60_000);
  private readonly observer: CommitObserver;
  private readonly retryContext: ConflictRetryContext;

  constructor(deps: ProcessorDeps) {
    this.deps = deps;
    this.startedAt = deps.clock();
    this.index = new LocalIndex(undefined, undefined, deps.clock);
    this.observer = new CommitObserver(deps);
    this.retryContext = {
      cache: this.cache,
      store: deps.store,
      logger: deps.logger,
      advance: (loaded, message, correlate) => this.advance(loaded, message, correlate),
    };
  }

  /**
   * After this, no new attempt starts in this process (shutdown): messages due for one are left with a due timer,
   * for a restart or another instance. Events still apply, so receipts arriving while carrier windows drain count.
   */
  stop(): void {
    this.stopping = true;
  }

  idle(): Promise<void> {
    return this.serial.idle();
  }

  /** A message this process just created: its first step starts from these instead of reading them back. */
  adopt(loaded: Versioned, text: string): void {
    this.cache.set(loaded.message.id, loaded);
    this.index.setText(loaded.message.id, text);
  }

  /** Looks at a message (new, timer due, recovered after a restart), moves it on, resumes a lost channel send. */
  process(id: string): Promise<void> {
    let seen: Message | undefined;
    const step = this.serial.run(id, () => this.withConflictRetry(id, (current) => (seen = current)));
    return step.then(() => {
      if (seen && !this.stopping) this.deps.escalation?.resume(seen, this.deps.clock());
    });
  }

  /**
   * Records a part's submit outcome. A carrier's answer is never dropped: the correlation of an accepted part
   * is known in memory at once (a receipt may overtake the write), and while Redis is unreachable the write is
   * retried with backoff for as long as the result can still matter.
   */
  submitResult(id: string, n: number, part: number, result: SubmitResult, carrier: string): Promise<void> {
    if (result.status === "accepted") {
      if (result.carrierMessageId !== "") {
        this.index.correlate(carrier, result.carrierMessageId, { messageId: id, attempt: n, part });
      } else if (this.noIdLog.allow(carrier)) {
        this.deps.logger.warn(
          { carrier },
          "carrier accepted a submit without a message_id: its receipts can be matched only by the handset (one-part messages); at most once a minute",
        );
      }
    }
    const startedAt = this.deps.clock();
    const record = (): Promise<void> =>
      this.serial.run(id, () =>
        this.withConflictRetry(id, (current) => applySubmitResult(current, n, part, result), [
          n,
          part,
          result,
        ]),
      );
    // Usually recorded at the first try: no frame waits for Redis here; the retries are a path of their own.
    return record().catch((error: unknown) =>
      retrySubmitResult(record, { ...this.deps, messageId: id, startedAt, firstError: error }),
    );
  }

  /**
   * Applies a receipt found by carrier and handset instead of by carrier message id (or a channel status by voice's
   * reference) when handsetMatches says it is that part's: never to a part whose id is recorded as another, nor to
   * one that went out after the receipt came or, for a channel, whose send was not made (`channelSendMade`: the
   * attempt's send mark, read by the caller). Resolves whether it was applied.
   */
  receiptByHandset(
    target: ReceiptTarget,
    carrierMessageId: string,
    receipt: ReceiptEvent,
    channelSendMade?: boolean,
  ): Promise<boolean> {
    const now = this.deps.clock();
    let applied = false;
    return this.serial
      .run(target.messageId, () =>
        this.withConflictRetry(target.messageId, (current) => {
          const attempt = current.attempts.find((a) => a.n === target.attempt);
          if (attempt === undefined) return current;
          const waitsHere = this.queuedParts.isOpen(target.messageId, target.attempt, target.part);
          applied = handsetMatches(attempt, target.part, carrierMessageId, { waitsHere, channelSendMade });
          return applied ? applyReceipt(current, target.attempt, target.part, receipt, now) : current;
        }),
      )
      .then(() => applied);
  }

  /**
   * The target of a carrier message id accepted in this process (also before its submit result is in Redis),
   * if still in hand; otherwise the store knows.
   */
  knownCorrelation(carrier: string, carrierMessageId: string): ReceiptTarget | undefined {
    return this.index.target(carrier, carrierMessageId);
  }

  receipt(target: ReceiptTarget, receipt: ReceiptEvent): Promise<void> {
    const now = this.deps.clock();
    return this.serial.run(target.messageId, () =>
      this.withConflictRetry(target.messageId, (current) =>
        applyReceipt(current, target.attempt, target.part, receipt, now),
      ),
    );
  }

  /** Records a conversion report (applyConversion): the message before it, undefined if one came before. */
  convert(id: string): Promise<Message | undefined> {
    const now = this.deps.clock();
    let before: Message | undefined;
    const event = (current: Message): Message => {
      before = current.convertedAt === undefined ? current : undefined; // the version the commit took
      return applyConversion(current, now);
    };
    return this.serial.run(id, () => this.withConflictRetry(id, event)).then(() => before);
  }

  /** Applies `event` to the message and advances it, again on a version conflict (see conflict-retry.ts). */
  private withConflictRetry(
    id: string,
    event: (message: Message) => Message,
    correlate?: [number, number, SubmitResult],
  ): Promise<void> {
    return applyWithConflictRetry(this.retryContext, id, event, correlate);
  }

  /** Settles `message` and commits the result, starting an attempt when due. False on a version conflict. */
  private advance(
    loaded: Versioned,
    message: Message,
    correlate?: [number, number, SubmitResult],
  ): Promise<boolean> {
    const now = this.deps.clock();
    const context = { now, minRemainingMs: this.deps.options.minRemainingMs };
    let { message: settled, next } = settle(message, context);
    if (next.kind !== "wait") {
      // The open attempt ends (or the message becomes final): what of it still waits in a queue never goes out.
      const withdrawn = this.queuedParts.withdraw(message);
      if (withdrawn !== message) {
        message = withdrawn;
        ({ message: settled, next } = settle(message, context));
      }
    }
    const correlations = correlate ? correlationsOf(settled, ...correlate) : undefined;
    const grace = startupGraceUntil(message, {
      now,
      processStartedAt: this.deps.startedAt?.() ?? this.startedAt,
      // When a carrier first bound in this process, on this clock.
      firstBoundAt: (carrier) => firstBoundAt(this.deps, carrier),
      graceMs: this.deps.options.startupReceiptGraceMs,
    });
    if (grace !== undefined)
      return this.commit(loaded, message, { kind: "wait", timerAt: grace }, correlations);
    if (next.kind === "attempt") return this.attempt(loaded, settled, now);
    if (next.kind === "wait" && settled === message && correlations?.length === 1) {
      const accepted = this.recordAccepted(loaded, message, next.timerAt, correlations[0]!);
      if (accepted !== undefined) return accepted;
    }
    return this.commit(loaded, settled, next, correlations);
  }

  /**
   * A carrier's acceptance that changes nothing else (same open attempt, same DLR deadline) is recorded as a
   * field beside the document instead of a new version of it. Undefined when the acceptance changes more.
   */
  private recordAccepted(
    loaded: Versioned,
    message: Message,
    timerAt: number,
    { carrier, carrierMessageId, target }: NonNullable<Update["correlations"]>[number],
  ): Promise<boolean> | undefined {
    const attempt = message.attempts.find((a) => a.n === target.attempt);
    const before = loaded.message.attempts.find((a) => a.n === target.attempt);
    if (!attempt || attempt.outcome || before?.dlrDeadline !== timerAt) return undefined;
    return this.deps.store
      .recordAccepted(message.id, target.attempt, target.part, carrier, carrierMessageId)
      .then((recorded) => {
        if (recorded) this.cache.set(message.id, { message, version: loaded.version });
        else this.cache.delete(message.id);
        return true;
      });
  }

  private commit(
    loaded: Versioned,
    message: Message,
    next: Exclude<Next, { kind: "attempt" }>,
    correlations?: Update["correlations"],
  ): Promise<boolean> {
    const now = this.deps.clock();
    if (next.kind === "final") {
      const done = finalize(message, next.state, next.reason, now);
      const handOver = this.deps.prepareHandOver?.(done);
      return this.deps.store
        .update(loaded.version, {
          message: done,
          timerAt: null,
          final: true,
          correlations,
          deferred: true,
          ...(handOver && { handOver }),
        })
        .then((applied) => applied && this.finished(loaded.message, done, handOver));
    }
    // Also when nothing changed: the timer must point at the deadline again (it may have been claimed).
    return this.store(loaded, message, next.timerAt, correlations);
  }

  /** After the final state replaced `before` in Redis: forget the message, count, log, hand its notification over. */
  private finished(before: Message, done: Message, handOver: PreparedHandOver | undefined): true {
    this.cache.delete(done.id);
    this.index.forget(done);
    this.observer.final(before, done, this.deps.clock());
    this.deps.logger.info(
      { messageId: done.id, state: done.state, reason: done.finalReason, attempts: done.attempts.length },
      "message final",
    );
    handOver?.committed();
    this.deps.onFinal(done, handOver !== undefined);
    return true;
  }

  private store(
    loaded: Versioned,
    message: Message,
    timerAt: number,
    correlations?: Update["correlations"],
  ): Promise<boolean> {
    return this.deps.store
      .update(loaded.version, { message, timerAt, final: false, correlations })
      .then((applied) => {
        if (applied) this.cache.set(message.id, { message, version: loaded.version + 1 });
        if (applied) this.observer.stored(loaded.message, message);
        return applied;
      });
  }

  /** Starts the next attempt: chooses a carrier, commits the attempt, then submits its parts. */
  private async attempt(loaded: Versioned, message: Message, now: number): Promise<boolean> {
    if (this.stopping) return this.commit(loaded, message, { kind: "wait", timerAt: now });
    const text = this.index.text(message.id) ?? (await this.deps.store.getText(message.id));
    if (text === null) {
      return this.commit(loaded, message, {
        kind: "final",
        state: "undeliverable",
        reason: "message text no longer stored",
      });
    }
    const plan = planAttempt(this.deps, message, text, now);
    if (plan.kind === "decided") {
      // Handed to an instance holding a bind of the carrier once the wait is committed (see attempt-planner.ts).
      const { handOff } = plan;
      const committed = this.commit(loaded, plan.message, plan.next);
      return handOff
        ? committed.then((ok) => (ok && this.deps.handOff?.(handOff, message.id), ok))
        : committed;
    }
    if (plan.kind === "failed") return this.advance(loaded, plan.message);
    if (plan.kind === "escalate") {
      const { message: next, n, channel } = plan;
      return this.store(loaded, next, plan.timerAt, plan.correlations).then((ok) => {
        if (ok) this.deps.escalation?.send(next.id, n, channel);
        return ok;
      });
    }
    if (!(await this.store(loaded, plan.message, plan.timerAt, plan.correlations))) return false;
    this.launch(plan);
    return true;
  }

  /**
   * The first attempt of a message not yet stored, planned so that it is written together with the message
   * (one step instead of two); undefined when the message must take the ordinary way (no carrier now,
   * shutting down, nothing to attempt).
   */
  planFirst(message: Message, text: string, now: number): ReadyAttempt | undefined {
    if (this.stopping) return undefined;
    const { next } = settle(message, { now, minRemainingMs: this.deps.options.minRemainingMs });
    if (next.kind !== "attempt") return undefined;
    const plan = planAttempt(this.deps, message, text, now);
    return plan.kind === "ready" ? plan : undefined;
  }

  /** Submits a first attempt written with its message (see planFirst), as version 1 of the document. */
  launchFirst(plan: ReadyAttempt): void {
    // The text is not kept: its parts are encoded already, and a reroute (rare) reads it back from Redis. Held
    // for every message awaiting its receipt, it was ~10 MB per 100,000 and survived every young collection.
    this.cache.set(plan.message.id, { message: plan.message, version: 1 });
    this.launch(plan);
  }

  /** Submits the parts of a committed attempt; each outcome is recorded as it comes. */
  private launch(plan: ReadyAttempt): void {
    const { message, n, carrier } = plan;
    this.deps.metrics?.attempts.inc({ carrier });
    if (this.deps.logger.isLevelEnabled("debug"))
      this.deps.logger.debug({ messageId: message.id, attempt: n, explain: plan.explain }, "attempt started");
    this.queuedParts.launch(plan, this.deps.pools.get(carrier)!, (part, result) => {
      void this.submitResult(message.id, n, part, result, carrier);
    });
  }
}
