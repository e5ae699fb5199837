/**
 * Our own encoder for the PDUs of the hot path — submit_sm, deliver_sm and their responses — straight into one
 * Buffer. The `smpp` package builds an object per PDU, runs filters over every field and sizes it twice; on a
 * relay that handles eight PDUs per message that was a sixth of the gateway's CPU. Anything this encoder does not
 * know (a field, a TLV, a text given as a string, a value out of range) makes it answer `undefined`, and the
 * caller falls back to the package: the output is byte-for-byte what the package writes for the same fields
 * (test/unit/session/fast-codec.test.ts compares them).
 */
import type smpp from "smpp";
import { CommandId, PDU_HEADER_BYTES } from "../constants.js";

type Kind = "cstring" | "u8" | "u16" | "octets";

/** submit_sm and deliver_sm share one body layout (SMPP 3.4 §4.4.1, §4.6.1): name, type, max C-string size. */
const SM_PARAMS: [string, Kind, number][] = [
  ["service_type", "cstring", 6],
  ["source_addr_ton", "u8", 0],
  ["source_addr_npi", "u8", 0],
  ["source_addr", "cstring", 21],
  ["dest_addr_ton", "u8", 0],
  ["dest_addr_npi", "u8", 0],
  ["destination_addr", "cstring", 21],
  ["esm_class", "u8", 0],
  ["protocol_id", "u8", 0],
  ["priority_flag", "u8", 0],
  ["schedule_delivery_time", "cstring", 17],
  ["validity_period", "cstring", 17],
  ["registered_delivery", "u8", 0],
  ["replace_if_present_flag", "u8", 0],
  ["data_coding", "u8", 0],
  ["sm_default_msg_id", "u8", 0],
];
const SM_PARAM_NAMES = new Set([...SM_PARAMS.map(([name]) => name), "short_message"]);

/** The optional parameters the hot path sends, by name: tag, type, max C-string size. */
const TLVS: Record<string, [number, Kind, number]> = {
  receipted_message_id: [0x001e, "cstring", 65],
  message_state: [0x0427, "u8", 0],
  network_error_code: [0x0423, "octets", 0],
  message_payload: [0x0424, "octets", 0],
  user_message_reference: [0x0204, "u16", 0],
  sar_msg_ref_num: [0x020c, "u16", 0],
  sar_total_segments: [0x020e, "u8", 0],
  sar_segment_seqnum: [0x020f, "u8", 0],
};

const ASCII = /^[\x20-\x7e]*$/;

function sizeOf(kind: Kind, value: unknown, max: number): number | undefined {
  if (kind === "cstring") {
    if (value === undefined) return 1;
    if (typeof value !== "string" || value.length >= Math.max(max, 1) || !ASCII.test(value)) return undefined;
    return value.length + 1;
  }
  if (kind === "u8" || kind === "u16") {
    const size = kind === "u8" ? 1 : 2;
    if (value === undefined) return size;
    const limit = kind === "u8" ? 0xff : 0xffff;
    return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= limit ? size : undefined;
  }
  return Buffer.isBuffer(value) && value.length <= 0xffff ? value.length : undefined;
}

function put(kind: Kind, value: unknown, buffer: Buffer, offset: number): number {
  if (kind === "cstring") {
    const text = (value as string | undefined) ?? "";
    offset += buffer.write(text, offset, "latin1");
    buffer[offset] = 0;
    return offset + 1;
  }
  if (kind === "u8") {
    buffer[offset] = (value as number | undefined) ?? 0;
    return offset + 1;
  }
  if (kind === "u16") {
    buffer.writeUInt16BE((value as number | undefined) ?? 0, offset);
    return offset + 2;
  }
  (value as Buffer).copy(buffer, offset);
  return offset + (value as Buffer).length;
}

function header(buffer: Buffer, commandId: number, sequence: number): void {
  buffer.writeUInt32BE(buffer.length, 0);
  buffer.writeUInt32BE(commandId >>> 0, 4);
  buffer.writeUInt32BE(0, 8);
  buffer.writeUInt32BE(sequence, 12);
}

