/**
 * submit_sm on a bound transmitter/transceiver: validate (sm-body.ts, submit-decoder.ts), then persist through
 * delivery — taking one from the account's rate budget (shared with the HTTP API) in the same step — and answer
 * with our id only once `accept` resolved. Parts of a concatenated message are stored in Redis and acknowledged as `<setId>-<seq>`; the
 * part that completes the set assembles the text and accepts the whole message (docs/smpp-server.md).
 */
import type { DeliveryService } from "../../delivery/service-types.js";
import type { Message, NewMessage, SmppReceiptRequest } from "../../delivery/types.js";
import { ErrorCodes, OtpgwError, SmppError } from "../../errors.js";
import { LogThrottle } from "../../observability/log-throttle.js";
import type { HistogramCell } from "../../observability/hot-histogram.js";
import type { Logger } from "../../observability/logger.js";
import { SmppStatus } from "../../smpp/command-status.js";
import type { ResponseSpec } from "../../smpp/session/smpp-session.js";
import { parseSmBody } from "../../smpp/sm-body.js";
import type { Account } from "../accounts/account-types.js";
import { accountRateLimit } from "../accounts/rate-limit.js";
import { volumeLimitsFor } from "../accounts/volume-limits.js";
import type { SubmitCheckDeps } from "../http/submit-checks.js";
import { partId, type ConcatStore, type SetKey } from "./concat-store.js";
import type { OpenSets } from "./open-sets.js";
import type { SmppServerMetrics } from "./server-options.js";
import {
  checkText,
  decodeSubmit,
  readableText,
  type PartSubmit,
  type SubmitCommon,
} from "./submit-decoder.js";

export interface SubmitContext {
  account: Account;
  systemId: string;
  sessionId: number;
}

export interface SubmitHandlerDeps {
  checks: SubmitCheckDeps;
  delivery: DeliveryService;
  /** Prefix of every Redis key (the account's rate counter is `<prefix>ratelimit:<account>`). */
  keyPrefix: string;
  concat: ConcatStore;
  openSets: OpenSets;
  logger: Logger;
  metrics?: SmppServerMetrics;
  /** Wall-clock epoch ms: an absolute validity_period is read against it (a time the ESME wrote). */
  clock: () => number;
}

function status(code: number, message: string): SmppError {
  return new SmppError(ErrorCodes.SMPP_DECODE, code, message);
}

/** What delivery's errors become on the wire; nothing was acknowledged in any of these cases. */
export function deliveryErrorStatus(error: unknown): number {
  if (error instanceof OtpgwError && error.code === ErrorCodes.DELIVERY_SATURATED)
    return SmppStatus.ESME_RMSGQFUL;
  if (error instanceof OtpgwError && error.code === ErrorCodes.DELIVERY_RATE_LIMITED)
    return SmppStatus.ESME_RTHROTTLED;
  // Not ESME_RTHROTTLED: that slows the whole bind down (many ESMEs pause all traffic), for one number's excess.
  if (error instanceof OtpgwError && error.code === ErrorCodes.DELIVERY_VOLUME_LIMITED)
    return SmppStatus.ESME_RSUBMITFAIL;
  return SmppStatus.ESME_RSYSERR;
}

/** Refusals that are the account's own limits: counted, not logged as a failure to accept. */
const LIMITS: ReadonlySet<string> = new Set([
  ErrorCodes.DELIVERY_RATE_LIMITED,
  ErrorCodes.DELIVERY_VOLUME_LIMITED,
]);

export class SubmitHandler {
  /** While Redis is unreachable every submit fails: one line per account every 10 s says so. */
  private readonly notAcceptedLog = new LogThrottle(10_000);
  /** otpgw_submit_ack_seconds{interface="smpp"}: a submit's time from its arrival to its positive answer. */
  private readonly ackSeconds: HistogramCell | undefined;

  constructor(private readonly deps: SubmitHandlerDeps) {
    this.ackSeconds = deps.metrics?.submitAckSeconds.cell({ interface: "smpp" });
  }

  /**
   * @throws SmppError with the submit_sm_resp status. A single message is chained with `.then`, not awaited
   * (see MessageStore): no frame waits for Redis here.
   */
  async handle(ctx: SubmitContext, raw: Buffer): Promise<ResponseSpec> {
    const arrived = performance.now();
    const body = parseSmBody(raw);
    const submit = decodeSubmit(body, ctx.account, this.deps.checks, this.deps.clock());
    if (!this.deps.delivery.canAccept(submit.to, submit.country)) {
      throw status(SmppStatus.ESME_RMSGQFUL, `carriers for ${submit.country} are saturated`);
    }
    if (submit.kind === "single") {
      return this.accept(ctx, submit, submit.text, submit.parts).then((message) => {
        this.deps.metrics?.smppSubmits.inc({ outcome: "accepted" });
        this.ackSeconds?.observe((performance.now() - arrived) / 1000);
        return { fields: { message_id: message.id } };
      });
    }
    // A part is acknowledged once stored (and the set's last part once the whole message is): the same promise.
    return this.handlePart(ctx, submit).then((response) => {
      this.ackSeconds?.observe((performance.now() - arrived) / 1000);
      return response;
    });
  }

