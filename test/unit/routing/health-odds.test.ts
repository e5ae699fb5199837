import { describe, expect, it } from "vitest";
import { seededRng } from "../../../scripts/sim/sampling.js";
import { formatFactor } from "../../../src/routing/health-factor.js";
import { selectCarrier, type WeightAdjustment } from "../../../src/routing/select-carrier.js";
import { INDONESIA_ROUTE } from "../../helpers/route.js";

const route = INDONESIA_ROUTE;

const all = () => true;

/** Live health with fixed factors (1 for carriers not named). */
function health(factors: Record<string, number>, floorShare = 0.05): WeightAdjustment {
  return {
    factor: (id) => factors[id] ?? 1,
    factorText: (id) => formatFactor(factors[id] ?? 1),
    describe: (id) => `figures of ${id}`,
    floorShare,
    floorText: `${floorShare * 100} %`,
  };
}

function draw(times: number, adjust: WeightAdjustment | undefined, seed: number, tried: string[] = []) {
  const rng = seededRng(seed);
  const counts = new Map<string, number>();
  for (let index = 0; index < times; index++) {
    const choice = selectCarrier(route, tried, all, rng, undefined, adjust);
    if (choice) counts.set(choice.carrier, (counts.get(choice.carrier) ?? 0) + 1);
  }
  return counts;
}

/** Whether `count` of `n` draws is within 4 standard deviations of share `p`. */
function near(count: number | undefined, n: number, p: number): boolean {
  const sd = Math.sqrt(n * p * (1 - p));
  return Math.abs((count ?? 0) - n * p) <= 4 * sd;
}

