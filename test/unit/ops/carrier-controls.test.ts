import { describe, expect, it } from "vitest";
import {
  ControlInputError,
  NO_OVERRIDE,
  checkNote,
  effectiveControl,
  formatRemaining,
  parseControlFields,
  parseDuration,
  parseWeightPercent,
} from "../../../src/ops/carrier-controls.js";

describe("--for durations", () => {
  it("reads seconds, minutes, hours, days and their combinations", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("7d")).toBe(7 * 86_400_000);
    expect(parseDuration(" 15M ")).toBe(900_000);
  });

  it.each(["30", "30x", "-5m", "1.5h", "m", "", "30 m", "0s", "31d", "1h-"])('refuses "%s"', (text) => {
    expect(() => parseDuration(text)).toThrow(ControlInputError);
  });

  it("says what is accepted", () => {
    expect(() => parseDuration("soon")).toThrow(
      /"soon" is not a duration \(e\.g\. 90s, 30m, 2h, 1h30m or 7d\)/,
    );
    expect(() => parseDuration("31d")).toThrow(/longer than 30 days/);
  });
});

describe("weight percentages", () => {
  it("reads a whole percentage of 1–1000, with or without %", () => {
    expect(parseWeightPercent("50")).toBe(50);
    expect(parseWeightPercent("200%")).toBe(200);
    expect(parseWeightPercent("1")).toBe(1);
    expect(parseWeightPercent("1000")).toBe(1000);
  });

  it.each(["0", "1001", "-5", "50.5", "abc", "", "5 0", "1e2"])('refuses "%s"', (text) => {
    expect(() => parseWeightPercent(text)).toThrow(/is not a whole percentage of 1–1000/);
  });
});

describe("--reason and --by", () => {
  it("keeps one trimmed line and refuses empty, long or multi-line text", () => {
    expect(checkNote("--reason", "  SMSC degraded  ", 200)).toBe("SMSC degraded");
    expect(() => checkNote("--reason", " ", 200)).toThrow("--reason is empty");
    expect(() => checkNote("--reason", "x".repeat(201), 200)).toThrow("longer than 200 characters");
    expect(() => checkNote("--by", "a\nb", 64)).toThrow("one line");
  });
});

describe("an override's end", () => {
  const at = 1_000_000;
  const control = {
    drain: { by: "noc", at, until: at + 60_000 },
    weight: { by: "noc", at, percent: 40 },
  };

  it("is in force until its end, then lifts itself (the weight without an end stays)", () => {
    expect(effectiveControl(control, at + 59_999)).toEqual({ drained: true, weightPercent: 40 });
    expect(effectiveControl(control, at + 60_000)).toEqual({ drained: false, weightPercent: 40 });
    expect(effectiveControl({ drain: control.drain }, at + 60_000)).toBe(NO_OVERRIDE);
    expect(effectiveControl(undefined, at)).toBe(NO_OVERRIDE);
  });

  it("is shown as time left", () => {
    expect(formatRemaining(29 * 60_000 + 10_000)).toBe("29m 10s");
    expect(formatRemaining(40_000)).toBe("40s");
    expect(formatRemaining(2 * 3_600_000 + 5 * 60_000)).toBe("2h 5m");
    expect(formatRemaining(0)).toBe("now");
  });
});

describe("a carrier's hash as read from Redis", () => {
  it("gives both overrides with who, when, why and until when", () => {
    const { control, problems } = parseControlFields({
      drain: "1",
      drain_by: "alice",
      drain_at: "1700000000000",
      drain_reason: "SMSC degraded",
      drain_until: "1700001800000",
      weight: "50",
      weight_by: "bob",
      weight_at: "1700000000001",
    });
    expect(problems).toEqual([]);
    expect(control).toEqual({
      drain: { by: "alice", at: 1700000000000, reason: "SMSC degraded", until: 1700001800000 },
      weight: { by: "bob", at: 1700000000001, percent: 50 },
    });
  });

  it("drops and reports a field it cannot read instead of throwing", () => {
    const { control, problems } = parseControlFields({
      drain: "yes",
      drain_at: "1",
      weight: "5000",
      weight_at: "1",
    });
    expect(control).toEqual({});
    expect(problems).toEqual(['drain: "yes" is not 1', 'weight: "5000" is not a percentage of 1–1000']);
  });
});
