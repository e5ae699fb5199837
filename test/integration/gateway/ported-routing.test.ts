import { Redis } from "ioredis";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import {
  removePortedNumbers,
  replacePortedNumbers,
  writePortedNumbers,
} from "../../../src/ops/ported-store.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";

const KR = "+821012345678";

describe("routing by mobile network follows the ported numbers in Redis (otpgw ported …)", () => {
  it("a Korean 010 number goes by country until it is ported to KT, then to KT's route on every submit, also after a restart and on a second instance", async () => {
    const skt = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const kt = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "kr-skt", port: skt.port!, countries: ["KR"] },
        { id: "kr-kt", port: kt.port!, countries: ["KR"] },
      ],
      // KT's subscribers go to KT on-net; every other Korean number to SK Telecom.
      routes: [
        "  - name: korea",
        "    match: { country: KR }",
        "    carriers: [{ carrier: kr-skt }]",
        "  - name: kt",
        '    match: { network: "450-08" }',
        "    carriers: [{ carrier: kr-kt }]",
      ].join("\n"),
    });
    const redis = new Redis(inject("redisUrl"));
    onTestFinished(() => void redis.quit());
    await daemon.start();
    await daemon.waitForBinds();
    const post = async (to: string, instance: Pick<typeof daemon, "api"> = daemon) => {
      const answer = await instance.api("/v1/messages", {
        method: "POST",
        body: { to, from: FIXTURE_ACCOUNT.sender, text: "Your code is 123456" },
      });
      expect(answer.status).toBe(202);
      return (answer.body as { id: string }).id;
    };
    // What the message's view says of its first attempt (the API shows the route each was planned on).
    const firstAttempt = async (id: string) => {
      const view = await daemon.api(`/v1/messages/${id}`);
      const [attempt] = (view.body as { attempts: { carrier: string; route: string | null }[] }).attempts;
      return attempt && { carrier: attempt.carrier, route: attempt.route };
    };
    const gauge = async (instance: Pick<typeof daemon, "ports"> = daemon) => {
      const text = await (await fetch(`http://127.0.0.1:${instance.ports!.metrics}/metrics`)).text();
      return Number(/^otpgw_ported_numbers (\d+)$/m.exec(text)?.[1]);
    };
    const sentTo = (sim: typeof skt) => sim.received().map((m) => m.destination);

    const byCountry = await post(KR);
    await waitUntil(() => sentTo(skt).length === 1, 5_000, "the first submit at SK Telecom");
    expect(await gauge()).toBe(0);

    await writePortedNumbers(redis, daemon.prefix, [[KR, "450-08"]], "noc-1");
    await waitUntil(async () => (await gauge()) === 1, 3_000, "the ported number to be read");
    // A small change is applied from the change log, not by reading every ported number again.
    expect(daemon.logLines.join("\n")).toMatch(
      /"changed":1,"numbers":1.*"by":"noc-1".*"msg":"ported numbers changed: routes matching by network follow them"/,
    );
    const ported = await post(KR);
    await post("+821012345679"); // not ported: by country
    await waitUntil(() => sentTo(kt).length === 1 && sentTo(skt).length === 2, 5_000, "the next submits");
    expect(sentTo(kt)).toEqual(["821012345678"]);
    expect(sentTo(skt)).toEqual(["821012345678", "821012345679"]);
    expect(await firstAttempt(byCountry)).toEqual({ carrier: "kr-skt", route: "korea" });
    expect(await firstAttempt(ported)).toEqual({ carrier: "kr-kt", route: "kt" });
    // Read at start: after a restart the number still goes to KT.
    await daemon.stop();
    daemon.logLines.length = 0;
    await daemon.start();
    await daemon.waitForBinds();
    expect(await gauge()).toBe(1);
    expect(daemon.logLines.join("\n")).toMatch(
      /"numbers":1,"networks":\{"450-08":1\}.*"by":"noc-1".*"msg":"ported numbers loaded: routes matching by network follow them"/,
    );
    await post(KR);
    await waitUntil(() => sentTo(kt).length === 2, 5_000, "the submit after the restart at KT");

    // Ported on to LG U+, which no route names: by country again; then an import that replaces everything.
    await writePortedNumbers(redis, daemon.prefix, [[KR, "450-06"]], "noc-1");
    await waitUntil(
      () => daemon.logLines.some((l) => l.includes('"changed":1,"numbers":1')),
      3_000,
      "the change to be read",
    );
    await post(KR);
    await waitUntil(() => sentTo(skt).length === 3, 5_000, "the submit at SK Telecom");
    await replacePortedNumbers(redis, daemon.prefix, [["+821012345679", "450-08"]], "import");
    await waitUntil(
      () => daemon.logLines.some((l) => l.includes('"networks":{"450-08":1}') && l.includes('"by":"import"')),
      3_000,
      "the import to be read",
    );
    await post(KR);
    await post("+821012345679");
    await waitUntil(
      () => sentTo(skt).length === 4 && sentTo(kt).length === 3,
      5_000,
      "the submits after the import",
    );
    expect(sentTo(kt).at(-1)).toBe("821012345679");

    // A second instance on the same Redis reads them at its start, and follows a change as the first does.
    const second = daemon.another();
    await second.start();
    expect(await gauge(second)).toBe(1);
    await writePortedNumbers(redis, daemon.prefix, [[KR, "450-08"]], "noc-2");
    await waitUntil(
      async () => (await gauge()) === 2 && (await gauge(second)) === 2,
      3_000,
      "both instances to read the change",
    );
    await post(KR, second);
    await waitUntil(() => sentTo(kt).length === 4, 5_000, "the second instance's submit at KT");
    await removePortedNumbers(redis, daemon.prefix, ["+821012345679", KR], "noc-1");
    await waitUntil(
      async () => (await gauge()) === 0 && (await gauge(second)) === 0,
      3_000,
      "the removal to be read",
    );
  });
});
