import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { SmppStatus } from "../../../src/smpp/command-status.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";
import { testRedis } from "../../helpers/redis.js";
import { waitUntil } from "../../helpers/wait.js";
import { smppGateway } from "./smpp-gateway.js";

describe("anti-abuse limits of an account, over HTTP and SMPP alike (a real daemon, real Redis)", () => {
  it("refuses other countries, and messages past its per-number and per-range limits, counting each", async () => {
    const sim = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const { client: redis } = await testRedis();
    // A carrier for Indonesia and Korea: a route takes both, only the account's countries refuse Korea.
    const { daemon, esme } = await smppGateway({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port!, countries: ["ID", "KR"] }],
      accountKeys: [
        "countries: [ID]",
        "per_number_limit: { messages: 2, window_seconds: 600 }",
        "per_range_limit: { messages: 4, window_seconds: 600, range_digits: 2 }",
      ],
    });
    const post = (to: string) =>
      daemon.api("/v1/messages", {
        method: "POST",
        body: { to, from: FIXTURE_ACCOUNT.sender, text: "Code 5521" },
      });
    const submit = (to: string) =>
      esme.submit({ source_addr: FIXTURE_ACCOUNT.sender, destination_addr: to, registered_delivery: 0 });

    // Two to one number over HTTP; the third is refused until the window ends, and nothing is stored for it.
    expect((await post("+6281100000001")).status).toBe(202);
    expect((await post("+6281100000001")).status).toBe(202);
    const third = await post("+6281100000001");
    expect(third.status).toBe(429);
    expect(third.body.error).toEqual({
      code: "OTPGW_ERR_HTTP_VOLUME_LIMITED",
      message: "the account's limit of 2 messages per number in 600 s is reached",
    });
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(590);
    // The same number over SMPP shares the count: refused, and not with ESME_RTHROTTLED (that slows the bind).
    expect((await submit("6281100000001")).command_status).toBe(SmppStatus.ESME_RSUBMITFAIL);
    // A two-part message to it: the first part is held for its set, the last one refused, and the set dropped
    // (a resend could not get through either).
    const part = (seq: number) =>
      esme.submit({
        source_addr: FIXTURE_ACCOUNT.sender,
        destination_addr: "6281100000001",
        esm_class: 0x40,
        short_message: Buffer.concat([
          Buffer.from([5, 0, 3, 9, 2, seq]),
          Buffer.from(`Code 5521 part ${seq}`),
        ]),
      });
    expect((await part(1)).command_status).toBe(0);
    expect(await redis.keys(`${daemon.prefix}smpp:concat:*`)).toHaveLength(1);
    expect((await part(2)).command_status).toBe(SmppStatus.ESME_RSUBMITFAIL);
    expect(await redis.keys(`${daemon.prefix}smpp:concat:*`)).toEqual([]);

    // A walk through the range +62811000000xx: two more numbers pass (four in the range), the fifth does not.
    expect((await submit("6281100000002")).command_status).toBe(0);
    expect((await post("+6281100000003")).status).toBe(202);
    expect((await submit("6281100000004")).command_status).toBe(SmppStatus.ESME_RSUBMITFAIL);
    expect((await post("+6281100000005")).status).toBe(429);
    // Another range is not held to it.
    expect((await submit("6281100000100")).command_status).toBe(0);

    // Korea is routed, but not one of the account's countries.
    const korea = await post("+821055551234");
    expect(korea.status).toBe(422);
    expect(korea.body.error).toEqual({
      code: "OTPGW_ERR_HTTP_COUNTRY_NOT_ALLOWED",
      field: "to",
      message: "this account may not send to KR numbers (its countries: ID)",
    });
    expect((await submit("821055551234")).command_status).toBe(SmppStatus.ESME_RINVDSTADR);

    const metrics = await (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    const limited = metrics.split("\n").filter((line) => line.startsWith("otpgw_submits_limited_total{"));
    expect(limited.sort()).toEqual([
      'otpgw_submits_limited_total{account="acme",limit="country"} 2',
      'otpgw_submits_limited_total{account="acme",limit="number"} 3',
      'otpgw_submits_limited_total{account="acme",limit="range"} 2',
    ]);
    const list = await runOtpgw(["accounts", "list", "--config", join(daemon.dir, "otpgw.yaml")], {
      env: { PATH: process.env.PATH },
    });
    expect(list.stdout).toMatch(
      /^acme\s+http, smpp \(\S+\)\s+\d+\s+countries ID; 2 per number in 600 s; 4 per range of 100 in 600 s\s+active$/m,
    );
    // otpgw watch shows the refusals while they come: a few more to Korea during its interval.
    const url = `http://127.0.0.1:${daemon.ports!.metrics}/metrics`;
    const watching = runOtpgw(
      [
        "watch",
        "--config",
        join(daemon.dir, "otpgw.yaml"),
        "--count",
        "1",
        "--interval",
        "1.5",
        "--metrics-url",
        url,
      ],
      { env: { PATH: process.env.PATH } },
    );
    let watched = false;
    void watching.finally(() => (watched = true));
    for (let i = 0; !watched && i < 30; i++) {
      expect((await post("+821055551234")).status).toBe(422);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await watching).stdout).toMatch(/^refused by anti-abuse limits: acme country \d+\.\d\/s$/m);
    // Five accepted in all.
    expect(metrics).toMatch(/^otpgw_messages_accepted_total 5$/m);
  }, 60_000);

  it("suspends an account on the running daemon from the command line: submits refused, lookups go on", async () => {
    const sim = await startCarrierSim({ receiptLatencyMs: { min: 5, max: 20 } });
    const { daemon, esme } = await smppGateway({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-sim", port: sim.port! }],
    });
    const otpgw = (...args: string[]) =>
      runOtpgw([...args, "--config", join(daemon.dir, "otpgw.yaml")], {
        env: { PATH: process.env.PATH, USER: "noc-1" },
      });
    const post = () =>
      daemon.api("/v1/messages", {
        method: "POST",
        body: { to: "+6281100000300", from: FIXTURE_ACCOUNT.sender, text: "Code 5521" },
      });
    const metrics = async () => (await fetch(`http://127.0.0.1:${daemon.ports!.metrics}/metrics`)).text();
    const before = await post();
    expect(before.status).toBe(202);

    const suspend = await otpgw("accounts", "suspend", "acme", "--reason", "INC-812 pumping", "--for", "2h");
    expect(suspend.stderr).toBe("");
    expect(suspend.stdout).toMatch(
      /^account acme suspended by noc-1 until \S+Z \(in 2h\): INC-812 pumping$/m,
    );
    await waitUntil(
      async () => (await metrics()).includes('otpgw_account_suspended{account="acme"} 1'),
      5000,
      "seen",
    );
    const refused = await post();
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: "OTPGW_ERR_HTTP_ACCOUNT_SUSPENDED" });
    const submit = await esme.submit({
      source_addr: FIXTURE_ACCOUNT.sender,
      destination_addr: "6281100000301",
    });
    expect(submit.command_status).toBe(SmppStatus.ESME_RSUBMITFAIL);
    // What was accepted before is still there to look up.
    expect((await daemon.api(`/v1/messages/${before.body.id as string}`)).status).toBe(200);
    expect(await metrics()).toContain('otpgw_submits_limited_total{account="acme",limit="suspended"} 2');
    expect(daemon.logLines.join("\n")).toMatch(
      /"account":"acme","change":"suspended","by":"noc-1","reason":"INC-812 pumping"/,
    );

    const list = await otpgw("accounts", "list");
    expect(list.stderr).toBe("");
    expect(list.stdout).toMatch(/^acme\s+http, smpp \(\S+\)\s+\d+\s+-\s+suspended$/m);
    expect(list.stdout).toMatch(
      /^\s+suspended by noc-1 at \S+Z until \S+Z \(in (1h 59m|2h)\): INC-812 pumping$/m,
    );
    const unknown = await otpgw("accounts", "suspend", "globex");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /unknown account "globex" \(accounts in .*accounts\.yaml: acme\); nothing was written/,
    );

    const resume = await otpgw("accounts", "resume", "acme");
    expect(resume.stdout).toMatch(/^account acme resumed by noc-1 \(suspended by noc-1 since \S+Z\)$/m);
    await waitUntil(
      async () => (await metrics()).includes('otpgw_account_suspended{account="acme"} 0'),
      5000,
      "lifted",
    );
    expect((await post()).status).toBe(202);
    const json = JSON.parse((await otpgw("accounts", "list", "--json")).stdout) as { accounts: unknown[] };
    expect(json.accounts).toEqual([
      {
        account: "acme",
        access: ["http", expect.stringMatching(/^smpp \(/)],
        ratePerSecond: 10_000,
        limits: [],
      },
    ]);
  }, 60_000);
});
