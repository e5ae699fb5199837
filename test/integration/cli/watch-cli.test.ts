import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { freePort } from "../../../scripts/lib/free-port.js";
import { daemonWithSim, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { escalatingGateway } from "../../helpers/escalating-gateway.js";
import { runOtpgw } from "../../helpers/otpgw-cli.js";
import { waitUntil } from "../../helpers/wait.js";
import { carrierYaml, tempTree } from "../../unit/config/config-fixtures.js";

describe("otpgw watch (the command line, on a running daemon)", () => {
  it("prints the instance's traffic per carrier from its metrics, rates over the interval", async () => {
    const { daemon } = await daemonWithSim(
      { receiptLatencyMs: { min: 5, max: 20 } },
      { redisUrl: inject("redisUrl") },
    );
    const args = ["watch", "--config", join(daemon.dir, "otpgw.yaml"), "--count", "1", "--interval", "1.5"];
    const url = `http://127.0.0.1:${daemon.ports!.metrics}/metrics`;
    const watching = runOtpgw([...args, "--metrics-url", url], { env: { PATH: process.env.PATH } });
    // Traffic all along the command's run (it starts, reads, waits 1.5 s, reads again): one OTP every 50 ms, bounded.
    let finished = false;
    void watching.finally(() => (finished = true));
    for (let i = 0; !finished && i < 400; i++) {
      const sent = await daemon.api("/v1/messages", {
        method: "POST",
        body: { to: `+62811${String(i).padStart(7, "0")}`, from: FIXTURE_ACCOUNT.sender, text: "Code 5521" },
      });
      expect(sent.status).toBe(202);
      await new Promise((r) => setTimeout(r, 50));
    }
    const run = await watching;
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^\d\d:\d\d:\d\dZ {2}accepted \d+\.\d\/s, final \d+\.\d\/s \(delivered \d+\.\d\/s\)$/m,
    );
    const row = /^id-sim\s+1\/1\s+\d+\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s+1\.00\s+-\s+-$/m.exec(run.stdout);
    expect(row, run.stdout).not.toBeNull();
    // Submits and receipts fell inside the interval; none was refused.
    expect(Number(row![1])).toBeGreaterThan(0);
    expect(row![2]).toBe("0.0");
    expect(Number(row![3])).toBeGreaterThan(0);
  }, 60_000);

  it("shows a carrier's conversion share once live health judged it, from the codes the account reported used", async () => {
    // Deliveries are judged 1 s after them, over a 30 s window (3 s buckets), from 10 of them.
    const routes = [
      "  - name: indonesia",
      "    match: { country: ID }",
      "    carriers: [{ carrier: id-sim }]",
      "    health: { window_seconds: 30, min_samples: 10, conversion_wait_seconds: 1 }",
    ].join("\n");
    const { daemon } = await daemonWithSim(
      { receiptLatencyMs: { min: 5, max: 20 } },
      { redisUrl: inject("redisUrl"), routes, accountKeys: ["reports_conversions: true"] },
    );
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const sent = await daemon.api("/v1/messages", {
        method: "POST",
        body: { to: `+62811${String(i).padStart(7, "0")}`, from: FIXTURE_ACCOUNT.sender, text: "Code 5521" },
      });
      expect(sent.status).toBe(202);
      ids.push(sent.body.id as string);
    }
    for (const id of ids)
      await waitUntil(
        async () => (await daemon.api(`/v1/messages/${id}`)).body.state === "delivered",
        10_000,
        id,
      );
    // The person used 7 of the 10 codes.
    for (const id of ids.slice(0, 7))
      expect((await daemon.api(`/v1/messages/${id}/conversion`, { method: "POST" })).status).toBe(200);
    const url = `http://127.0.0.1:${daemon.ports!.metrics}/metrics`;
    await waitUntil(
      async () => (await (await fetch(url)).text()).includes("otpgw_carrier_conversion_share{"),
      15_000,
      "the judged share",
    );
    const args = ["watch", "--config", join(daemon.dir, "otpgw.yaml"), "--count", "1", "--interval", "0.2"];
    const run = await runOtpgw([...args, "--metrics-url", url], { env: { PATH: process.env.PATH } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\bconverted\b/);
    expect(run.stdout, run.stdout).toMatch(/^id-sim\s.*\s1\.00\s+70 %\s+-$/m);
  }, 60_000);

  it("adds each escalation channel's sends per second when channels are configured", async () => {
    const gw = await escalatingGateway({ carrierOutcome: "UNDELIV", whatsapp: "deliver", voice: "deliver" });
    const args = ["watch", "--config", join(gw.daemon.dir, "otpgw.yaml"), "--count", "1", "--interval", "2"];
    const url = `http://127.0.0.1:${gw.metricsPort}/metrics`;
    const watching = runOtpgw([...args, "--metrics-url", url], { env: { PATH: process.env.PATH } });
    let finished = false;
    void watching.finally(() => (finished = true));
    // Every OTP fails by SMS and goes to WhatsApp: one every 100 ms while the command runs, bounded.
    for (let i = 0; !finished && i < 100; i++) {
      await gw.send(`+62811${String(i).padStart(7, "0")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const run = await watching;
    expect(run.code, run.stderr).toBe(0);
    const line =
      /^escalation sends: whatsapp (\S+)\/s \(failed 0\.0\/s\), voice 0\.0\/s \(failed 0\.0\/s\)$/m.exec(
        run.stdout,
      );
    expect(line, run.stdout).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThan(0);
  }, 60_000);

  it("says in one line when the metrics cannot be read, or the settings do not say where", async () => {
    const { daemon } = await daemonWithSim({}, { redisUrl: inject("redisUrl") });
    const config = ["--config", join(daemon.dir, "otpgw.yaml")];
    const env = { env: { PATH: process.env.PATH } };
    const [down, unknown, interval] = await Promise.all([
      runOtpgw(["watch", ...config, "--metrics-url", `http://127.0.0.1:${await freePort()}/metrics`], env),
      runOtpgw(["watch", ...config], env), // the fixture's metrics port is 0
      runOtpgw(["watch", ...config, "--interval", "0"], env),
    ]);
    for (const run of [down, unknown, interval]) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(down.stderr).toMatch(
      /^otpgw: watch: cannot read http:\/\/127\.0\.0\.1:\d+\/metrics: .*ECONNREFUSED/,
    );
    expect(unknown.stderr).toContain("metrics.port is 0 (a free port at start): give --metrics-url");
    expect(interval.stderr).toContain('--interval: "0" is not a number of seconds from 0.2 to 60');
  }, 60_000);

  it("never prints the password of a --metrics-url with credentials, and sends them as basic auth", async () => {
    const tree = await tempTree({
      "otpgw.yaml": "log_level: silent\n",
      "carriers/one.yaml": carrierYaml("id-one"),
    });
    onTestFinished(() => tree.remove());
    const seen: (string | undefined)[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response
        .writeHead(request.headers.authorization === `Basic ${btoa("noc:s3cretpw")}` ? 200 : 401)
        .end("");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const watch = (url: string) =>
      runOtpgw(
        [
          "watch",
          "--config",
          join(tree.dir, "otpgw.yaml"),
          "--count",
          "1",
          "--interval",
          "0.2",
          "--metrics-url",
          url,
        ],
        {
          env: { PATH: process.env.PATH },
        },
      );
    const [down, refused, read] = await Promise.all([
      watch(`http://noc:s3cretpw@127.0.0.1:${await freePort()}/metrics`),
      watch(`http://noc:wrongpw@127.0.0.1:${port}/metrics`),
      watch(`http://noc:s3cretpw@127.0.0.1:${port}/metrics`),
    ]);
    expect(down.stderr).toMatch(/^otpgw: watch: cannot read http:\/\/noc:\*\*\*@127\.0\.0\.1:\d+\/metrics: /);
    expect(down.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot read http:\/\/noc:\*\*\*@127\.0\.0\.1:\d+\/metrics: HTTP 401/);
    for (const run of [down, refused, read]) expect(run.stdout + run.stderr).not.toMatch(/s3cretpw|wrongpw/);
    expect(read.stderr).toBe("");
    expect(read.code).toBe(0);
    expect(seen).toContain(`Basic ${btoa("noc:s3cretpw")}`);
  });
});
