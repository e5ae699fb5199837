/**
 * Choosing an encoding for outbound text and decoding inbound short_message bytes by data_coding (§5.2.19, with the
 * TS 23.038 coding groups carriers actually send). We decode the bytes ourselves because node-smpp decides by the low
 * nibble only and turns dc=0 bytes ≥ 0x80 into spaces (SMPP-NOTES A.6).
 */
import { TextDecoder } from "node:util";

import { decodeGsm7, isGsm7 } from "./gsm7.js";
import { decodeUcs2 } from "./ucs2.js";

export type TextEncoding = "gsm7" | "ucs2";

/** What a carrier means by data_coding 0 ("SMSC default alphabet"), configured per carrier. */
export type DefaultAlphabet = "gsm7" | "latin1";

/** GSM 03.38 when every character fits (160 per single SMS), otherwise UCS-2 (70). */
export function chooseEncoding(text: string): TextEncoding {
  return isGsm7(text) ? "gsm7" : "ucs2";
}

/** Decoders for the national single-byte/multi-byte sets, when Node's ICU has them (official builds do). */
function optionalDecoder(label: string): TextDecoder | undefined {
  try {
    return new TextDecoder(label);
  } catch {
    return undefined;
  }
}
const CYRILLIC = optionalDecoder("iso-8859-5");
const HEBREW = optionalDecoder("iso-8859-8");
const KSC5601 = optionalDecoder("euc-kr");

function latin1(bytes: Buffer): string {
  return bytes.toString("latin1");
}

/** Decodes by the TS 23.038 alphabet bits 3..2 used by the general and class coding groups. */
function decodeByAlphabetBits(dataCoding: number, bytes: Buffer): string {
  switch ((dataCoding >> 2) & 0x03) {
    case 0:
      return decodeGsm7(bytes);
    case 2:
      return decodeUcs2(bytes);
    default:
      // 8-bit data (or the reserved value): binary, shown byte for byte.
      return latin1(bytes);
  }
}

/**
 * Text of `bytes` labelled with `dataCoding`.
 * - 0x00: the carrier's default alphabet (`defaultAlphabet`, default "gsm7": GSM 03.38 unpacked).
 * - 0x01 IA5/ASCII and 0x03 Latin-1: Latin-1 (a superset of ASCII, so mislabelled Latin-1 survives).
 * - 0x02 / 0x04 8-bit binary: Latin-1, one character per byte. Binary has no text meaning; this keeps every byte
 *   visible and reversible (`Buffer.from(text, "latin1")`).
 * - 0x06 Cyrillic, 0x07 Hebrew, 0x0E KS C 5601: ISO-8859-5, ISO-8859-8, EUC-KR (Latin-1 if ICU lacks them).
 * - 0x08 UCS-2: UTF-16BE.
 * - 0x10–0x1F, 0x40–0x5F (TS 23.038 general groups with class / auto-delete): alphabet bits 3..2 (0x18 = UCS-2 flash);
 *   compressed groups (bit 5) cannot be decompressed and read as binary.
 * - 0xC0–0xDF (MWI, GSM7), 0xE0–0xEF (MWI, UCS-2).
 * - 0xF0–0xFF: bit 2 clear GSM 7-bit (0xF0 flash), set 8-bit binary.
 * - Anything else (JIS, pictogram, reserved): Latin-1, so decoding never throws.
 */
export function decodeText(
  dataCoding: number,
  bytes: Buffer,
  defaultAlphabet: DefaultAlphabet = "gsm7",
): string {
  const dc = dataCoding & 0xff;
  if (dc < 0x10) {
    switch (dc) {
      case 0x00:
        return defaultAlphabet === "latin1" ? latin1(bytes) : decodeGsm7(bytes);
      case 0x06:
        return CYRILLIC ? CYRILLIC.decode(bytes) : latin1(bytes);
      case 0x07:
        return HEBREW ? HEBREW.decode(bytes) : latin1(bytes);
      case 0x08:
        return decodeUcs2(bytes);
      case 0x0e:
        return KSC5601 ? KSC5601.decode(bytes) : latin1(bytes);
      default:
        // 0x01 IA5, 0x02/0x04 binary, 0x03 Latin-1, and the sets we do not carry.
        return latin1(bytes);
    }
  }
  if (dc < 0x80) {
    // TS 23.038 general data coding (00xx) and automatic deletion (01xx) groups; bit 5 = compressed.
    if (dc & 0x20) return latin1(bytes);
    return decodeByAlphabetBits(dc, bytes);
  }
  if (dc >= 0xc0 && dc < 0xe0) return decodeGsm7(bytes);
  if (dc >= 0xe0 && dc < 0xf0) return decodeUcs2(bytes);
  if (dc >= 0xf0) return dc & 0x04 ? latin1(bytes) : decodeGsm7(bytes);
  // 0x80–0xBF are reserved coding groups.
  return latin1(bytes);
}

