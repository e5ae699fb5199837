/**
 * Delivery receipts: reading a carrier's deliver_sm receipt (TLVs first, then the de-facto text of v3.4 Appendix B,
 * read tolerantly) and writing the text for the receipts we send north. Also the canonical form of carrier message
 * ids, so a submit_sm_resp id and a receipt id that spell the same number differently meet on one key.
 */
import {
  EsmClass,
  Tlv,
  messageStateInfo,
  messageStatInfo,
  type MessageStat,
  type MessageStateInfo,
} from "./constants.js";
import type { SmBody } from "./sm-body.js";
import type { DefaultAlphabet } from "./text-codec.js";
import { decodeReceiptText } from "./text-codec.js";
import { parseUdh } from "./udh.js";
import { absoluteTime } from "./validity.js";

export type ReceiptStat = MessageStat;

/** How a carrier spells message ids (in submit_sm_resp or in receipts); see {@link normaliseMessageId}. */
export type MessageIdFormat = "hex" | "decimal" | "string";

export interface Receipt {
  /** The carrier's message id in canonical form ({@link normaliseMessageId}): the correlation key. */
  messageId: string;
  stat: ReceiptStat;
  /** No further receipt will follow (UNKNOWN counts as a final failure, see MESSAGE_STATES). */
  final: boolean;
  delivered: boolean;
  /** The `err:` field as sent, or the network_error_code TLV's error code as 3+ decimal digits. */
  err?: string;
  /** Raw `YYMMDDhhmm[ss]` from the text. */
  submitDate?: string;
  doneDate?: string;
  /** Where the message id came from: the receipted_message_id TLV or the receipt text. */
  from: "tlv" | "text";
}

/** The fields of a receipt text, each as sent (trimmed); absent when the text lacks it. */
export interface ReceiptTextFields {
  id?: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
  stat?: string;
  err?: string;
}

// Compiled once; none is global, so exec() keeps no state between calls. Each key must start the text or follow
// whitespace, so `id:` does not match inside another word.
const TEXT_KEY = /(?:^|\s)text:/i;
const ID_FIELD = /(?:^|\s)id:\s*(\S+)/i;
const SUB_FIELD = /(?:^|\s)sub:\s*(\d+)/i;
const DLVRD_FIELD = /(?:^|\s)dlvrd:\s*(\d+)/i;
const SUBMIT_DATE_FIELD = /(?:^|\s)submit[\s_]*date:\s*(\d{10,12})/i;
const DONE_DATE_FIELD = /(?:^|\s)done[\s_]*date:\s*(\d{10,12})/i;
const STAT_FIELD = /(?:^|\s)stat:\s*([A-Za-z_]+)/i;
const ERR_FIELD = /(?:^|\s)err:\s*([0-9A-Za-z]+)/i;
const HEX_ID = /^(?:0x)?([0-9a-f]+)$/i;
const DECIMAL_ID = /^[0-9]+$/;

/** `stat:` words, upper-cased, including the spelled-out message_state names some carriers write. */
const STAT_ALIASES: ReadonlyMap<string, ReceiptStat> = new Map<string, ReceiptStat>([
  ["ENROUTE", "ENROUTE"],
  ["DELIVRD", "DELIVRD"],
  ["DELIVERED", "DELIVRD"],
  ["EXPIRED", "EXPIRED"],
  ["DELETED", "DELETED"],
  ["UNDELIV", "UNDELIV"],
  ["UNDELIVERABLE", "UNDELIV"],
  ["UNDELIVERED", "UNDELIV"],
  ["ACCEPTD", "ACCEPTD"],
  ["ACCEPTED", "ACCEPTD"],
  ["UNKNOWN", "UNKNOWN"],
  ["REJECTD", "REJECTD"],
  ["REJECTED", "REJECTD"],
]);

/** A `stat:` word as a {@link ReceiptStat}, or undefined when we do not recognise it. */
export function parseStat(word: string): ReceiptStat | undefined {
  return STAT_ALIASES.get(word.toUpperCase());
}

/**
 * Reads `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…` tolerantly: any case (`Text:`), extra
 * spaces, dates with or without seconds, ids of any length, err of any width, `text:` empty or missing. Only the part
 * before `text:` is searched, so an echoed message text cannot fake a field.
 */
export function parseReceiptText(text: string): ReceiptTextFields {
  const textKey = TEXT_KEY.exec(text);
  const head = textKey ? text.slice(0, textKey.index) : text;
  const fields: ReceiptTextFields = {};
  const id = ID_FIELD.exec(head)?.[1];
  if (id !== undefined) fields.id = id;
  const sub = SUB_FIELD.exec(head)?.[1];
  if (sub !== undefined) fields.sub = sub;
  const dlvrd = DLVRD_FIELD.exec(head)?.[1];
  if (dlvrd !== undefined) fields.dlvrd = dlvrd;
  const submitDate = SUBMIT_DATE_FIELD.exec(head)?.[1];
  if (submitDate !== undefined) fields.submitDate = submitDate;
  const doneDate = DONE_DATE_FIELD.exec(head)?.[1];
  if (doneDate !== undefined) fields.doneDate = doneDate;
  const stat = STAT_FIELD.exec(head)?.[1];
  if (stat !== undefined) fields.stat = stat;
  const err = ERR_FIELD.exec(head)?.[1];
  if (err !== undefined) fields.err = err;
  return fields;
}

/**
 * The canonical form of a carrier message id, used as the correlation key:
 * - "hex" (optionally `0x`-prefixed, any case) and "decimal": the number's decimal digits without leading zeros,
 *   through BigInt (ids exceed 2^53), so hex `0000ABCDEF` and decimal `11259375` give the same key;
 * - "string": the id trimmed.
 * An id that does not fit its declared format is returned trimmed, unchanged: a misconfigured carrier then fails to
 * correlate (and shows up in the unmatched-receipt metric) instead of colliding with another id.
 */
