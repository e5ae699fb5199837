import { describe, expect, it } from "vitest";
import { ConversionWindow } from "../../../src/routing/conversion-window.js";

const MINUTE = 60_000;
// A 10-minute window (buckets of a minute) judged 2 minutes after each delivery.
const make = () => new ConversionWindow(10 * MINUTE, 2 * MINUTE);
const read = (w: ConversionWindow, now: number) => w.read(now, { delivered: 0, converted: 0 });

describe("ConversionWindow", () => {
  it("judges a delivery only once the wait is over, with the conversions reported for it meanwhile", () => {
    const w = make();
    const t0 = 100 * MINUTE;
    for (let i = 0; i < 10; i++) w.delivered(t0, t0);
    // Reported 40 s later, counted by the delivery's time.
    for (let i = 0; i < 7; i++) w.converted(t0, t0 + 40_000);
    expect(read(w, t0 + 40_000)).toEqual({ delivered: 0, converted: 0 });
    expect(read(w, t0 + 2 * MINUTE)).toEqual({ delivered: 0, converted: 0 });
    // The delivery's minute ends 3 minutes after t0's minute started: its bucket has waited 2 minutes.
    expect(read(w, t0 + 3 * MINUTE)).toEqual({ delivered: 10, converted: 7 });
  });

  it("forgets deliveries older than the window before the wait, and ignores reports for them", () => {
    const w = make();
    const t0 = 100 * MINUTE;
    w.delivered(t0, t0);
    expect(read(w, t0 + 12 * MINUTE)).toEqual({ delivered: 1, converted: 0 });
    expect(read(w, t0 + 13 * MINUTE)).toEqual({ delivered: 0, converted: 0 });
    // A conversion for a delivery that old is not counted anywhere, and no bucket in the window changes.
    w.converted(t0, t0 + 13 * MINUTE);
    w.delivered(t0 + 13 * MINUTE, t0 + 13 * MINUTE);
    expect(read(w, t0 + 16 * MINUTE)).toEqual({ delivered: 1, converted: 0 });
  });

  it("reuses a slot for a newer bucket without carrying the old counts", () => {
    const w = make();
    let now = 0;
    // Two full turns of the ring (13 slots), one delivery per minute, each converted.
    for (let minute = 0; minute < 30; minute++) {
      now = minute * MINUTE + 1000;
      w.delivered(now, now);
      w.converted(now, now + 1000);
    }
    // Judged at minute 30: deliveries of minutes 18..27 (ten of them).
    expect(read(w, 30 * MINUTE + 1000)).toEqual({ delivered: 10, converted: 10 });
  });

  it("never reports more conversions than deliveries (another instance counted some deliveries)", () => {
    const w = make();
    const t0 = 100 * MINUTE;
    w.delivered(t0, t0);
    for (let i = 0; i < 3; i++) w.converted(t0, t0 + 1000);
    expect(read(w, t0 + 3 * MINUTE)).toEqual({ delivered: 1, converted: 1 });
  });

  it("counts a delivery stamped ahead of its clock as now", () => {
    const w = make();
    const t0 = 100 * MINUTE;
    w.delivered(t0 + 5 * MINUTE, t0);
    expect(read(w, t0 + 3 * MINUTE)).toEqual({ delivered: 1, converted: 0 });
  });
});