/**
 * The mandatory fields' values in SM_PARAMS order, each read by its name: read as `fields[name]` from the table, every
 * read was a megamorphic keyed load (~1 % of the daemon's CPU in the SMPP benchmark).
 */
function smValues(f: smpp.PduFields): unknown[] {
  return [
    f.service_type,
    f.source_addr_ton,
    f.source_addr_npi,
    f.source_addr,
    f.dest_addr_ton,
    f.dest_addr_npi,
    f.destination_addr,
    f.esm_class,
    f.protocol_id,
    f.priority_flag,
    f.schedule_delivery_time,
    f.validity_period,
    f.registered_delivery,
    f.replace_if_present_flag,
    f.data_coding,
    f.sm_default_msg_id,
  ];
}

function encodeSm(commandId: number, sequence: number, fields: smpp.PduFields): Buffer | undefined {
  const shortMessage = fields.short_message ?? Buffer.alloc(0);
  if (!Buffer.isBuffer(shortMessage) || shortMessage.length > 254) return undefined;
  let length = PDU_HEADER_BYTES + 1 + shortMessage.length;
  const values = smValues(fields);
  for (let i = 0; i < SM_PARAMS.length; i++) {
    const [, kind, max] = SM_PARAMS[i]!;
    const size = sizeOf(kind, values[i], max);
    if (size === undefined) return undefined;
    length += size;
  }
  const tlvs: [string, number, Kind][] = [];
  for (const name in fields) {
    if (SM_PARAM_NAMES.has(name) || fields[name] === undefined) continue;
    const tlv = TLVS[name];
    if (!tlv) return undefined;
    const size = sizeOf(tlv[1], fields[name], tlv[2]);
    if (size === undefined) return undefined;
    tlvs.push([name, tlv[0], tlv[1]]);
    length += 4 + size;
  }
  const buffer = Buffer.allocUnsafe(length);
  header(buffer, commandId, sequence);
  let offset = PDU_HEADER_BYTES;
  for (let i = 0; i < SM_PARAMS.length; i++) offset = put(SM_PARAMS[i]![1], values[i], buffer, offset);
  buffer[offset++] = shortMessage.length;
  offset = put("octets", shortMessage, buffer, offset);
  for (const [name, tag, kind] of tlvs) {
    const start = offset + 4;
    const end = put(kind, fields[name], buffer, start);
    buffer.writeUInt16BE(tag, offset);
    buffer.writeUInt16BE(end - start, offset + 2);
    offset = end;
  }
  return buffer;
}

function encodeIdResponse(commandId: number, sequence: number, fields: smpp.PduFields): Buffer | undefined {
  for (const name in fields) if (name !== "message_id" && fields[name] !== undefined) return undefined;
  const size = sizeOf("cstring", fields.message_id, 65);
  if (size === undefined) return undefined;
  const buffer = Buffer.allocUnsafe(PDU_HEADER_BYTES + size);
  header(buffer, commandId, sequence);
  put("cstring", fields.message_id, buffer, PDU_HEADER_BYTES);
  return buffer;
}

/** The PDU's bytes (status 0), or undefined when the package must encode it. */
export function encodeHotPdu(command: string, sequence: number, fields: smpp.PduFields): Buffer | undefined {
  switch (command) {
    case "submit_sm":
      return encodeSm(CommandId.submit_sm, sequence, fields);
    case "deliver_sm":
      return encodeSm(CommandId.deliver_sm, sequence, fields);
    case "submit_sm_resp":
      return encodeIdResponse(CommandId.submit_sm_resp, sequence, fields);
    case "deliver_sm_resp":
      return encodeIdResponse(CommandId.deliver_sm_resp, sequence, fields);
    default:
      return undefined;
  }
}

/**
 * The message_id of a submit_sm_resp / deliver_sm_resp body (empty for a header-only response), read without
 * the package; a missing terminator reads to the end of the PDU, as the package does.
 */
export function readResponseMessageId(raw: Buffer): string {
  if (raw.length <= PDU_HEADER_BYTES) return "";
  const end = raw.indexOf(0, PDU_HEADER_BYTES);
  return raw.toString("ascii", PDU_HEADER_BYTES, end === -1 ? raw.length : end);
}