export function normaliseMessageId(id: string, format: MessageIdFormat): string {
  const trimmed = id.trim();
  if (format === "hex") {
    const digits = HEX_ID.exec(trimmed)?.[1];
    return digits === undefined ? trimmed : BigInt(`0x${digits}`).toString(10);
  }
  if (format === "decimal") {
    return DECIMAL_ID.test(trimmed) ? BigInt(trimmed).toString(10) : trimmed;
  }
  return trimmed;
}

/** A C-Octet String TLV value: up to its first NUL, or all of it when the NUL is missing. */
function cstringValue(value: Buffer | undefined): string {
  if (!value) return "";
  const nul = value.indexOf(0);
  return value.toString("latin1", 0, nul < 0 ? value.length : nul).trim();
}

/** network_error_code (§5.3.2.31): network type (1 octet) then the error code (2 octets). */
function networkErrorCode(value: Buffer | undefined): string | undefined {
  if (!value || value.length < 3) return undefined;
  return value.readUInt16BE(1).toString(10).padStart(3, "0");
}

/** The receipt text bytes: short_message, or message_payload when short_message is empty, without any UDH. */
function receiptBytes(body: SmBody): Buffer {
  let bytes =
    body.shortMessage.length > 0
      ? body.shortMessage
      : (body.tlvs.get(Tlv.message_payload) ?? body.shortMessage);
  if (bytes.length > 0 && body.esmClass & EsmClass.UDHI) {
    try {
      bytes = parseUdh(bytes).payload;
    } catch {
      // A broken UDH on a receipt: read the bytes as they are; the id and stat may still be found.
    }
  }
  return bytes;
}

/**
 * The receipt in a deliver_sm body, or null when it is not a carrier delivery receipt (`esm_class & 0x3C` other than
 * 0x04: SME acks 0x08/0x10 and intermediate notifications 0x20 are not receipts to us) or when neither the TLVs nor
 * the text give a message id and a state we recognise.
 * The receipted_message_id and message_state TLVs win over the text; the text still supplies err and the dates.
 * @param idFormat how this carrier spells ids in receipts; the returned id is normalised with it.
 * @param defaultAlphabet what this carrier means by data_coding 0 (default "gsm7").
 */
export function parseReceipt(
  body: SmBody,
  idFormat: MessageIdFormat,
  defaultAlphabet: DefaultAlphabet = "gsm7",
): Receipt | null {
  if ((body.esmClass & EsmClass.TYPE_MASK) !== EsmClass.DELIVERY_RECEIPT) return null;

  const tlvId = cstringValue(body.tlvs.get(Tlv.receipted_message_id));
  const stateValue = body.tlvs.get(Tlv.message_state);
  const tlvState =
    stateValue && stateValue.length >= 1 ? messageStateInfo(stateValue[0] as number) : undefined;

  const bytes = receiptBytes(body);
  const fields =
    bytes.length > 0 ? parseReceiptText(decodeReceiptText(body.dataCoding, bytes, defaultAlphabet)) : {};

  const rawId = tlvId !== "" ? tlvId : fields.id;
  if (rawId === undefined || rawId === "") return null;
  let info: MessageStateInfo | undefined = tlvState;
  if (!info && fields.stat !== undefined) {
    const stat = parseStat(fields.stat);
    if (stat) info = messageStatInfo(stat);
  }
  if (!info) return null;

  const receipt: Receipt = {
    messageId: normaliseMessageId(rawId, idFormat),
    stat: info.stat,
    final: info.final,
    delivered: info.delivered,
    from: tlvId !== "" ? "tlv" : "text",
  };
  const err = fields.err ?? networkErrorCode(body.tlvs.get(Tlv.network_error_code));
  if (err !== undefined) receipt.err = err;
  if (fields.submitDate !== undefined) receipt.submitDate = fields.submitDate;
  if (fields.doneDate !== undefined) receipt.doneDate = fields.doneDate;
  return receipt;
}

/** The message_state number (1..8) for a stat word, for the message_state TLV of receipts we send. */
export function messageStateFor(stat: ReceiptStat): number {
  return messageStatInfo(stat).state;
}

/** `YYMMDDhhmm` in UTC: the absolute time's first ten characters. */
function receiptDate(d: Date): string {
  return absoluteTime(d.getTime()).slice(0, 10);
}

/** A 3-digit counter field; clamped to 0..999 because the field is 3 characters wide. */
function counter(n: number): string {
  return String(Math.min(999, Math.max(0, Math.trunc(n)))).padStart(3, "0");
}

/**
 * The standard receipt text `id:… sub:001 dlvrd:001 submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD
 * err:000 text:` (dates in UTC). `text:` is always empty: we never echo the message text, it carries the OTP.
 * A numeric err shorter than 3 digits is zero-padded; any other err is written as given.
 */
export function formatReceiptText(r: {
  messageId: string;
  stat: ReceiptStat;
  err: string;
  submitDate: Date;
  doneDate: Date;
  dlvrd: number;
  sub: number;
}): string {
  const err = DECIMAL_ID.test(r.err) ? r.err.padStart(3, "0") : r.err;
  return (
    `id:${r.messageId} sub:${counter(r.sub)} dlvrd:${counter(r.dlvrd)} ` +
    `submit date:${receiptDate(r.submitDate)} done date:${receiptDate(r.doneDate)} ` +
    `stat:${r.stat} err:${err} text:`
  );
}