describe("selectCarrier with live health", () => {
  it("draws in proportion to configured weight × health factor", () => {
    // 60×0.5 : 30 : 10 → 3/7, 3/7, 1/7.
    const counts = draw(20_000, health({ "id-telkomsel": 0.5 }), 42);
    expect(near(counts.get("id-telkomsel"), 20_000, 3 / 7)).toBe(true);
    expect(near(counts.get("id-indosat"), 20_000, 3 / 7)).toBe(true);
    expect(near(counts.get("id-xl"), 20_000, 1 / 7)).toBe(true);
    // Without health the same draws follow the weights: 60 %.
    expect(near(draw(20_000, undefined, 42).get("id-telkomsel"), 20_000, 0.6)).toBe(true);
  });

  it("keeps a carrier that delivers nothing at the floor share, so its figures stay fresh", () => {
    // id-indosat at 0.01: by weight alone 30×0.01 of 70.3 (0.4 %); the 5 % floor holds it at 5 %.
    const counts = draw(20_000, health({ "id-indosat": 0.01 }), 7);
    expect(near(counts.get("id-indosat"), 20_000, 0.05)).toBe(true);
    expect(counts.get("id-indosat")).toBeGreaterThan(20_000 * 0.05 - 4 * Math.sqrt(20_000 * 0.05 * 0.95));
    // The others share the other 95 % by their weights: 60 : 10.
    expect(near(counts.get("id-telkomsel"), 20_000, 0.95 * (60 / 70))).toBe(true);
  });

  it("keeps every bad carrier at its floor, and one the operator gave less than the floor at its own share", () => {
    // Both at 0.01: id-indosat is held at 5 %, id-xl (10 % by weight) at 5 %; a floor of 20 % holds id-xl at its 10 %.
    const counts = draw(20_000, health({ "id-indosat": 0.01, "id-xl": 0.01 }), 11);
    expect(near(counts.get("id-indosat"), 20_000, 0.05)).toBe(true);
    expect(near(counts.get("id-xl"), 20_000, 0.05)).toBe(true);
    const wide = draw(20_000, health({ "id-indosat": 0.01, "id-xl": 0.01 }, 0.2), 12);
    expect(near(wide.get("id-indosat"), 20_000, 0.2)).toBe(true);
    expect(near(wide.get("id-xl"), 20_000, 0.1)).toBe(true);
  });

  it("has no floor with floor_percent 0: the factor alone sets the share", () => {
    // 30×0.01 of 70.3: 0.43 %.
    const counts = draw(20_000, health({ "id-indosat": 0.01 }, 0), 13);
    expect(near(counts.get("id-indosat"), 20_000, 0.3 / 70.3)).toBe(true);
  });

  it("applies the floor among the carriers left for the message", () => {
    // id-telkomsel tried: id-indosat (0.01) against id-xl; the floor is 5 % of what is left.
    const counts = draw(20_000, health({ "id-indosat": 0.01 }), 17, ["id-telkomsel"]);
    expect(near(counts.get("id-indosat"), 20_000, 0.05)).toBe(true);
    expect(counts.get("id-telkomsel")).toBeUndefined();
  });

  it("chooses exactly as the weights alone do while every factor is 1 (same draws, same explanations)", () => {
    const plain = seededRng(5);
    const healthy = seededRng(5);
    for (let index = 0; index < 2000; index++) {
      expect(selectCarrier(route, [], all, healthy, undefined, health({}))).toEqual(
        selectCarrier(route, [], all, plain),
      );
    }
  });

  it("still chooses a carrier when the random number is at the edge of its range", () => {
    const adjust = health({ "id-indosat": 0.01, "id-xl": 0.2 });
    expect(selectCarrier(route, [], all, () => 0, undefined, adjust)?.carrier).toBe("id-telkomsel");
    expect(selectCarrier(route, [], all, () => 1, undefined, adjust)?.carrier).toBe("id-xl");
    expect(selectCarrier(route, [], all, () => 0.9999999999, undefined, adjust)?.carrier).toBe("id-xl");
  });

  it("explains a carrier chosen with a lowered factor, with its figures", () => {
    // 10×0.6 of 96: 6.25 %, above the floor.
    const choice = selectCarrier(route, [], all, () => 0.99, undefined, health({ "id-xl": 0.6 }));
    expect(choice).toEqual({
      carrier: "id-xl",
      explain:
        "route indonesia (country ID): id-xl chosen by weight 10×0.60 of 96 (health: figures of id-xl); tried: none; unavailable: none",
    });
  });

  it("explains a healthy carrier's choice with the others' lowered factors", () => {
    const choice = selectCarrier(
      route,
      [],
      all,
      () => 0,
      undefined,
      health({ "id-indosat": 0.5, "id-xl": 0.25 }),
    );
    expect(choice?.explain).toBe(
      "route indonesia (country ID): id-telkomsel chosen by weight 60 of 77.5 (health: id-indosat ×0.50; id-xl ×0.25); tried: none; unavailable: none",
    );
  });

  it("explains a choice raised only to the carrier's share by weight, when that is below the floor", () => {
    // id-xl: 10 of 100 by weight; with a 20 % floor its least share is its 10 %, not 20 %.
    const choice = selectCarrier(route, [], all, () => 0.97, undefined, health({ "id-xl": 0.01 }, 0.2));
    expect(choice?.carrier).toBe("id-xl");
    expect(choice?.explain).toContain(", raised to its 10 % share by weight (health: figures of id-xl)");
  });

  it("explains a choice the floor decided", () => {
    const choice = selectCarrier(route, [], all, () => 0.97, undefined, health({ "id-xl": 0.01 }));
    expect(choice?.carrier).toBe("id-xl");
    expect(choice?.explain).toBe(
      "route indonesia (country ID): id-xl chosen by weight 10×0.01 of 90.1, raised to the 5 % floor (health: figures of id-xl); tried: none; unavailable: none",
    );
  });

  it("explains the worked example of docs/routing.md", () => {
    const indonesia = {
      ...route,
      carriers: [
        { id: "id-telkomsel", weight: 20 },
        { id: "id-indosat", weight: 20 },
      ],
    };
    const factor = (19 / 47) * (7.5 / 9.2);
    const adjust = {
      ...health({ "id-indosat": factor }),
      describe: () => "40 % delivered, p50 DLR 9.2 s over 47 attempts",
    };
    expect(selectCarrier(indonesia, [], all, () => 0.99, undefined, adjust)?.explain).toBe(
      "route indonesia (country ID): id-indosat chosen by weight 20×0.33 of 26.59 (health: 40 % delivered, p50 DLR 9.2 s over 47 attempts); tried: none; unavailable: none",
    );
    expect(selectCarrier(indonesia, [], all, () => 0, undefined, adjust)?.explain).toBe(
      "route indonesia (country ID): id-telkomsel chosen by weight 20 of 26.59 (health: id-indosat ×0.33); tried: none; unavailable: none",
    );
  });
});
