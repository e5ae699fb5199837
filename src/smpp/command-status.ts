/**
 * command_status codes (§5.1.3, table 5-2, plus v5.0 additions) and the ONE table that decides what a carrier's
 * status means for a message. Nothing else in the code base should branch on raw status numbers.
 */

/** The codes the gateway uses by name. v3.4 names; the v5.0 TLV names are given as aliases. */
export const SmppStatus = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RINVPRTFLG: 0x06,
  ESME_RINVREGDLVFLG: 0x07,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RINVMSGID: 0x0c,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RMSGQFUL: 0x14,
  ESME_RINVSERTYP: 0x15,
  ESME_RINVESMCLASS: 0x43,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RINVSRCTON: 0x48,
  ESME_RINVSRCNPI: 0x49,
  ESME_RINVDSTTON: 0x50,
  ESME_RINVDSTNPI: 0x51,
  ESME_RTHROTTLED: 0x58,
  ESME_RINVSCHED: 0x61,
  ESME_RINVEXPIRY: 0x62,
  ESME_RX_T_APPN: 0x64,
  ESME_RX_P_APPN: 0x65,
  ESME_RX_R_APPN: 0x66,
  ESME_RQUERYFAIL: 0x67,
  ESME_RINVOPTPARSTREAM: 0xc0,
  ESME_ROPTPARNOTALLWD: 0xc1,
  ESME_RINVPARLEN: 0xc2,
  ESME_RMISSINGOPTPARAM: 0xc3,
  ESME_RINVOPTPARAMVAL: 0xc4,
  /** v5.0 name of 0xC0. */
  ESME_RINVTLVSTREAM: 0xc0,
  /** v5.0 name of 0xC1. */
  ESME_RTLVNOTALLWD: 0xc1,
  /** v5.0 name of 0xC2. */
  ESME_RINVTLVLEN: 0xc2,
  ESME_RDELIVERYFAILURE: 0xfe,
  ESME_RUNKNOWNERR: 0xff,
  ESME_RPROHIBITED: 0x101,
  ESME_RINVDCS: 0x104,
} as const;

/**
 * - "ok": accepted.
 * - "throttle": the carrier is overloaded (RTHROTTLED, RMSGQFUL): slow the bind down and requeue on the same carrier.
 * - "rebind": the carrier says our session is not bound (RINVBNDSTS) although it accepted our bind: it lost the bind
 *   (a failover behind a load balancer that kept TCP up) while still answering. The message was not taken: send it
 *   again, and make a new bind.
 * - "retry": the message may succeed later or on another carrier (system errors, other bind-state codes, vendor
 *   codes, anything unknown).
 * - "permanent": the message itself is bad; no carrier will take it, so fail it now.
 */
export type StatusClass = "ok" | "throttle" | "rebind" | "retry" | "permanent";

