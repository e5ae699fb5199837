import { describe, expect, it } from "vitest";
import { parsePortedVersion } from "../../../src/ops/ported-store.js";

describe("the ported numbers' version", () => {
  it("says who changed them and when, and nothing for a value otpgw did not write", () => {
    expect(parsePortedVersion("1795476999089:a1b2c3d4:noc:alice")).toEqual({
      at: 1795476999089,
      by: "noc:alice",
    });
    expect(parsePortedVersion(null)).toBeUndefined();
    expect(parsePortedVersion("hello")).toBeUndefined();
    expect(parsePortedVersion("x:y:z")).toBeUndefined();
    expect(parsePortedVersion("1795476999089:a1b2")).toBeUndefined();
  });
});
