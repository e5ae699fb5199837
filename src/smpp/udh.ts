/**
 * User Data Header (TS 23.040 §9.2.3.24) at the start of short_message when esm_class has UDHI (0x40):
 * `UDHL, then IEs of [IEI, IEDL, data…]`. Only the concatenation IEs are interpreted; the rest pass through.
 */
import { ErrorCodes, SmppError } from "../errors.js";
import { SmppStatus } from "./command-status.js";

export interface InformationElement {
  iei: number;
  data: Buffer;
}

export interface ParsedUdh {
  ies: InformationElement[];
  /** The user data after the header (views into the input, not copies). */
  payload: Buffer;
}

export interface ConcatInfo {
  reference: number;
  total: number;
  seq: number;
  referenceBits: 8 | 16;
}

/** IEI 0x00: concatenated short message, 8-bit reference (§9.2.3.24.1). */
export const IEI_CONCAT_8 = 0x00;
/** IEI 0x08: concatenated short message, 16-bit reference (§9.2.3.24.8). */
export const IEI_CONCAT_16 = 0x08;
/** Octets of an 8-bit-reference concatenation UDH including UDHL: `05 00 03 ref total seq`. */
export const CONCAT_UDH_BYTES = 6;

function udhError(message: string): SmppError {
  // A header that runs past its message makes the length fields inconsistent: invalid message length.
  return new SmppError(ErrorCodes.SMPP_DECODE, SmppStatus.ESME_RINVMSGLEN, message);
}

/**
 * Splits a UDHI short_message into its information elements and payload.
 * @throws SmppError (OTPGW_ERR_SMPP_DECODE, ESME_RINVMSGLEN) when the message is empty, the UDHL runs past the end of
 * the message, or an IE runs past the end of the header.
 */
export function parseUdh(shortMessage: Buffer): ParsedUdh {
  if (shortMessage.length === 0) throw udhError("UDHI set but short_message is empty");
  const udhl = shortMessage[0] as number;
  const end = 1 + udhl;
  if (end > shortMessage.length) {
    throw udhError(`UDH length ${udhl} runs past the end of a ${shortMessage.length}-octet short_message`);
  }
  const ies: InformationElement[] = [];
  let o = 1;
  while (o < end) {
    if (o + 2 > end) throw udhError(`UDH information element header at octet ${o} runs past the UDH`);
    const iei = shortMessage[o] as number;
    const iedl = shortMessage[o + 1] as number;
    const dataEnd = o + 2 + iedl;
    if (dataEnd > end) throw udhError(`UDH information element 0x${iei.toString(16)} runs past the UDH`);
    ies.push({ iei, data: shortMessage.subarray(o + 2, dataEnd) });
    o = dataEnd;
  }
  return { ies, payload: shortMessage.subarray(end) };
}

/**
 * The concatenation IE (0x00 or 0x08) among `ies`, or null when there is none or it is malformed (wrong length,
 * total 0, or seq outside 1..total): such a part is better treated as a message on its own than guessed at.
 */
export function concatInfo(ies: readonly InformationElement[]): ConcatInfo | null {
  for (const { iei, data } of ies) {
    let info: ConcatInfo | undefined;
    if (iei === IEI_CONCAT_8 && data.length === 3) {
      info = {
        reference: data[0] as number,
        total: data[1] as number,
        seq: data[2] as number,
        referenceBits: 8,
      };
    } else if (iei === IEI_CONCAT_16 && data.length === 4) {
      info = {
        reference: data.readUInt16BE(0),
        total: data[2] as number,
        seq: data[3] as number,
        referenceBits: 16,
      };
    }
    if (info) return info.total >= 1 && info.seq >= 1 && info.seq <= info.total ? info : null;
  }
  return null;
}

/**
 * `05 00 03 ref total seq`: the 6-octet concatenation UDH with an 8-bit reference. `reference` is taken modulo 256
 * so a caller can pass any counter.
 * @throws RangeError when total is not 1..255 or seq not 1..total (a programming error, not input).
 */
export function buildConcatUdh(reference: number, total: number, seq: number): Buffer {
  if (!Number.isInteger(total) || total < 1 || total > 255)
    throw new RangeError(`concat total ${total} not in 1..255`);
  if (!Number.isInteger(seq) || seq < 1 || seq > total)
    throw new RangeError(`concat seq ${seq} not in 1..${total}`);
  const udh = Buffer.allocUnsafe(CONCAT_UDH_BYTES);
  writeConcatUdh(udh, 0, reference, total, seq);
  return udh;
}

/** Writes the 6-octet concatenation UDH at `offset` (no validation; see {@link buildConcatUdh}). */
export function writeConcatUdh(
  target: Buffer,
  offset: number,
  reference: number,
  total: number,
  seq: number,
): void {
  target[offset] = 0x05;
  target[offset + 1] = IEI_CONCAT_8;
  target[offset + 2] = 0x03;
  target[offset + 3] = reference & 0xff;
  target[offset + 4] = total;
  target[offset + 5] = seq;
}
