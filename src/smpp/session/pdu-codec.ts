import smpp from "smpp";
import { ErrorCodes, SmppError } from "../../errors.js";
import { SmppStatus } from "../command-status.js";
import { CommandId, PDU_HEADER_BYTES, RESPONSE_BIT } from "../constants.js";
import { encodeHotPdu, readResponseMessageId } from "./fast-codec.js";

/** Decoded fields by name (strings, numbers, TLVs by name); `command` is always there. */
export type PduFieldValues = Readonly<Record<string, unknown>> & { readonly command: string };

/**
 * Commands whose bodies the package does not decode: submit_sm and deliver_sm are read by our validating walker
 * (sm-body.ts) where they are handled, and their responses carry only a message_id. Binds are read by the SMPP
 * server's own walker (bind-body.ts), so a malformed one is a failed bind there — delayed, counted towards the
 * IP's cooldown, closed — and not a decode error answered at once.
 */
const OWN_DECODE: ReadonlyMap<number, string> = new Map([
  [CommandId.bind_transmitter, "bind_transmitter"],
  [CommandId.bind_receiver, "bind_receiver"],
  [CommandId.bind_transceiver, "bind_transceiver"],
  [CommandId.submit_sm, "submit_sm"],
  [CommandId.deliver_sm, "deliver_sm"],
  [CommandId.submit_sm_resp, "submit_sm_resp"],
  [CommandId.deliver_sm_resp, "deliver_sm_resp"],
]);

/** A PDU as the session engine sees it: header fields, the codec's decoded fields, and the raw bytes. */
export interface DecodedPdu {
  command: string;
  commandId: number;
  status: number;
  sequence: number;
  /** The whole PDU as received (header included): validators and text decoders read from here. */
  raw: Buffer;
  /**
   * Fields decoded by the `smpp` package (strings, numbers, TLVs by name); text fields are not trusted. For
   * submit_sm / deliver_sm and binds only `command` (read the body with sm-body.ts / bind-body.ts), for the
   * responses of submit_sm / deliver_sm `message_id`.
   */
  fields: PduFieldValues;
}

/** Header fields readable from any frame of at least 16 octets (no body decode). */
export function readHeader(raw: Buffer): { commandId: number; status: number; sequence: number } {
  return { commandId: raw.readUInt32BE(4), status: raw.readUInt32BE(8), sequence: raw.readUInt32BE(12) };
}

/** The command name for an id, or `undefined` for an id the codec does not know. */
export function commandName(commandId: number): string | undefined {
  return smpp.commandsById[commandId]?.command;
}

/**
 * Decodes one framed PDU with the `smpp` package. The package throws RangeError on bodies that run past
 * their length; that becomes a typed, non-fatal SmppError so the session answers instead of wedging.
 */
export function decodePdu(raw: Buffer): DecodedPdu {
  const header = readHeader(raw);
  const own = OWN_DECODE.get(header.commandId);
  if (own !== undefined) {
    const fields: PduFieldValues =
      (header.commandId & RESPONSE_BIT) !== 0
        ? { command: own, message_id: readResponseMessageId(raw) }
        : { command: own };
    return { command: own, ...header, raw, fields };
  }
  let fields: smpp.PDU;
  try {
    fields = new smpp.PDU(raw);
  } catch (cause) {
    throw new SmppError(
      ErrorCodes.SMPP_DECODE,
      SmppStatus.ESME_RINVCMDLEN,
      `cannot decode PDU body: ${String(cause)}`,
      {
        cause,
      },
    );
  }
  return {
    command: fields.command,
    commandId: header.commandId,
    status: header.status,
    sequence: header.sequence,
    raw,
    fields,
  };
}

/** Encodes a PDU. An error status encodes header-only, as SMPP 3.4 requires. */
export function encodePdu(
  command: string,
  sequence: number,
  fields: smpp.PduFields = {},
  status = 0,
): Buffer {
  if (status === 0) {
    const fast = encodeHotPdu(command, sequence, fields);
    if (fast) return fast;
  }
  const pdu = new smpp.PDU(command, { ...fields, sequence_number: sequence, command_status: status });
  return pdu.toBuffer();
}

/** A header-only generic_nack; never sent in answer to a generic_nack. */
export function encodeGenericNack(sequence: number, status: number): Buffer {
  // generic_nack's id is the response bit alone: the header-only response of command 0.
  return encodeHeaderOnlyResponse(CommandId.generic_nack & ~RESPONSE_BIT, sequence, status);
}

/** Header-only response for any request id (used for error responses and empty-bodied responses). */
export function encodeHeaderOnlyResponse(commandId: number, sequence: number, status: number): Buffer {
  const buf = Buffer.alloc(PDU_HEADER_BYTES);
  buf.writeUInt32BE(PDU_HEADER_BYTES, 0);
  buf.writeUInt32BE((commandId | RESPONSE_BIT) >>> 0, 4);
  buf.writeUInt32BE(status, 8);
  buf.writeUInt32BE(sequence, 12);
  return buf;
}
