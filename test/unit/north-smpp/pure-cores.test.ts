import { describe, expect, it } from "vitest";
import { SmppError } from "../../../src/errors.js";
import { BindFailureTracker } from "../../../src/north/smpp/bind-failure-tracker.js";
import { parseBindBody } from "../../../src/smpp/bind-body.js";
import { OpenSets } from "../../../src/north/smpp/open-sets.js";
import { isBinaryCoding } from "../../../src/north/smpp/submit-decoder.js";
import { validitySeconds } from "../../../src/north/smpp/validity-period.js";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { encodePdu } from "../../../src/smpp/session/pdu-codec.js";

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SmppError) return error.status;
    throw error;
  }
  return undefined;
}

describe("validitySeconds", () => {
  const now = Date.UTC(2026, 0, 10, 12, 0, 0);
  it("reads the relative form", () => {
    expect(validitySeconds("000001020304000R", now)).toBe(((1 * 24 + 2) * 60 + 3) * 60 + 4);
  });
  it("reads the absolute form with its UTC offset in quarter hours", () => {
    // 13:00 local at UTC+1 (04 quarter hours) is 12:00 UTC: 300 s after 11:55 UTC.
    expect(validitySeconds("260110130000004+", now - 300_000)).toBe(300);
    expect(validitySeconds("260110110000004-", now - 300_000)).toBe(300);
  });
  it("returns a non-positive number for a time already past, and undefined for an empty field", () => {
    expect(validitySeconds("260110115900000+", now)).toBeLessThanOrEqual(0);
    expect(validitySeconds("", now)).toBeUndefined();
  });
  it("refuses other shapes with ESME_RINVEXPIRY", () => {
    expect(statusOf(() => validitySeconds("2601101200", now))).toBe(SmppStatus.ESME_RINVEXPIRY);
    expect(statusOf(() => validitySeconds("261310120000000+", now))).toBe(SmppStatus.ESME_RINVEXPIRY);
  });
  it("refuses a day the month does not have (it would roll into the next month), and takes its last day", () => {
    expect(statusOf(() => validitySeconds("260231120000000+", now))).toBe(SmppStatus.ESME_RINVEXPIRY);
    expect(statusOf(() => validitySeconds("260229120000000+", now))).toBe(SmppStatus.ESME_RINVEXPIRY); // 2026
    expect(statusOf(() => validitySeconds("260431120000000+", now))).toBe(SmppStatus.ESME_RINVEXPIRY);
    expect(validitySeconds("280229120000000+", now)).toBeGreaterThan(0); // 2028 is a leap year
    expect(validitySeconds("260131120000000+", now)).toBe(21 * 86_400);
  });
});

describe("BindFailureTracker", () => {
  it("blocks an IP after the limit of failures within the window, for the cooldown only", () => {
    let now = 0;
    const tracker = new BindFailureTracker({ limit: 3, windowMs: 1000, cooldownMs: 5000, clock: () => now });
    tracker.recordFailure("a");
    now = 1500; // the first failure left the window
    tracker.recordFailure("a");
    tracker.recordFailure("a");
    expect(tracker.isBlocked("a")).toBe(false);
    expect(tracker.recordFailure("a")).toBe(true);
    expect(tracker.isBlocked("a")).toBe(true);
    expect(tracker.isBlocked("b")).toBe(false);
    now += 5001;
    expect(tracker.isBlocked("a")).toBe(false);
  });
  it("forgets the oldest IPs beyond its bound", () => {
    const tracker = new BindFailureTracker({
      limit: 2,
      windowMs: 1000,
      cooldownMs: 5000,
      clock: () => 0,
      maxTracked: 2,
    });
    tracker.recordFailure("a");
    tracker.recordFailure("b");
    tracker.recordFailure("c");
    expect(tracker.recordFailure("a")).toBe(false); // "a" was forgotten: this is its first failure again
  });
});

describe("parseBindBody", () => {
  it("reads the fields of a bind", () => {
    const raw = encodePdu("bind_receiver", 1, { system_id: "acme", password: "pw", interface_version: 0x33 });
    expect(parseBindBody(raw)).toMatchObject({
      type: "receiver",
      systemId: "acme",
      password: "pw",
      interfaceVersion: 0x33,
    });
  });
  it("refuses a password without NUL within 9 octets with ESME_RINVPASWD", () => {
    const head = encodePdu("bind_transmitter", 1, { system_id: "a" }).subarray(0, 18);
    const raw = Buffer.concat([head, Buffer.alloc(20, 0x41)]);
    raw.writeUInt32BE(raw.length, 0);
    expect(statusOf(() => parseBindBody(raw))).toBe(SmppStatus.ESME_RINVPASWD);
  });
  it("ignores a well-formed TLV after address_range and refuses a malformed TLV stream", () => {
    const withTail = (hex: string) => {
      const raw = Buffer.concat([
        encodePdu("bind_transceiver", 1, { system_id: "acme" }),
        Buffer.from(hex, "hex"),
      ]);
      raw.writeUInt32BE(raw.length, 0);
      return raw;
    };
    expect(parseBindBody(withTail("1400000141")).systemId).toBe("acme"); // vendor TLV 0x1400, one octet
    expect(statusOf(() => parseBindBody(withTail("04270001")))).toBe(SmppStatus.ESME_RINVPARLEN);
    expect(statusOf(() => parseBindBody(withTail("0427")))).toBe(SmppStatus.ESME_RINVOPTPARSTREAM);
  });
});

describe("OpenSets", () => {
  it("bounds new sets per session and overall, and drops expired ones", () => {
    let now = 0;
    let dropped = 0;
    const sets = new OpenSets({
      timeoutMs: 100,
      maxPerSession: 1,
      max: 2,
      clock: () => now,
      onDropped: () => dropped++,
    });
    expect(sets.admit("x", 1)).toBe(true);
    expect(sets.admit("x", 1)).toBe(true); // same set
    expect(sets.admit("y", 1)).toBe(false);
    expect(sets.admit("y", 2)).toBe(true);
    expect(sets.admit("z", 3)).toBe(false);
    now = 200;
    expect(sets.admit("z", 3)).toBe(true);
    expect(dropped).toBe(2);
  });
});

describe("isBinaryCoding", () => {
  it("tells 8-bit data codings from text ones", () => {
    expect([0x00, 0x01, 0x03, 0x08, 0x18, 0xf0].map(isBinaryCoding)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect([0x02, 0x04, 0xf4, 0x14].map(isBinaryCoding)).toEqual([true, true, true, true]);
  });
});
