import { describe, expect, it } from "vitest";
import { canAccept } from "../../../src/delivery/admission.js";
import type { EscalationDeps } from "../../../src/delivery/processor-types.js";
import type { ChannelId } from "../../../src/escalation/channel-types.js";
import { createRoutePlanner } from "../../../src/routing/route-planner.js";
import { parseRoutesFile } from "../../../src/routing/routes-file.js";

/** One Indonesian route on carrier id-a with the given channel lists, and id-a's pool in the given state. */
function admits(lists: string, pool: { boundCount: number; queued?: number } | undefined, runs: ChannelId[]) {
  const yaml = `routes:\n  - name: id\n    match: { country: ID }\n    carriers: [{ carrier: id-a }]\n${lists}`;
  const table = parseRoutesFile(
    yaml,
    "routes.yaml",
    new Map([["id-a", { countries: ["ID"] }]]),
    1,
    new Set<ChannelId>(["whatsapp", "voice"]),
  ).table!;
  const pools = new Map(
    pool
      ? [
          [
            "id-a",
            {
              boundCount: pool.boundCount,
              servedElsewhere: false,
              queued: pool.queued ?? 0,
              maxQueued: 100,
              estimatedWaitMs: () => 0,
            },
          ],
        ]
      : [],
  );
  const escalation = { runs: (channel: ChannelId) => runs.includes(channel) } as unknown as EscalationDeps;
  return canAccept(
    { planner: createRoutePlanner(table), pools: pools as never, escalation },
    "+6281234567890",
    "ID",
  );
}

describe("admission of a new message", () => {
  it("takes a message while the route's carrier is down when a channel this process runs comes before or after SMS", () => {
    const down = { boundCount: 0 };
    expect(admits("", down, ["whatsapp"])).toBe(false);
    expect(admits("    escalation: [whatsapp]\n", down, ["whatsapp"])).toBe(true);
    expect(admits("    before_sms: [whatsapp]\n", down, ["whatsapp"])).toBe(true);
    // A channel this process does not run carries nothing.
    expect(admits("    before_sms: [voice]\n", down, ["whatsapp"])).toBe(false);
  });

  it("applies back-pressure while the carrier is merely full, whatever the channels", () => {
    const full = { boundCount: 1, queued: 90 };
    expect(admits("    before_sms: [whatsapp]\n", full, ["whatsapp"])).toBe(false);
    expect(admits("    before_sms: [whatsapp]\n", { boundCount: 1 }, ["whatsapp"])).toBe(true);
  });
});
