/**
 * Final-state webhooks. `deliver` POSTs the signed payload at once, from the message in hand; only a webhook that
 * was not acknowledged (or that finds too many in flight) goes to BullMQ (queue `webhooks`), whose worker retries
 * it with capped exponential backoff until a 2xx or the message's retention ends — BullMQ carries the retries,
 * not every message. `enqueue` is idempotent per message (the job id is derived from the message id, finished
 * jobs are kept for the retention), so a final state handed over twice is queued once. Delivery is at least
 * once: a crash between the receiver's answer and the hand-over's record sends it again (same event id), and so
 * does a retry taken over from a process that died sending it. A receiver host gets a few of the worker's slots at
 * a time (`hostConcurrency`), so one that holds its tries until they time out delays no other host's webhooks.
 */
import { closeWithin } from "../../redis/bullmq-close.js";
import { readonlyReconnect } from "../../redis/failover.js";
import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type RedisOptions } from "bullmq";
import type { Message } from "../../delivery/types.js";
import { isFinal } from "../../delivery/types.js";
import { ErrorCodes, OtpgwError } from "../../errors.js";
import { LogThrottle } from "../../observability/log-throttle.js";
import type { Logger } from "../../observability/logger.js";
import type { Metrics } from "../../observability/metrics.js";
import { HostSlots } from "./host-slots.js";
import { webhookMaxAttempts, webhookRetryDelayMs, type WebhookBackoff } from "./webhook-backoff.js";
import { hostOf, sendWebhook } from "./webhook-request.js";

export const webhookQueueName = "webhooks";
/** Not the message id alone: BullMQ refuses custom ids that look like integers or contain ":". */
const jobIdPrefix = "final-";
const backoffType = "otpgw-webhook";

export interface WebhookSenderOptions {
  /**
   * Redis for BullMQ: a URL (`redis://host:port/db`) or ioredis options (BullMQ's `RedisOptions`). BullMQ
   * opens its own connections from them.
   */
  connection: string | RedisOptions;
  /** BullMQ's key prefix (keys are `<prefix>:webhooks:…`); tests pass their own to stay isolated. */
  prefix: string;
  /** Loads a message (with its attempts; never the text), or null when it no longer exists. */
  getMessage: (id: string) => Promise<Message | null>;
  /** The account's webhook secret, or undefined for an unknown account. */
  webhookSecret: (accountId: string) => string | undefined;
  logger: Logger;
  metrics?: Pick<Metrics, "webhookDeliveries">;
  /**
   * How long after the final state a webhook is retried before it is given up (and how long finished jobs
   * are kept, so a repeated enqueue is recognised). Default 24 h, the usual retention of a message.
   */
  retentionMs?: number;
  /** Delay before the first retry. Default 1 s. */
  initialDelayMs?: number;
  /** Retries back off by doubling up to this. Default 5 min: a receiver that is down is tried 12 times an hour. */
  maxDelayMs?: number;
  /** Time allowed for the receiver's answer. Default 10 s: a receiver only has to store and answer. */
  timeoutMs?: number;
  /**
   * "refuse" (default): no webhook to a receiver at a loopback, private, link-local or reserved address, as
   * written or as resolved (private-address.ts); "allow": receivers on the operator's own network.
   */
  privateAddresses?: "refuse" | "allow";
  /** Queued (retried) webhooks in flight at once in this process. Default 16. */
  concurrency?: number;
  /**
   * Queued webhooks in flight at once to one receiver host; more for that host wait (without using a try) while
   * other hosts' go out. Default 4: a receiver that holds every try until the timeout takes a quarter of the
   * worker, never all of it.
   */
  hostConcurrency?: number;
  /** First tries in flight at once; beyond, webhooks are queued instead. Default 256. */
  directConcurrency?: number;
  /** Run a worker in this process (false: only enqueue). Default true. */
  worker?: boolean;
  /**
   * How long a retry taken by a process that then died (killed, crashed) stays with it before another process
   * takes it over (BullMQ's lock duration and stalled-job check interval). Default 30 s.
   */
  lockDurationMs?: number;
  /**
   * How many times a retry may be taken over from a process that died holding it before it is given up
   * (BullMQ's `maxStalledCount`). Default 1 000 000, in effect never: sending again is safe (receivers dedupe on
   * the event id) and the retention still ends the retries; BullMQ's own default, 1, lost a webhook to two crashes.
   */
  maxStalledCount?: number;
  /** Clock (ms since the epoch). Default Date.now. */
  now?: () => number;
}

