import { describe, expect, it } from "vitest";
import {
  formatLineProblems,
  MAX_LISTED_PROBLEMS,
  PortedFileCheck,
} from "../../../src/cli/commands/ported-file-check.js";
import { NetworkPlan } from "../../../src/routing/networks.js";

const plan = new NetworkPlan([
  { mccmnc: "450-05", name: "SK Telecom", country: "KR", prefixes: [] },
  { mccmnc: "450-08", name: "KT", country: "KR", prefixes: [] },
  { mccmnc: "510-10", name: "Telkomsel", country: "ID", prefixes: ["+62812"] },
]);

function checked(lines: readonly string[]): PortedFileCheck {
  const check = new PortedFileCheck(plan);
  for (const line of lines) check.add(line);
  return check;
}

const entriesOf = (check: PortedFileCheck) => Object.fromEntries(check.pairs().slice(0, check.size));

describe("checking a ported-numbers file line by line", () => {
  it("reads comma, semicolon and tab separated lines, quoted fields, a byte order mark and CRLF endings", () => {
    const check = checked([
      "\uFEFF+821012345678,450-08",
      "+821012345679 ; 450-05",
      "+821012345680\t450-08\r",
      '"+6281234567890","510-10"',
    ]);
    expect(check.invalid).toBe(0);
    expect(check.header).toBeUndefined();
    expect(entriesOf(check)).toEqual({
      "+821012345678": "450-08",
      "+821012345679": "450-05",
      "+821012345680": "450-08",
      "+6281234567890": "510-10",
    });
  });

  it("skips blank lines, # comments and a header first line, but a non-number later is an invalid line", () => {
    const check = checked(["", "# MNP export", "msisdn;mccmnc", "+821012345678,450-08", "msisdn,mccmnc"]);
    expect(check.header).toBe(3);
    expect(check.lines).toBe(5);
    expect(entriesOf(check)).toEqual({ "+821012345678": "450-08" });
    expect(check.problems.map((p) => p.line)).toEqual([5]);
    expect(check.problems[0]!.reason).toContain('"msisdn" is not a number otpgw accepts');
  });

  it("lets the later line of a number win and counts the repeats", () => {
    const check = checked([
      "+821012345678,450-08",
      "+821012345679,450-08",
      "+821012345678,450-05",
      "+821012345678,450-05",
    ]);
    expect(check.repeated).toBe(2);
    expect(entriesOf(check)).toEqual({ "+821012345678": "450-05", "+821012345679": "450-08" });
    expect(check.countsByNetwork().map(({ network, numbers }) => [network.mccmnc, numbers])).toEqual([
      ["450-05", 1],
      ["450-08", 1],
    ]);
  });

  it("keeps each number's last line however often it repeats, and hands the numbers out a slice at a time", () => {
    const lines = Array.from({ length: 2_500 }, (_, i) => `+8210${String(10_000_000 + i)},450-05`);
    lines.push(
      "+821010000007,450-08",
      "+821010000007,450-05",
      "+821010000007,450-08",
      "+821010002499,450-08",
    );
    const check = checked(lines);
    expect(check.size).toBe(2_500);
    expect(check.repeated).toBe(4);
    const pairs = check.pairs();
    expect(pairs.length).toBe(2_500);
    const all = [...pairs.slice(0, 1_000), ...pairs.slice(1_000, 2_000), ...pairs.slice(2_000, 3_000)];
    const byNumber = new Map(all);
    expect(byNumber.size).toBe(2_500);
    expect(byNumber.get("+821010000007")).toBe("450-08");
    expect(byNumber.get("+821010002499")).toBe("450-08");
    expect(byNumber.get("+821010000008")).toBe("450-05");
    expect(check.countsByNetwork().map(({ network, numbers }) => [network.mccmnc, numbers])).toEqual([
      ["450-05", 2_498],
      ["450-08", 2],
    ]);
  });

  it("says why each invalid line is refused, with its line number", () => {
    const check = checked([
      "+821012345678",
      "+821012345678,450-08,2025-11-23",
      "821012345678,450-08",
      "+821012345678,45008",
      "+821012345678,450-99",
      "+821012345678,510-10",
    ]);
    expect(check.size).toBe(0);
    expect(formatLineProblems("mnp.csv", check)).toEqual([
      'mnp.csv:1: expected "number,mcc-mnc" (a comma, ";" or a tab between them): no separator found',
      'mnp.csv:2: expected "number,mcc-mnc": found 3 fields',
      'mnp.csv:3: "821012345678" is not a number otpgw accepts: must start with "+" and the country calling code (E.164, e.g. +6281234567890)',
      'mnp.csv:4: "45008" is not an MCC/MNC: must be MCC and MNC joined by "-", e.g. "510-10" (3 digits, then 2 or 3) (did you mean 450-08, KT?)',
      "mnp.csv:5: network 450-99 is not in the networks file (otpgw.yaml networks_file)",
      "mnp.csv:6: network 510-10 (Telkomsel) is in ID, but +821012345678 is a number of KR: a ported number keeps its country",
    ]);
  });

  it(`keeps the first ${MAX_LISTED_PROBLEMS} problems and counts the rest`, () => {
    const check = checked(Array.from({ length: MAX_LISTED_PROBLEMS + 5 }, () => "+821012345678,999-99"));
    expect(check.invalid).toBe(MAX_LISTED_PROBLEMS + 5);
    const lines = formatLineProblems("f.csv", check);
    expect(lines).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(lines[MAX_LISTED_PROBLEMS - 1]).toMatch(
      new RegExp(`^f\\.csv:${MAX_LISTED_PROBLEMS}: network 999-99`),
    );
    expect(lines.at(-1)).toBe("and 5 more invalid lines");
  });
});
