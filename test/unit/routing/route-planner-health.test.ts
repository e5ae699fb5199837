import { describe, expect, it } from "vitest";
import { seededRng } from "../../../scripts/sim/sampling.js";
import type { RoutePlanner } from "../../../src/delivery/route-planner.js";
import type { Attempt } from "../../../src/delivery/types.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { LiveRouteTable } from "../../../src/routing/live-route-table.js";
import { createRoutePlanner } from "../../../src/routing/route-planner.js";
import { parseRoutesFile } from "../../../src/routing/routes-file.js";

const carriers = new Map([
  ["id-a", { countries: ["ID"] }],
  ["id-b", { countries: ["ID"] }],
  ["kr-skt", { countries: ["KR"] }],
]);
const TO = "+6281234567890";

const KOREA = `  - name: korea
    match: { country: KR }
    carriers: [{ carrier: kr-skt }]
`;

/** routes.yaml with the indonesia route (named `name`) whose health is `health`, and `more` routes after it. */
function table(health: string, more = "", name = "indonesia") {
  const text = `routes:
  - name: ${name}
    match: { country: ID }
    carriers: [{ carrier: id-a }, { carrier: id-b }]
    health: ${health}
${more}`;
  const result = parseRoutesFile(text, "routes.yaml", carriers);
  if (!result.table) throw new Error(result.problems.map((p) => p.reason).join("; "));
  return result.table;
}

function failed(carrier: string, at: number): Attempt {
  return {
    n: 1,
    channel: "sms",
    carrier,
    startedAt: at - 2000,
    dlrDeadline: at + 28_000,
    carrierMessageIds: ["x"],
    partStatus: ["failed"],
    receiptStat: "UNDELIV",
    outcome: "failed",
    endedAt: at,
  };
}

/** The carriers of `times` first attempts. */
function firstAttempts(planner: RoutePlanner, times: number): string[] {
  const chosen: string[] = [];
  for (let i = 0; i < times; i++) chosen.push(planner.choose(TO, "ID", [], () => true)!.carrier);
  return chosen;
}

