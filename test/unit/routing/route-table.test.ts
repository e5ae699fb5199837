import { describe, expect, it } from "vitest";
import type { RouteMatch, RouteSpec } from "../../../src/routing/route.js";
import { NetworkPlan } from "../../../src/routing/networks.js";
import { PortedIndex } from "../../../src/routing/ported-index.js";
import { RouteTable } from "../../../src/routing/route-table.js";
import { TEST_HEALTH } from "../../helpers/route.js";

const timing = { dlrTimeoutMs: 30_000, validitySeconds: 300, maxValiditySeconds: 3600 };
const health = TEST_HEALTH;

function spec(name: string, match: RouteMatch, overrides: Partial<RouteSpec> = {}): RouteSpec {
  return {
    name,
    match,
    carriers: [{ id: "id-telkomsel", weight: 1 }],
    ...timing,
    health,
    escalation: [],
    ...overrides,
  };
}

const table = new RouteTable(
  [
    spec("fallback", { kind: "default" }),
    spec("indonesia", { kind: "country", countries: ["ID"] }),
    spec("korea-and-thailand", { kind: "country", countries: ["KR", "TH"] }),
    spec("id-mobile", { kind: "prefix", prefixes: ["+628"] }),
    spec("telkomsel", { kind: "prefix", prefixes: ["+62811", "+62812"] }, { dlrTimeoutMs: 20_000 }),
    spec("telkomsel-62812-9", { kind: "prefix", prefixes: ["+628129"] }),
  ],
  timing,
);

describe("RouteTable.match", () => {
  it("prefers the longest matching prefix, whatever the order of the routes", () => {
    expect(table.match("+6281291234567", "ID")?.name).toBe("telkomsel-62812-9");
    expect(table.match("+6281234567890", "ID")?.name).toBe("telkomsel");
    expect(table.match("+6285512345678", "ID")?.name).toBe("id-mobile");
  });

  it("takes the country route when no prefix matches", () => {
    expect(table.match("+622150123456", "ID")?.name).toBe("indonesia");
    expect(table.match("+66812345678", "TH")?.name).toBe("korea-and-thailand");
  });

  it("takes the default route when neither a prefix nor the country matches", () => {
    expect(table.match("+12125550123", "US")?.name).toBe("fallback");
  });

  it("finds no route without a default when nothing matches", () => {
    const noDefault = new RouteTable([spec("indonesia", { kind: "country", countries: ["ID"] })], timing);
    expect(noDefault.match("+821012345678", "KR")).toBeUndefined();
  });

  it("says which prefix, country or default matched", () => {
    expect(table.match("+6281134567890", "ID")?.matchedBy).toBe("prefix +62811");
    expect(table.match("+6281234567890", "ID")?.matchedBy).toBe("prefix +62812");
    expect(table.match("+821012345678", "KR")?.matchedBy).toBe("country KR");
    expect(table.match("+12125550123", "US")?.matchedBy).toBe("default");
  });

  it("gives the route's carriers, timing and live-health settings", () => {
    expect(table.match("+6281234567890", "ID")).toEqual({
      name: "telkomsel",
      matchedBy: "prefix +62812",
      carriers: [{ id: "id-telkomsel", weight: 1 }],
      dlrTimeoutMs: 20_000,
      validitySeconds: 300,
      maxValiditySeconds: 3600,
      health,
      escalation: [],
    });
    // Every prefix of a route shares its settings object (live health keys its state on it).
    expect(table.match("+6281134567890", "ID")?.health).toBe(table.match("+6281234567890", "ID")?.health);
  });

  it("does not match a prefix longer than the number", () => {
    const short = new RouteTable([spec("long", { kind: "prefix", prefixes: ["+6281234567"] })], timing);
    expect(short.match("+628123", "ID")).toBeUndefined();
  });

  it("refuses two routes for the same prefix, country or default", () => {
    const prefix: RouteMatch = { kind: "prefix", prefixes: ["+62811"] };
    expect(() => new RouteTable([spec("a", prefix), spec("b", prefix)], timing)).toThrow(/\+62811/);
    const country: RouteMatch = { kind: "country", countries: ["ID"] };
    expect(() => new RouteTable([spec("a", country), spec("b", country)], timing)).toThrow(/ID/);
    const fallback: RouteMatch = { kind: "default" };
    expect(() => new RouteTable([spec("a", fallback), spec("b", fallback)], timing)).toThrow(/default/);
  });
});

describe("RouteTable.match by mobile network", () => {
  const plan = new NetworkPlan([
    { mccmnc: "510-10", name: "Telkomsel", country: "ID", prefixes: ["+62811", "+62812"] },
    { mccmnc: "510-01", name: "Indosat", country: "ID", prefixes: ["+62855"] },
    { mccmnc: "450-08", name: "KT", country: "KR", prefixes: [] },
  ]);
  const byNetwork = new RouteTable(
    [
      spec("indonesia", { kind: "country", countries: ["ID"] }),
      spec("korea", { kind: "country", countries: ["KR"] }),
      spec("telkomsel", { kind: "network", networks: ["510-10"] }),
      spec("indosat-or-kt", { kind: "network", networks: ["510-01", "450-08"] }),
      spec("test-range", { kind: "prefix", prefixes: ["+628129"] }),
    ],
    timing,
    plan,
  );
  const ported = PortedIndex.build([
    ["+6281234567890", "510-01"],
    ["+821012345678", "450-08"],
  ]).index;

  it("takes the network of the number's range, else its country's route", () => {
    expect(byNetwork.matchesNetworks).toBe(true);
    expect(byNetwork.match("+6281134567890", "ID")).toMatchObject({
      name: "telkomsel",
      matchedBy: "network 510-10",
    });
    expect(byNetwork.match("+6285512345678", "ID")).toMatchObject({
      name: "indosat-or-kt",
      matchedBy: "network 510-01",
    });
    expect(byNetwork.match("+6287712345678", "ID")?.name).toBe("indonesia");
    expect(byNetwork.match("+821012345678", "KR")?.name).toBe("korea");
  });

  it("follows a number ported to another network; a prefix route still wins", () => {
    expect(byNetwork.match("+6281234567890", "ID", ported)?.name).toBe("indosat-or-kt");
    expect(byNetwork.match("+6281234567891", "ID", ported)?.name).toBe("telkomsel");
    expect(byNetwork.match("+821012345678", "KR", ported)).toMatchObject({
      name: "indosat-or-kt",
      matchedBy: "network 450-08, ported",
    });
    // Both share the route's live-health settings (live health keys its state on them).
    expect(byNetwork.match("+6281234567890", "ID", ported)?.health).toBe(
      byNetwork.match("+6285512345678", "ID")?.health,
    );
    expect(byNetwork.match("+6281291234567", "ID", ported)?.name).toBe("test-range");
  });

  it("looks no network up when no route matches by network", () => {
    const plain = new RouteTable([spec("indonesia", { kind: "country", countries: ["ID"] })], timing, plan);
    const asked: string[] = [];
    const spy = { networkOf: (e164: string) => (asked.push(e164), undefined) };
    expect(plain.matchesNetworks).toBe(false);
    expect(plain.match("+6281234567890", "ID", spy)?.name).toBe("indonesia");
    expect(byNetwork.match("+6287712345678", "ID", spy)?.name).toBe("indonesia");
    expect(asked).toEqual(["+6287712345678"]);
  });

  it("refuses two routes for the same network", () => {
    const network: RouteMatch = { kind: "network", networks: ["510-10"] };
    expect(() => new RouteTable([spec("a", network), spec("b", network)], timing, plan)).toThrow(/510-10/);
  });
});
