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
    ]),
  );
}

/** Sets `key` on `target` unless the stored value is missing (null, or beyond the end of the array). */
function setIfPresent<T extends object, K extends keyof T>(target: T, key: K, value: unknown): void {
  if (value !== null && value !== undefined) target[key] = value as T[K];
}

/** A stored time: milliseconds after `t0` (format 2; `t0` is 0 for format 1), null when not set. */
function time(value: unknown, t0: number): unknown {
  return typeof value === "number" ? t0 + value : value;
}

function decodeAttempt(fields: unknown, t0: number): Attempt {
  if (!Array.isArray(fields)) throw new Error("message document: an attempt is not an array");
  const f = fields as unknown[];
  const attempt = {
    n: f[0],
    channel: f[1],
    carrier: f[2],
    startedAt: time(f[3], t0),
    dlrDeadline: time(f[4], t0),
    carrierMessageIds: f[5],
    partStatus: f[6],
  } as Attempt;
  setIfPresent(attempt, "submitError", f[7]);
  setIfPresent(attempt, "receiptStat", f[8]);
  setIfPresent(attempt, "receiptErr", f[9]);
  setIfPresent(attempt, "outcome", f[10]);
  setIfPresent(attempt, "endedAt", time(f[11], t0));
  setIfPresent(attempt, "lateReceipts", f[12]);
  return attempt;
}

/**
 * The message of a stored document, in either form.
 * @throws Error when the document is not JSON or in a format this version does not know.
 */
export function decodeMessage(text: string): Message {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) {
    if (typeof value !== "object" || value === null) throw new Error("message document is not an object");
    return value as Message;
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
  const message = {
    id: f[1],
    account: f[2],
    to: f[3],
    from: f[4],
    country: f[5],
    parts: f[6],
    textLength: f[7],
    receiptVia: f[8],
    createdAt,
    expiresAt: time(f[10], t0),
    state: f[11],
    attempts: attempts.map((attempt) => decodeAttempt(attempt, t0)),
  } as Message;
  setIfPresent(message, "finalAt", time(f[13], t0));
  setIfPresent(message, "finalReason", f[14]);
  setIfPresent(message, "clientRef", f[15]);
  setIfPresent(message, "callbackUrl", f[16]);
  setIfPresent(message, "smppReceipt", f[17]);
  return message;
}
