import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";
import { waitUntil } from "../../helpers/wait.js";
import { smppGateway } from "./smpp-gateway.js";

describe("operators block ranges of numbers on the running daemon (otpgw ranges …)", () => {
  it("a range blocked for every account refuses its numbers over HTTP and SMPP within a second, one for an account only that account's; listed, counted, and lifted", async () => {
    const sim = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const { daemon, esme } = await smppGateway({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    const otpgw = (...args: string[]) =>
      runOtpgw([...args, "--config", join(daemon.dir, "otpgw.yaml")], {
        env: { PATH: process.env.PATH, USER: "noc-2" },
      });
    const post = (to: string) =>
      daemon.api("/v1/messages", {
        method: "POST",
        body: { to, from: FIXTURE_ACCOUNT.sender, text: "Code 5521" },
      });
    const submit = (to: string) =>
      esme.submit({ source_addr: FIXTURE_ACCOUNT.sender, destination_addr: to, registered_delivery: 0 });
    const metrics = async () => (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    expect((await post("+6281199000001")).status).toBe(202);

    const block = await otpgw("ranges", "block", "+62 811 99", "--reason", "INC-9 pumping", "--for", "1h");
    expect(block.stderr).toBe("");
    expect(block.code).toBe(0);
    expect(block.stdout).toMatch(
      /^range \+6281199 blocked for every account by noc-2 until \S+Z \(in 1h\): INC-9 pumping$/m,
    );
    expect(block.stdout).toContain("Lift it with: otpgw ranges unblock +6281199");
    await waitUntil(
      async () => (await metrics()).includes('otpgw_ranges_blocked{account="*"} 1'),
      2_000,
      "the block to be seen",
    );
    const refused = await post("+6281199000002");
    expect(refused.status).toBe(422);
    expect(refused.body.error).toEqual({
      code: "OTPGW_ERR_HTTP_RANGE_BLOCKED",
      field: "to",
      message: "numbers starting +6281199 are blocked by the gateway's operator (suspected SMS pumping)",
    });
    expect((await submit("6281199000003")).command_status).toBe(SmppStatus.ESME_RINVDSTADR);
    // A number outside the range goes through.
    expect((await post("+6281198000001")).status).toBe(202);
    expect(await metrics()).toContain('otpgw_submits_limited_total{account="acme",limit="blocked_range"} 2');
    expect(daemon.logLines.join("\n")).toMatch(
      /"account":"\*","range":"\+6281199","change":"blocked","by":"noc-2","reason":"INC-9 pumping"/,
    );

    // One account's block, beside it.
    const mine = await otpgw("ranges", "block", "+628119800", "--account", "acme");
    expect(mine.stdout).toMatch(/^range \+628119800 blocked for account acme by noc-2$/m);
    await waitUntil(
      async () => (await post("+6281198000002")).status === 422,
      2_000,
      "the account's block to be seen",
    );
    const list = await otpgw("ranges", "list");
    expect(list.stderr).toBe("");
    expect(list.stdout).toMatch(/^\+628119800\s+acme\s+noc-2\s+\S+Z\s+no end$/m);
    expect(list.stdout).toMatch(
      /^\+6281199\s+every account\s+noc-2\s+\S+Z\s+\S+Z \(in (59m \d+s|1h)\)\s+INC-9 pumping$/m,
    );
    // Not carriers: `carriers list` does not show them as overrides of carriers no longer configured.
    const carriers = await otpgw("carriers", "list");
    expect(carriers.code).toBe(0);
    expect(carriers.stdout).not.toContain("range:");
    const json = JSON.parse((await otpgw("ranges", "list", "--json")).stdout) as {
      ranges: { range: string; account: string }[];
    };
    expect(json.ranges.map((r) => [r.range, r.account])).toEqual([
      ["+628119800", "acme"],
      ["+6281199", "*"],
    ]);

    // Bad input writes nothing: an unknown account, a prefix that is not digits.
    const unknown = await otpgw("ranges", "block", "+4470", "--account", "globex");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown account "globex" .*nothing was written/);
    const bad = await otpgw("ranges", "block", "+44x70");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'otpgw: ranges block: "+44x70" is not a number prefix: give the range\'s first digits in E.164 form, e.g. +447012\n',
    );
    expect(JSON.parse((await otpgw("ranges", "list", "--json")).stdout)).toMatchObject({
      ranges: [{ range: "+628119800" }, { range: "+6281199" }],
    });

    const lift = await otpgw("ranges", "unblock", "+6281199");
    expect(lift.stdout).toMatch(
      /^range \+6281199 unblocked for every account by noc-2 \(blocked by noc-2 since \S+Z\)$/m,
    );
    const again = await otpgw("ranges", "unblock", "+6281199");
    expect(again.stdout).toMatch(/^range \+6281199 was not blocked for every account: nothing to lift/m);
    await waitUntil(
      async () => (await metrics()).includes('otpgw_ranges_blocked{account="*"} 0'),
      2_000,
      "the block to be lifted",
    );
    expect((await submit("6281199000004")).command_status).toBe(0);
    expect((await otpgw("ranges", "unblock", "+628119800", "--account", "acme")).code).toBe(0);
    await waitUntil(
      async () => (await post("+6281198000003")).status === 202,
      2_000,
      "the account's block to be lifted",
    );
    expect((await otpgw("ranges", "list")).stdout).toMatch(/^no range is blocked \(read from /);
  }, 60_000);
});
