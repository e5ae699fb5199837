/**
 * The body of query_sm (§4.8.1): which message an ESME asks about, and (optionally) the address it was sent from.
 * Walked with the validating reader; a malformed body gets the query_sm_resp status its field calls for.
 */
import { BodyReader, bodyError } from "./body-reader.js";
import { SmppStatus } from "./command-status.js";
import { CommandId, PDU_HEADER_BYTES } from "./constants.js";

export interface QuerySmBody {
  messageId: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  /** Empty when the ESME did not give it ("if not known, set to NULL"). */
  sourceAddr: string;
}

/** C-Octet String sizes including the NUL (§4.8.1). */
export const MESSAGE_ID_MAX = 65;
const SOURCE_ADDR_MAX = 21;

/**
 * Parses a whole query_sm PDU (header included). Throws SmppError with the query_sm_resp status:
 * ESME_RINVCMDLEN for a body that ends early, ESME_RINVMSGID / ESME_RINVSRCADR for a message_id / source_addr
 * without NUL within its size.
 */
export function parseQuerySmBody(pdu: Buffer): QuerySmBody {
  if (pdu.length < PDU_HEADER_BYTES || pdu.readUInt32BE(4) !== CommandId.query_sm) {
    throw bodyError(SmppStatus.ESME_RINVCMDID, "not a query_sm");
  }
  const r = new BodyReader(pdu, Math.min(pdu.readUInt32BE(0), pdu.length));
  const messageId = r.cstring("message_id", MESSAGE_ID_MAX, SmppStatus.ESME_RINVMSGID);
  const sourceAddrTon = r.int8("source_addr_ton");
  const sourceAddrNpi = r.int8("source_addr_npi");
  const sourceAddr = r.cstring("source_addr", SOURCE_ADDR_MAX, SmppStatus.ESME_RINVSRCADR);
  return { messageId, sourceAddrTon, sourceAddrNpi, sourceAddr };
}
