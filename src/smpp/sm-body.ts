/**
 * A validating reader for the body of submit_sm (§4.4.1) and deliver_sm (§4.6.1), which share one layout. node-smpp's
 * decoder also re-decodes short_message with its own codec (SMPP-NOTES A.5, A.6), so we walk the raw bytes ourselves
 * (body-reader.ts) and reject what is malformed with the command_status the response should carry.
 */
import { BodyReader, bodyError as fail, parseTlvs } from "./body-reader.js";
import { SmppStatus } from "./command-status.js";
import { CommandId, PDU_HEADER_BYTES, Tlv } from "./constants.js";

export interface SmBody {
  serviceType: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  protocolId: number;
  priorityFlag: number;
  /** Raw, as sent (`YYMMDDhhmmsstnnp`, relative `…R`, or empty): never converted to a Date, see SMPP-NOTES B.14. */
  scheduleDeliveryTime: string;
  /** Raw, as sent; empty means the SMSC default. */
  validityPeriod: string;
  registeredDelivery: number;
  replaceIfPresentFlag: number;
  dataCoding: number;
  smDefaultMsgId: number;
  /** A view into the PDU (not a copy): copy it if the PDU buffer is reused. */
  shortMessage: Buffer;
  /** TLV tag → value (views into the PDU). If a tag repeats, the first occurrence wins. */
  tlvs: Map<number, Buffer>;
}

/** C-Octet String sizes including the NUL (§4.4.1). */
export const SERVICE_TYPE_MAX = 6;
export const ADDR_MAX = 21;
export const TIME_MAX = 17;
/** Largest sm_length (§5.2.21); node-smpp would encode 255. */
export const SHORT_MESSAGE_MAX = 254;

/**
 * Parses a whole submit_sm or deliver_sm PDU (16-byte header included) into its fields, validating as it goes.
 * Statuses thrown (as SmppError, code OTPGW_ERR_SMPP_DECODE, not fatal: framing is intact):
 * - ESME_RINVCMDID: not a submit_sm or deliver_sm.
 * - ESME_RINVCMDLEN: command_length disagrees with the buffer, or the body ends before a mandatory field does.
 * - ESME_RINVSERTYP / RINVSRCADR / RINVDSTADR / RINVSCHED / RINVEXPIRY: that C-string has no NUL within its size.
 * - ESME_RINVMSGLEN: sm_length above 254 or past the end of the PDU.
 * - ESME_RINVOPTPARSTREAM (0xC0): 1–3 stray octets after the last TLV (not even a tag and length).
 * - ESME_RINVPARLEN (0xC2, v5.0 RINVTLVLEN): a TLV's length runs past the end of the PDU.
 * - ESME_ROPTPARNOTALLWD (0xC1, v5.0 RTLVNOTALLWD): short_message and message_payload both non-empty. §5.3.2.32
 *   allows message_payload only with sm_length 0; the mandatory part is fine on its own, it is the TLV that is not
 *   allowed in its presence, so we blame the TLV rather than the message length.
 */
export function parseSmBody(pdu: Buffer): SmBody {
  if (pdu.length < PDU_HEADER_BYTES) {
    throw fail(SmppStatus.ESME_RINVCMDLEN, `PDU of ${pdu.length} octets is shorter than its header`);
  }
  const commandLength = pdu.readUInt32BE(0);
  if (commandLength < PDU_HEADER_BYTES || commandLength > pdu.length) {
    throw fail(
      SmppStatus.ESME_RINVCMDLEN,
      `command_length ${commandLength} does not fit a ${pdu.length}-octet PDU`,
    );
  }
  const commandId = pdu.readUInt32BE(4);
  if (commandId !== CommandId.submit_sm && commandId !== CommandId.deliver_sm) {
    throw fail(
      SmppStatus.ESME_RINVCMDID,
      `command_id 0x${commandId.toString(16)} is not submit_sm or deliver_sm`,
    );
  }

  const r = new BodyReader(pdu, commandLength);
  const serviceType = r.cstring("service_type", SERVICE_TYPE_MAX, SmppStatus.ESME_RINVSERTYP);
  const sourceAddrTon = r.int8("source_addr_ton");
  const sourceAddrNpi = r.int8("source_addr_npi");
  const sourceAddr = r.cstring("source_addr", ADDR_MAX, SmppStatus.ESME_RINVSRCADR);
  const destAddrTon = r.int8("dest_addr_ton");
  const destAddrNpi = r.int8("dest_addr_npi");
  const destinationAddr = r.cstring("destination_addr", ADDR_MAX, SmppStatus.ESME_RINVDSTADR);
  const esmClass = r.int8("esm_class");
  const protocolId = r.int8("protocol_id");
  const priorityFlag = r.int8("priority_flag");
  const scheduleDeliveryTime = r.cstring("schedule_delivery_time", TIME_MAX, SmppStatus.ESME_RINVSCHED);
  const validityPeriod = r.cstring("validity_period", TIME_MAX, SmppStatus.ESME_RINVEXPIRY);
  const registeredDelivery = r.int8("registered_delivery");
  const replaceIfPresentFlag = r.int8("replace_if_present_flag");
  const dataCoding = r.int8("data_coding");
  const smDefaultMsgId = r.int8("sm_default_msg_id");
  const smLength = r.int8("sm_length");
  if (smLength > SHORT_MESSAGE_MAX) {
    throw fail(SmppStatus.ESME_RINVMSGLEN, `sm_length ${smLength} exceeds ${SHORT_MESSAGE_MAX}`);
  }
  if (r.offset + smLength > commandLength) {
    throw fail(SmppStatus.ESME_RINVMSGLEN, `sm_length ${smLength} runs past the end of the PDU`);
  }
  const shortMessage = pdu.subarray(r.offset, r.offset + smLength);
  const tlvs = parseTlvs(pdu, r.offset + smLength, commandLength);

  if (smLength > 0 && (tlvs.get(Tlv.message_payload)?.length ?? 0) > 0) {
    throw fail(SmppStatus.ESME_ROPTPARNOTALLWD, "short_message and message_payload are both set");
  }

  return {
    serviceType,
    sourceAddrTon,
    sourceAddrNpi,
    sourceAddr,
    destAddrTon,
    destAddrNpi,
    destinationAddr,
    esmClass,
    protocolId,
    priorityFlag,
    scheduleDeliveryTime,
    validityPeriod,
    registeredDelivery,
    replaceIfPresentFlag,
    dataCoding,
    smDefaultMsgId,
    shortMessage,
    tlvs,
  };
}