/** Every status name we know (v3.4 names, then v5.0 additions), for logs and metrics labels. */
const NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [0x00, "ESME_ROK"],
  [0x01, "ESME_RINVMSGLEN"],
  [0x02, "ESME_RINVCMDLEN"],
  [0x03, "ESME_RINVCMDID"],
  [0x04, "ESME_RINVBNDSTS"],
  [0x05, "ESME_RALYBND"],
  [0x06, "ESME_RINVPRTFLG"],
  [0x07, "ESME_RINVREGDLVFLG"],
  [0x08, "ESME_RSYSERR"],
  [0x0a, "ESME_RINVSRCADR"],
  [0x0b, "ESME_RINVDSTADR"],
  [0x0c, "ESME_RINVMSGID"],
  [0x0d, "ESME_RBINDFAIL"],
  [0x0e, "ESME_RINVPASWD"],
  [0x0f, "ESME_RINVSYSID"],
  [0x11, "ESME_RCANCELFAIL"],
  [0x13, "ESME_RREPLACEFAIL"],
  [0x14, "ESME_RMSGQFUL"],
  [0x15, "ESME_RINVSERTYP"],
  [0x33, "ESME_RINVNUMDESTS"],
  [0x34, "ESME_RINVDLNAME"],
  [0x40, "ESME_RINVDESTFLAG"],
  [0x42, "ESME_RINVSUBREP"],
  [0x43, "ESME_RINVESMCLASS"],
  [0x44, "ESME_RCNTSUBDL"],
  [0x45, "ESME_RSUBMITFAIL"],
  [0x48, "ESME_RINVSRCTON"],
  [0x49, "ESME_RINVSRCNPI"],
  [0x50, "ESME_RINVDSTTON"],
  [0x51, "ESME_RINVDSTNPI"],
  [0x53, "ESME_RINVSYSTYP"],
  [0x54, "ESME_RINVREPFLAG"],
  [0x55, "ESME_RINVNUMMSGS"],
  [0x58, "ESME_RTHROTTLED"],
  [0x61, "ESME_RINVSCHED"],
  [0x62, "ESME_RINVEXPIRY"],
  [0x63, "ESME_RINVDFTMSGID"],
  [0x64, "ESME_RX_T_APPN"],
  [0x65, "ESME_RX_P_APPN"],
  [0x66, "ESME_RX_R_APPN"],
  [0x67, "ESME_RQUERYFAIL"],
  [0xc0, "ESME_RINVOPTPARSTREAM"],
  [0xc1, "ESME_ROPTPARNOTALLWD"],
  [0xc2, "ESME_RINVPARLEN"],
  [0xc3, "ESME_RMISSINGOPTPARAM"],
  [0xc4, "ESME_RINVOPTPARAMVAL"],
  [0xfe, "ESME_RDELIVERYFAILURE"],
  [0xff, "ESME_RUNKNOWNERR"],
  [0x100, "ESME_RSERTYPUNAUTH"],
  [0x101, "ESME_RPROHIBITED"],
  [0x102, "ESME_RSERTYPUNAVAIL"],
  [0x103, "ESME_RSERTYPDENIED"],
  [0x104, "ESME_RINVDCS"],
  [0x105, "ESME_RINVSRCADDRSUBUNIT"],
  [0x106, "ESME_RINVDSTADDRSUBUNIT"],
  [0x107, "ESME_RINVBCASTFREQINT"],
  [0x108, "ESME_RINVBCASTALIAS_NAME"],
  [0x109, "ESME_RINVBCASTAREAFMT"],
  [0x10a, "ESME_RINVNUMBCAST_AREAS"],
  [0x10b, "ESME_RINVBCASTCNTTYPE"],
  [0x10c, "ESME_RINVBCASTMSGCLASS"],
  [0x10d, "ESME_RBCASTFAIL"],
  [0x10e, "ESME_RBCASTQUERYFAIL"],
  [0x10f, "ESME_RBCASTCANCELFAIL"],
  [0x110, "ESME_RINVBCAST_REP"],
  [0x111, "ESME_RINVBCASTSRVGRP"],
  [0x112, "ESME_RINVBCASTCHANIND"],
]);

/**
 * Statuses that condemn the message itself. Deliberately short: wrongly calling a status permanent loses an OTP,
 * wrongly calling it "retry" costs one more attempt elsewhere, so everything not listed here (bind-state and
 * bind-failure codes, system errors, the 0x0400–0x04FF vendor range, codes we have never seen) is "retry".
 * Flags that we set ourselves from carrier config (priority, registered_delivery, replace_if_present) stay "retry":
 * another carrier may accept them.
 */
const PERMANENT: ReadonlySet<number> = new Set<number>([
  0x01, // RINVMSGLEN
  0x0a, // RINVSRCADR
  0x0b, // RINVDSTADR
  0x15, // RINVSERTYP
  0x43, // RINVESMCLASS
  0x48, // RINVSRCTON
  0x49, // RINVSRCNPI
  0x50, // RINVDSTTON
  0x51, // RINVDSTNPI
  0x61, // RINVSCHED
  0x62, // RINVEXPIRY
  0x65, // RX_P_APPN: the receiving ESME says do not retry
  0x66, // RX_R_APPN: the receiving ESME rejects the message
  0xc0, // RINVOPTPARSTREAM
  0xc1, // ROPTPARNOTALLWD
  0xc2, // RINVPARLEN
  0xc3, // RMISSINGOPTPARAM
  0xc4, // RINVOPTPARAMVAL
  0x101, // RPROHIBITED
  0x104, // RINVDCS
  0x105, // RINVSRCADDRSUBUNIT
  0x106, // RINVDSTADDRSUBUNIT
]);

/** What a command_status means for the message it answered; see {@link StatusClass}. */
export function classifyStatus(status: number): StatusClass {
  if (status === SmppStatus.ESME_ROK) return "ok";
  if (status === SmppStatus.ESME_RTHROTTLED || status === SmppStatus.ESME_RMSGQFUL) return "throttle";
  if (status === SmppStatus.ESME_RINVBNDSTS) return "rebind";
  if (PERMANENT.has(status)) return "permanent";
  return "retry";
}

/**
 * A status as a metric label: its name when known, its hex for the SMSC vendor range 0x400–0x4FF (a carrier's own
 * errors, worth telling apart), `other` for anything else — a peer sending arbitrary statuses must not grow the
 * registry without bound. Logs use `statusName`, which names every value.
 */
export function statusLabel(status: number): string {
  return NAMES.has(status) || (status >= 0x400 && status <= 0x4ff) ? statusName(status) : "other";
}

/** `ESME_RTHROTTLED` for a known status, `0x0000045a` (8 hex digits) for any other. */
export function statusName(status: number): string {
  return NAMES.get(status) ?? `0x${(status >>> 0).toString(16).padStart(8, "0")}`;
}