/** True for data_coding values that {@link decodeText} reads as GSM 7-bit (0x00 with the GSM default alphabet). */
function isGsm7Coding(dc: number): boolean {
  return (
    (dc >= 0x10 && dc < 0x80 && !(dc & 0x20) && ((dc >> 2) & 3) === 0) ||
    (dc >= 0xc0 && dc < 0xe0) ||
    (dc >= 0xf0 && !(dc & 0x04))
  );
}

const hexByte = (b: number): string => `0x${b.toString(16).padStart(2, "0")}`;

/**
 * Why `bytes` labelled `dataCoding` are not text {@link decodeText} can read faithfully — a coding it only shows
 * byte for byte (JIS, pictograms, compressed or reserved groups, 8-bit data, a national set this Node lacks), GSM
 * 7-bit with a byte above 0x7F, UCS-2 of an odd length (`length`) — or undefined when they are. For text a person
 * will read (an OTP): decodeText itself stays lenient, for receipts and logs.
 */
export function unreadableText(
  dataCoding: number,
  bytes: Buffer,
): { reason: string; length: boolean } | undefined {
  const dc = dataCoding & 0xff;
  if (dc === 0x00 || isGsm7Coding(dc)) {
    if (!bytes.some((b) => b >= 0x80)) return undefined;
    return { reason: `data_coding ${hexByte(dc)} is GSM 7-bit, but a byte is above 0x7F`, length: false };
  }
  if (isUcs2Coding(dc)) {
    if (bytes.length % 2 === 0) return undefined;
    return {
      reason: `data_coding ${hexByte(dc)} is UCS-2, but the text has an odd number of bytes`,
      length: true,
    };
  }
  const readable =
    dc === 0x01 ||
    dc === 0x03 ||
    (dc === 0x06 && CYRILLIC !== undefined) ||
    (dc === 0x07 && HEBREW !== undefined) ||
    (dc === 0x0e && KSC5601 !== undefined);
  return readable
    ? undefined
    : { reason: `data_coding ${hexByte(dc)} is not a text coding otpgw reads`, length: false };
}

/** True for data_coding values that {@link decodeText} reads as UCS-2. */
function isUcs2Coding(dc: number): boolean {
  return (
    dc === 0x08 ||
    (dc >= 0xe0 && dc < 0xf0) ||
    (dc >= 0x10 && dc < 0x80 && !(dc & 0x20) && ((dc >> 2) & 3) === 2)
  );
}

function isPrintableAscii(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09;
}

/** `id:` at the start, ASCII, any case. */
function startsWithAsciiId(bytes: Buffer): boolean {
  return (
    bytes.length >= 3 &&
    ((bytes[0] as number) | 0x20) === 0x69 &&
    ((bytes[1] as number) | 0x20) === 0x64 &&
    bytes[2] === 0x3a
  );
}

/** `id:` at the start, UTF-16BE, any case. */
function startsWithUcs2Id(bytes: Buffer): boolean {
  return (
    bytes.length >= 6 &&
    bytes[0] === 0 &&
    ((bytes[1] as number) | 0x20) === 0x69 &&
    bytes[2] === 0 &&
    ((bytes[3] as number) | 0x20) === 0x64 &&
    bytes[4] === 0 &&
    bytes[5] === 0x3a
  );
}

/**
 * Decodes delivery-receipt text, tolerating two carrier mistakes:
 * - labelled UCS-2 but really ASCII (node-smpp issue #68): every byte printable ASCII and the text starts with `id:`.
 *   Real UCS-2 receipt text has a zero high byte before each ASCII character, so it cannot look like this; a CJK
 *   text could be all-printable bytes, hence the `id:` check as well.
 * - labelled with a single-byte coding but really UTF-16BE (`00 69 00 64 00 3a`).
 * Anything else decodes as {@link decodeText} would.
 */
export function decodeReceiptText(
  dataCoding: number,
  bytes: Buffer,
  defaultAlphabet: DefaultAlphabet = "gsm7",
): string {
  const dc = dataCoding & 0xff;
  if (isUcs2Coding(dc)) {
    if (startsWithAsciiId(bytes) && bytes.every(isPrintableAscii)) return bytes.toString("latin1");
  } else if (startsWithUcs2Id(bytes)) {
    return decodeUcs2(bytes);
  }
  return decodeText(dc, bytes, defaultAlphabet);
}
