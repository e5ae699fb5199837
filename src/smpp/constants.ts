/**
 * SMPP 3.4 numbers the gateway uses by name. Values follow SMPP v3.4 Issue 1.2 (section numbers in comments) and
 * agree with node-smpp's own tables; see shared/SMPP-NOTES.md part B.
 */

/** Set on the command_id of every response PDU (§5.1.2). */
export const RESPONSE_BIT = 0x80000000;

/** command_id values (§5.1.2.1) for the commands otpgw sends or answers. */
export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  replace_sm_resp: 0x80000007,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  submit_multi: 0x00000021,
  submit_multi_resp: 0x80000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

/**
 * Requests that have no response PDU (outbind §4.1.7, alert_notification §4.12): never answered, not even when
 * malformed or refused — an "outbind_resp" or "alert_notification_resp" would be a PDU that does not exist.
 */
export const NO_RESPONSE_COMMANDS: ReadonlySet<number> = new Set<number>([
  CommandId.outbind,
  CommandId.alert_notification,
]);

/** Size of the PDU header: command_length, command_id, command_status, sequence_number (§3.2). */
export const PDU_HEADER_BYTES = 16;

/**
 * esm_class bits (§5.2.12). Always test with masks, never equality: carriers combine them (0x48 = UDHI + SME ack,
 * issue #139), so a receipt is `(esm & TYPE_MASK) === DELIVERY_RECEIPT`.
 */
export const EsmClass = {
  /** Messaging mode bits 1..0. */
  MODE_MASK: 0x03,
  /** Store-and-forward mode (Kannel sends it on every submit). */
  STORE_AND_FORWARD: 0x03,
  /** Message type bits 5..2. */
  TYPE_MASK: 0x3c,
  /** deliver_sm: SMSC delivery receipt. */
  DELIVERY_RECEIPT: 0x04,
  /** SME delivery acknowledgement: not a carrier receipt. */
  SME_DELIVERY_ACK: 0x08,
  /** SME manual/user acknowledgement: not a carrier receipt. */
  SME_MANUAL_ACK: 0x10,
  /** Intermediate delivery notification. */
  INTERMEDIATE_NOTIFICATION: 0x20,
  /** short_message starts with a User Data Header. */
  UDHI: 0x40,
  REPLY_PATH: 0x80,
} as const;

/** data_coding values (§5.2.19) we send or decode by name. */
export const DataCoding = {
  /** SMSC default alphabet: GSM 03.38 unpacked for most carriers, Latin-1 for some (configured per carrier). */
  DEFAULT: 0x00,
  IA5: 0x01,
  /** 8-bit binary; SMPP lists both 0x02 and 0x04. */
  BINARY: 0x04,
  BINARY_ALT: 0x02,
  LATIN1: 0x03,
  CYRILLIC: 0x06,
  HEBREW: 0x07,
  UCS2: 0x08,
  KS_C_5601: 0x0e,
  /** TS 23.038 general group with message class 0: UCS-2 "flash". */
  UCS2_FLASH: 0x18,
  /** TS 23.038 message-class group, GSM 7-bit, class 0: GSM "flash". */
  GSM7_FLASH: 0xf0,
} as const;

/** TLV tags (§5.3.2) the gateway reads or writes. */
export const Tlv = {
  receipted_message_id: 0x001e,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  network_error_code: 0x0423,
  message_payload: 0x0424,
  message_state: 0x0427,
} as const;

/** The `stat:` word of a delivery receipt (v3.4 Appendix B, plus ENROUTE seen in the wild). */
export type MessageStat =
  "ENROUTE" | "DELIVRD" | "EXPIRED" | "DELETED" | "UNDELIV" | "ACCEPTD" | "UNKNOWN" | "REJECTD";

/** message_state values (§5.2.28, TLV 0x0427). */
export const MessageState = {
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
} as const;

export interface MessageStateInfo {
  readonly state: number;
  readonly stat: MessageStat;
  /** No further receipt is expected: the message is closed. */
  readonly final: boolean;
  readonly delivered: boolean;
}

/**
 * One row per message_state 1..8. Final are 2–5 and 8 per the spec. UNKNOWN (7) is ambiguous in the spec; we treat
 * it as a final failure because a carrier that says UNKNOWN will not send anything better later, and leaving the
 * message open would only delay the reroute until the DLR timeout.
 */
export const MESSAGE_STATES: readonly MessageStateInfo[] = [
  { state: 1, stat: "ENROUTE", final: false, delivered: false },
  { state: 2, stat: "DELIVRD", final: true, delivered: true },
  { state: 3, stat: "EXPIRED", final: true, delivered: false },
  { state: 4, stat: "DELETED", final: true, delivered: false },
  { state: 5, stat: "UNDELIV", final: true, delivered: false },
  { state: 6, stat: "ACCEPTD", final: false, delivered: false },
  { state: 7, stat: "UNKNOWN", final: true, delivered: false },
  { state: 8, stat: "REJECTD", final: true, delivered: false },
];

const BY_STATE = new Map<number, MessageStateInfo>(MESSAGE_STATES.map((s) => [s.state, s]));
const BY_STAT = new Map<MessageStat, MessageStateInfo>(MESSAGE_STATES.map((s) => [s.stat, s]));

/** The row for a message_state number, or undefined for values outside 1..8 (v5.0 SCHEDULED 0, SKIPPED 9, ...). */
export function messageStateInfo(state: number): MessageStateInfo | undefined {
  return BY_STATE.get(state);
}

/** The row for a `stat:` word. */
export function messageStatInfo(stat: MessageStat): MessageStateInfo {
  // Every MessageStat has a row, so this cannot miss.
  return BY_STAT.get(stat) as MessageStateInfo;
}
