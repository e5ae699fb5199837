/**
 * A DeliveryService kept in memory: a collaborator of the HTTP API in its tests, not the protocol under test.
 * Idempotency works as in the real store: the check and the insert happen in one step (here: one synchronous
 * block, as the real one does in one Redis script), so concurrent repeats cannot create two messages.
 */
import { ErrorCodes, OtpgwError } from "../../../src/errors.js";
import { newMessage } from "../../../src/delivery/lifecycle.js";
import { RateLimitedError } from "../../../src/delivery/create-limits.js";
import type { DeliveryService } from "../../../src/delivery/service-types.js";
import type { Message, NewMessage } from "../../../src/delivery/types.js";

export class MemoryDelivery implements DeliveryService {
  readonly messages = new Map<string, Message>();
  /** What accept received, text included (the real service keeps it in Redis until the final state). */
  readonly accepted: NewMessage[] = [];
  /** Countries whose carriers are saturated: canAccept answers false. */
  readonly saturated = new Set<string>();
  /** When set, accept throws this (after canAccept said yes: the race the real service can lose). */
  acceptError: Error | undefined;
  /** When set, accept answers only after this many ms (a store taking its time), whatever it answers. */
  acceptDelayMs = 0;
  /** When set, get throws this. */
  getError: Error | undefined;
  private readonly idempotency = new Map<string, string>();
  /** Per rate key: the current one-second window and its count (the real store counts in Redis). */
  private readonly rates = new Map<string, { second: number; count: number }>();
  private sequence = 0;

  accept(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    if (this.acceptDelayMs <= 0) return this.answer(input);
    return new Promise((resolve) => setTimeout(resolve, this.acceptDelayMs)).then(() => this.answer(input));
  }

  private answer(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    if (this.acceptError !== undefined) return Promise.reject(this.acceptError);
    if (input.rateLimit) {
      const second = Math.floor(Date.now() / 1000);
      const window = this.rates.get(input.rateLimit.key);
      const count = window?.second === second ? window.count + 1 : 1;
      this.rates.set(input.rateLimit.key, { second, count });
      if (count > input.rateLimit.perSecond) {
        return Promise.reject(new RateLimitedError(input.rateLimit.perSecond, 1000));
      }
    }
    const scope =
      input.idempotencyKey === undefined ? undefined : `${input.account}\n${input.idempotencyKey}`;
    const existing = scope === undefined ? undefined : this.idempotency.get(scope);
    if (existing !== undefined) {
      return Promise.resolve({ message: this.messages.get(existing)!, created: false });
    }
    const message = newMessage(`m${(++this.sequence).toString().padStart(6, "0")}`, input, Date.now());
    this.messages.set(message.id, message);
    if (scope !== undefined) this.idempotency.set(scope, message.id);
    this.accepted.push(input);
    return Promise.resolve({ message, created: true });
  }

  get(id: string): Promise<Message | null> {
    if (this.getError !== undefined) return Promise.reject(this.getError);
    return Promise.resolve(this.messages.get(id) ?? null);
  }

  getByIdempotencyKey(account: string, idempotencyKey: string): Promise<Message | null> {
    const id = this.idempotency.get(`${account}\n${idempotencyKey}`);
    return this.get(id ?? "");
  }

  convert(id: string): Promise<Message | null> {
    if (this.getError !== undefined) return Promise.reject(this.getError);
    const message = this.messages.get(id);
    if (message === undefined) return Promise.resolve(null);
    if (message.convertedAt === undefined) this.messages.set(id, { ...message, convertedAt: Date.now() });
    return Promise.resolve(this.messages.get(id)!);
  }

  canAccept(_to: string, country: string): boolean {
    return !this.saturated.has(country);
  }

  static saturatedError(): OtpgwError {
    return new OtpgwError(ErrorCodes.DELIVERY_SATURATED, "every carrier for the route is saturated");
  }
}
