import { describe, expect, it } from "vitest";
import { describePrefix, parseDestination } from "../../../src/routing/numbering.js";

describe("parseDestination", () => {
  it.each([
    ["+6281234567890", "ID"],
    ["+6285512345678", "ID"],
    ["+821012345678", "KR"],
    ["+66812345678", "TH"],
  ])("accepts the mobile number %s as %s", (input, country) => {
    expect(parseDestination(input)).toEqual({ ok: true, e164: input, country });
  });

  it.each([
    ["+622150123456", "a fixed line of ID, which cannot receive SMS"],
    ["+18005550123", "a toll-free number of US, which cannot receive SMS"],
    ["+33899123456", "a premium-rate number of FR, which cannot receive SMS"],
  ])("refuses %s, which cannot receive SMS, saying what it is", (input, reason) => {
    expect(parseDestination(input)).toEqual({ ok: false, reason });
  });

  it("accepts numbers the plan does not split between mobile and fixed line", () => {
    expect(parseDestination("+12125550123")).toEqual({ ok: true, e164: "+12125550123", country: "US" });
  });

  it("uses the number range, not only the calling code, to find the country", () => {
    expect(parseDestination("+18765550123")).toMatchObject({ ok: true, country: "JM" });
  });

  it.each([
    ["6281234567890", 'must start with "+" and the country calling code (E.164, e.g. +6281234567890)'],
    ["", "is empty"],
    ["+", 'not a phone number: no digits after "+"'],
    ["+62812abc4567", 'not a phone number: only digits may follow "+"'],
    ["+62 812-3456-7890", 'not a phone number: only digits may follow "+"'],
    ["+6281234", "too short for ID"],
    ["+62", "too short to be a phone number"],
    ["+1234567890123456", "too long: E.164 numbers have at most 15 digits"],
    ["+6200000000000", "not a valid number for ID"],
    ["+6680012345", "not a valid number for TH"],
    ["+447700900123", "not a valid number for calling code +44"],
    ["+99912345678", "no country has the calling code this number starts with"],
    ["+80012345678", "+800 is a non-geographic calling code, not a country's mobile number"],
  ])("refuses %j: %s", (input, reason) => {
    const result = parseDestination(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.startsWith(reason)).toBe(true);
  });

  it("never repeats the number in its reason, so the reason can be logged", () => {
    const result = parseDestination("+6200000000000");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toContain("6200000000000");
  });
});

describe("describePrefix", () => {
  it("gives the calling code and the country of a prefix that determines it", () => {
    expect(describePrefix("+62811")).toEqual({ callingCode: "62", country: "ID" });
    expect(describePrefix("+1876")).toEqual({ callingCode: "1", country: "JM" });
  });

  it("leaves the country out when several countries share the prefix", () => {
    expect(describePrefix("+1")).toEqual({ callingCode: "1" });
    expect(describePrefix("+44")).toEqual({ callingCode: "44" });
  });

  it("returns undefined for a prefix that starts with no calling code", () => {
    expect(describePrefix("+999")).toBeUndefined();
  });
});
