import { describe, expect, inject, it } from "vitest";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const QUICK = { submitRespLatencyMs: { min: 1, max: 3 }, receiptLatencyMs: { min: 10, max: 30 } };

describe("admission by the destination's route (the daemon as a process)", () => {
  it("takes destinations whose route's carriers do not list their country: a default route, a shared +1 prefix", async () => {
    const idSim = await startCarrierSim(QUICK);
    const intlSim = await startCarrierSim(QUICK);
    const usSim = await startCarrierSim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "id-a", port: idSim.port!, countries: ["ID"] },
        // An international aggregator on the default route: its file lists one country, the route sends it all.
        { id: "intl", port: intlSim.port!, countries: ["SG"] },
        { id: "us-carrier", port: usSim.port!, countries: ["US"] },
      ],
      routes: [
        "  - name: indonesia",
        "    match: { country: ID }",
        "    carriers: [{ carrier: id-a }]",
        "  - name: nanp",
        '    match: { prefix: "+1" }',
        "    carriers: [{ carrier: us-carrier }]",
        "  - name: rest-of-world",
        "    match: default",
        "    carriers: [{ carrier: intl }]",
      ].join("\n"),
    });
    await daemon.start();
    await daemon.waitForBinds();
    const send = (to: string) =>
      daemon.api("/v1/messages", {
        method: "POST",
        body: { to, from: FIXTURE_ACCOUNT.sender, text: "Your code is 318204" },
      });
    const statuses: Record<string, number> = {};
    for (const to of ["+6281234567890", "+821012345678", "+6581234567", "+12015550123", "+12042345678"]) {
      statuses[to] = (await send(to)).status;
    }
    expect(statuses).toEqual({
      "+6281234567890": 202,
      "+821012345678": 202, // KR, by the default route's carrier
      "+6581234567": 202,
      "+12015550123": 202,
      "+12042345678": 202, // CA, by the +1 route's carrier
    });
    await waitUntil(
      () => intlSim.received().length >= 2 && usSim.received().length >= 2,
      10_000,
      "the submits",
    );
    expect(
      intlSim
        .received()
        .map((m) => m.destination)
        .sort(),
    ).toEqual(["6581234567", "821012345678"]);
    expect(
      usSim
        .received()
        .map((m) => m.destination)
        .sort(),
    ).toEqual(["12015550123", "12042345678"]);
  });
});
