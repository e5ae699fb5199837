import type { Redis } from "ioredis";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { Message } from "./types.js";

/**
 * One attempt at a time across instances (DESIGN.md). Needs the Redis user to publish and subscribe to the channel
 * (ACL `&<prefix>attempt-ended`; Redis 7 denies channels to a user created without `&*`). The parts of an attempt wait in the carrier queue of the
 * instance that launched them, and a process withdraws only its own (queued-parts.ts). When another instance ends
 * the attempt — the carrier's failed receipt for part 1 came on that instance's bind, a conversion or a late
 * DELIVRD made the message final there — part 2 could still be written by the launching instance after the next
 * attempt started, or after the message became final. So an instance that commits such an end, with parts still
 * unanswered, says so on a Redis channel, and every instance withdraws what it still holds of that attempt.
 *
 * Publish/subscribe is at most once: a notice lost (an instance reconnecting at that moment) leaves the part to its
 * ticket's not-after time, as before. The notice is rare — an attempt ends with a part unanswered only when the
 * carrier had not answered it yet — so it costs nothing on the hot path.
 */
export class AttemptWithdrawals {
  private readonly redis: Redis;
  private readonly channel: string;
  private readonly logger: Logger;
  private subscriber: Redis | undefined;
  private readonly errorLog = new LogThrottle(60_000);

  /** Notices go on the channel `<prefix>attempt-ended` of `redis`, the daemon's own connection. */
  constructor(redis: Redis, prefix: string, logger: Logger) {
    this.redis = redis;
    this.channel = `${prefix}attempt-ended`;
    this.logger = logger;
  }

  /** Listens for other instances' notices (a connection of its own: a subscribed one takes no commands). */
  listen(withdraw: (messageId: string, n: number) => void): void {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    // ioredis reconnects and subscribes again by itself (an error without a listener would be thrown); said at most
    // once a minute, since withdrawals across instances stop meanwhile.
    subscriber.on("error", (error: Error) =>
      this.errorLog.warn(
        this.logger,
        "",
        { err: error.message },
        "not listening for attempts ended on other instances until Redis answers again (at most once a minute)",
      ),
    );
    subscriber.on("message", (_channel: string, notice: string) => {
      const space = notice.indexOf(" ");
      const n = Number(notice.slice(0, space));
      if (space > 0 && Number.isInteger(n)) withdraw(notice.slice(space + 1), n);
    });
    subscriber
      .subscribe(this.channel)
      .catch((error: unknown) =>
        this.logger.warn(
          { err: (error as Error).message },
          "not listening for attempts ended on other instances: their parts queued here go out until their deadline",
        ),
      );
  }

  /** Tells every instance that attempt `n` of `messageId` ended (this one withdrew its own parts already). */
  publish(messageId: string, n: number): void {
    this.redis
      .publish(this.channel, `${n} ${messageId}`)
      .catch((error: unknown) =>
        this.logger.warn(
          { messageId, attempt: n, err: (error as Error).message },
          "could not tell other instances that an attempt ended: a part queued there goes out until its deadline",
        ),
      );
  }

  /** After a commit replaced `before` with `after`: publishes each SMS attempt that ended with a part unanswered. */
  ended(before: Message, after: Message): void {
    const final = after.finalAt !== undefined;
    for (let index = after.attempts.length - 1; index >= 0; index--) {
      const attempt = after.attempts[index]!;
      const wasOpen = before.attempts[index] !== undefined && before.attempts[index]!.outcome === undefined;
      if (!wasOpen || (attempt.outcome === undefined && !final)) continue;
      if (attempt.channel === "sms" && attempt.partStatus.includes("pending"))
        this.publish(after.id, attempt.n);
    }
  }

  close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return Promise.resolve();
    // Nothing to flush on a subscribed connection: closed at once, not after a QUIT that Redis may never answer.
    subscriber.disconnect();
    return Promise.resolve();
  }
}
