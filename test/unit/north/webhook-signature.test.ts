import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signBody, verifySignature } from "../../../src/north/webhook/webhook-signature.js";

const secret = "a-webhook-secret-of-some-length";
const body = '{"id":"m1","state":"delivered"}';

describe("webhook signatures", () => {
  it("is sha256= and the hex HMAC-SHA256 of the raw body", () => {
    expect(signBody(body, secret)).toBe(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  });

  it("verifies its own signature, in either hex case, and refuses any change", () => {
    const signature = signBody(body, secret);
    expect(verifySignature(body, secret, signature)).toBe(true);
    expect(
      verifySignature(Buffer.from(body), secret, signature.toUpperCase().replace("SHA256=", "sha256=")),
    ).toBe(true);
    expect(verifySignature(`${body} `, secret, signature)).toBe(false);
    expect(verifySignature(body, `${secret}x`, signature)).toBe(false);
    expect(verifySignature(body, secret, signature.slice(0, -2))).toBe(false);
    expect(verifySignature(body, secret, signature.replace("sha256=", "sha1="))).toBe(false);
    expect(verifySignature(body, secret, undefined)).toBe(false);
  });
});
