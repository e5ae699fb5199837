/**
 * Splits an outbound text into SMS parts with the 8-bit-reference concatenation UDH (TS 23.040 §9.2.3.24.1), GSM7
 * unpacked or UCS-2 (SMPP-NOTES B.12). Each part's short_message is written into one Buffer: UDH then payload.
 */
import { ErrorCodes, OtpgwError } from "../errors.js";
import { DataCoding } from "./constants.js";
import { encodeGsm7, encodeGsm7Into, gsm7UnitSeptets } from "./gsm7.js";
import { chooseEncoding, type TextEncoding } from "./text-codec.js";
import { CONCAT_UDH_BYTES, writeConcatUdh } from "./udh.js";
import { encodeUcs2, encodeUcs2Into } from "./ucs2.js";

/** Septets in a single GSM 7-bit SMS (140 octets of TP-UD). */
export const GSM7_SINGLE_SEPTETS = 160;
/** Septets per part after a 6-octet concatenation UDH. */
export const GSM7_PART_SEPTETS = 153;
/** UTF-16 code units in a single UCS-2 SMS. */
export const UCS2_SINGLE_UNITS = 70;
/** UTF-16 code units per part after a 6-octet concatenation UDH. */
export const UCS2_PART_UNITS = 67;
/** Default cap on parts: a longer OTP text is a mistake, and every part is billed. */
export const DEFAULT_MAX_PARTS = 10;

export interface SmsPart {
  /** short_message: the payload, preceded by the concatenation UDH when the text has more than one part. */
  shortMessage: Buffer;
  /** esm_class must carry UDHI (0x40) for this part. */
  udhi: boolean;
  /** 1-based part number. */
  seq: number;
  total: number;
}

export interface SegmentedText {
  encoding: TextEncoding;
  /** data_coding to send: always explicit, 0x00 for GSM 03.38, 0x08 for UCS-2. */
  dataCoding: number;
  parts: SmsPart[];
  /** Size of the whole text: septets for GSM (extension characters count 2), UTF-16 code units for UCS-2. */
  units: number;
}

function tooLong(units: number, encoding: TextEncoding, maxParts: number): OtpgwError {
  const unitName = encoding === "gsm7" ? "GSM septets" : "UCS-2 units";
  return new OtpgwError(
    ErrorCodes.ENCODING_INVALID,
    `text of ${units} ${unitName} needs more than the maximum of ${maxParts} SMS parts`,
  );
}

/**
 * Encodes `text` for SMS: GSM 03.38 when every character fits, else UCS-2; one part up to 160 septets / 70 units,
 * otherwise parts of 153 septets / 67 units, each with `05 00 03 reference total seq`. An extension character (ESC +
 * code) and a surrogate pair are never split across parts.
 * @param reference concatenation reference, taken modulo 256; use a per-destination counter.
 * @param maxParts at most this many parts (default {@link DEFAULT_MAX_PARTS}, never more than 255).
 * @throws OtpgwError ENCODING_INVALID for an empty text or one needing more than `maxParts` parts.
 */
export function segmentText(text: string, reference: number, maxParts = DEFAULT_MAX_PARTS): SegmentedText {
  if (text.length === 0) throw new OtpgwError(ErrorCodes.ENCODING_INVALID, "message text is empty");
  const limit = Math.min(Math.floor(maxParts), 255);
  const encoding = chooseEncoding(text);
  return encoding === "gsm7" ? segmentGsm7(text, reference, limit) : segmentUcs2(text, reference, limit);
}

/**
 * How many SMS parts `text` needs, exactly as {@link segmentText} would split it, without encoding anything (the
 * submit checks count parts for every message; the attempt encodes them).
 * @throws OtpgwError ENCODING_INVALID as segmentText does.
 */
