/**
 * Webhook signatures: `X-Otpgw-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw request body with the
 * account's webhook secret. Receivers must verify against the bytes they received, before parsing them.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const signatureHeader = "x-otpgw-signature";
export const timestampHeader = "x-otpgw-timestamp";
export const eventIdHeader = "x-otpgw-event-id";

/** The `X-Otpgw-Signature` value for `body`. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * True when `header` is the signature of `body` with `secret`. Compares in constant time, so a forger
 * cannot find the signature byte by byte from response times.
 */
export function verifySignature(body: string | Buffer, secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (match?.[1] === undefined) return false;
  const presented = Buffer.from(match[1], "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(presented, expected);
}
