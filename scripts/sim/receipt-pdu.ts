/**
 * The deliver_sm that carries one delivery receipt: esm_class 0x04, the Appendix B text and/or the
 * receipted_message_id + message_state TLVs (+ network_error_code for UNDELIV), addressed back from the handset to
 * the submit's sender. The text's `text:` field stays empty: echoing the message would echo the OTP.
 */
import { EsmClass } from "../../src/smpp/constants.js";
import { formatReceiptText, messageStateFor } from "../../src/smpp/receipt.js";
import { encodePdu } from "../../src/smpp/session/pdu-codec.js";
import type { ReceiptStyle } from "./options.js";
import type { ReceiptJob } from "./receipt-dispatcher.js";

/** Interface versions from which TLVs may be sent (SMPP-NOTES B.4: none to 0x33 and below). */
export const TLV_MIN_INTERFACE_VERSION = 0x34;
/** network_error_code for UNDELIV receipts: GSM (3), error 1 ("unknown subscriber"). */
const UNDELIV_NETWORK_ERROR = Buffer.from([0x03, 0x00, 0x01]);
/** The err: field per outcome. */
const RECEIPT_ERR = { DELIVRD: "000", UNDELIV: "001", EXPIRED: "000" } as const;
const EMPTY = Buffer.alloc(0);

/** Encodes the receipt for a session bound with `interfaceVersion` (≤ 0x33 always gets text only). */
export function encodeReceipt(
  job: ReceiptJob,
  sequence: number,
  style: ReceiptStyle,
  interfaceVersion: number,
): Buffer {
  const effective = interfaceVersion < TLV_MIN_INTERFACE_VERSION ? "text" : style;
  const text =
    effective === "tlv"
      ? EMPTY
      : Buffer.from(
          formatReceiptText({
            messageId: job.messageId,
            stat: job.stat,
            err: RECEIPT_ERR[job.stat],
            submitDate: new Date(job.submitDate),
            doneDate: new Date(job.doneDate),
            dlvrd: job.stat === "DELIVRD" ? 1 : 0,
            sub: 1,
          }),
          "latin1",
        );
  const fields: Record<string, unknown> = {
    source_addr_ton: job.sourceTon,
    source_addr_npi: job.sourceNpi,
    source_addr: job.source,
    dest_addr_ton: job.destinationTon,
    dest_addr_npi: job.destinationNpi,
    destination_addr: job.destination,
    esm_class: EsmClass.DELIVERY_RECEIPT,
    data_coding: 0,
    short_message: text,
  };
  if (effective !== "text") {
    fields.receipted_message_id = job.messageId;
    fields.message_state = messageStateFor(job.stat);
    if (job.stat === "UNDELIV") fields.network_error_code = UNDELIV_NETWORK_ERROR;
  }
  return encodePdu("deliver_sm", sequence, fields);
}
