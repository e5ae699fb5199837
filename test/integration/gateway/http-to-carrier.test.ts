import { describe, expect, inject, it } from "vitest";
import type { SimulatorOptions } from "../../../scripts/sim/carrier-simulator.js";
import { startCarrierSim } from "../../helpers/carrier-sim.js";
import { daemonFixture, FIXTURE_ACCOUNT } from "../../helpers/daemon-fixture.js";
import { waitUntil } from "../../helpers/wait.js";
import { webhookReceiver } from "../../helpers/webhook-receiver.js";

const QUICK: SimulatorOptions = {
  submitRespLatencyMs: { min: 1, max: 3 },
  receiptLatencyMs: { min: 20, max: 60 },
};

const sim = startCarrierSim;

describe("HTTP submit → carriers → receipt → webhook (the daemon as a process)", () => {
  it("reroutes a message with no DLR within the timeout to the next carrier, and sends one signed webhook", async () => {
    const silent = await sim({ ...QUICK, outcomeMix: { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, none: 1 } });
    const good = await sim(QUICK);
    const hooks = await webhookReceiver(FIXTURE_ACCOUNT.webhookSecret);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [
        { id: "id-silent", port: silent.port! },
        { id: "id-good", port: good.port! },
      ],
      dlrTimeoutSeconds: 1,
    });
    await daemon.start();
    await daemon.waitForBinds();

    const submitted = await daemon.api("/v1/messages", {
      method: "POST",
      body: {
        to: "+6281234567890",
        from: "ACME",
        text: "Your code is 482913",
        callback_url: hooks.url,
        client_ref: "login-1",
      },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;

    await waitUntil(() => hooks.calls.length >= 1, 10_000, "the webhook");
    await new Promise((r) => setTimeout(r, 500));
    expect(hooks.calls).toHaveLength(1);
    const [hook] = hooks.calls;
    expect(hook).toMatchObject({
      eventId: `final:${id}`,
      validSignature: true,
      body: { id, state: "delivered" },
    });

    const view = await daemon.api(`/v1/messages/${id}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id, state: "delivered", client_ref: "login-1" });
    const attempts = view.body.attempts as { carrier: string; outcome: string }[];
    expect(attempts.map((a) => [a.carrier, a.outcome])).toEqual([
      ["id-silent", "timeout"],
      ["id-good", "delivered"],
    ]);
    expect(JSON.stringify(view.body)).not.toContain("482913");
    expect(daemon.logLines.join("\n")).not.toContain("482913");

    // The numbering plan's verdict reaches the API: a Jakarta fixed line cannot receive the code.
    const fixedLine = await daemon.api("/v1/messages", {
      method: "POST",
      body: { to: "+622150123456", from: "ACME", text: "Your code is 482914" },
    });
    expect(fixedLine.status).toBe(422);
    expect(fixedLine.body).toMatchObject({
      error: {
        code: "OTPGW_ERR_HTTP_INVALID_NUMBER",
        field: "to",
        message: "not a valid E.164 mobile number: a fixed line of ID, which cannot receive SMS",
      },
    });

    // A validity no attempt could start in (the fixture's min_remaining_validity_seconds is 1) is refused.
    const tooShort = await daemon.api("/v1/messages", {
      method: "POST",
      body: { to: "+6281234567890", from: "ACME", text: "Your code is 482915", validity_seconds: 1 },
    });
    expect(tooShort.status).toBe(422);
    expect(tooShort.body).toMatchObject({
      error: { code: "OTPGW_ERR_HTTP_VALIDITY_OUT_OF_RANGE", field: "validity_seconds" },
    });
    expect((tooShort.body.error as { message: string }).message).toMatch(/between 2 and \d+ seconds/);
  });

  it("creates one message for one Idempotency-Key, also when the requests race", async () => {
    const good = await sim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-good", port: good.port! }],
    });
    await daemon.start();
    // Until a carrier is bound the API rightly answers 503 (back-pressure), which is not what this test is about.
    await daemon.waitForBinds();
    const body = { to: "+6281234567891", from: "ACME", text: "Your code is 111111" };
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        daemon.api("/v1/messages", { method: "POST", body, headers: { "idempotency-key": "login-42" } }),
      ),
    );
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.status === 202)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(9);
    await waitUntil(() => good.received().length >= 1, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(good.received()).toHaveLength(1);
  });

  it("refuses a destination no route takes, before anything is stored", async () => {
    const good = await sim(QUICK);
    const daemon = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-good", port: good.port! }],
    });
    await daemon.start();
    const response = await daemon.api("/v1/messages", {
      method: "POST",
      body: { to: "+821055551234", from: "ACME", text: "code 1" },
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: { code: "OTPGW_ERR_HTTP_NO_ROUTE", field: "to" } });
  });

  it("by default refuses a callback_url at a private address, and sends webhooks there once allowed", async () => {
    const good = await sim(QUICK);
    const hooks = await webhookReceiver(FIXTURE_ACCOUNT.webhookSecret);
    const submit = (daemon: Awaited<ReturnType<typeof daemonFixture>>) =>
      daemon.api("/v1/messages", {
        method: "POST",
        body: {
          to: "+6281100000099",
          from: FIXTURE_ACCOUNT.sender,
          text: "Your code is 1234",
          callback_url: hooks.url,
        },
      });
    const refusing = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-good", port: good.port! }],
      settings: "webhook_private_addresses: refuse",
    });
    await refusing.start();
    const refused = await submit(refusing);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      error: { code: "OTPGW_ERR_HTTP_INVALID_CALLBACK_URL", field: "callback_url" },
    });
    const allowing = await daemonFixture({
      redisUrl: inject("redisUrl"),
      carriers: [{ id: "id-good", port: good.port! }],
    });
    await allowing.start();
    await allowing.waitForBinds();
    const accepted = await submit(allowing);
    expect(accepted.status).toBe(202);
    await waitUntil(() => hooks.calls.length === 1, 10_000, "the webhook");
  });
});
