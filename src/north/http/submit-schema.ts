/**
 * JSON Schemas of POST /v1/messages: types and structural limits only (400 when broken). Whether a value is
 * acceptable (a real number, an allowed sender, a validity in range) is judged afterwards (422), in
 * submit-checks.ts. docs/openapi.yaml repeats these schemas: change them together.
 */

/** The body as the schema guarantees it. */
export interface SubmitBody {
  to: string;
  from: string;
  text: string;
  validity_seconds?: number;
  client_ref?: string;
  callback_url?: string;
}

export const submitLimits = {
  /** E.164 numbers have at most 15 digits; leave room for spaces or dashes a client may send. */
  toMaxLength: 32,
  /** SMPP source_addr is at most 20 characters; longer cannot be a sender. */
  fromMaxLength: 32,
  /** Opaque for us and echoed back; a database key or UUID fits easily. */
  clientRefMaxLength: 128,
  /** Browsers and proxies commonly cap URLs near 2 KiB. */
  callbackUrlMaxLength: 2048,
  /** RFC-style idempotency keys are UUIDs or short hashes. */
  idempotencyKeyMaxLength: 128,
} as const;

export const submitBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["to", "from", "text"],
  properties: {
    to: { type: "string", maxLength: submitLimits.toMaxLength },
    from: { type: "string", maxLength: submitLimits.fromMaxLength },
    text: { type: "string" },
    validity_seconds: { type: "integer" },
    client_ref: { type: "string", maxLength: submitLimits.clientRefMaxLength },
    callback_url: { type: "string", maxLength: submitLimits.callbackUrlMaxLength },
  },
} as const;

/** Printable ASCII, so the key survives every proxy and log unchanged. */
export const idempotencyKeyPattern = "^[\\x20-\\x7e]+$";

export const submitHeadersSchema = {
  type: "object",
  properties: {
    "idempotency-key": {
      type: "string",
      minLength: 1,
      maxLength: submitLimits.idempotencyKeyMaxLength,
      pattern: idempotencyKeyPattern,
    },
  },
} as const;
