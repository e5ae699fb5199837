/**
 * The durable trace of an escalation send: `e:<message id>:<attempt>` is set (if absent) before the request to the
 * channel's provider goes out and removed when the provider answered that it did not take it (429, 5xx, no
 * connection). A send that finds it set does not go out: an earlier run's request may have reached the provider. While
 * it is there, the attempt's send may have reached the provider: a status that cannot be found by its provider id
 * may then be matched to the attempt by the handset (or voice's reference); without it the attempt's send never
 * went out, and such a status is another message's. It expires shortly after the attempt's deadline — past it the
 * attempt has ended and no send of it may start.
 */
import type { RedisBatch } from "../redis/redis-batch.js";

const SET_SCRIPT = `if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return 1 end
return 0`;
const CLEAR_SCRIPT = `return redis.call("DEL", KEYS[1])`;
const HAS_SCRIPT = `return redis.call("EXISTS", KEYS[1])`;

export class ChannelSendMarks {
  private readonly batch: RedisBatch;
  private readonly prefix: string;

  constructor(options: { batch: RedisBatch; prefix: string }) {
    this.batch = options.batch;
    this.prefix = options.prefix;
    this.batch.define("send_mark_set", SET_SCRIPT);
    this.batch.define("send_mark_clear", CLEAR_SCRIPT);
    this.batch.define("send_mark_has", HAS_SCRIPT, { readOnly: true });
  }

  private key(messageId: string, attempt: number): string {
    return `${this.prefix}e:${messageId}:${attempt}`;
  }

  /**
   * Marks the send of attempt `attempt` as started, for `ttlMs` (at least 1 ms), unless it is marked already: true
   * when this call marked it, false when an earlier send's mark is there (it may have gone out; see escalation-queue).
   * A call ioredis sends again after a reconnect gets its first answer (the batch's replay key), not false; after a
   * call that failed outright the mark is in doubt, and the job's next run finds it: never a second send.
   */
  started(messageId: string, attempt: number, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    return this.batch
      .run<number>("send_mark_set", [this.key(messageId, attempt)], [String(Date.now()), ttl])
      .then((set) => set === 1);
  }

  /** The provider answered that it did not take the send: it never went out. */
  async notTaken(messageId: string, attempt: number): Promise<void> {
    await this.batch.run("send_mark_clear", [this.key(messageId, attempt)], []);
  }

  /** Whether a send of attempt `attempt` started and was not answered "not taken". */
  has(messageId: string, attempt: number): Promise<boolean> {
    return this.batch
      .run<number>("send_mark_has", [this.key(messageId, attempt)], [])
      .then((exists) => exists === 1);
  }
}
