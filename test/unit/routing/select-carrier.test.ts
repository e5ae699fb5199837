import { describe, expect, it } from "vitest";
import { seededRng } from "../../../scripts/sim/sampling.js";
import type { Route } from "../../../src/routing/route.js";
import {
  hasUntriedCarrier,
  selectCarrier,
  type CarrierOverrides,
} from "../../../src/routing/select-carrier.js";
import { INDONESIA_ROUTE } from "../../helpers/route.js";

const route = INDONESIA_ROUTE;

const all = () => true;

function draw(times: number, tried: readonly string[], available: (id: string) => boolean, seed: number) {
  const rng = seededRng(seed);
  const counts = new Map<string, number>();
  for (let index = 0; index < times; index++) {
    const choice = selectCarrier(route, tried, available, rng);
    if (choice) counts.set(choice.carrier, (counts.get(choice.carrier) ?? 0) + 1);
  }
  return counts;
}

describe("selectCarrier", () => {
  it("splits 10,000 messages by weight", () => {
    const counts = draw(10_000, [], all, 42);
    // 3 standard deviations of a binomial with n = 10,000 are under 150 for each share.
    expect(counts.get("id-telkomsel")).toBeGreaterThan(6000 - 150);
    expect(counts.get("id-telkomsel")).toBeLessThan(6000 + 150);
    expect(counts.get("id-indosat")).toBeGreaterThan(3000 - 140);
    expect(counts.get("id-indosat")).toBeLessThan(3000 + 140);
    expect(counts.get("id-xl")).toBeGreaterThan(1000 - 90);
    expect(counts.get("id-xl")).toBeLessThan(1000 + 90);
  });

  it("shares the remaining traffic by the remaining weights once a carrier is tried", () => {
    const counts = draw(10_000, ["id-telkomsel"], all, 7);
    expect(counts.get("id-telkomsel")).toBeUndefined();
    // 30 : 10 → 75 % / 25 %.
    expect(counts.get("id-indosat")).toBeGreaterThan(7500 - 130);
    expect(counts.get("id-indosat")).toBeLessThan(7500 + 130);
  });

  it("never chooses a carrier already tried for the message", () => {
    const rng = seededRng(1);
    for (let index = 0; index < 1000; index++) {
      const choice = selectCarrier(route, ["id-telkomsel", "id-xl"], all, rng);
      expect(choice?.carrier).toBe("id-indosat");
    }
  });

  it("tries every carrier once, then returns null", () => {
    const rng = seededRng(3);
    const tried: string[] = [];
    for (;;) {
      const choice = selectCarrier(route, tried, all, rng);
      if (choice === null) break;
      expect(tried).not.toContain(choice.carrier);
      tried.push(choice.carrier);
    }
    expect([...tried].sort()).toEqual(["id-indosat", "id-telkomsel", "id-xl"]);
    expect(hasUntriedCarrier(route, tried)).toBe(false);
  });

  it("skips unavailable carriers", () => {
    const counts = draw(1000, [], (id) => id !== "id-telkomsel", 11);
    expect(counts.get("id-telkomsel")).toBeUndefined();
    expect((counts.get("id-indosat") ?? 0) + (counts.get("id-xl") ?? 0)).toBe(1000);
  });

  it("returns null when every untried carrier is unavailable, leaving untried carriers for later", () => {
    expect(selectCarrier(route, ["id-telkomsel"], () => false, seededRng(5))).toBeNull();
    expect(hasUntriedCarrier(route, ["id-telkomsel"])).toBe(true);
  });

  it("asks about availability only for carriers not tried yet", () => {
    const asked: string[] = [];
    selectCarrier(
      route,
      ["id-indosat"],
      (id) => {
        asked.push(id);
        return true;
      },
      () => 0,
    );
    expect(asked).toEqual(["id-telkomsel", "id-xl"]);
  });

  it("maps the random number onto the cumulative weights in route order", () => {
    expect(selectCarrier(route, [], all, () => 0)?.carrier).toBe("id-telkomsel");
    expect(selectCarrier(route, [], all, () => 0.59)?.carrier).toBe("id-telkomsel");
    expect(selectCarrier(route, [], all, () => 0.6)?.carrier).toBe("id-indosat");
    expect(selectCarrier(route, [], all, () => 0.95)?.carrier).toBe("id-xl");
    // A generator that returns 1 (out of contract) still picks the last candidate, never nothing.
    expect(selectCarrier(route, [], all, () => 1)?.carrier).toBe("id-xl");
  });

  it("explains the choice: route, match, weight share, tried and unavailable carriers", () => {
    const choice = selectCarrier(
      route,
      [],
      (id) => id !== "id-indosat",
      () => 0,
    );
    expect(choice).toEqual({
      carrier: "id-telkomsel",
      explain:
        "route indonesia (country ID): id-telkomsel chosen by weight 60 of 70; tried: none; unavailable: id-indosat",
    });
    const second = selectCarrier(route, ["id-telkomsel"], all, () => 0.99);
    expect(second?.explain).toBe(
      "route indonesia (country ID): id-xl chosen by weight 10 of 40; tried: id-telkomsel; unavailable: none",
    );
  });

  it("shows fractional weights without floating-point noise", () => {
    const fractional: Route = {
      ...route,
      carriers: [
        { id: "a", weight: 0.1 },
        { id: "b", weight: 0.2 },
      ],
    };
    expect(selectCarrier(fractional, [], all, () => 0)?.explain).toContain("weight 0.1 of 0.3;");
  });
});

