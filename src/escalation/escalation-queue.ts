/**
 * Sending escalation attempts through their channel's provider, from a BullMQ queue (DESIGN.md: "BullMQ carries
 * delayed, retry and escalation work"). The attempt is committed before its job is queued; the job sends once,
 * retries while the provider answers that it did not take the send (429, 5xx, no connection) — never after a send
 * that got no answer, which it may have taken — and records the provider's answer on the attempt as a carrier's
 * submit answer is recorded. Never after the code has expired: no send starts at or after the attempt's
 * not-after time (its deadline, or the OTP's expiry less the minimum remaining validity).
 */
import { Queue, Worker, type Job, type RedisOptions } from "bullmq";
import type { SubmitResult } from "../delivery/lifecycle.js";
import { isFinal, type Message } from "../delivery/types.js";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { closeWithin } from "../redis/bullmq-close.js";
import { readonlyReconnect } from "../redis/failover.js";
import type { ChannelId, ChannelProvider } from "./channel-types.js";
import { otpCodeIn } from "./otp-code.js";

export const escalationQueueName = "escalations";

export interface EscalationJobData {
  messageId: string;
  attempt: number;
  channel: ChannelId;
}

/** What the queue needs of delivery (the DeliveryEngine). */
export interface EscalationDelivery {
  get(id: string): Promise<Message | null>;
  getText(id: string): Promise<string | null>;
  channelResult(messageId: string, attempt: number, channel: string, result: SubmitResult): Promise<void>;
  /**
   * Before a send's request goes out: it may reach the provider from now on (kept `ttlMs`). False when the mark was
   * there already: an earlier run started a send that was not answered "not taken".
   */
  channelSendStarted(messageId: string, attempt: number, ttlMs: number): Promise<boolean>;
  /** The provider answered that it did not take the send (429, 5xx, no connection). */
  channelSendNotTaken(messageId: string, attempt: number): Promise<void>;
}

export const escalationDefaults = {
  /** Sends in flight at once per instance: provider calls take tens to hundreds of milliseconds. */
  concurrency: 16,
  /** Tries of one send while the provider is busy or unreachable (the not-after time usually ends them first). */
  maxTries: 6,
  initialRetryMs: 1000,
  maxRetryMs: 8000,
  /** Finished jobs are kept this long (seconds) for inspection, then removed. */
  keepSeconds: 3600,
  /**
   * How long a send's mark outlives its attempt's deadline: a status posted just before the deadline may be
   * recorded a little after it, and instances' clocks differ by a few seconds at most.
   */
  sendMarkAfterDeadlineMs: 60_000,
  /**
   * How long a job taken by a process that then died stays with it before another worker (or the same one
   * restarted) takes it over — BullMQ's lock, renewed every half of it while the process lives, and its stalled-job
   * check. An OTP is valid for minutes: BullMQ's 30 s would cost a channel's send up to a minute after a crash.
   */
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  /**
   * How often a job may be taken over from a process that died holding it: in effect always. Running it again is
   * safe (a send started before is never sent again, see the send mark) and the attempt's not-after time ends it;
   * BullMQ's default, 1, would fail the job at a second crash and leave the attempt to its deadline.
   */
  maxStalledCount: 1_000_000,
} as const;

export interface EscalationQueueOptions {
  /** A Redis URL or options; the queue and its worker open their own connections. */
  connection: string | RedisOptions;
  /** BullMQ's key prefix (keys are `<prefix>:escalations:…`). */
  prefix: string;
  providers: ReadonlyMap<ChannelId, ChannelProvider>;
  delivery: EscalationDelivery;
  /** The compiled OTP code pattern of an account (escalation never sends the text). */
  codePattern: (account: string) => RegExp;
  /** No send starts with less OTP validity left than this. */
  minRemainingMs: number;
  logger: Logger;
  metrics?: Pick<Metrics, "escalationSends">;
  now?: () => number;
  concurrency?: number;
  maxTries?: number;
  initialRetryMs?: number;
  maxRetryMs?: number;
  /** False: queue only (tests); default true. */
  worker?: boolean;
}

/** One job per attempt: adding it again is a no-op while it exists. */
const jobIdOf = (data: EscalationJobData): string => `${data.messageId}-${data.attempt}`;

