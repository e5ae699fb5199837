import type { Message, NewMessage } from "./types.js";

/** What north (the HTTP API and the SMPP server) needs from delivery. */
export interface DeliveryService {
  /**
   * Persists a new message and starts its delivery. Resolves only once the message is durably in Redis
   * (the caller may then acknowledge). With an idempotency key already used by the account, resolves with the
   * first message and `created: false` (nothing new is created or sent).
   * @throws OtpgwError OTPGW_ERR_DELIVERY_SATURATED when carriers cannot keep up (answer 503 / ESME_RMSGQFUL).
   */
  accept(input: NewMessage): Promise<{ message: Message; created: boolean }>;
  /** A message with its attempts, or null. Never includes the text. */
  get(id: string): Promise<Message | null>;
  /**
   * The message an account created with this idempotency key (e.g. `smpp-set:<setId>` for a reassembled SMPP
   * submission), while the key lasts (the idempotency retention), or null.
   */
  getByIdempotencyKey(account: string, idempotencyKey: string): Promise<Message | null>;
  /**
   * Records that the person used the message's code (the submitter's conversion report): a message not yet final
   * is delivered at once and nothing more is sent; a final one keeps its state. Repeats change nothing. Resolves
   * with the message as stored now, or null when there is none.
   */
  convert(id: string): Promise<Message | null>;
  /**
   * False when new work for this destination (E.164, and its country) would only queue up — every carrier of its
   * route saturated or unbound: answer 503 with Retry-After.
   */
  canAccept(to: string, country: string): boolean;
}
