import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/delivery/types.js";
import { errorOf, keys, startApi, validSubmit, type ApiFixture } from "./http-api-fixture.js";

async function submitted(api: ApiFixture, text = validSubmit.text): Promise<Message> {
  const response = await api.submit({ ...validSubmit, text, client_ref: "ref-9" });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  return api.delivery.messages.get(id)!;
}

function get(api: ApiFixture, id: string, key: string | null = keys.acme): Promise<Response> {
  return fetch(`${api.url}/v1/messages/${encodeURIComponent(id)}`, {
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
}

describe("GET /v1/messages/:id", () => {
  it("shows the state and every attempt, masks the number and never includes the text", async () => {
    const api = await startApi();
    const text = "Your secret code is 918273";
    const message = await submitted(api, text);
    const t0 = message.createdAt;
    message.state = "delivered";
    message.finalAt = t0 + 9000;
    message.finalReason = "delivered by kr-skt";
    message.attempts = [
      {
        n: 1,
        channel: "sms",
        carrier: "id-telkomsel",
        startedAt: t0 + 10,
        dlrDeadline: t0 + 5010,
        carrierMessageIds: ["abc"],
        partStatus: ["unknown"],
        outcome: "timeout",
        endedAt: t0 + 5010,
        lateReceipts: [{ stat: "DELIVRD", at: t0 + 9500 }],
        route: "indonesia",
      },
      {
        n: 2,
        channel: "sms",
        carrier: "kr-skt",
        startedAt: t0 + 5020,
        dlrDeadline: t0 + 10020,
        carrierMessageIds: ["def"],
        partStatus: ["delivered"],
        receiptStat: "DELIVRD",
        outcome: "delivered",
        endedAt: t0 + 9000,
      },
    ];
    const response = await get(api, message.id);
    expect(response.status).toBe(200);
    const raw = await response.text();
    expect(raw).not.toContain(text);
    expect(raw).not.toContain("918273");
    expect(raw).not.toContain("+6281234567890");
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(JSON.parse(raw)).toEqual({
      id: message.id,
      state: "delivered",
      to: "+6281*******90",
      from: "AcmeOTP",
      parts: 1,
      client_ref: "ref-9",
      created_at: iso(t0),
      expires_at: iso(message.expiresAt),
      final_at: iso(t0 + 9000),
      final_reason: "delivered by kr-skt",
      converted_at: null,
      attempts: [
        {
          n: 1,
          channel: "sms",
          carrier: "id-telkomsel",
          started_at: iso(t0 + 10),
          dlr_deadline: iso(t0 + 5010),
          ended_at: iso(t0 + 5010),
          outcome: "timeout",
          part_statuses: ["unknown"],
          submit_error: null,
          receipt_stat: null,
          receipt_err: null,
          late_receipts: [{ stat: "DELIVRD", at: iso(t0 + 9500) }],
          route: "indonesia",
        },
        {
          n: 2,
          channel: "sms",
          carrier: "kr-skt",
          started_at: iso(t0 + 5020),
          dlr_deadline: iso(t0 + 10020),
          ended_at: iso(t0 + 9000),
          outcome: "delivered",
          part_statuses: ["delivered"],
          submit_error: null,
          receipt_stat: "DELIVRD",
          receipt_err: null,
          late_receipts: [],
          route: null,
        },
      ],
    });
  });

  it("answers 404 for another account's message, as for one that does not exist", async () => {
    const api = await startApi();
    const message = await submitted(api);
    const other = await get(api, message.id, keys.beta);
    expect(other.status).toBe(404);
    expect(await errorOf(other)).toMatchObject({ code: "OTPGW_ERR_HTTP_NOT_FOUND" });
    expect((await get(api, "m999999")).status).toBe(404);
    expect((await get(api, "x".repeat(300))).status).toBe(404);
  });

  it("answers 401 without a key", async () => {
    const api = await startApi();
    const message = await submitted(api);
    const response = await get(api, message.id, null);
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: "OTPGW_ERR_HTTP_UNAUTHORIZED" });
  });
});

describe("service endpoints", () => {
  it("answers /healthz 200 always and /readyz 200 only when ready, without a key", async () => {
    const api = await startApi();
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${api.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "not_ready" });
    api.setReady(true);
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});

describe("request logs and metrics", () => {
  it("write one debug line per request without the text, the API key or the full number", async () => {
    const api = await startApi();
    const text = "Your code is 556677";
    await submitted(api, text);
    await api.submit({ ...validSubmit, text: "" });
    await api.submit(validSubmit, { key: "wrong-key-value" });
    const lines = api.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.msg === "http request")).toHaveLength(3);
    expect(lines.every((line) => line.level === 20)).toBe(true);
    const all = api.logs.join("\n");
    for (const secret of [text, "556677", keys.acme, "wrong-key-value", "+6281234567890"]) {
      expect(all).not.toContain(secret);
    }
    expect(lines.find((line) => line.status === 422)).toMatchObject({
      route: "/v1/messages",
      account: "acme",
      code: "OTPGW_ERR_HTTP_TEXT_EMPTY",
    });
    const counted = await api.metrics.httpRequests.get();
    const byStatus = Object.fromEntries(counted.values.map((v) => [String(v.labels.status), v.value]));
    expect(byStatus).toEqual({ "202": 1, "422": 1, "401": 1 });
  });

  it("answers 429 with Retry-After beyond the account's lookups per second, then answers again", async () => {
    const api = await startApi();
    // The "slow" account submits 3 per second; it may look up 10 (the floor).
    const answers = await Promise.all(Array.from({ length: 15 }, () => get(api, "no-such-id", keys.slow)));
    expect(answers.filter((r) => r.status === 404)).toHaveLength(10);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    expect(limited[0]!.headers.get("retry-after")).toBe("1");
    expect(await errorOf(limited[0]!)).toMatchObject({ code: "OTPGW_ERR_HTTP_RATE_LIMITED" });
    // Another account is not held back by it.
    expect((await get(api, "no-such-id", keys.acme)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await get(api, "no-such-id", keys.slow)).status).toBe(404);
  });
});