/** Operator overrides held in a plain map, as ops/control-watch.ts holds them. */
function overridesOf(
  entries: Record<string, { drained?: boolean; weightPercent?: number }>,
): CarrierOverrides {
  const map = new Map(
    Object.entries(entries).map(([id, o]) => [
      id,
      { drained: o.drained ?? false, weightPercent: o.weightPercent ?? 100 },
    ]),
  );
  return { active: map.size > 0, get: (id) => map.get(id) };
}

function drawWith(times: number, overrides: CarrierOverrides, seed: number, tried: readonly string[] = []) {
  const rng = seededRng(seed);
  const counts = new Map<string, number>();
  for (let index = 0; index < times; index++) {
    const choice = selectCarrier(route, tried, all, rng, overrides);
    if (choice) counts.set(choice.carrier, (counts.get(choice.carrier) ?? 0) + 1);
  }
  return counts;
}

describe("selectCarrier with operators' overrides", () => {
  it("never chooses a drained carrier, and shares its traffic by the others' weights", () => {
    const counts = drawWith(10_000, overridesOf({ "id-telkomsel": { drained: true } }), 21);
    expect(counts.get("id-telkomsel")).toBeUndefined();
    // 30 : 10 → 75 % / 25 %.
    expect(counts.get("id-indosat")).toBeGreaterThan(7500 - 130);
    expect(counts.get("id-indosat")).toBeLessThan(7500 + 130);
    expect(counts.get("id-xl")).toBeGreaterThan(2500 - 130);
  });

  it("scales a carrier's weight by its factor (60 at 50 % against 30 and 10: 30 / 30 / 10)", () => {
    const counts = drawWith(10_000, overridesOf({ "id-telkomsel": { weightPercent: 50 } }), 22);
    // 3 standard deviations of a binomial with n = 10,000 and p = 3/7 are under 150.
    expect(counts.get("id-telkomsel")).toBeGreaterThan(4286 - 150);
    expect(counts.get("id-telkomsel")).toBeLessThan(4286 + 150);
    expect(counts.get("id-indosat")).toBeGreaterThan(4286 - 150);
    expect(counts.get("id-xl")).toBeGreaterThan(1429 - 110);
    expect(counts.get("id-xl")).toBeLessThan(1429 + 110);
  });

  it("lets a factor above 100 % make a small carrier dominate (10 at 1000 % = 100 of 190)", () => {
    const counts = drawWith(10_000, overridesOf({ "id-xl": { weightPercent: 1000 } }), 23);
    expect(counts.get("id-xl")).toBeGreaterThan(5263 - 150);
    expect(counts.get("id-xl")).toBeLessThan(5263 + 150);
  });

  it("returns null when every untried carrier is drained, leaving them untried for later", () => {
    const everyone = overridesOf({
      "id-telkomsel": { drained: true },
      "id-indosat": { drained: true },
      "id-xl": { drained: true },
    });
    expect(selectCarrier(route, [], all, seededRng(1), everyone)).toBeNull();
    expect(hasUntriedCarrier(route, [])).toBe(true);
  });

  it("does not ask whether a drained carrier is available", () => {
    const asked: string[] = [];
    const overrides = overridesOf({ "id-indosat": { drained: true } });
    selectCarrier(
      route,
      [],
      (id) => (asked.push(id), true),
      () => 0,
      overrides,
    );
    expect(asked).toEqual(["id-telkomsel", "id-xl"]);
  });

  it("explains a drain and a factor when they took part, and says nothing of them otherwise", () => {
    const overrides = overridesOf({
      "id-telkomsel": { drained: true },
      "id-indosat": { weightPercent: 200 },
    });
    expect(selectCarrier(route, [], all, () => 0, overrides)?.explain).toBe(
      "route indonesia (country ID): id-indosat chosen by weight 60 of 70; tried: none; unavailable: none; " +
        "drained: id-telkomsel; operator weights: id-indosat 200 % (30 → 60)",
    );
    // A drained carrier already tried is not mentioned: the drain changed nothing for this message.
    expect(
      selectCarrier(
        route,
        ["id-telkomsel"],
        all,
        () => 0.99,
        overridesOf({ "id-telkomsel": { drained: true } }),
      )?.explain,
    ).toBe(
      "route indonesia (country ID): id-xl chosen by weight 10 of 40; tried: id-telkomsel; unavailable: none",
    );
  });

  it("looks nothing up while no override is in force", () => {
    let lookups = 0;
    const idle: CarrierOverrides = { active: false, get: () => (lookups++, undefined) };
    for (let index = 0; index < 100; index++) selectCarrier(route, [], all, Math.random, idle);
    expect(lookups).toBe(0);
  });
});
