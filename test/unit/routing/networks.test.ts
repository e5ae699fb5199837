import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundledNetworksFile } from "../../../src/config/daemon-settings.js";
import { formatProblem } from "../../../src/config/config-problem.js";
import { parseNetworksFile } from "../../../src/routing/networks-file.js";
import { findNetwork, NOT_PORTED, type PortedLookup } from "../../../src/routing/networks.js";
import { parseDestination } from "../../../src/routing/numbering.js";
import { PortedIndex } from "../../../src/routing/ported-index.js";

const shipped = parseNetworksFile(readFileSync(bundledNetworksFile, "utf8"), "data/networks.yaml");
const plan = shipped.plan!;

const problems = (text: string) => parseNetworksFile(text, "networks.yaml").problems.map(formatProblem);

describe("the networks file otpgw ships", () => {
  it("is valid, and every prefix is a mobile range of its network's country", () => {
    expect(shipped.problems).toEqual([]);
    expect(plan.networks.length).toBeGreaterThanOrEqual(9);
    for (const network of plan.networks)
      for (const prefix of network.prefixes) {
        // A full-length mobile number in the range: the prefix padded with digits the plan accepts.
        const sample = `${prefix}${"1234567890".slice(0, (network.country === "ID" ? 13 : 12) - prefix.length + 1)}`;
        const destination = parseDestination(sample);
        expect(destination, `${sample} (${network.mccmnc})`).toMatchObject({
          ok: true,
          country: network.country,
        });
      }
  });

  it("finds a network by the longest prefix of its ranges, none for a shared range", () => {
    expect(plan.byRange("+6281234567890")?.mccmnc).toBe("510-10");
    expect(plan.byRange("+6285512345678")?.mccmnc).toBe("510-01");
    expect(plan.byRange("+6289912345678")?.name).toBe("3 (Hutchison)");
    expect(plan.byRange("+821012345678")).toBeUndefined(); // 010 is every Korean network's
    expect(plan.byRange("+8216123456")?.mccmnc).toBe("450-08");
    expect(plan.get("450-06")).toMatchObject({ name: "LG U+", country: "KR", prefixes: ["+8219"] });
  });
});

describe("findNetwork", () => {
  const ported: PortedLookup = PortedIndex.build([
    ["+821012345678", "450-08"],
    ["+6281234567890", "510-01"], // a ported number keeps its old range's prefix
    ["+6281299999999", "450-05"], // another country's network: ignored
    ["+6281288888888", "999-99"], // not in the file: ignored
  ]).index;

  it("takes the ported entry first, then the range", () => {
    expect(findNetwork(plan, ported, "+821012345678", "KR")).toMatchObject({
      network: { mccmnc: "450-08", name: "KT" },
      source: "ported",
    });
    expect(findNetwork(plan, ported, "+6281234567890", "ID")).toMatchObject({
      network: { mccmnc: "510-01" },
      source: "ported",
    });
    expect(findNetwork(plan, NOT_PORTED, "+6281234567890", "ID")).toMatchObject({
      network: { mccmnc: "510-10" },
      source: "range",
    });
    expect(findNetwork(plan, ported, "+821099999999", "KR")).toBeUndefined();
  });

  it("ignores an entry naming another country's network or one the file does not have", () => {
    expect(findNetwork(plan, ported, "+6281299999999", "ID")).toMatchObject({
      network: { mccmnc: "510-10" },
      source: "range",
    });
    expect(findNetwork(plan, ported, "+6281288888888", "ID")).toMatchObject({
      network: { mccmnc: "510-10" },
      source: "range",
    });
  });
});

