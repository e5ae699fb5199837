/** One signed try of a message's final-state webhook: the payload, its signature headers, and what counts as an acknowledgement. */
import type { Message } from "../../delivery/types.js";
import { ErrorCodes, OtpgwError } from "../../errors.js";
import { postJson } from "./http-post.js";
import { finalEventId, toWebhookPayload } from "./webhook-payload.js";
import { eventIdHeader, signatureHeader, signBody, timestampHeader } from "./webhook-signature.js";

/**
 * POSTs the final-state webhook of `message` to `callbackUrl`, signed with `secret` (undefined: the account is not
 * configured). `nowMs` is when the try is sent; `publicOnly`: refuse a receiver at a private address.
 * @throws OtpgwError WEBHOOK_NOT_ACKNOWLEDGED unless the receiver answers 2xx in time.
 */
export async function sendWebhook(
  message: Message,
  callbackUrl: string,
  secret: string | undefined,
  nowMs: number,
  timeoutMs: number,
  publicOnly: boolean,
): Promise<void> {
  if (secret === undefined) {
    throw new OtpgwError(ErrorCodes.WEBHOOK_NOT_ACKNOWLEDGED, `account ${message.account} is not configured`);
  }
  const body = JSON.stringify(toWebhookPayload(message));
  let status: number;
  try {
    status = await postJson(
      callbackUrl,
      body,
      {
        "content-type": "application/json",
        "user-agent": "otpgw-webhook",
        [signatureHeader]: signBody(body, secret),
        [timestampHeader]: String(Math.floor(nowMs / 1000)),
        [eventIdHeader]: finalEventId(message.id),
      },
      timeoutMs,
      publicOnly,
    );
  } catch (error) {
    throw new OtpgwError(ErrorCodes.WEBHOOK_NOT_ACKNOWLEDGED, `no answer: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // A redirect is not an acknowledgement, and following one could send the payload somewhere unintended.
  if (status < 200 || status > 299) {
    throw new OtpgwError(ErrorCodes.WEBHOOK_NOT_ACKNOWLEDGED, `receiver answered ${status}`);
  }
}

/** The host only: a callback URL's path or query may carry the submitter's own tokens. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}
