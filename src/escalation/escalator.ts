/**
 * Delivery's escalation collaborator (EscalationDeps): which channel comes after SMS for a message, and queueing
 * the send of an attempt on it. A channel is tried once per message, in the route's order, and only when the
 * account's code pattern finds a code in the text — escalation sends the code alone.
 */
import type { EscalationDeps } from "../delivery/processor-types.js";
import type { Message } from "../delivery/types.js";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { ChannelId } from "./channel-types.js";
import type { EscalationJobData } from "./escalation-queue.js";
import { otpCodeIn } from "./otp-code.js";

export interface EscalatorOptions {
  /** The configured channels and how long each waits for its provider's final status. */
  timeouts: ReadonlyMap<ChannelId, number>;
  codePattern: (account: string) => RegExp;
  queue: {
    add(data: EscalationJobData): Promise<void>;
    /** Queues the job again if it is gone or failed; true when it did. */
    resume(data: EscalationJobData): Promise<boolean>;
  };
  /** See EscalationDeps.downCountsFrom; a function is asked each time (the gateway's is known once its clock started). */
  downCountsFrom: number | (() => number);
  logger: Logger;
}

export class Escalator implements EscalationDeps {
  private readonly options: EscalatorOptions;
  private readonly noCodeLog = new LogThrottle(60_000);

  constructor(options: EscalatorOptions) {
    this.options = options;
  }

  get downCountsFrom(): number {
    const from = this.options.downCountsFrom;
    return typeof from === "number" ? from : from();
  }

  runs(channel: ChannelId): boolean {
    return this.options.timeouts.has(channel);
  }

  nextChannel(
    message: Message,
    channels: readonly ChannelId[],
    text: string,
  ): { channel: ChannelId; timeoutMs: number } | undefined {
    const channel = channels.find(
      (id) => this.options.timeouts.has(id) && !message.attempts.some((a) => a.channel === id),
    );
    if (channel === undefined) return undefined;
    if (otpCodeIn(text, this.options.codePattern(message.account)) === undefined) {
      this.noCodeLog.warn(
        this.options.logger,
        message.account,
        { account: message.account, messageId: message.id },
        "no WhatsApp or voice for this message: the account's otp_code_pattern finds no code in the text, so only SMS can carry it (logged at most once a minute per account)",
      );
      return undefined;
    }
    return { channel, timeoutMs: this.options.timeouts.get(channel)! };
  }

  send(messageId: string, attempt: number, channel: ChannelId): void {
    this.options.queue
      .add({ messageId, attempt, channel })
      .catch((error: unknown) =>
        this.options.logger.error(
          { messageId, attempt, channel, err: (error as Error).message },
          "escalation send not queued (Redis?): queued again when the attempt's timer looks at it",
        ),
      );
  }

  resume(message: Message, now: number): void {
    const open = pendingSend(message, now);
    if (!open) return;
    const job = { messageId: message.id, attempt: open.n, channel: open.channel };
    this.options.queue.resume(job).then(
      (requeued) => {
        if (requeued)
          this.options.logger.warn(job, "escalation send queued again: its job was lost or had failed");
      },
      (error: unknown) =>
        this.options.logger.error(
          { ...job, err: (error as Error).message },
          "escalation send not queued again (Redis?): the attempt ends at its deadline and the next option follows",
        ),
    );
  }
}

/**
 * The open WhatsApp or voice attempt of `message` whose send has no answer recorded yet (its part still pending)
 * while its deadline is ahead: its job may have been lost.
 */
function pendingSend(message: Message, now: number): { n: number; channel: ChannelId } | undefined {
  if (message.state !== "attempting" || message.convertedAt !== undefined) return undefined;
  const open = message.attempts.find((a) => a.outcome === undefined);
  if (!open || open.channel === "sms" || open.partStatus[0] !== "pending" || now >= open.dlrDeadline)
    return undefined;
  return { n: open.n, channel: open.channel };
}
