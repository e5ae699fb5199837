/**
 * A cursor over an inbound PDU's body that validates as it reads. node-smpp's decoder reads truncated bodies
 * "successfully" and lets a C-string without NUL swallow the rest of the PDU (SMPP-NOTES A.5, A.6), so every body
 * we accept (bind, submit_sm, deliver_sm, query_sm) is walked with this instead, and a malformed one is refused
 * with the command_status its response should carry.
 */
import { ErrorCodes, SmppError } from "../errors.js";
import { SmppStatus } from "./command-status.js";
import { PDU_HEADER_BYTES } from "./constants.js";

/** A malformed body: not fatal (the framing is intact), answered with `status`. */
export function bodyError(status: number, message: string): SmppError {
  return new SmppError(ErrorCodes.SMPP_DECODE, status, message);
}

/** Cursor over the body; `end` is command_length, so bytes past the PDU are never read. */
export class BodyReader {
  offset = PDU_HEADER_BYTES;
  constructor(
    readonly pdu: Buffer,
    readonly end: number,
  ) {}

  int8(field: string): number {
    if (this.offset >= this.end) throw bodyError(SmppStatus.ESME_RINVCMDLEN, `body ends before ${field}`);
    return this.pdu[this.offset++] as number;
  }

  /**
   * A C-Octet String of at most `max` octets including its NUL. Running out of body first is a truncated PDU
   * (RINVCMDLEN); `max` octets without a NUL is a bad field (`status`).
   */
  cstring(field: string, max: number, status: number): string {
    const start = this.offset;
    const limit = Math.min(start + max, this.end);
    for (let i = start; i < limit; i++) {
      if (this.pdu[i] === 0) {
        this.offset = i + 1;
        return this.pdu.toString("latin1", start, i);
      }
    }
    if (start + max > this.end) throw bodyError(SmppStatus.ESME_RINVCMDLEN, `body ends inside ${field}`);
    throw bodyError(status, `${field} has no NUL within ${max} octets`);
  }
}

/**
 * TLVs (tag 2, length 2, value) from `offset` to `end`; unknown tags are kept, not rejected (be liberal). Throws
 * ESME_RINVOPTPARSTREAM for 1–3 stray octets where a TLV header should be, ESME_RINVPARLEN for a value that runs
 * past the end of the PDU.
 */
export function parseTlvs(pdu: Buffer, offset: number, end: number): Map<number, Buffer> {
  const tlvs = new Map<number, Buffer>();
  let o = offset;
  while (o < end) {
    if (o + 4 > end) {
      throw bodyError(
        SmppStatus.ESME_RINVOPTPARSTREAM,
        `${end - o} stray octets where a TLV header should be`,
      );
    }
    const tag = pdu.readUInt16BE(o);
    const length = pdu.readUInt16BE(o + 2);
    const valueEnd = o + 4 + length;
    if (valueEnd > end) {
      throw bodyError(
        SmppStatus.ESME_RINVPARLEN,
        `TLV 0x${tag.toString(16).padStart(4, "0")} length ${length} runs past the end of the PDU`,
      );
    }
    if (!tlvs.has(tag)) tlvs.set(tag, pdu.subarray(o + 4, valueEnd));
    o = valueEnd;
  }
  return tlvs;
}
