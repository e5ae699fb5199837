/**
 * A validating reader for bind_transmitter / bind_receiver / bind_transceiver bodies (§4.1.1): node-smpp reads a
 * C-string without NUL to the end of the PDU and a truncated body "successfully", so we walk the bytes ourselves.
 */
import { BodyReader, bodyError, parseTlvs } from "./body-reader.js";
import { SmppStatus } from "./command-status.js";
import { CommandId } from "./constants.js";

export type BindType = "transmitter" | "receiver" | "transceiver";

export interface BindBody {
  type: BindType;
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
}

/** C-Octet String sizes including the NUL (§4.1.1). */
const SYSTEM_ID_MAX = 16;
const PASSWORD_MAX = 9;
const SYSTEM_TYPE_MAX = 13;
const ADDRESS_RANGE_MAX = 41;

export const BIND_TYPES: ReadonlyMap<number, BindType> = new Map<number, BindType>([
  [CommandId.bind_transmitter, "transmitter"],
  [CommandId.bind_receiver, "receiver"],
  [CommandId.bind_transceiver, "transceiver"],
]);

/**
 * Parses a whole bind PDU (header included). Throws SmppError with the bind_resp status:
 * ESME_RINVCMDLEN for a truncated body, ESME_RINVSYSID / ESME_RINVPASWD for a system_id / password without
 * NUL within its size, ESME_RBINDFAIL for a bad system_type or address_range, and ESME_RINVOPTPARSTREAM /
 * ESME_RINVPARLEN for a malformed TLV after it (a bind has none in 3.4, but well-formed ones are ignored). The
 * session hands binds over undecoded (pdu-codec.ts), so this is the only place a bind body is judged.
 */
export function parseBindBody(pdu: Buffer): BindBody {
  const type = BIND_TYPES.get(pdu.readUInt32BE(4));
  if (type === undefined) throw bodyError(SmppStatus.ESME_RINVCMDID, "not a bind");
  const r = new BodyReader(pdu, Math.min(pdu.readUInt32BE(0), pdu.length));
  const systemId = r.cstring("system_id", SYSTEM_ID_MAX, SmppStatus.ESME_RINVSYSID);
  const password = r.cstring("password", PASSWORD_MAX, SmppStatus.ESME_RINVPASWD);
  const systemType = r.cstring("system_type", SYSTEM_TYPE_MAX, SmppStatus.ESME_RBINDFAIL);
  const interfaceVersion = r.int8("interface_version");
  r.int8("addr_ton");
  r.int8("addr_npi");
  r.cstring("address_range", ADDRESS_RANGE_MAX, SmppStatus.ESME_RBINDFAIL);
  parseTlvs(pdu, r.offset, r.end);
  return { type, systemId, password, systemType, interfaceVersion };
}
