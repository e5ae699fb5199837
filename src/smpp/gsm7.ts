/**
 * GSM 03.38 default alphabet and extension table (TS 23.038 §6.2.1, §6.2.1.1), unpacked: one septet per octet, as
 * SMPP carries it. Lookup tables are built once at module load; encoders write straight into a Buffer.
 * Unlike node-smpp's codec, a character outside the alphabet is an error, never silently a space.
 */
import { ErrorCodes, OtpgwError } from "../errors.js";

/** Escape to the extension table. */
export const GSM7_ESC = 0x1b;

/** The basic table, codes 0x00–0x7F. Position 0x1B (ESC) is not a character and never encodes. */
const BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/** The extension table: [code after ESC, character]. */
const EXTENSION: readonly (readonly [number, string])[] = [
  [0x0a, "\f"],
  [0x14, "^"],
  [0x28, "{"],
  [0x29, "}"],
  [0x2f, "\\"],
  [0x3c, "["],
  [0x3d, "~"],
  [0x3e, "]"],
  [0x40, "|"],
  [0x65, "€"],
];

/**
 * UTF-16 code unit → GSM code. -1: not in the alphabet; 0x00–0x7F: basic code; 0x100 | code: extension code.
 * Every GSM character is in the BMP, so one code unit is one character and a surrogate is never GSM.
 */
const ENCODE = new Int16Array(0x10000).fill(-1);
/** Basic code → UTF-16 code unit (ESC decodes as a space if it ends the text). */
const DECODE_BASIC = new Uint16Array(128);
/**
 * Extension code → UTF-16 code unit. A code the table does not define reads as the basic table's character (TS
 * 23.038 §6.2.1.1: "the MS shall display … the character shown in the main GSM 7 bit default alphabet table") —
 * never a space, which would swallow an OTP digit sent after a stray ESC; ESC ESC (reserved) reads as a space.
 */
const DECODE_EXT = new Uint16Array(128);

for (let code = 0; code < 128; code++) {
  const unit = BASIC.charCodeAt(code);
  DECODE_BASIC[code] = code === GSM7_ESC ? 0x20 : unit;
  DECODE_EXT[code] = code === GSM7_ESC ? 0x20 : unit;
  if (code !== GSM7_ESC) ENCODE[unit] = code;
}
for (const [code, ch] of EXTENSION) {
  const unit = ch.charCodeAt(0);
  ENCODE[unit] = 0x100 | code;
  DECODE_EXT[code] = unit;
}

/** Septets one UTF-16 code unit takes in GSM 7-bit: 1 basic, 2 extension (ESC + code), 0 not encodable. */
export function gsm7UnitSeptets(codeUnit: number): 0 | 1 | 2 {
  const e = ENCODE[codeUnit] ?? -1;
  return e < 0 ? 0 : e < 0x100 ? 1 : 2;
}

/** True when every character of `text` is in the GSM default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if ((ENCODE[text.charCodeAt(i)] ?? -1) < 0) return false;
  }
  return true;
}

function notGsm(codeUnit: number, index: number): OtpgwError {
  // The message names the code point and its index, never the text itself (it may carry an OTP).
  const hex = codeUnit.toString(16).toUpperCase().padStart(4, "0");
  return new OtpgwError(
    ErrorCodes.ENCODING_INVALID,
    `character U+${hex} at index ${index} is not in the GSM 03.38 alphabet`,
  );
}

/**
 * Septets needed for `text`, extension characters counting 2.
 * @throws OtpgwError ENCODING_INVALID when a character is not GSM (check with {@link isGsm7} first).
 */
export function gsm7Septets(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const e = ENCODE[unit] ?? -1;
    if (e < 0) throw notGsm(unit, i);
    n += e < 0x100 ? 1 : 2;
  }
  return n;
}

/**
 * Writes the GSM codes of `text[start, end)` into `target` at `offset` and returns the offset after the last byte.
 * `target` must have room for the septets (see {@link gsm7Septets}).
 * @throws OtpgwError ENCODING_INVALID on a character outside the alphabet.
 */
export function encodeGsm7Into(
  text: string,
  start: number,
  end: number,
  target: Buffer,
  offset: number,
): number {
  let o = offset;
  for (let i = start; i < end; i++) {
    const unit = text.charCodeAt(i);
    const e = ENCODE[unit] ?? -1;
    if (e < 0) throw notGsm(unit, i);
    if (e < 0x100) {
      target[o++] = e;
    } else {
      target[o++] = GSM7_ESC;
      target[o++] = e & 0x7f;
    }
  }
  return o;
}

/**
 * GSM 03.38 unpacked bytes for `text`.
 * @throws OtpgwError ENCODING_INVALID on a character outside the alphabet: we never substitute silently.
 */
export function encodeGsm7(text: string): Buffer {
  const out = Buffer.allocUnsafe(gsm7Septets(text));
  encodeGsm7Into(text, 0, text.length, out, 0);
  return out;
}

/**
 * Text of unpacked GSM 03.38 bytes. ESC ESC and a trailing ESC read as a space (SMPP-NOTES B.13), an extension
 * code the table does not define as its basic character; bytes ≥ 0x80 are not GSM and read as U+FFFD.
 */
export function decodeGsm7(bytes: Buffer): string {
  // Build UTF-16LE in a Buffer and convert once: no per-character string concatenation.
  const out = Buffer.allocUnsafe(bytes.length * 2);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    let unit: number;
    if (b >= 0x80) {
      unit = 0xfffd;
    } else if (b === GSM7_ESC && i + 1 < bytes.length) {
      const next = bytes[++i] as number;
      unit = next >= 0x80 ? 0xfffd : (DECODE_EXT[next] as number);
    } else {
      unit = DECODE_BASIC[b] as number;
    }
    out[o++] = unit & 0xff;
    out[o++] = unit >>> 8;
  }
  return out.toString("utf16le", 0, o);
}
