/** What the API attaches to a request between its hooks and handlers. */
import type { Account } from "../accounts/account-types.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated account (set by the authentication hook on /v1 routes), else null. */
    otpgwAccount: Account | null;
    /** The error code answered, for the request's log line and metrics; null when successful. */
    otpgwErrorCode: string | null;
  }
}

export {};
