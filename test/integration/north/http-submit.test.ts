import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryDelivery } from "./memory-delivery.js";
import { accountsYaml, errorOf, keys, startApi, validSubmit } from "./http-api-fixture.js";
import { readHistogram } from "../../helpers/histogram-reading.js";

describe("POST /v1/messages", () => {
  it("answers 202 with the stored message and hands delivery the normalised submit", async () => {
    const api = await startApi();
    const response = await api.submit({
      ...validSubmit,
      client_ref: "login-1",
      callback_url: "https://acme.example/hook",
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["created_at", "expires_at", "id", "parts", "state"]);
    expect(body.state).toBe("accepted");
    expect(body.parts).toBe(1);
    expect(response.headers.get("location")).toBe(`/v1/messages/${String(body.id)}`);
    const created = Date.parse(String(body.created_at));
    // The route's default validity for ID (300 s) applies: acme sets none.
    expect(Date.parse(String(body.expires_at)) - created).toBe(300_000);
    expect(api.delivery.accepted).toEqual([
      {
        account: "acme",
        to: "+6281234567890",
        from: "AcmeOTP",
        country: "ID",
        text: "Your code is 482913",
        parts: 1,
        validitySeconds: 300,
        clientRef: "login-1",
        callbackUrl: "https://acme.example/hook",
        receiptVia: "webhook",
        rateLimit: {
          key: expect.stringMatching(/ratelimit:acme$/) as unknown,
          perSecond: expect.any(Number) as unknown,
        },
      },
    ]);
  });

  it("observes an accepted submit's wait for its answer, not a refused one's", async () => {
    const api = await startApi();
    api.delivery.acceptDelayMs = 60; // the store takes its time: the 202 waits for it
    expect((await api.submit(validSubmit)).status).toBe(202);
    expect((await api.submit({ ...validSubmit, text: "" })).status).toBe(422);
    const ack = await readHistogram(api.metrics.registry, "otpgw_submit_ack_seconds", { interface: "http" });
    expect(ack.count).toBe(1);
    expect(ack.atMost(0.05)).toBe(0);
    expect(ack.sum).toBeGreaterThanOrEqual(0.055);
  });

  it("takes the key from X-Api-Key too, and applies that account's own validity default", async () => {
    const api = await startApi();
    const response = await fetch(`${api.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": keys.beta },
      body: JSON.stringify({ to: "+821012345678", from: "Anything", text: "code 1234" }),
    });
    expect(response.status).toBe(202);
    expect(api.delivery.accepted[0]).toMatchObject({
      account: "beta",
      country: "KR",
      validitySeconds: 120,
      receiptVia: "none",
    });
  });

  it("takes X-Api-Key beside an Authorization of another scheme (a proxy's Basic), but not beside a Bearer", async () => {
    const api = await startApi();
    const post = (headers: Record<string, string>) =>
      fetch(`${api.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ to: "+821012345678", from: "Anything", text: "code 1234" }),
      });
    expect((await post({ authorization: "Basic cHJveHk6cHc=", "x-api-key": keys.beta })).status).toBe(202);
    expect((await post({ authorization: "Bearer not-a-key", "x-api-key": keys.beta })).status).toBe(401);
    expect(api.delivery.accepted.map((m) => m.account)).toEqual(["beta"]);
  });

  it("counts SMS parts with the injected counter (a 161-character GSM text is two parts)", async () => {
    const api = await startApi();
    const response = await api.submit({ ...validSubmit, text: "x".repeat(161) });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { parts: number }).parts).toBe(2);
  });

  describe("refuses a missing or wrong API key with 401 before looking at the body", () => {
    const cases: [string, Record<string, string>][] = [
      ["no key", {}],
      ["an unknown bearer key", { authorization: "Bearer not-a-key" }],
      ["another scheme", { authorization: `Basic ${keys.acme}` }],
      ["an unknown X-Api-Key", { "x-api-key": "not-a-key" }],
    ];
    it.each(cases)("%s", async (_name, headers) => {
      const api = await startApi();
      const response = await fetch(`${api.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: "{ not json",
      });
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toMatchObject({ code: "OTPGW_ERR_HTTP_UNAUTHORIZED" });
      expect(api.delivery.accepted).toHaveLength(0);
    });
  });

  it("accepts every key of an account", async () => {
    const api = await startApi();
    expect((await api.submit(validSubmit, { key: keys.acmeSecond })).status).toBe(202);
    expect(api.delivery.accepted[0]?.account).toBe("acme");
  });

  it("refuses callback_url with 422 for an account without webhook_secret, and takes its submits without one", async () => {
    const quietKey = "quiet-account-key-0123456789";
    const digest = createHash("sha256").update(quietKey).digest("hex");
    const api = await startApi({
      accounts: `${accountsYaml}  - id: quiet\n    api_keys: [sha256:${digest}]\n    senders: ["*"]\n    rate_per_second: 1000\n`,
    });
    const refused = await api.submit(
      { ...validSubmit, callback_url: "https://quiet.example/hook" },
      { key: quietKey },
    );
    expect(refused.status).toBe(422);
    const error = await errorOf(refused);
    expect(error).toMatchObject({ code: "OTPGW_ERR_HTTP_INVALID_CALLBACK_URL", field: "callback_url" });
    expect(error.message).toMatch(/this account has no webhook_secret/);
    expect(api.delivery.accepted).toHaveLength(0);

    const accepted = await api.submit(validSubmit, { key: quietKey });
    expect(accepted.status).toBe(202);
    expect(api.delivery.accepted).toMatchObject([{ account: "quiet", receiptVia: "none" }]);
  });

  it("allows senders by exact name, by * pattern and by number", async () => {
    const api = await startApi();
    for (const from of ["AcmeOTP", "AcmeBank", "Acme", "12345"]) {
      expect((await api.submit({ ...validSubmit, from })).status, from).toBe(202);
    }
    expect((await api.submit({ ...validSubmit, from: "acmeotp" })).status).toBe(422);
  });

  it("answers 429 with Retry-After over the account's rate, and counts valid submits only", async () => {
    const api = await startApi();
    // Invalid submits do not use the budget (422 comes before 429).
    for (let i = 0; i < 5; i++) {
      expect((await api.submit({ ...validSubmit, text: "" }, { key: keys.slow })).status).toBe(422);
    }
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api.submit({ ...validSubmit, from: "Slow" }, { key: keys.slow })),
    );
    const statuses = responses.map((response) => response.status);
    const limited = responses.filter((response) => response.status === 429);
    expect(statuses.filter((status) => status === 202).length).toBeGreaterThanOrEqual(3);
    // 3 per second: ten concurrent requests cannot span more than a couple of windows.
    expect(statuses.filter((status) => status === 202).length).toBeLessThanOrEqual(6);
    expect(limited.length).toBeGreaterThanOrEqual(4);
    for (const response of limited) {
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await errorOf(response)).toMatchObject({ code: "OTPGW_ERR_HTTP_RATE_LIMITED" });
    }
    // Another account's budget is its own.
    expect((await api.submit(validSubmit)).status).toBe(202);
  });

  it("answers 503 with Retry-After when the destination's carriers are saturated, storing nothing", async () => {
    const api = await startApi();
    api.delivery.saturated.add("ID");
    const response = await api.submit(validSubmit);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await errorOf(response)).toMatchObject({ code: "OTPGW_ERR_HTTP_SATURATED" });
    expect(api.delivery.accepted).toHaveLength(0);
    // Korea's carriers are not saturated.
    expect((await api.submit({ ...validSubmit, to: "+821012345678" })).status).toBe(202);
  });

  it("answers 503 when delivery refuses for saturation after all", async () => {
    const api = await startApi();
    api.delivery.acceptError = MemoryDelivery.saturatedError();
    const response = await api.submit(validSubmit);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await errorOf(response)).toMatchObject({ code: "OTPGW_ERR_HTTP_SATURATED" });
  });

  it("answers 500 when delivery fails unexpectedly, saying to retry with the same key", async () => {
    const api = await startApi();
    api.delivery.acceptError = new Error("connection lost");
    const response = await api.submit(validSubmit);
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.code).toBe("OTPGW_ERR_HTTP_INTERNAL");
    expect(error.message).toMatch(/Idempotency-Key/);
    expect(error.message).not.toMatch(/connection lost/);
  });

  it("answers 404 with an error body for an unknown path", async () => {
    const api = await startApi();
    const response = await fetch(`${api.url}/v2/messages`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "OTPGW_ERR_HTTP_NOT_FOUND" });
  });
});

describe("Idempotency-Key", () => {
  it("returns the first message with 200 for a repeat, creating one message", async () => {
    const api = await startApi();
    const headers = { "idempotency-key": "login-7f3a" };
    const first = await api.submit(validSubmit, { headers });
    const second = await api.submit(validSubmit, { headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    const [a, b] = [(await first.json()) as { id: string }, (await second.json()) as { id: string }];
    expect(b).toEqual(a);
    expect(api.delivery.messages.size).toBe(1);
  });

  it("creates one message for 20 concurrent requests with the same key", async () => {
    const api = await startApi();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.submit(validSubmit, { headers: { "idempotency-key": "burst-1" } }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(18).fill(200), 202].sort());
    const ids = new Set(
      await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)),
    );
    expect(ids.size).toBe(1);
    expect(api.delivery.messages.size).toBe(1);
  });

  it("scopes keys to the account: the same key from two accounts makes two messages", async () => {
    const api = await startApi();
    const headers = { "idempotency-key": "shared" };
    expect((await api.submit(validSubmit, { headers })).status).toBe(202);
    expect((await api.submit({ ...validSubmit, from: "Beta" }, { key: keys.beta, headers })).status).toBe(
      202,
    );
    expect(api.delivery.messages.size).toBe(2);
  });
});
