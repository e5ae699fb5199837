import { describe, expect, it } from "vitest";
import type { Attempt } from "../../../src/delivery/types.js";
import { deliveryPlanner } from "../../../src/gateway-delivery.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { RedisClock } from "../../../src/redis/redis-clock.js";
import { LiveRouteTable } from "../../../src/routing/live-route-table.js";
import { parseRoutesFile } from "../../../src/routing/routes-file.js";

const TO = "+6281234567890";
const HOUR_MS = 3_600_000;

function routes(): LiveRouteTable {
  const text = `routes:
  - name: indonesia
    match: { country: ID }
    carriers: [{ carrier: id-a }, { carrier: id-b }]
    health: { min_samples: 10 }
`;
  const carriers = new Map([
    ["id-a", { countries: ["ID"] }],
    ["id-b", { countries: ["ID"] }],
  ]);
  const result = parseRoutesFile(text, "routes.yaml", carriers);
  if (!result.table) throw new Error(result.problems.map((p) => p.reason).join("; "));
  return new LiveRouteTable(result.table);
}

/** An SMS attempt on `carrier` whose receipt said UNDELIV at `at`, as delivery stamps it (on its clock). */
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

describe("the gateway's route planner (gateway-delivery.ts)", () => {
  it("judges live health on delivery's clock (Redis's): on a host an hour ahead of Redis, failures just now still count", async () => {
    // Redis's clock as this host sees it: an hour behind the host's wall clock.
    const clock = new RedisClock({ local: () => performance.timeOrigin + performance.now() - HOUR_MS });
    const metrics = createMetrics();
    const planner = deliveryPlanner({ routes: routes(), logger: silentLogger(), metrics, clock });
    for (let i = 0; i < 10; i++) planner.attemptEnded!(TO, "ID", failed("id-a", clock.now()));
    // A scrape judges every carrier now: on the host's clock the failures would be an hour old, out of the window.
    const scraped = await metrics.registry.getSingleMetricAsString("otpgw_carrier_health_factor");
    expect(scraped).toMatch(/carrier="id-a"[^\n]*\} 0\.\d+/);
    let onA = 0;
    for (let i = 0; i < 2000; i++) if (planner.choose(TO, "ID", [], () => true)!.carrier === "id-a") onA++;
    // Moved off id-a towards the 5 % floor (by the weights alone: 50 %).
    expect(onA).toBeLessThan(400);
  });
});