describe("the route planner with live health", () => {
  it("learns from the attempts delivery reports ended, and moves traffic off a failing carrier", () => {
    const now = 1_000_000;
    const planner = createRoutePlanner(table("{ min_samples: 10 }"), seededRng(1), { clock: () => now });
    for (let i = 0; i < 10; i++) planner.attemptEnded!(TO, "ID", failed("id-a", now));
    const chosen = firstAttempts(planner, 4000);
    const onA = chosen.filter((c) => c === "id-a").length;
    // At the 5 % floor (by weights alone: 50 %); 4 standard deviations of 4000 draws at 5 % are 55.
    expect(onA).toBeGreaterThan(200 - 55);
    expect(onA).toBeLessThan(200 + 55);
  });

  it("with health off, chooses exactly as the configured weights do, whatever the attempts", () => {
    const now = 1_000_000;
    const off = createRoutePlanner(table("{ enabled: false, min_samples: 10 }"), seededRng(3), {
      clock: () => now,
    });
    for (let i = 0; i < 50; i++) off.attemptEnded!(TO, "ID", failed("id-a", now));
    const untouched = createRoutePlanner(table("{ enabled: false }"), seededRng(3));
    const chosen = firstAttempts(off, 2000);
    expect(chosen).toEqual(firstAttempts(untouched, 2000));
    const onA = chosen.filter((c) => c === "id-a").length;
    expect(onA).toBeGreaterThan(1000 - 90);
    expect(onA).toBeLessThan(1000 + 90);
  });

  it("exports each carrier's factor as otpgw_carrier_health_factor{route,carrier}", async () => {
    const now = 1_000_000;
    const metrics = createMetrics();
    const planner = createRoutePlanner(table("{ min_samples: 10 }"), seededRng(1), {
      clock: () => now,
      metrics,
    });
    for (let i = 0; i < 10; i++) planner.attemptEnded!(TO, "ID", failed("id-a", now));
    const { values } = await metrics.registry.getSingleMetric("otpgw_carrier_health_factor")!.get();
    expect(values).toEqual([
      { labels: { route: "indonesia", carrier: "id-a" }, value: 0.01 },
      { labels: { route: "indonesia", carrier: "id-b" }, value: 1 },
    ]);
  });

  it("keeps what a route's carriers learned across a reload of routes.yaml, and forgets routes the reload removed", async () => {
    const now = 1_000_000;
    const metrics = createMetrics();
    const live = new LiveRouteTable(table("{ min_samples: 10 }"));
    const planner = createRoutePlanner(live, seededRng(1), { clock: () => now, metrics });
    for (let i = 0; i < 10; i++) planner.attemptEnded!(TO, "ID", failed("id-a", now));
    const share = () => firstAttempts(planner, 2000).filter((c) => c === "id-a").length / 2000;
    expect(share()).toBeLessThan(0.1);
    // An edit elsewhere in the file (a Korean route added): indonesia is parsed again, the same.
    live.replace(table("{ min_samples: 10 }", KOREA));
    expect(share()).toBeLessThan(0.1);
    // A stricter min_samples judges the same attempts again: too few now, so the factor is 1.
    live.replace(table("{ min_samples: 20 }"));
    expect(share()).toBeGreaterThan(0.4);
    // A route renamed away is forgotten at the next scrape; the gauge follows the table in use.
    live.replace(table("{ min_samples: 10 }", "", "indonesia-2"));
    const { values } = await metrics.registry.getSingleMetric("otpgw_carrier_health_factor")!.get();
    expect(values.map((v) => v.labels.route)).toEqual(["indonesia-2", "indonesia-2"]);
  });

  it("moves traffic off a carrier whose deliveries convert less, once the conversion wait is over", () => {
    let now = 1_000_000;
    const planner = createRoutePlanner(
      table("{ min_samples: 10, conversion_wait_seconds: 30 }"),
      seededRng(5),
      {
        clock: () => now,
      },
    );
    const at = now;
    for (let i = 0; i < 20; i++) {
      planner.conversionObserved!(TO, "ID", "id-a", at, false);
      planner.conversionObserved!(TO, "ID", "id-b", at, false);
      planner.conversionObserved!(TO, "ID", "id-b", at, true);
      if (i < 2) planner.conversionObserved!(TO, "ID", "id-a", at, true);
    }
    expect(planner.choose(TO, "ID", ["id-b"], () => true)!.explain).not.toMatch(/health/);
    // The window's tenth is a minute: the delivery's minute has waited 30 s once the next one is 30 s old.
    now = at + 91_000;
    const chosen = firstAttempts(planner, 4000);
    const onA = chosen.filter((c) => c === "id-a").length;
    // id-a converts 10 % against id-b's 100 %: factor 0.1, weight 1 × 0.1 of 1.1 (9 %); 4 σ of 4000 draws is 72.
    expect(onA).toBeGreaterThan(364 - 72);
    expect(onA).toBeLessThan(364 + 72);
    expect(planner.choose(TO, "ID", ["id-b"], () => true)!.explain).toMatch(
      /10 % of 20 deliveries converted \(best 100 %\)/,
    );
  });

  it("exports each judged conversion share as otpgw_carrier_conversion_share{route,carrier}", async () => {
    let now = 1_000_000;
    const metrics = createMetrics();
    const planner = createRoutePlanner(table("{ min_samples: 10 }"), seededRng(1), {
      clock: () => now,
      metrics,
    });
    const gauge = async () =>
      (await metrics.registry.getSingleMetric("otpgw_carrier_conversion_share")!.get()).values;
    expect(await gauge()).toEqual([]);
    for (let i = 0; i < 12; i++) {
      planner.conversionObserved!(TO, "ID", "id-a", now, false);
      if (i < 9) planner.conversionObserved!(TO, "ID", "id-a", now, true);
    }
    // id-b has too few deliveries to be judged: no series.
    for (let i = 0; i < 9; i++) planner.conversionObserved!(TO, "ID", "id-b", now, false);
    expect(await gauge()).toEqual([]);
    now += 181_000;
    expect(await gauge()).toEqual([{ labels: { route: "indonesia", carrier: "id-a" }, value: 0.75 }]);
  });
});
