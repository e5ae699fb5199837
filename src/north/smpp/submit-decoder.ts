/**
 * The semantic checks of one submit_sm, pure: the parsed body and the account in, a message (or one part of a
 * concatenated one) out, or an SmppError carrying the submit_sm_resp status. Order: data_coding → source →
 * destination → schedule → validity → text (or part).
 */
import { ErrorCodes, OtpgwError, SmppError } from "../../errors.js";
import { SmppStatus } from "../../smpp/command-status.js";
import { EsmClass, Tlv } from "../../smpp/constants.js";
import type { SmBody } from "../../smpp/sm-body.js";
import { decodeText, unreadableText } from "../../smpp/text-codec.js";
import { concatInfo, parseUdh } from "../../smpp/udh.js";
import type { Account } from "../accounts/account-types.js";
import { senderAllowed } from "../accounts/sender-pattern.js";
import { countryRefusal } from "../accounts/volume-limits.js";
import {
  blockedRangeOf,
  blockedRangeRefusal,
  isCountryRefused,
  isSuspended,
  maxSmsParts,
  type SubmitCheckDeps,
} from "../http/submit-checks.js";
import { validitySeconds } from "./validity-period.js";

export interface SubmitCommon {
  to: string;
  country: string;
  from: string;
  validitySeconds: number;
  /** registered_delivery bits 1..0: 0 none, 1 final receipt, 2 failure receipt only. */
  receiptRequest: number;
}

export interface SingleSubmit extends SubmitCommon {
  kind: "single";
  text: string;
  parts: number;
}

export interface PartSubmit extends SubmitCommon {
  kind: "part";
  reference: number;
  total: number;
  seq: number;
  dataCoding: number;
  /** This part's user data, UDH removed (a copy: the PDU buffer is not kept). */
  bytes: Buffer;
}

export type DecodedSubmit = SingleSubmit | PartSubmit;

function refuse(status: number, message: string): SmppError {
  return new SmppError(ErrorCodes.SMPP_DECODE, status, message);
}

/**
 * The text of a submit's user data (a single message, or a reassembled set's parts joined).
 * @throws SmppError ESME_RINVDCS for bytes that are not text of their data_coding (otpgw would pass on something
 * else than was meant), ESME_RINVMSGLEN for UCS-2 of an odd length.
 */
export function readableText(dataCoding: number, bytes: Buffer): string {
  const unreadable = unreadableText(dataCoding, bytes);
  if (unreadable) {
    throw refuse(unreadable.length ? SmppStatus.ESME_RINVMSGLEN : SmppStatus.ESME_RINVDCS, unreadable.reason);
  }
  return decodeText(dataCoding, bytes);
}

/** 8-bit data has no text meaning: an OTP never needs it. */
export function isBinaryCoding(dc: number): boolean {
  if (dc === 0x02 || dc === 0x04) return true;
  if (dc >= 0x10 && dc < 0x80) return (dc & 0x20) !== 0 || ((dc >> 2) & 3) === 1;
  if (dc >= 0xf0) return (dc & 0x04) !== 0;
  return false;
}

/**
 * The E.164 form of destination_addr. TON 1 (international) is `+` and the digits by definition; for any other
 * TON we cannot guess a country, so the digits are tried as international too (what aggregators send in practice
 * with TON 0) and parseDestination refuses them if they are not.
 */
export function destinationE164(addr: string): string {
  return `+${addr.startsWith("+") ? addr.slice(1) : addr}`;
}

/** The ESME's user data: short_message, or message_payload when short_message is empty. */
function userData(body: SmBody): Buffer {
  return body.shortMessage.length > 0
    ? body.shortMessage
    : (body.tlvs.get(Tlv.message_payload) ?? body.shortMessage);
}

/** Concatenation from SAR TLVs (all three or none), or undefined when there are none. */
function sarInfo(body: SmBody): { reference: number; total: number; seq: number } | undefined {
  const ref = body.tlvs.get(Tlv.sar_msg_ref_num);
  const total = body.tlvs.get(Tlv.sar_total_segments);
  const seq = body.tlvs.get(Tlv.sar_segment_seqnum);
  if (!ref && !total && !seq) return undefined;
  if (!ref || !total || !seq) {
    throw refuse(
      SmppStatus.ESME_RMISSINGOPTPARAM,
      "SAR needs sar_msg_ref_num, sar_total_segments and sar_segment_seqnum",
    );
  }
  if (ref.length !== 2 || total.length !== 1 || seq.length !== 1) {
    throw refuse(SmppStatus.ESME_RINVPARLEN, "SAR TLV of the wrong length");
  }
  const info = { reference: ref.readUInt16BE(0), total: total[0] as number, seq: seq[0] as number };
  if (info.total < 1 || info.seq < 1 || info.seq > info.total) {
    throw refuse(SmppStatus.ESME_RINVOPTPARAMVAL, "sar_segment_seqnum outside 1..sar_total_segments");
  }
  return info;
}

