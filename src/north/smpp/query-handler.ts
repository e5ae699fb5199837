/**
 * query_sm (§4.8): an ESME asks where a message it submitted stands — typically when a receipt is late. The answer
 * is the message's state as SMPP knows it (ENROUTE until final, then DELIVERED / EXPIRED / UNDELIVERABLE /
 * REJECTED), the time it became final, and the receipt's error code. Ids the ESME was given for the parts of a
 * reassembled submission (`<setId>-<seq>`) are found through the set's idempotency key. A message that does not
 * exist, belongs to another account, or was sent from another source_addr than the one given gets
 * ESME_RQUERYFAIL: the ESME cannot tell those apart, so ids cannot be probed across accounts. Beyond the account's
 * lookups per second (lookup-limit.ts, shared with GET /v1/messages/:id): ESME_RTHROTTLED, before any Redis read.
 */
import type { DeliveryService } from "../../delivery/service-types.js";
import { isFinal, type Message } from "../../delivery/types.js";
import { ErrorCodes, SmppError } from "../../errors.js";
import type { Metrics } from "../../observability/metrics.js";
import { SmppStatus } from "../../smpp/command-status.js";
import { MessageState } from "../../smpp/constants.js";
import { parseQuerySmBody } from "../../smpp/query-body.js";
import { messageStateFor } from "../../smpp/receipt.js";
import type { ResponseSpec } from "../../smpp/session/smpp-session.js";
import { absoluteTime } from "../../smpp/validity.js";
import type { Account } from "../accounts/account-types.js";
import { LookupLimiter } from "../accounts/lookup-limit.js";
import { parsePartId } from "./concat-store.js";
import { finalStatOf } from "./receipt-job.js";

export interface QueryHandlerDeps {
  delivery: Pick<DeliveryService, "get" | "getByIdempotencyKey">;
  lookups: LookupLimiter;
  metrics?: Pick<Metrics, "smppQueries">;
}

/** query_sm_resp fields for a message (pure): its state, final date and error code as SMPP carries them. */
export function queryAnswer(messageId: string, message: Message): ResponseSpec {
  if (!isFinal(message.state)) {
    return {
      status: SmppStatus.ESME_ROK,
      fields: { message_id: messageId, final_date: "", message_state: MessageState.ENROUTE, error_code: 0 },
    };
  }
  const { stat, err } = finalStatOf(message);
  const code = Number.parseInt(err, 10);
  return {
    status: SmppStatus.ESME_ROK,
    fields: {
      message_id: messageId,
      final_date: absoluteTime(message.finalAt ?? message.createdAt),
      message_state: messageStateFor(stat),
      // One octet: a network error code above 255 (or a non-numeric err) cannot be carried, so it reads 0 here;
      // the receipt text carries it whole.
      error_code: Number.isInteger(code) && code >= 0 && code <= 0xff ? code : 0,
    },
  };
}

export class QueryHandler {
  constructor(private readonly deps: QueryHandlerDeps) {}

  /** Answers one query_sm PDU (header included) from a bound transmitter or transceiver of `account`. */
  async handle(account: Account, pdu: Buffer): Promise<ResponseSpec> {
    const body = parseQuerySmBody(pdu); // SmppError with the status for a malformed body
    if ((await this.deps.lookups.take(account)) !== undefined) {
      this.deps.metrics?.smppQueries.inc({ outcome: "throttled" });
      throw new SmppError(
        ErrorCodes.SMPP_DECODE,
        SmppStatus.ESME_RTHROTTLED,
        `over the account's ${LookupLimiter.perSecond(account)} lookups per second`,
      );
    }
    const message = await this.find(account, body.messageId);
    if (message === null || (body.sourceAddr !== "" && body.sourceAddr !== message.from)) {
      this.deps.metrics?.smppQueries.inc({ outcome: "not_found" });
      throw new SmppError(
        ErrorCodes.SMPP_DECODE,
        SmppStatus.ESME_RQUERYFAIL,
        "no such message for this account",
      );
    }
    this.deps.metrics?.smppQueries.inc({ outcome: "found" });
    return queryAnswer(body.messageId, message);
  }

  private async find(account: Account, id: string): Promise<Message | null> {
    if (id === "") return null;
    const part = parsePartId(id);
    const message = part
      ? await this.deps.delivery.getByIdempotencyKey(account.id, `smpp-set:${part.setId}`)
      : await this.deps.delivery.get(id);
    if (message === null || message.account !== account.id) return null;
    if (part) {
      // The set's size is in the document when the ESME asked for receipts (one per part id); without it, any
      // part number a UDH can carry (1..255) names the set's message.
      const total = message.smppReceipt?.set?.total ?? 255;
      if (part.seq < 1 || part.seq > total) return null;
    }
    return message;
  }
}
