/**
 * The HTTP exchange with a channel provider, both ways: one JSON POST for a send, classified into the contract's
 * accepted / refused / retry, and the pieces every status callback needs (the status kinds, reading a body against
 * its schema). One place for these so that WhatsApp and voice cannot come to disagree on what a 503 means.
 */
import * as z from "zod";
import { verifySignature } from "../../north/webhook/webhook-signature.js";
import type {
  ChannelId,
  ChannelProvider,
  ChannelSendRequest,
  ChannelSendResult,
  ChannelStatus,
  StatusCallbacks,
} from "../channel-types.js";

export const providerHttpLimits = {
  /**
   * The most of a provider's answer that is read. A send's answer is a few hundred bytes (an id, or an error
   * object); a provider or a proxy answering megabytes must not make otpgw buffer them.
   */
  maxAnswerBytes: 64 * 1024,
  /**
   * The longest `Retry-After` taken at its word. An OTP is valid for minutes: a provider asking for more is
   * passed on capped, and escalation's own deadline decides whether a later try still makes sense.
   */
  maxRetryAfterMs: 10 * 60 * 1000,
};

/** One send to a provider: JSON body, bearer credentials. */
export interface ProviderPost {
  url: string;
  /** The provider's credential, sent as `Authorization: Bearer`. Never part of a result or an error. */
  bearer: string;
  body: unknown;
  /** The whole exchange (connecting, the headers and the body of the answer). */
  timeoutMs: number;
}

/** What came back from a POST: an HTTP answer (its body parsed when it was JSON within the limit), or none. */
export type ProviderAnswer =
  | { kind: "answer"; status: number; retryAfterMs?: number; body: unknown }
  /** `unsent`: the request never reached the provider (no connection: refused, no such host). */
  | { kind: "no-answer"; error: string; unsent?: true };

/**
 * POSTs `post.body` as JSON. Never rejects: a connection that fails or an exchange that outlasts the timeout is a
 * `no-answer`. Redirects are not followed: a provider URL that redirects is a configuration error (and following
 * it would hand the bearer to another place), so its 3xx is returned as it is.
 */
export async function postProviderJson(post: ProviderPost): Promise<ProviderAnswer> {
  const signal = AbortSignal.timeout(post.timeoutMs);
  let response: Response;
  try {
    response = await fetch(post.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${post.bearer}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(post.body),
      redirect: "manual",
      signal,
    });
  } catch (error) {
    const failure = describeFailure(error, post.timeoutMs);
    return neverConnected(error)
      ? { kind: "no-answer", error: failure, unsent: true }
      : { kind: "no-answer", error: failure };
  }
  const body = await readJsonBounded(response);
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  return retryAfterMs === undefined
    ? { kind: "answer", status: response.status, body }
    : { kind: "answer", status: response.status, retryAfterMs, body };
}

/** A provider's own error code found in an error answer, and whether it asks to try again later. */
export interface ProviderErrorCode {
  code: string;
  retry: boolean;
  /** A wait the code itself implies (e.g. a per-recipient rate), used when the answer has no `Retry-After`. */
  retryAfterMs?: number;
}

/** How to read one provider's answers. */
export interface AnswerReading {
  /** Also what errors start with: "whatsapp 131026", "voice http 401". */
  channel: ChannelId;
  /** The provider's id of the message in a 2xx answer's body, or undefined when the body has none. */
  acceptedId: (body: unknown) => string | undefined;
  /** The provider's error code in an error answer's body, when it has such codes. */
  errorCode?: (body: unknown) => ProviderErrorCode | undefined;
}

/**
 * The table of what an answer means. 2xx with an id: accepted. No answer, 429 or 5xx: retry (the provider may take
 * it later) — `maybeTaken` when no answer came on a connection made, which escalation does not send again. Any
 * other status: refused, unless the provider's own code says it was throttled. A 2xx without an id is refused, not
 * retried: the provider may have sent it, and a second code is worse than the next channel.
 */
export function classifyAnswer(answer: ProviderAnswer, reading: AnswerReading): ChannelSendResult {
  const { channel } = reading;
  if (answer.kind === "no-answer") {
    const error = `${channel}: ${answer.error}`;
    return answer.unsent ? { kind: "retry", error } : { kind: "retry", error, maybeTaken: true };
  }
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    const id = reading.acceptedId(body);
    if (id !== undefined) return { kind: "accepted", providerMessageId: id };
    return { kind: "refused", error: `${channel} http ${status} without a message id` };
  }
  const code = reading.errorCode?.(body);
  const error = code === undefined ? `${channel} http ${status}` : `${channel} ${code.code}`;
  if (status === 429 || status >= 500 || code?.retry === true) {
    const retryAfterMs = answer.retryAfterMs ?? code?.retryAfterMs;
    return retryAfterMs === undefined ? { kind: "retry", error } : { kind: "retry", error, retryAfterMs };
  }
  return { kind: "refused", error };
}

