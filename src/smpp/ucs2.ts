/**
 * SMPP "UCS2" (data_coding 0x08) as handsets and carriers actually use it: UTF-16BE, astral characters (emoji) as
 * surrogate pairs. Conversion goes through Node's native UTF-16LE codec plus an in-place byte swap.
 */

/** Writes `text[start, end)` as UTF-16BE into `target` at `offset`; returns the offset after the last byte. */
export function encodeUcs2Into(
  text: string,
  start: number,
  end: number,
  target: Buffer,
  offset: number,
): number {
  const written = target.write(text.slice(start, end), offset, "utf16le");
  target.subarray(offset, offset + written).swap16();
  return offset + written;
}

/** UTF-16BE bytes of `text`, two per UTF-16 code unit; surrogate pairs are kept as they are. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, "utf16le").swap16();
}

/** Text of UTF-16BE bytes. An odd trailing byte (a truncated code unit) is ignored rather than failing. */
export function decodeUcs2(bytes: Buffer): string {
  const even = bytes.length & ~1;
  if (even === 0) return "";
  // Copy: swap16 works in place and the input may be a view into a PDU someone else still reads.
  const copy = Buffer.allocUnsafe(even);
  bytes.copy(copy, 0, 0, even);
  return copy.swap16().toString("utf16le");
}
