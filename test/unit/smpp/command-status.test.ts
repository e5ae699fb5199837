import smpp from "smpp";
import { describe, expect, it } from "vitest";

import { SmppStatus, classifyStatus, statusLabel, statusName } from "../../../src/smpp/command-status.js";

describe("classifyStatus", () => {
  it("treats 0 as ok", () => {
    expect(classifyStatus(0)).toBe("ok");
  });

  it("treats RTHROTTLED and RMSGQFUL as throttle", () => {
    expect(classifyStatus(0x58)).toBe("throttle");
    expect(classifyStatus(0x14)).toBe("throttle");
  });

  it("treats RINVBNDSTS (the carrier lost our bind) as rebind", () => {
    expect(classifyStatus(0x04)).toBe("rebind");
  });

  it("treats system, submit, other bind-state, unknown and vendor-range statuses as retry", () => {
    for (const s of [0x08, 0x45, 0xff, 0x05, 0x0d, 0x64, 0x400, 0x45a, 0x4ff, 0x1234]) {
      expect(classifyStatus(s), statusName(s)).toBe("retry");
    }
  });

  it("treats statuses that condemn the message itself as permanent", () => {
    for (const s of [
      0x01, 0x0a, 0x0b, 0x15, 0x43, 0x48, 0x49, 0x50, 0x51, 0x61, 0x62, 0x65, 0x66, 0xc0, 0xc2, 0xc4, 0x101,
      0x104,
    ]) {
      expect(classifyStatus(s), statusName(s)).toBe("permanent");
    }
  });
});

describe("statusName", () => {
  it("names known statuses with v3.4 names", () => {
    expect(statusName(0x58)).toBe("ESME_RTHROTTLED");
    expect(statusName(0xc2)).toBe("ESME_RINVPARLEN");
    expect(statusName(0x104)).toBe("ESME_RINVDCS");
  });

  it("writes unknown statuses as 8 hex digits", () => {
    expect(statusName(0x45a)).toBe("0x0000045a");
    expect(statusName(0xffffffff)).toBe("0xffffffff");
  });

  it("names every status node-smpp knows", () => {
    for (const [name, code] of Object.entries(smpp.errors)) {
      expect(statusName(code), name).toMatch(/^ESME_/);
    }
  });
});

describe("SmppStatus", () => {
  it("agrees with node-smpp's codes", () => {
    for (const [name, code] of Object.entries(SmppStatus)) {
      if (name in smpp.errors) expect(code, name).toBe(smpp.errors[name]);
    }
    expect(SmppStatus.ESME_RINVPARLEN).toBe(smpp.errors.ESME_RINVTLVLEN);
  });

  it("labels metrics with a bounded set: known names, the vendor range in hex, anything else as other", () => {
    expect(statusLabel(SmppStatus.ESME_RTHROTTLED)).toBe("ESME_RTHROTTLED");
    expect(statusLabel(0x45a)).toBe("0x0000045a");
    expect(statusLabel(0x12345678)).toBe("other");
    expect(statusLabel(0xfffffff0)).toBe("other");
    expect(statusName(0x12345678)).toBe("0x12345678"); // logs still name it
    const labels = new Set(Array.from({ length: 100_000 }, (_, i) => statusLabel(i * 42_949)));
    expect(labels.size).toBeLessThan(400);
  });
});
