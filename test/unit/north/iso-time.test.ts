import { describe, expect, it } from "vitest";
import { isoTime } from "../../../src/north/message-view.js";

describe("isoTime", () => {
  it("writes what Date#toISOString writes, within a minute, across minutes and going back in time", () => {
    const start = Date.UTC(2026, 10, 22, 23, 59, 58, 990);
    const times: number[] = [];
    for (let i = 0; i < 5_000; i++) times.push(start + i); // across a minute, an hour and a day
    for (let i = 0; i < 2_000; i++) times.push(start + 3_000 - i * 7); // backwards over the same boundaries
    for (let i = 0; i < 2_000; i++) times.push(Math.floor(Math.random() * 4_102_444_800_000)); // 1970–2099
    times.push(0, 59_999, 60_000, Date.UTC(2028, 1, 29, 12, 0, 0, 5), start + 0.5, start + 1.9999);
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it("formats times outside 1970–9999 as Date does, and refuses an invalid time as Date does", () => {
    isoTime(Date.UTC(2026, 0, 1)); // a cached minute, then times it must not be taken for
    for (const ms of [-1, -60_001, 253_402_300_800_000, Date.UTC(2026, 0, 1) + 0.25]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
