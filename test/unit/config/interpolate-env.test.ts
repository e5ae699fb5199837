import { describe, expect, it } from "vitest";
import { interpolateEnv, wholeEnvReference } from "../../../src/config/interpolate-env.js";

describe("interpolateEnv", () => {
  it("replaces references in nested string values and leaves other values alone", () => {
    const data = { a: "${HOST}:${PORT}", list: ["x-${HOST}", 3, true, null], nested: { b: "plain" } };
    const result = interpolateEnv(data, { HOST: "smsc", PORT: "2775" });
    expect(result).toEqual({
      data: { a: "smsc:2775", list: ["x-smsc", 3, true, null], nested: { b: "plain" } },
      problems: [],
    });
    expect(data.a).toBe("${HOST}:${PORT}");
  });

  it("treats a variable set to the empty string as set", () => {
    expect(interpolateEnv({ a: "${EMPTY}" }, { EMPTY: "" })).toEqual({ data: { a: "" }, problems: [] });
  });

  it("writes $${ as a literal ${", () => {
    expect(interpolateEnv("cost $${X}", {}).data).toBe("cost ${X}");
  });

  it("reports each unset variable and each malformed reference at the value's path", () => {
    const result = interpolateEnv({ s: { t: ["${A}${B}", "${1X}", "${OPEN"] } }, {});
    expect(result.problems).toEqual([
      { path: ["s", "t", 0], kind: "missing", reason: "environment variable A is not set", variable: "A" },
      { path: ["s", "t", 0], kind: "missing", reason: "environment variable B is not set", variable: "B" },
      {
        path: ["s", "t", 1],
        kind: "malformed",
        reason: 'invalid environment variable name "1X" in ${...} (letters, digits and _ only)',
      },
      { path: ["s", "t", 2], kind: "malformed", reason: "unterminated ${ (write $${ for a literal ${)" },
    ]);
  });

  it("recognises a value that is exactly one reference", () => {
    expect(wholeEnvReference("${CARRIER_X_PASSWORD}")).toBe("CARRIER_X_PASSWORD");
    expect(wholeEnvReference("a${X}")).toBeUndefined();
    expect(wholeEnvReference("${X}${Y}")).toBeUndefined();
    expect(wholeEnvReference("hunter2")).toBeUndefined();
  });
});