export const webhookDefaults = {
  retentionMs: 24 * 3600 * 1000,
  initialDelayMs: 1000,
  maxDelayMs: 5 * 60 * 1000,
  timeoutMs: 10_000,
  concurrency: 16,
  hostConcurrency: 4,
  directConcurrency: 256,
  lockDurationMs: 30_000,
  maxStalledCount: 1_000_000,
} as const;

interface WebhookJobData {
  messageId: string;
  /**
   * Tries made before the job was queued (1 after a direct try that was not acknowledged; absent in jobs queued
   * by older versions): the backoff and the number of tries count from the very first try.
   */
  priorTries?: number;
}

type Outcome = "acknowledged" | "not_acknowledged" | "gave_up" | "skipped";

export class WebhookSender {
  private readonly options: WebhookSenderOptions;
  private readonly logger: Logger;
  private retryQueue: Queue<WebhookJobData> | undefined;
  private readonly connection: RedisOptions;
  private readonly worker: Worker<WebhookJobData> | undefined;
  private readonly backoff: WebhookBackoff;
  private readonly retentionMs: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private readonly hostSlots: HostSlots;
  /** BullMQ reports a Redis outage at every reconnect attempt: a line per kind every 10 s (README, operations). */
  private readonly redisErrors = new LogThrottle(10_000);
  private closing: Promise<void> | undefined;
  private directInFlight = 0;

