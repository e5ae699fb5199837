import { copyAttempt, copyMessage } from "./lifecycle.js";
import type { Attempt, Message } from "./types.js";

/**
 * The stored form of a message document: a JSON array of its fields in a fixed order, the format number first, each
 * attempt an array too, and every time but the creation's written as milliseconds after it. It is less than half
 * the size of the object form and about a third cheaper to write than format 1 (absolute times: a 13-digit
 * number is slow to print) — and the document is written to Redis (and its append-only file) twice per message and
 * kept for the whole message retention. Documents stored as format 1 or by earlier versions (JSON objects) are
 * still read. A later format may add fields at the end; a reader ignores what it does not know.
 */
const FORMAT = 2;
/** Format 1: as 2, with absolute times. */
const FORMAT_ABSOLUTE_TIMES = 1;

/** Drops trailing nulls (optional fields not set) in place: they would only cost bytes. */
function trimmed(values: unknown[]): unknown[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === null) end--;
  values.length = end;
  return values;
}

function encodeAttempt(a: Attempt, t0: number): unknown[] {
  return trimmed([
    a.n,
    a.channel,
    a.carrier,
    a.startedAt - t0,
    a.dlrDeadline - t0,
    a.carrierMessageIds,
    a.partStatus,
    a.submitError ?? null,
    a.receiptStat ?? null,
    a.receiptErr ?? null,
    a.outcome ?? null,
    a.endedAt === undefined ? null : a.endedAt - t0,
    a.lateReceipts ?? null,
    a.route ?? null,
  ]);
}

export function encodeMessage(m: Message): string {
  const t0 = m.createdAt;
  return JSON.stringify(
    trimmed([
      FORMAT,
      m.id,
      m.account,
      m.to,
      m.from,
      m.country,
      m.parts,
      m.textLength,
      m.receiptVia,
      t0,
      m.expiresAt - t0,
      m.state,
      m.attempts.map((attempt) => encodeAttempt(attempt, t0)),
      m.finalAt === undefined ? null : m.finalAt - t0,
      m.finalReason ?? null,
      m.clientRef ?? null,
      m.callbackUrl ?? null,
      m.smppReceipt ?? null,
      m.convertedAt === undefined ? null : m.convertedAt - t0,
    ]),
  );
}

/** An optional stored field: undefined when missing (null, or beyond the end of the array). */
function optional<T>(value: unknown): T | undefined {
  return value === null || value === undefined ? undefined : (value as T);
}

/** A stored time: milliseconds after `t0` (format 2; `t0` is 0 for format 1), undefined when not set. */
function time(value: unknown, t0: number): number | undefined {
  return typeof value === "number" ? t0 + value : undefined;
}

/** Decoded with every field present (optional ones undefined): one hidden class, as lifecycle.ts's copies. */
function decodeAttempt(fields: unknown, t0: number): Attempt {
  if (!Array.isArray(fields)) throw new Error("message document: an attempt is not an array");
  const f = fields as unknown[];
  return copyAttempt({
    n: f[0] as number,
    channel: f[1] as Attempt["channel"],
    carrier: f[2] as string,
    startedAt: time(f[3], t0) as number,
    dlrDeadline: time(f[4], t0) as number,
    carrierMessageIds: f[5] as Attempt["carrierMessageIds"],
    partStatus: f[6] as Attempt["partStatus"],
    submitError: optional(f[7]),
    receiptStat: optional(f[8]),
    receiptErr: optional(f[9]),
    outcome: optional(f[10]),
    endedAt: time(f[11], t0),
    lateReceipts: optional(f[12]),
    route: optional(f[13]),
  });
}

/**
 * The message of a stored document, in either form.
 * @throws Error when the document is not JSON or in a format this version does not know.
 */
export function decodeMessage(text: string): Message {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) {
    if (typeof value !== "object" || value === null) throw new Error("message document is not an object");
    const legacy = copyMessage(value as Message);
    legacy.attempts = legacy.attempts.map(copyAttempt);
    return legacy;
  }
  const f = value as unknown[];
  if (f[0] !== FORMAT && f[0] !== FORMAT_ABSOLUTE_TIMES) {
    throw new Error(`message document in an unknown format (${String(f[0])})`);
  }
  const attempts = f[12];
  if (!Array.isArray(attempts)) throw new Error("message document: attempts are not an array");
  const createdAt = f[9];
  if (typeof createdAt !== "number") throw new Error("message document: no creation time");
  const t0 = f[0] === FORMAT ? createdAt : 0;
  return copyMessage({
    id: f[1] as string,
    account: f[2] as string,
    to: f[3] as string,
    from: f[4] as string,
    country: f[5] as string,
    parts: f[6] as number,
    textLength: f[7] as number,
    receiptVia: f[8] as Message["receiptVia"],
    createdAt,
    expiresAt: time(f[10], t0) as number,
    state: f[11] as Message["state"],
    attempts: attempts.map((attempt) => decodeAttempt(attempt, t0)),
    finalAt: time(f[13], t0),
    finalReason: optional(f[14]),
    clientRef: optional(f[15]),
    callbackUrl: optional(f[16]),
    smppReceipt: optional(f[17]),
    convertedAt: time(f[18], t0),
  });
}
