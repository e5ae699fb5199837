import { describe, expect, it } from "vitest";
import { errorOf, keys, startApi, validSubmit } from "./http-api-fixture.js";

describe("POST /v1/messages: validation", () => {
  describe("refuses a malformed request with its status, code and field", () => {
    const cases: [string, unknown, Record<string, string>, number, string, string | undefined][] = [
      ["invalid JSON", "{ not json", {}, 400, "OTPGW_ERR_HTTP_MALFORMED_JSON", undefined],
      ["an empty body", "", {}, 400, "OTPGW_ERR_HTTP_MALFORMED_JSON", undefined],
      ["a JSON array", "[]", {}, 400, "OTPGW_ERR_HTTP_INVALID_BODY", undefined],
      [
        "a missing text",
        { to: "+6281234567890", from: "AcmeOTP" },
        {},
        400,
        "OTPGW_ERR_HTTP_INVALID_BODY",
        "text",
      ],
      ["a number as to", { ...validSubmit, to: 6281234567890 }, {}, 400, "OTPGW_ERR_HTTP_INVALID_BODY", "to"],
      [
        "a fractional validity",
        { ...validSubmit, validity_seconds: 1.5 },
        {},
        400,
        "OTPGW_ERR_HTTP_INVALID_BODY",
        "validity_seconds",
      ],
      [
        "a string validity",
        { ...validSubmit, validity_seconds: "60" },
        {},
        400,
        "OTPGW_ERR_HTTP_INVALID_BODY",
        "validity_seconds",
      ],
      [
        "an unknown field",
        { ...validSubmit, callbackUrl: "https://x.example" },
        {},
        400,
        "OTPGW_ERR_HTTP_INVALID_BODY",
        "callbackUrl",
      ],
      [
        "an over-long client_ref",
        { ...validSubmit, client_ref: "r".repeat(129) },
        {},
        400,
        "OTPGW_ERR_HTTP_INVALID_BODY",
        "client_ref",
      ],
      [
        "an over-long Idempotency-Key",
        validSubmit,
        { "idempotency-key": "k".repeat(129) },
        400,
        "OTPGW_ERR_HTTP_INVALID_IDEMPOTENCY_KEY",
        "Idempotency-Key",
      ],
      [
        "a non-ASCII Idempotency-Key",
        validSubmit,
        { "idempotency-key": "clé" },
        400,
        "OTPGW_ERR_HTTP_INVALID_IDEMPOTENCY_KEY",
        "Idempotency-Key",
      ],
      [
        "a text/plain body",
        "hello",
        { "content-type": "text/plain" },
        415,
        "OTPGW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE",
        undefined,
      ],
      [
        "a body over 32 KiB",
        { ...validSubmit, text: "x".repeat(40_000) },
        {},
        413,
        "OTPGW_ERR_HTTP_BODY_TOO_LARGE",
        undefined,
      ],
    ];
    it.each(cases)("%s", async (_name, body, headers, status, code, field) => {
      const api = await startApi();
      const response = await api.submit(body, { headers });
      expect(response.status).toBe(status);
      const error = await errorOf(response);
      expect(error.code).toBe(code);
      expect(error.field).toBe(field);
      expect(error.message.length).toBeGreaterThan(5);
      expect(api.delivery.accepted).toHaveLength(0);
    });
  });

  describe("refuses an unacceptable value with 422, its code and field", () => {
    const cases: [string, Record<string, unknown>, string, string, string, RegExp][] = [
      [
        "a number outside the plan",
        { to: "+1555123" },
        keys.acme,
        "OTPGW_ERR_HTTP_INVALID_NUMBER",
        "to",
        /not a number of a country we serve/,
      ],
      [
        "a national number",
        { to: "081234567890" },
        keys.acme,
        "OTPGW_ERR_HTTP_INVALID_NUMBER",
        "to",
        /E\.164/,
      ],
      [
        "a number no route takes",
        { to: "+66812345678" },
        keys.acme,
        "OTPGW_ERR_HTTP_NO_ROUTE",
        "to",
        /no route delivers to TH numbers/,
      ],
      ["an empty text", { text: "" }, keys.acme, "OTPGW_ERR_HTTP_TEXT_EMPTY", "text", /empty/],
      ["a text of spaces", { text: "   \n" }, keys.acme, "OTPGW_ERR_HTTP_TEXT_EMPTY", "text", /empty/],
      [
        "a text over the account's max_text_length",
        { text: "x".repeat(401) },
        keys.acme,
        "OTPGW_ERR_HTTP_TEXT_TOO_LONG",
        "text",
        /at most 400/,
      ],
      [
        "a text over 10 SMS parts",
        { text: "x".repeat(1531), from: "Beta" },
        keys.beta,
        "OTPGW_ERR_HTTP_TEXT_TOO_LONG",
        "text",
        /11 SMS parts/,
      ],
      [
        "a UCS-2 text over 10 parts",
        { text: "é€😀".repeat(300), from: "Beta" },
        keys.beta,
        "OTPGW_ERR_HTTP_TEXT_TOO_LONG",
        "text",
        /10 parts/,
      ],
      [
        "a sender the account does not have",
        { from: "OtherBank" },
        keys.acme,
        "OTPGW_ERR_HTTP_SENDER_NOT_ALLOWED",
        "from",
        /not one of this account's senders/,
      ],
      [
        "an alphanumeric sender over 11 characters",
        { from: "AcmeVeryLongName" },
        keys.acme,
        "OTPGW_ERR_HTTP_SENDER_NOT_ALLOWED",
        "from",
        /at most 11/,
      ],
      ["an empty sender", { from: "" }, keys.beta, "OTPGW_ERR_HTTP_SENDER_NOT_ALLOWED", "from", /empty/],
      [
        "a validity of 0",
        { validity_seconds: 0 },
        keys.acme,
        "OTPGW_ERR_HTTP_VALIDITY_OUT_OF_RANGE",
        "validity_seconds",
        /between 1 and 900/,
      ],
      [
        "a validity over the route's maximum",
        { validity_seconds: 901 },
        keys.acme,
        "OTPGW_ERR_HTTP_VALIDITY_OUT_OF_RANGE",
        "validity_seconds",
        /between 1 and 900/,
      ],
      [
        "a validity over the account's maximum",
        { validity_seconds: 601, from: "Beta" },
        keys.beta,
        "OTPGW_ERR_HTTP_VALIDITY_OUT_OF_RANGE",
        "validity_seconds",
        /between 1 and 600/,
      ],
      [
        "an ftp callback",
        { callback_url: "ftp://acme.example/x" },
        keys.acme,
        "OTPGW_ERR_HTTP_INVALID_CALLBACK_URL",
        "callback_url",
        /http or https/,
      ],
      [
        "a relative callback",
        { callback_url: "/hook" },
        keys.acme,
        "OTPGW_ERR_HTTP_INVALID_CALLBACK_URL",
        "callback_url",
        /absolute/,
      ],
      ...[
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/hook",
        "http://0x7f.1/hook",
        "https://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
        "http://localhost:9000/hook",
      ].map((url): (typeof cases)[number] => [
        `a callback at a private address (${url})`,
        { callback_url: url },
        keys.acme,
        "OTPGW_ERR_HTTP_INVALID_CALLBACK_URL",
        "callback_url",
        /must not point at a loopback, private or link-local address .*webhook_private_addresses: allow/,
      ]),
    ];
    it.each(cases)("%s", async (_name, change, key, code, field, message) => {
      const api = await startApi();
      const response = await api.submit({ ...validSubmit, ...change }, { key });
      expect(response.status).toBe(422);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code, field });
      expect(error.message).toMatch(message);
      expect(api.delivery.accepted).toHaveLength(0);
    });
  });
});
