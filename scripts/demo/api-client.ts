/** The few calls the demo makes to otpgw's HTTP API (docs/http-api.md), with the account's API key. */
import { ErrorCodes } from "../../src/errors.js";
import type { MessageView } from "../../src/north/message-view.js";

export interface SubmitRequest {
  to: string;
  from: string;
  text: string;
  client_ref: string;
  callback_url: string;
  validity_seconds?: number;
}

export type SubmitAnswer =
  | { kind: "accepted"; id: string; parts: number; repeat: boolean }
  /** 429 or 503: try again after `retryAfterSeconds` with the same Idempotency-Key. */
  | { kind: "retry"; status: number; code: string; retryAfterSeconds: number }
  /** `retryAfterSeconds` for an anti-abuse volume limit: when its window ends. */
  | { kind: "refused"; status: number; code: string; message: string; retryAfterSeconds?: number };

interface ErrorBody {
  error?: { code?: string; message?: string; field?: string };
}

export class ApiClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;

  constructor(baseUrl: string, apiKey: string) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
  }

  async submit(request: SubmitRequest, idempotencyKey: string): Promise<SubmitAnswer> {
    const response = await fetch(`${this.baseUrl}/v1/messages`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        "content-type": "application/json",
        "idempotency-key": idempotencyKey,
      },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as ErrorBody & { id?: string; parts?: number };
    if ((response.status === 202 || response.status === 200) && typeof body.id === "string") {
      return { kind: "accepted", id: body.id, parts: body.parts ?? 1, repeat: response.status === 200 };
    }
    const code = body.error?.code ?? `HTTP ${response.status}`;
    const retryAfter = Number(response.headers.get("retry-after") ?? "1");
    const retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : 1;
    // A volume limit's window lasts minutes: the same OTP would be refused again, so it is not retried.
    const volumeLimited = response.status === 429 && code === ErrorCodes.HTTP_VOLUME_LIMITED;
    if ((response.status === 429 && !volumeLimited) || response.status === 503) {
      return { kind: "retry", status: response.status, code, retryAfterSeconds };
    }
    const field = body.error?.field ? ` (${body.error.field})` : "";
    return {
      kind: "refused",
      status: response.status,
      code,
      message: `${body.error?.message ?? ""}${field}`,
      ...(volumeLimited && { retryAfterSeconds }),
    };
  }

  /**
   * POST /v1/messages/:id/conversion: the person used the code. Resolves with the answer's status and its
   * Retry-After (seconds, for 429 / 503); rejects on a network error.
   */
  async convert(id: string): Promise<{ status: number; retryAfterSeconds: number }> {
    const response = await fetch(`${this.baseUrl}/v1/messages/${encodeURIComponent(id)}/conversion`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    const retryAfter = Number(response.headers.get("retry-after") ?? "1");
    return { status: response.status, retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : 1 };
  }

  /** GET /v1/messages/:id; null for a 404. */
  async get(id: string): Promise<MessageView | null> {
    const response = await fetch(`${this.baseUrl}/v1/messages/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${this.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET /v1/messages/${id} answered ${response.status}`);
    return (await response.json()) as MessageView;
  }
}