  constructor(options: WebhookSenderOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: "webhook" });
    this.now = options.now ?? Date.now;
    this.retentionMs = options.retentionMs ?? webhookDefaults.retentionMs;
    this.timeoutMs = options.timeoutMs ?? webhookDefaults.timeoutMs;
    this.backoff = {
      initialDelayMs: Math.max(1, options.initialDelayMs ?? webhookDefaults.initialDelayMs),
      maxDelayMs: options.maxDelayMs ?? webhookDefaults.maxDelayMs,
    };
    this.backoff.maxDelayMs = Math.max(this.backoff.maxDelayMs, this.backoff.initialDelayMs);
    this.maxAttempts = webhookMaxAttempts(this.retentionMs, this.backoff);
    this.hostSlots = new HostSlots(options.hostConcurrency ?? webhookDefaults.hostConcurrency);

    // BullMQ's connections follow a failover behind the same address, as the hot path's does (failover.ts).
    const connection: RedisOptions =
      typeof options.connection === "string"
        ? { url: options.connection, reconnectOnError: readonlyReconnect() }
        : options.connection;
    this.connection = connection;
    if (options.worker !== false) {
      const lockDurationMs = options.lockDurationMs ?? webhookDefaults.lockDurationMs;
      this.worker = new Worker<WebhookJobData>(webhookQueueName, (job, token) => this.process(job, token), {
        connection,
        prefix: options.prefix,
        concurrency: options.concurrency ?? webhookDefaults.concurrency,
        lockDuration: lockDurationMs,
        stalledInterval: lockDurationMs,
        maxStalledCount: options.maxStalledCount ?? webhookDefaults.maxStalledCount,
        // Retries start with `start()`, in the gateway's start order: not before Redis was checked.
        autorun: false,
        settings: {
          // `attemptsMade` counts this job's tries; the direct try before it (if any) counts too.
          backoffStrategy: (attemptsMade, _type, _error, job) =>
            webhookRetryDelayMs(
              attemptsMade + priorTriesOf(job?.data as WebhookJobData | undefined),
              this.backoff,
            ),
        },
      });
      this.worker.on("error", (error) =>
        this.redisErrors.warn(this.logger, "worker", { err: error.message }, "webhook worker error"),
      );
      this.worker.on("failed", (job, error) => this.onFailed(job, error));
    }
  }

  /**
   * The retry queue, made at its first use: BullMQ writes the queue's metadata to Redis as it connects, which
   * must not happen before start-up has checked Redis (and need not happen at all until a webhook is retried).
   */
  private get queue(): Queue<WebhookJobData> {
    if (!this.retryQueue) {
      this.retryQueue = new Queue<WebhookJobData>(webhookQueueName, {
        connection: this.connection,
        prefix: this.options.prefix,
      });
      this.retryQueue.on("error", (error) =>
        this.redisErrors.warn(this.logger, "queue", { err: error.message }, "webhook queue error"),
      );
    }
    return this.retryQueue;
  }

  /** Starts working through the retry queue (its worker runs until `close`). */
  start(): void {
    if (this.closing !== undefined || !this.worker || this.worker.isRunning()) return;
    this.worker
      .run()
      .catch((error: Error) => this.logger.warn({ err: error.message }, "webhook worker stopped"));
  }

  /**
   * Sends the final-state webhook of a message now; resolves once it was acknowledged or, failing that, queued
   * for retries (rejects only when it could be neither: the caller keeps the message for another hand-over).
   */
  async deliver(message: Message): Promise<void> {
    if (this.closing !== undefined) throw new Error("webhook sender is closed");
    const callbackUrl = message.callbackUrl;
    if (callbackUrl === undefined) return;
    const limit = this.options.directConcurrency ?? webhookDefaults.directConcurrency;
    const tried = this.directInFlight < limit && isFinal(message.state);
    if (tried) {
      this.directInFlight++;
      try {
        await this.post(message, callbackUrl);
        this.count("acknowledged");
        return;
      } catch (error) {
        this.count("not_acknowledged");
        this.logger.debug(
          { messageId: message.id, host: hostOf(callbackUrl), reason: (error as Error).message },
          "webhook not acknowledged; queued for retries",
        );
      } finally {
        this.directInFlight--;
      }
    }
    // The first retry comes `initialDelayMs` after the first try; the direct try, when made, was that first try.
    await this.add(message.id, this.backoff.initialDelayMs, tried ? 1 : 0);
  }

  /**
   * Schedules the final-state webhook of a message (after `delayMs`). Idempotent: enqueuing a message again
   * while its webhook is pending, or within the retention after it was sent or given up, does nothing.
   */
  async enqueue(messageId: string, delayMs = 0): Promise<void> {
    await this.add(messageId, delayMs, 0);
  }

  private async add(messageId: string, delayMs: number, priorTries: number): Promise<void> {
    if (this.closing !== undefined) throw new Error("webhook sender is closed");
    const keepSeconds = Math.ceil(this.retentionMs / 1000);
    await this.queue.add("final", priorTries > 0 ? { messageId, priorTries } : { messageId }, {
      jobId: jobIdPrefix + messageId,
      ...(delayMs > 0 && { delay: delayMs }),
      attempts: Math.max(1, this.maxAttempts - priorTries),
      backoff: { type: backoffType },
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds },
    });
  }

  /**
   * Stops the worker (waiting for webhooks in flight, each bounded by the timeout) and the queue, within `timeoutMs`:
   * BullMQ's close waits for Redis, so with Redis unreachable it would never end — past the time its connections
   * are dropped instead and this resolves (retries it held stay in Redis for the next start). Idempotent.
   */
  close(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.closing ??= closeWithin([this.worker, this.retryQueue], timeoutMs, this.logger, "webhook sender");
    return this.closing;
  }

  private async process(job: Job<WebhookJobData>, token: string | undefined): Promise<void> {
    const { messageId } = job.data;
    const log = this.logger.child({ messageId });
    // Counts every try, the direct one before the queue included.
    const attempt = job.attemptsMade + 1 + priorTriesOf(job.data);
    const retentionOver = (finalAt: number | undefined) =>
      attempt >= this.maxAttempts || this.now() >= (finalAt ?? job.timestamp) + this.retentionMs;
    let message: Message | null;
    try {
      message = await this.options.getMessage(messageId);
    } catch (error) {
      // Redis unreachable, most likely: a try like any other that failed, given up only when it was the last.
      return this.failed(log, error, "(message not read)", attempt, retentionOver(undefined));
    }
    if (message === null) {
      this.count("gave_up");
      log.warn("webhook given up: the message no longer exists (past its retention)");
      throw new UnrecoverableError(`${ErrorCodes.WEBHOOK_GAVE_UP}: message ${messageId} no longer exists`);
    }
    const callbackUrl = message.callbackUrl;
    if (callbackUrl === undefined) {
      this.count("skipped");
      return;
    }
    const host = hostOf(callbackUrl);
    if (!this.hostSlots.take(host)) {
      // The host already has its share of the worker in flight: wait a little, without using a try, so that
      // one receiver holding its tries does not keep every other account's webhooks waiting.
      const waitMs = Math.round(this.backoff.initialDelayMs * (1 + Math.random()));
      // BullMQ's timestamps are its own wall clock, not the injected one.
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
    try {
      // Delivery enqueues only after the final state is stored; a non-final one is a store catching up.
      if (!isFinal(message.state)) {
        throw new OtpgwError(ErrorCodes.WEBHOOK_NOT_ACKNOWLEDGED, `not final yet (${message.state})`);
      }
      await this.post(message, callbackUrl);
    } catch (error) {
      return this.failed(log, error, host, attempt, retentionOver(message.finalAt));
    } finally {
      this.hostSlots.release(host);
    }
    this.count("acknowledged");
    log.debug({ attempt }, "webhook acknowledged");
  }

  /** A try that failed: rethrown for a retry, or, when it was the last, counted and logged as given up. */
  private failed(log: Logger, error: unknown, host: string, attempt: number, last: boolean): never {
    const reason = error instanceof Error ? error.message : String(error);
    if (last) {
      this.count("gave_up");
      log.warn({ host, attempt, reason }, "webhook given up: retention ended before an acknowledgement");
      throw new UnrecoverableError(`${ErrorCodes.WEBHOOK_GAVE_UP}: ${reason}`);
    }
    this.count("not_acknowledged");
    log.debug({ host, attempt, reason }, "webhook not acknowledged; will retry");
    throw error;
  }

  /**
   * A job failed. `process` counted and logged every failure it saw; a final one it did not see — BullMQ failing a
   * job without running it (a stall limit, a failure of its own) — is counted and logged as given up here, so no
   * webhook is lost without a trace.
   */
  private onFailed(job: Job<WebhookJobData> | undefined, error: Error): void {
    if (error.message.startsWith(ErrorCodes.WEBHOOK_GAVE_UP)) return;
    const final = job === undefined || job.finishedOn !== undefined || error.name === "UnrecoverableError";
    if (!final) return;
    this.count("gave_up");
    this.logger.warn(
      {
        messageId: job?.data.messageId,
        tries: job === undefined ? undefined : job.attemptsMade + priorTriesOf(job.data),
        reason: error.message,
      },
      "webhook given up: its retry job failed",
    );
  }

  private post(message: Message, callbackUrl: string): Promise<void> {
    return sendWebhook(
      message,
      callbackUrl,
      this.options.webhookSecret(message.account),
      this.now(),
      this.timeoutMs,
      this.options.privateAddresses !== "allow",
    );
  }

  private count(outcome: Outcome): void {
    this.options.metrics?.webhookDeliveries.inc({ outcome });
  }
}

/** Tries made before a job was queued (see `WebhookJobData.priorTries`). */
function priorTriesOf(data: Partial<WebhookJobData> | undefined): number {
  const tries = data?.priorTries;
  return typeof tries === "number" && Number.isInteger(tries) && tries > 0 ? tries : 0;
}