  private async handlePart(ctx: SubmitContext, part: PartSubmit): Promise<ResponseSpec> {
    const set: SetKey = {
      systemId: ctx.systemId,
      from: part.from,
      to: part.to,
      reference: part.reference,
      total: part.total,
    };
    const setKey = `${set.systemId}\n${set.from}\n${set.to}\n${set.reference}\n${set.total}`;
    if (!this.deps.openSets.admit(setKey, ctx.sessionId)) {
      throw status(SmppStatus.ESME_RMSGQFUL, "too many incomplete concatenated messages open");
    }
    let stored: { setId: string; stored: number };
    try {
      stored = await this.deps.concat.addPart(set, {
        seq: part.seq,
        dataCoding: part.dataCoding,
        receiptRequest: part.receiptRequest,
        bytes: part.bytes,
      });
    } catch (error) {
      throw status(SmppStatus.ESME_RSYSERR, `cannot store the part: ${(error as Error).message}`);
    }
    const id = partId(stored.setId, part.seq);
    if (stored.stored < part.total) {
      this.deps.metrics?.smppSubmits.inc({ outcome: "part_stored" });
      return { fields: { message_id: id } };
    }
    const parts = await this.deps.concat.parts(set);
    if (parts.length !== part.total) {
      throw status(SmppStatus.ESME_RSYSERR, "the set's parts changed while being assembled; resend");
    }
    const first = parts[0]!;
    let text: string;
    let count: number;
    try {
      text = readableText(first.dataCoding, Buffer.concat(parts.map((p) => p.bytes)));
      count = checkText(text, ctx.account, this.deps.checks.countParts);
    } catch (error) {
      // The whole text is unacceptable: the set can never succeed, so drop it rather than hold it.
      this.deps.openSets.done(setKey);
      await this.deps.concat.remove(set).catch(() => undefined);
      throw error;
    }
    // The set wants a receipt if any part asked for one (Kannel asks on the first part only): a final-outcome
    // request wins over a failure-only one.
    const requests = parts.map((p) => p.receiptRequest);
    const receiptRequest = requests.includes(1) ? 1 : requests.includes(2) ? 2 : 0;
    try {
      await this.accept(ctx, { ...part, receiptRequest }, text, count, {
        idempotencyKey: `smpp-set:${stored.setId}`,
        set: { id: stored.setId, total: part.total },
      });
    } catch (error) {
      // An anti-abuse volume limit will not let the set through on a resend either: dropped, as an unacceptable text.
      if (error instanceof SmppError && error.status === SmppStatus.ESME_RSUBMITFAIL) {
        this.deps.openSets.done(setKey);
        await this.deps.concat.remove(set).catch(() => undefined);
      }
      throw error;
    }
    this.deps.openSets.done(setKey);
    await this.deps.concat
      .remove(set)
      .catch((error: Error) =>
        this.deps.logger.warn(
          { err: error.message },
          "cannot remove an assembled set (it expires on its own)",
        ),
      );
    this.deps.metrics?.smppSubmits.inc({ outcome: "accepted" });
    return { fields: { message_id: id } };
  }

  /** Persists the message with what its receipts need; resolves only when all of it is in Redis. */
  private accept(
    ctx: SubmitContext,
    submit: SubmitCommon,
    text: string,
    parts: number,
    extra: { idempotencyKey?: string; set?: SmppReceiptRequest["set"] } = {},
  ): Promise<Message> {
    const wantsReceipt =
      ctx.account.smpp?.receipts === true && (submit.receiptRequest === 1 || submit.receiptRequest === 2);
    const smppReceipt: SmppReceiptRequest = {
      ...(submit.receiptRequest === 2 && { failuresOnly: true as const }),
      ...(extra.set !== undefined && { set: extra.set }),
    };
    const input: NewMessage = {
      account: ctx.account.id,
      to: submit.to,
      from: submit.from,
      country: submit.country,
      text,
      parts,
      validitySeconds: submit.validitySeconds,
      receiptVia: wantsReceipt ? "smpp" : "none",
      rateLimit: accountRateLimit(this.deps.keyPrefix, ctx.account),
      volumeLimits: volumeLimitsFor(this.deps.keyPrefix, ctx.account, submit.to),
      ...(wantsReceipt && (smppReceipt.failuresOnly || smppReceipt.set) && { smppReceipt }),
      ...(extra.idempotencyKey !== undefined && { idempotencyKey: extra.idempotencyKey }),
    };
    return this.deps.delivery.accept(input).then(
      (accepted) => accepted.message,
      (error: unknown) => {
        if (!(error instanceof OtpgwError && LIMITS.has(error.code))) {
          this.notAcceptedLog.warn(
            this.deps.logger,
            ctx.account.id,
            { account: ctx.account.id, err: (error as Error).message },
            "submit not accepted (such lines at most every 10 s per account; otpgw_smpp_submits_total counts each)",
          );
        }
        throw status(deliveryErrorStatus(error), `not accepted: ${(error as Error).message}`);
      },
    );
  }
}