/** Checks that a whole text may be sent and counts its SMS parts. */
export function checkText(text: string, account: Account, countParts: (text: string) => number): number {
  if (text.trim() === "") throw refuse(SmppStatus.ESME_RINVMSGLEN, "message text is empty");
  if (account.maxTextLength !== undefined && [...text].length > account.maxTextLength) {
    throw refuse(SmppStatus.ESME_RINVMSGLEN, "message text longer than the account allows");
  }
  let parts: number;
  try {
    parts = countParts(text);
  } catch (error) {
    if (error instanceof OtpgwError && error.code === ErrorCodes.ENCODING_INVALID) {
      throw refuse(SmppStatus.ESME_RINVMSGLEN, error.message);
    }
    throw error;
  }
  if (parts > maxSmsParts) throw refuse(SmppStatus.ESME_RINVMSGLEN, `text needs ${parts} SMS parts`);
  return parts;
}

/** @throws SmppError with the submit_sm_resp status when the submit cannot be accepted. */
export function decodeSubmit(
  body: SmBody,
  account: Account,
  deps: SubmitCheckDeps,
  nowMs: number,
): DecodedSubmit {
  if (isSuspended(account, deps)) {
    throw refuse(SmppStatus.ESME_RSUBMITFAIL, "the account is suspended by the gateway's operator");
  }
  if (isBinaryCoding(body.dataCoding)) {
    throw refuse(
      SmppStatus.ESME_RINVDCS,
      `data_coding 0x${body.dataCoding.toString(16)} is 8-bit data, not text`,
    );
  }
  const from = body.sourceAddr;
  if (from === "" || !senderAllowed(account.senders, from)) {
    throw refuse(SmppStatus.ESME_RINVSRCADR, "source_addr is not one of this account's senders");
  }
  const destination = deps.parseDestination(destinationE164(body.destinationAddr));
  if (!destination.ok) throw refuse(SmppStatus.ESME_RINVDSTADR, `destination_addr: ${destination.reason}`);
  if (isCountryRefused(account, destination.country, deps)) {
    throw refuse(SmppStatus.ESME_RINVDSTADR, countryRefusal(account, destination.country));
  }
  const blocked = blockedRangeOf(account, destination.e164, deps);
  if (blocked !== undefined) throw refuse(SmppStatus.ESME_RINVDSTADR, blockedRangeRefusal(blocked));
  const route = deps.validity(destination.country, destination.e164);
  if (!route) throw refuse(SmppStatus.ESME_RINVDSTADR, `no route delivers to ${destination.country} numbers`);
  if (body.scheduleDeliveryTime !== "") {
    throw refuse(SmppStatus.ESME_RINVSCHED, "scheduled delivery is not supported: OTPs go out at once");
  }
  const max = Math.min(route.maxSeconds, account.maxValiditySeconds ?? Number.POSITIVE_INFINITY);
  const requested = validitySeconds(body.validityPeriod, nowMs);
  if (requested !== undefined && requested < 1) {
    throw refuse(SmppStatus.ESME_RINVEXPIRY, "validity_period is already past");
  }
  if (requested !== undefined && requested < (route.minSeconds ?? 1)) {
    throw refuse(
      SmppStatus.ESME_RINVEXPIRY,
      `validity_period of ${requested} s is shorter than the ${route.minSeconds} s an OTP needs to be delivered`,
    );
  }
  const to = destination.e164;
  const country = destination.country;
  const validity =
    requested === undefined
      ? Math.min(account.defaultValiditySeconds ?? route.defaultSeconds, max)
      : Math.min(requested, max);
  const receiptRequest = body.registeredDelivery & 0x03;

  let bytes = userData(body);
  let concat: { reference: number; total: number; seq: number } | undefined;
  if (body.esmClass & EsmClass.UDHI) {
    const udh = parseUdh(bytes);
    bytes = udh.payload;
    const info = concatInfo(udh.ies);
    if (info) concat = info;
  } else {
    concat = sarInfo(body);
  }
  if (concat && concat.total > 1) {
    if (concat.total > maxSmsParts) {
      throw refuse(SmppStatus.ESME_RINVMSGLEN, `${concat.total} parts; at most ${maxSmsParts}`);
    }
    // A coding otpgw cannot read, or a byte that is no GSM character, is refused at the part that has it; an odd
    // UCS-2 length only once the parts are joined (readableText).
    const unreadable = unreadableText(body.dataCoding, bytes);
    if (unreadable && !unreadable.length) throw refuse(SmppStatus.ESME_RINVDCS, unreadable.reason);
    // Literals written out, not `{ ...common, kind }`: a spread copy that adds fields gets a hidden class of
    // its own on Node 20 (see lifecycle.ts), and every read of the submit then misses V8's caches.
    return {
      to,
      country,
      from,
      validitySeconds: validity,
      receiptRequest,
      kind: "part",
      reference: concat.reference,
      total: concat.total,
      seq: concat.seq,
      dataCoding: body.dataCoding,
      bytes: Buffer.from(bytes),
    };
  }
  const text = readableText(body.dataCoding, bytes);
  const parts = checkText(text, account, deps.countParts);
  return { to, country, from, validitySeconds: validity, receiptRequest, kind: "single", text, parts };
}
