/**
 * What a carrier bind answers to a request from the carrier: a deliver_sm carrying a delivery receipt is
 * parsed and handed to `onReceipt`, and answered only once that is done; a mobile-originated message or any
 * other deliver_sm is acknowledged and dropped; any other command is refused.
 */
import type { CarrierConfig } from "../config/types.js";
import type { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { SmppStatus } from "../smpp/command-status.js";
import { EsmClass } from "../smpp/constants.js";
import { parseReceipt, type Receipt } from "../smpp/receipt.js";
import { parseSmBody } from "../smpp/sm-body.js";
import type { DecodedPdu } from "../smpp/session/pdu-codec.js";
import type { ResponseSpec } from "../smpp/session/smpp-session.js";

/** One bind's side of it, built once per bind. */
export interface CarrierRequestContext {
  carrier: CarrierConfig;
  bindId: string;
  /** False for a transmitter bind: deliver_sm is not allowed on it. */
  receives: boolean;
  logger: Logger;
  metrics?: Metrics;
  /** While Redis is unreachable every receipt fails: one line every 10 s says so. */
  notRecordedLog: LogThrottle;
  /** Records a receipt; the deliver_sm is answered when it settles (ESME_RX_T_APPN if it rejects). */
  onReceipt?: (receipt: Receipt, bindId: string, handset: string) => Promise<void> | undefined;
}

const acknowledged = (): ResponseSpec => ({ fields: { message_id: "" } });

export function answerCarrierRequest(
  pdu: DecodedPdu,
  ctx: CarrierRequestContext,
): ResponseSpec | Promise<ResponseSpec> {
  if (pdu.command !== "deliver_sm") return { status: SmppStatus.ESME_RINVCMDID };
  if (!ctx.receives) return { status: SmppStatus.ESME_RINVBNDSTS };
  const body = parseSmBody(pdu.raw);
  if ((body.esmClass & EsmClass.TYPE_MASK) === 0) {
    // A mobile-originated message: not ours to handle (OTP traffic is one-way); acknowledge it.
    ctx.logger.debug("mobile-originated deliver_sm ignored");
    return acknowledged();
  }
  const receipt = parseReceipt(body, ctx.carrier.receiptIdFormat, ctx.carrier.defaultAlphabet);
  if (!receipt) {
    ctx.logger.warn(
      { esmClass: body.esmClass },
      "deliver_sm that is neither a receipt nor a message: acknowledged",
    );
    return acknowledged();
  }
  ctx.metrics?.receipts.inc({ carrier: ctx.carrier.id, stat: receipt.stat });
  // A receipt's source_addr is the handset the message went to: a second key when its id is unknown.
  const handled = ctx.onReceipt?.(receipt, ctx.bindId, body.sourceAddr.replace(/^\+/, ""));
  if (!handled) return acknowledged();
  // Answer only once the receipt is recorded: if it cannot be (Redis down), ESME_RX_T_APPN makes the carrier
  // deliver it again later instead of it being lost behind an OK.
  return handled.then(acknowledged, (error: unknown) => {
    ctx.notRecordedLog.warn(
      ctx.logger,
      "",
      { err: (error as Error).message },
      "receipt not recorded: asking the carrier to redeliver it (such lines at most every 10 s per bind)",
    );
    return { status: SmppStatus.ESME_RX_T_APPN };
  });
}