/** A provider's "not now": BullMQ tries again after `retryAfterMs` (or the backoff). */
class ProviderBusyError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.name = "ProviderBusyError";
  }
}

type SendResult = "accepted" | "refused" | "retried" | "unknown" | "not_sent" | "stale";

export class EscalationQueue {
  private readonly options: EscalationQueueOptions;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly connection: RedisOptions;
  private readonly worker: Worker<EscalationJobData> | undefined;
  private sendQueue: Queue<EscalationJobData> | undefined;
  private readonly maxTries: number;
  private readonly redisErrors = new LogThrottle(10_000);
  private closing: Promise<void> | undefined;

  constructor(options: EscalationQueueOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: "escalation" });
    this.now = options.now ?? Date.now;
    this.maxTries = options.maxTries ?? escalationDefaults.maxTries;
    this.connection =
      typeof options.connection === "string"
        ? { url: options.connection, reconnectOnError: readonlyReconnect() }
        : options.connection;
    if (options.worker === false) return;
    const initial = options.initialRetryMs ?? escalationDefaults.initialRetryMs;
    const max = options.maxRetryMs ?? escalationDefaults.maxRetryMs;
    this.worker = new Worker<EscalationJobData>(escalationQueueName, (job) => this.process(job), {
      connection: this.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? escalationDefaults.concurrency,
      lockDuration: escalationDefaults.lockDurationMs,
      stalledInterval: escalationDefaults.stalledIntervalMs,
      maxStalledCount: escalationDefaults.maxStalledCount,
      autorun: false,
      settings: {
        // A provider's Retry-After is honoured whole: the attempt's not-after time, not the backoff cap, ends the tries.
        backoffStrategy: (attemptsMade, _type, error) =>
          error instanceof ProviderBusyError && error.retryAfterMs !== undefined
            ? error.retryAfterMs
            : Math.min(initial * 2 ** Math.max(0, attemptsMade - 1), max),
      },
    });
    this.worker.on("error", (error) =>
      this.redisErrors.warn(this.logger, "worker", { err: error.message }, "escalation worker error"),
    );
  }

  /** The queue, made at its first use: not before start-up has checked Redis. */
  private get queue(): Queue<EscalationJobData> {
    if (!this.sendQueue) {
      this.sendQueue = new Queue<EscalationJobData>(escalationQueueName, {
        connection: this.connection,
        prefix: this.options.prefix,
      });
      this.sendQueue.on("error", (error) =>
        this.redisErrors.warn(this.logger, "queue", { err: error.message }, "escalation queue error"),
      );
    }
    return this.sendQueue;
  }

  start(): void {
    if (this.closing !== undefined || !this.worker || this.worker.isRunning()) return;
    this.worker
      .run()
      .catch((error: Error) => this.logger.warn({ err: error.message }, "escalation worker stopped"));
  }

  /** Queues the send of attempt `attempt` (committed already). Idempotent per attempt: its job id is fixed. */
  async add(data: EscalationJobData): Promise<void> {
    if (this.closing !== undefined) throw new Error("escalation queue is closed");
    await this.queue.add("send", data, {
      jobId: jobIdOf(data),
      attempts: this.maxTries,
      backoff: { type: "otpgw-escalation" },
      removeOnComplete: { age: escalationDefaults.keepSeconds },
      removeOnFail: { age: escalationDefaults.keepSeconds },
    });
  }

  /**
   * Queues the send of attempt `attempt` again when its job is gone (its add failed, or the process died before it)
   * or failed for good (its tries used up by Redis errors): true when it did. A job waiting, delayed (a Retry-After),
   * running or completed is left alone — a completed one whose answer is not recorded yet must not send again (nor
   * would it: the send mark stops a second send).
   */
  async resume(data: EscalationJobData): Promise<boolean> {
    if (this.closing !== undefined) return false;
    const job = await this.queue.getJob(jobIdOf(data));
    if (job === undefined) {
      await this.add(data);
      return true;
    }
    if (!(await job.isFailed())) return false;
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  close(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.closing ??= closeWithin([this.worker, this.sendQueue], timeoutMs, this.logger, "escalation queue");
    return this.closing;
  }

  private async process(job: Job<EscalationJobData>): Promise<void> {
    const { messageId, attempt: n, channel } = job.data;
    const log = this.logger.child({ messageId, attempt: n, channel });
    const message = await this.options.delivery.get(messageId);
    const attempt = message?.attempts.find((a) => a.n === n);
    if (
      !message ||
      isFinal(message.state) ||
      !attempt ||
      attempt.outcome !== undefined ||
      attempt.channel !== channel ||
      attempt.partStatus[0] !== "pending"
    ) {
      // Ended meanwhile (its deadline passed, the message expired, a late SMS receipt proved delivery), or its send's
      // outcome is recorded (this job runs again: its process died before BullMQ heard that it had finished).
      return this.count(channel, "stale", log, "escalation send skipped: its attempt has ended");
    }
    const notAfter = Math.min(attempt.dlrDeadline, message.expiresAt - this.options.minRemainingMs);
    const record = (result: SubmitResult) =>
      this.options.delivery.channelResult(messageId, n, channel, result);
    const provider = this.options.providers.get(channel);
    const text = await this.options.delivery.getText(messageId);
    const code = text === null ? undefined : otpCodeIn(text, this.options.codePattern(message.account));
    if (!provider || code === undefined) {
      const reason = provider ? "no OTP code in the text" : `channel ${channel} not configured here`;
      await record({ status: "not_sent", reason });
      return this.count(channel, "not_sent", log, `escalation not sent: ${reason}`);
    }
    // Durable before the request, and only once per send: a status that overtakes the answer may be matched by the
    // handset from now on, and a run of this job that finds the mark already there knows an earlier run (its process
    // died, BullMQ took the job over) may have sent it without recording the answer — sending again could deliver a
    // second code or place a second call, so it waits for that send's status instead.
    const markTtlMs = attempt.dlrDeadline - this.now() + escalationDefaults.sendMarkAfterDeadlineMs;
    if (!(await this.options.delivery.channelSendStarted(messageId, n, markTtlMs))) {
      await record({
        status: "unknown",
        error: "send interrupted: the process died before its answer was recorded",
      });
      return this.count(
        channel,
        "unknown",
        log,
        "escalation outcome unknown, not sent again: a run before died",
      );
    }
    if (this.now() >= notAfter) {
      await record({ status: "not_sent", reason: "too late" });
      return this.count(channel, "not_sent", log, "escalation not sent: too close to the code's expiry");
    }
    // Bounded by the not-after time: a send answered later could be accepted while the next channel goes out.
    const result = await provider.send({ messageId, to: message.to, code, timeoutMs: notAfter - this.now() });
    if (result.kind === "accepted") {
      await record({ status: "accepted", carrierMessageId: result.providerMessageId });
      return this.count(channel, "accepted", log, "escalation sent");
    }
    if (result.kind === "refused") {
      await record({ status: "failed", error: result.error });
      return this.count(channel, "refused", log, `escalation refused by the provider: ${result.error}`);
    }
    if (result.maybeTaken) {
      // No answer, but the request went out: the provider may have taken it, and sending again could deliver a
      // second code (place a second call) — worse than the next channel. Its status may still come until the
      // attempt's deadline; then the next channel follows.
      await record({ status: "unknown", error: `provider did not answer (${result.error})` });
      return this.count(
        channel,
        "unknown",
        log,
        `escalation outcome unknown, not sent again: ${result.error}`,
      );
    }
    // Not taken (answered 429 or 5xx, or never connected): no status can be this send's.
    await this.options.delivery.channelSendNotTaken(messageId, n);
    const retryAt = this.now() + (result.retryAfterMs ?? 0);
    if (job.attemptsMade + 1 >= this.maxTries || retryAt >= notAfter) {
      const reason = `provider unavailable (${result.error})`;
      await record({ status: "not_sent", reason });
      return this.count(channel, "not_sent", log, `escalation not sent: ${reason}`);
    }
    this.count(channel, "retried", log, `escalation provider busy or unreachable, retrying: ${result.error}`);
    throw new ProviderBusyError(result.error, result.retryAfterMs);
  }

  private count(channel: ChannelId, result: SendResult, log: Logger, text: string): void {
    this.options.metrics?.escalationSends.inc({ channel, result });
    if (result === "accepted" || result === "stale") log.info(text);
    else log.warn(text);
  }
}