/** What one provider's sends are made of; the rest (the POST, its classification) is the same for all. */
export interface JsonProviderSpec extends AnswerReading {
  url: string;
  bearer: string;
  timeoutMs: number;
  /** The request body for a send. */
  body: (request: ChannelSendRequest) => object;
}

/** The contract's E.164 ("+" and 7 to 15 digits), checked before a provider is paid to find it out. */
const e164 = /^\+[1-9]\d{6,14}$/;

/** A provider reached by one JSON POST per send. */
export class JsonChannelProvider implements ChannelProvider {
  readonly channel: ChannelId;
  readonly #spec: JsonProviderSpec;

  constructor(spec: JsonProviderSpec) {
    this.channel = spec.channel;
    this.#spec = spec;
  }

  async send(request: ChannelSendRequest): Promise<ChannelSendResult> {
    const spec = this.#spec;
    if (!e164.test(request.to)) return { kind: "refused", error: `${spec.channel}: not an E.164 number` };
    const timeoutMs = Math.max(1, Math.min(spec.timeoutMs, request.timeoutMs ?? spec.timeoutMs));
    const post = { url: spec.url, bearer: spec.bearer, body: spec.body(request), timeoutMs };
    return classifyAnswer(await postProviderJson(post), spec);
  }
}

/**
 * Status callbacks signed `sha256=<hex HMAC-SHA256 of the raw body>` in `header`, the form both providers use (and
 * otpgw's own webhooks): verified in constant time over the exact bytes received.
 */
export function signedStatusCallbacks(spec: {
  channel: ChannelId;
  header: string;
  secret: string;
  parse: (body: unknown) => ChannelStatus[];
}): StatusCallbacks {
  return {
    channel: spec.channel,
    verify: (rawBody, headers) => verifySignature(rawBody, spec.secret, headerValue(headers, spec.header)),
    parse: spec.parse,
  };
}

/** `Retry-After` in delay-seconds (the form providers use), capped; an HTTP date or garbage is ignored. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\s*\d{1,9}\s*$/.test(value)) return undefined;
  return Math.min(Number(value) * 1000, providerHttpLimits.maxRetryAfterMs);
}

/**
 * The answer's body parsed as JSON, or undefined when it is not JSON, is longer than the limit, or stops coming
 * before the timeout: the status alone then decides.
 */
async function readJsonBounded(response: Response): Promise<unknown> {
  if (response.body === null) return undefined;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > providerHttpLimits.maxAnswerBytes) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A failure in words an operator can act on, from the error's code only: fetch's messages can carry the URL, and
 * nothing of the request belongs in a result that is stored and logged.
 */
/** Connection errors before any byte of the request could be written. */
const connectErrors = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function neverConnected(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === "string" && connectErrors.has(cause.code);
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code === undefined ? "connection failed" : `connection failed (${code})`;
}

/** The three kinds of status a callback reports, in the terms of an SMS receipt. */
const statusKinds = {
  enroute: { stat: "ENROUTE", delivered: false, final: false },
  delivered: { stat: "DELIVRD", delivered: true, final: true },
  undelivered: { stat: "UNDELIV", delivered: false, final: true },
} as const satisfies Record<string, Pick<ChannelStatus, "stat" | "delivered" | "final">>;

type StatusKind = keyof typeof statusKinds;

/** Reads one provider state: the status it reports, or undefined for a state the provider's table does not list. */
export type StatusReader = (
  state: string,
  providerMessageId: string,
  err?: string,
) => ChannelStatus | undefined;

/**
 * A provider's table of states, listed by the kind they report. A Map underneath, so that a state named like an
 * Object property ("constructor") is no kind. The error is kept for failures only.
 */
export function statusReader(states: Record<StatusKind, readonly string[]>): StatusReader {
  const table = new Map<string, StatusKind>();
  for (const kind of Object.keys(states) as StatusKind[])
    for (const state of states[kind]) table.set(state, kind);
  return (state, providerMessageId, err) => {
    const kind = table.get(state);
    if (kind === undefined) return undefined;
    const status: ChannelStatus = { providerMessageId, ...statusKinds[kind] };
    if (kind === "undelivered" && err !== undefined) status.err = err;
    return status;
  };
}

/** `status` with the handset it is about, when the provider named one as an international number (digits kept). */
export function withRecipient(status: ChannelStatus, number: string | undefined): ChannelStatus {
  const digits = number?.replace(/^\+/, "");
  return digits !== undefined && /^[1-9]\d{5,14}$/.test(digits) ? { ...status, recipient: digits } : status;
}

/** A callback body checked against its schema; throws naming where it differs (values are never quoted). */
export function readCallbackBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : ` at ${issue.path.join(".")}`;
  throw new Error(`not ${what}${where}: ${issue?.message ?? "invalid"}`);
}

/**
 * A header's first value from headers as Node gives them (lower-case names; a repeated header is an array), or as a
 * caller spelt them.
 */
export function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const key = name.toLowerCase();
  const found = Object.keys(headers).find((candidate) => candidate.toLowerCase() === key);
  const value = found === undefined ? undefined : headers[found];
  return Array.isArray(value) ? value[0] : value;
}