describe("networks file problems", () => {
  it("reports each with its line", () => {
    expect(
      problems(`networks:
  - mccmnc: "51010"
    name: Telkomsel
    country: XX
    prefixes: [+62811]
  - { mccmnc: "510-10", name: A, country: ID, prefixes: ["+8210", "+62811"] }
  - { mccmnc: "510-10", name: B, country: ID, prefixes: ["+62811"], colour: red }
`),
    ).toEqual([
      'networks.yaml:2: networks.0.mccmnc: must be MCC and MNC joined by "-", e.g. "510-10" (3 digits, then 2 or 3)',
      'networks.yaml:4: networks.0.country: "XX" is not an ISO 3166-1 alpha-2 country code',
      'networks.yaml:5: networks.0.prefixes.0: must be a quoted string ("+62811"): unquoted, YAML reads +62811 as the number 62811',
      "networks.yaml:7: networks.2.colour: unknown key",
    ]);
    expect(
      problems(`networks:
  - { mccmnc: "510-10", name: A, country: ID, prefixes: ["+8210", "+62811"] }
  - { mccmnc: "510-10", name: B, country: ID, prefixes: ["+62811"] }
`),
    ).toEqual([
      "networks.yaml:2: networks.0.prefixes.0: is not a number range of ID (its numbers start with +62)",
      "networks.yaml:3: networks.1.mccmnc: duplicate network 510-10 (also at line 2)",
      "networks.yaml:3: networks.1.prefixes.0: prefix +62811 is already a range of network 510-10 (line 2)",
    ]);
    // A range written with the trunk prefix would never match a destination (+6208123… is +628123…).
    expect(
      problems(`networks:\n  - { mccmnc: "510-10", name: A, country: ID, prefixes: ["+620811"] }\n`),
    ).toEqual([
      'networks.yaml:2: networks.0.prefixes.0: keeps the national trunk prefix after the calling code: destinations are matched in E.164, without it, so this matches nothing — write "+62811"',
    ]);
    expect(problems("networks: [\n")).toHaveLength(1);
    expect(problems("")).toEqual([]);
  });
});

describe("PortedIndex", () => {
  it("finds every number it holds and no other; a number given twice is held once", () => {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 5_000; i++)
      pairs.push([`+8210${String(10_000_000 + i * 7919).slice(-8)}`, i % 3 === 0 ? "450-05" : "450-08"]);
    pairs.push([pairs[0]![0], "450-06"]);
    const { index, skipped } = PortedIndex.build([
      ...pairs,
      ["0821012345678", "450-05"],
      ["+0821", "450-05"],
      ["+82a", "450-05"],
    ]);
    expect(skipped).toBe(3);
    expect(index.size).toBe(5_000);
    expect(["450-06", pairs[0]![1]]).toContain(index.networkOf(pairs[0]![0]));
    for (const [number, network] of pairs.slice(1, -1)) expect(index.networkOf(number)).toBe(network);
    expect(index.networkOf("+821000000001")).toBeUndefined();
    expect(index.networkOf("+82")).toBeUndefined();
    expect(index.networkOf("not a number")).toBeUndefined();
    const counts = index.countsByNetwork();
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(5_000);
    expect(counts.get("450-06") ?? 0).toBeLessThanOrEqual(1);
    expect(PortedIndex.EMPTY.networkOf(pairs[1]![0])).toBeUndefined();
  });

  it("tells 15-digit numbers one digit apart", () => {
    const { index } = PortedIndex.build([
      ["+999999999999998", "001-01"],
      ["+999999999999999", "001-02"],
    ]);
    expect(index.networkOf("+999999999999998")).toBe("001-01");
    expect(index.networkOf("+999999999999999")).toBe("001-02");
    expect(index.networkOf("+99999999999999")).toBeUndefined();
  });
});

describe("networks file prefixes in shared calling codes", () => {
  it("refuses a range of another country that shares the calling code", () => {
    expect(
      problems('networks:\n  - { mccmnc: "310-410", name: A, country: US, prefixes: ["+1868", "+1212"] }\n'),
    ).toEqual(["networks.yaml:2: networks.0.prefixes.0: is a number range of TT, not US"]);
  });
});
