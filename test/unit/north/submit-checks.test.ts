import { describe, expect, it } from "vitest";
import { ErrorCodes, OtpgwError } from "../../../src/errors.js";
import type { Account } from "../../../src/north/accounts/account-types.js";
import { HttpApiError } from "../../../src/north/http/http-api-error.js";
import {
  checkSubmit,
  checkValidity,
  senderFormatProblem,
  type SubmitCheckDeps,
} from "../../../src/north/http/submit-checks.js";

const account: Account = {
  id: "a",
  apiKeyDigests: [],
  webhookSecret: "s".repeat(16),
  senders: ["*"],
  ratePerSecond: 1,
};
const route = { defaultSeconds: 300, maxSeconds: 900 };

const deps = (countParts: (text: string) => number): SubmitCheckDeps => ({
  parseDestination: (input) =>
    input.startsWith("+62") ? { ok: true, e164: input, country: "ID" } : { ok: false, reason: "nope" },
  countParts,
  validity: () => route,
});

function refusal(run: () => unknown): HttpApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpApiError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("checkValidity", () => {
  it("defaults to the account's default, else the route's, never above the bound", () => {
    expect(checkValidity(undefined, account, route)).toBe(300);
    expect(checkValidity(undefined, { ...account, defaultValiditySeconds: 60 }, route)).toBe(60);
    expect(checkValidity(undefined, { ...account, maxValiditySeconds: 120 }, route)).toBe(120);
    expect(checkValidity(undefined, { ...account, defaultValiditySeconds: 2000 }, route)).toBe(900);
  });

  it("accepts 1 up to the smaller of the route's and the account's maximum", () => {
    expect(checkValidity(1, account, route)).toBe(1);
    expect(checkValidity(900, account, route)).toBe(900);
    expect(refusal(() => checkValidity(901, account, route)).code).toBe(
      ErrorCodes.HTTP_VALIDITY_OUT_OF_RANGE,
    );
    expect(refusal(() => checkValidity(0, account, route)).code).toBe(ErrorCodes.HTTP_VALIDITY_OUT_OF_RANGE);
    expect(refusal(() => checkValidity(500, { ...account, maxValiditySeconds: 400 }, route)).message).toMatch(
      /between 1 and 400/,
    );
    // An account bound above the route's does not widen the route's.
    expect(
      refusal(() => checkValidity(1000, { ...account, maxValiditySeconds: 3600 }, route)).message,
    ).toMatch(/between 1 and 900/);
  });

  it("refuses a validity too short for any attempt to start (within min_remaining_validity of the expiry)", () => {
    const withMin = { ...route, minSeconds: 11 };
    expect(refusal(() => checkValidity(5, account, withMin)).message).toMatch(/between 11 and 900 seconds/);
    expect(checkValidity(11, account, withMin)).toBe(11);
  });
});

describe("senderFormatProblem", () => {
  it("allows up to 11 alphanumeric characters or 20 digits", () => {
    expect(senderFormatProblem("ABCDEFGHIJK")).toBeUndefined();
    expect(senderFormatProblem("ABCDEFGHIJKL")).toMatch(/at most 11/);
    expect(senderFormatProblem("1".repeat(20))).toBeUndefined();
    expect(senderFormatProblem("1".repeat(21))).toMatch(/at most 20 digits/);
    expect(senderFormatProblem("Bänk")).toMatch(/printable ASCII/);
    expect(senderFormatProblem("")).toMatch(/empty/);
  });
});

describe("checkSubmit", () => {
  const body = { to: "+6281234567890", from: "Bank", text: "code 1" };

  it("returns the normalised submit with the part count", () => {
    expect(
      checkSubmit(
        { ...body, client_ref: "r" },
        account,
        deps(() => 3),
      ),
    ).toEqual({
      to: "+6281234567890",
      country: "ID",
      from: "Bank",
      text: "code 1",
      parts: 3,
      validitySeconds: 300,
      clientRef: "r",
    });
  });

  it("turns an encoder's refusal into TEXT_TOO_LONG and lets other failures through", () => {
    const tooLong = () => {
      throw new OtpgwError(ErrorCodes.ENCODING_INVALID, "needs more than 10 parts");
    };
    expect(refusal(() => checkSubmit(body, account, deps(tooLong))).code).toBe(ErrorCodes.HTTP_TEXT_TOO_LONG);
    const broken = () => {
      throw new Error("bug");
    };
    expect(() => checkSubmit(body, account, deps(broken))).toThrow("bug");
  });

  it("refuses a callback_url for an account without webhook_secret, naming why", () => {
    const { webhookSecret: _secret, ...withoutSecret } = account;
    const withCallback = { ...body, callback_url: "https://a.example/hook" };
    const error = refusal(() =>
      checkSubmit(
        withCallback,
        withoutSecret,
        deps(() => 1),
      ),
    );
    expect(error.code).toBe(ErrorCodes.HTTP_INVALID_CALLBACK_URL);
    expect(error.field).toBe("callback_url");
    expect(error.message).toMatch(/this account has no webhook_secret/);
    // The same account may still submit without a callback, and the same callback works with a secret.
    expect(
      checkSubmit(
        body,
        withoutSecret,
        deps(() => 1),
      ).to,
    ).toBe(body.to);
    expect(
      checkSubmit(
        withCallback,
        account,
        deps(() => 1),
      ).callbackUrl,
    ).toBe("https://a.example/hook");
  });

  it("checks in the documented order: number before text before sender", () => {
    const all = { to: "+1", from: "", text: "" };
    expect(
      refusal(() =>
        checkSubmit(
          all,
          account,
          deps(() => 1),
        ),
      ).field,
    ).toBe("to");
    expect(
      refusal(() =>
        checkSubmit(
          { ...all, to: body.to },
          account,
          deps(() => 1),
        ),
      ).field,
    ).toBe("text");
    expect(
      refusal(() =>
        checkSubmit(
          { ...all, to: body.to, text: "x" },
          account,
          deps(() => 1),
        ),
      ).field,
    ).toBe("from");
  });
});
