import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { ACCOUNT_BASELINE_DELIVERIES } from "../../../src/ops/pumping-guard.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";
import { waitUntil } from "../../helpers/wait.js";

describe("the pumping guard on a running daemon (accounts.yaml pumping_guard)", () => {
  it("blocks for the account the range whose delivered codes are never used while its others are, and that range's submits are refused", async () => {
    const sim = await startCarrierSim({
      submitRespLatencyMs: { min: 1, max: 3 },
      receiptLatencyMs: { min: 5, max: 20 },
    });
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-a", port: sim.port! }],
      accountKeys: [
        "reports_conversions: true",
        "pumping_guard: { min_deliveries: 6, conversion_wait_seconds: 1, block_seconds: 600 }",
      ],
    });
    await daemon.start();
    await daemon.waitForBinds();
    const post = async (to: string) => {
      const response = await daemon.api("/v1/messages", {
        method: "POST",
        body: { to, from: FIXTURE_ACCOUNT.sender, text: "Your code is 661144" },
      });
      return response;
    };
    const metrics = async () => (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();

    // The account's people use their codes: each normal OTP is converted right after it is sent.
    for (let i = 0; i < ACCOUNT_BASELINE_DELIVERIES + 10; i++) {
      const sent = await post(`+6281200${String(i).padStart(3, "0")}123`);
      expect(sent.status).toBe(202);
      const used = await daemon.api(`/v1/messages/${sent.body.id as string}/conversion`, { method: "POST" });
      expect(used.status).toBe(200);
    }
    // Codes to one range of 1,000 numbers that nobody uses.
    for (let i = 0; i < 6; i++)
      expect((await post(`+628129999${String(i).padStart(3, "0")}`)).status).toBe(202);

    await waitUntil(
      async () => (await metrics()).includes('otpgw_pumping_guard_blocks_total{account="acme"} 1'),
      10_000,
      "the guard to block the range",
    );
    await waitUntil(async () => (await post("+628129999500")).status === 422, 3_000, "the block to apply");
    const refused = await post("+628129999501");
    expect(refused.body.error).toMatchObject({
      code: "OTPGW_ERR_HTTP_RANGE_BLOCKED",
      message: "numbers starting +628129999 are blocked by the gateway's operator (suspected SMS pumping)",
    });
    // Another range of the account is not held.
    expect((await post("+628120000999")).status).toBe(202);
    expect(daemon.logLines.join("\n")).toMatch(
      /"account":"acme","range":"\+628129999","blockSeconds":600,"reason":"0 of 6 delivered codes used \(0 %\) where the account's are 9\d %: suspected SMS pumping","msg":"pumping guard blocked a range/,
    );
    // The NOC sees it, by whom and why, and can lift it.
    const list = await runOtpgw(["ranges", "list", "--config", join(daemon.dir, "otpgw.yaml")], {
      env: { PATH: process.env.PATH },
    });
    expect(list.stdout).toMatch(
      /^\+628129999\s+acme\s+pumping-guard\s+\S+Z\s+\S+Z \(in (9m \d+s|10m)\)\s+0 of 6 delivered codes used/m,
    );
    const accounts = await runOtpgw(["accounts", "list", "--config", join(daemon.dir, "otpgw.yaml")], {
      env: { PATH: process.env.PATH },
    });
    expect(accounts.stdout).toContain(
      "pumping guard (ranges of 1000: 6 deliveries, ≤ 0.2 × its conversion share, blocked 600 s)",
    );
    // No text or code in what the guard logged.
    expect(daemon.logLines.filter((l) => l.includes("pumping")).join("\n")).not.toContain("661144");
  }, 60_000);
});