export function countSmsParts(text: string, maxParts = DEFAULT_MAX_PARTS): number {
  if (text.length === 0) throw new OtpgwError(ErrorCodes.ENCODING_INVALID, "message text is empty");
  const limit = Math.min(Math.floor(maxParts), 255);
  if (chooseEncoding(text) === "ucs2") {
    return text.length <= UCS2_SINGLE_UNITS ? 1 : ucs2Bounds(text, limit).length;
  }
  const { bounds, total } = gsm7Layout(text);
  if (total <= GSM7_SINGLE_SEPTETS) return 1;
  if (bounds.length > limit) throw tooLong(total, "gsm7", limit);
  return bounds.length;
}

/** Where each 153-septet part of a GSM text ends (an extension character is never split), and the septets. */
function gsm7Layout(text: string): { bounds: number[]; septetsPerPart: number[]; total: number } {
  const bounds: number[] = [];
  const septetsPerPart: number[] = [];
  let total = 0;
  let partSeptets = 0;
  for (let i = 0; i < text.length; i++) {
    const s = gsm7UnitSeptets(text.charCodeAt(i));
    if (partSeptets + s > GSM7_PART_SEPTETS) {
      bounds.push(i);
      septetsPerPart.push(partSeptets);
      partSeptets = 0;
    }
    partSeptets += s;
    total += s;
  }
  bounds.push(text.length);
  septetsPerPart.push(partSeptets);
  return { bounds, septetsPerPart, total };
}

function segmentGsm7(text: string, reference: number, maxParts: number): SegmentedText {
  // One pass records where each part ends, so nothing is encoded before we know the text fits.
  const { bounds, septetsPerPart, total } = gsm7Layout(text);
  const dataCoding = DataCoding.DEFAULT;
  if (total <= GSM7_SINGLE_SEPTETS) {
    return {
      encoding: "gsm7",
      dataCoding,
      units: total,
      parts: [{ shortMessage: encodeGsm7(text), udhi: false, seq: 1, total: 1 }],
    };
  }
  const count = bounds.length;
  if (count > maxParts) throw tooLong(total, "gsm7", maxParts);
  const parts: SmsPart[] = [];
  let start = 0;
  for (let p = 0; p < count; p++) {
    const end = bounds[p] as number;
    const buf = Buffer.allocUnsafe(CONCAT_UDH_BYTES + (septetsPerPart[p] as number));
    writeConcatUdh(buf, 0, reference, count, p + 1);
    encodeGsm7Into(text, start, end, buf, CONCAT_UDH_BYTES);
    parts.push({ shortMessage: buf, udhi: true, seq: p + 1, total: count });
    start = end;
  }
  return { encoding: "gsm7", dataCoding, units: total, parts };
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function segmentUcs2(text: string, reference: number, maxParts: number): SegmentedText {
  const dataCoding = DataCoding.UCS2;
  const units = text.length;
  if (units <= UCS2_SINGLE_UNITS) {
    return {
      encoding: "ucs2",
      dataCoding,
      units,
      parts: [{ shortMessage: encodeUcs2(text), udhi: false, seq: 1, total: 1 }],
    };
  }
  const bounds = ucs2Bounds(text, maxParts);
  const count = bounds.length;
  const parts: SmsPart[] = [];
  let start = 0;
  for (let p = 0; p < count; p++) {
    const end = bounds[p] as number;
    const buf = Buffer.allocUnsafe(CONCAT_UDH_BYTES + (end - start) * 2);
    writeConcatUdh(buf, 0, reference, count, p + 1);
    encodeUcs2Into(text, start, end, buf, CONCAT_UDH_BYTES);
    parts.push({ shortMessage: buf, udhi: true, seq: p + 1, total: count });
    start = end;
  }
  return { encoding: "ucs2", dataCoding, units, parts };
}

/** Where each 67-unit part of a UCS-2 text ends (a surrogate pair is never split). */
function ucs2Bounds(text: string, maxParts: number): number[] {
  const units = text.length;
  const bounds: number[] = [];
  let start = 0;
  while (start < units) {
    let end = Math.min(start + UCS2_PART_UNITS, units);
    // A high surrogate as the last unit of a part would separate it from its low surrogate: move it to the next part.
    if (end < units && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    bounds.push(end);
    start = end;
    if (bounds.length > maxParts) throw tooLong(units, "ucs2", maxParts);
  }
  return bounds;
}
