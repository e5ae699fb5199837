import { describe, expect, it } from "vitest";
import { planAttempt, type AttemptPlan, type ReadyAttempt } from "../../../src/delivery/attempt-planner.js";
import {
  applySubmitResult,
  exhaustedCarriers,
  settle,
  startAttempt,
} from "../../../src/delivery/lifecycle.js";
import type { ProcessorDeps } from "../../../src/delivery/processor-types.js";
import { errorToSubmitResult } from "../../../src/delivery/submit-results.js";
import type { Message } from "../../../src/delivery/types.js";
import { ErrorCodes, OtpgwError } from "../../../src/errors.js";
import { createRoutePlanner } from "../../../src/routing/route-planner.js";
import { parseRoutesFile } from "../../../src/routing/routes-file.js";
import { testCarrier } from "../../helpers/carrier-config.js";
import { newOtp } from "../../helpers/message.js";

/** What the planner reads of a carrier pool (the pool itself has its own tests). */
interface PoolState {
  boundCount: number;
  /** Another instance holds a bind of it (bind-slot leases). */
  servedElsewhere: boolean;
  queued: number;
  maxQueued: number;
  estimatedWaitMs(): number;
}

const MIN_REMAINING_MS = 10_000;
const T0 = 1_000_000;

function routes(dlrTimeoutSeconds: number, carriers: string[]) {
  const yaml =
    `defaults:\n  dlr_timeout_seconds: ${dlrTimeoutSeconds}\nroutes:\n  - name: id\n    match: { country: ID }\n` +
    `    carriers:\n${carriers.map((c) => `      - { carrier: ${c}, weight: 1 }\n`).join("")}`;
  const known = new Map(carriers.map((c) => [c, { countries: ["ID"] }]));
  return createRoutePlanner(parseRoutesFile(yaml, "routes.yaml", known).table!, () => 0);
}

function plan(
  message: Message,
  now: number,
  pools: Record<string, Partial<PoolState>>,
  dlrTimeoutSeconds = 30,
): AttemptPlan {
  const ids = Object.keys(pools);
  const state = new Map(
    ids.map((id) => [
      id,
      {
        boundCount: 1,
        servedElsewhere: false,
        queued: 0,
        maxQueued: 10_000,
        estimatedWaitMs: () => 0,
        ...pools[id],
      },
    ]),
  );
  const deps = {
    planner: routes(dlrTimeoutSeconds, ids),
    pools: state as unknown as ProcessorDeps["pools"],
    carriers: new Map(ids.map((id) => [id, testCarrier({ id, port: 1 })])),
    rng: () => 0,
    options: {
      minRemainingMs: MIN_REMAINING_MS,
      retryUnavailableMs: 1000,
      defaultDlrTimeoutMs: 30_000,
      timerPollMs: 20,
      timerLeaseMs: 2000,
      startupReceiptGraceMs: 5000,
      receiptLookupRetries: 5,
      receiptLookupDelayMs: 20,
    },
  };
  return planAttempt(deps, message, "Your code is 123456", now);
}

const otp = (validitySeconds: number, parts = 1): Message => newOtp(T0, validitySeconds, parts);

describe("planning an attempt", () => {
  it("never sets a DLR deadline past the OTP's expiry, so the message is final when the code dies", () => {
    let message = startAttempt(otp(60), "a", 1, T0, 30_000);
    message = settle(message, { now: T0 + 45_000, minRemainingMs: MIN_REMAINING_MS }).message;
    const second = plan(message, T0 + 45_000, { a: {}, b: {} }) as ReadyAttempt;
    expect(second.kind).toBe("ready");
    expect(second.carrier).toBe("b");
    expect(second.timerAt).toBe(T0 + 60_000);
    expect(second.message.attempts[1]!.dlrDeadline).toBe(T0 + 60_000);
    const accepted = applySubmitResult(second.message, 2, 0, { status: "accepted", carrierMessageId: "x" });
    expect(settle(accepted, { now: T0 + 60_000, minRemainingMs: MIN_REMAINING_MS }).next).toMatchObject({
      kind: "final",
      state: "expired",
    });
  });

  it("records the route each attempt was planned on", () => {
    const first = plan(otp(60), T0, { a: {}, b: {} }) as ReadyAttempt;
    expect(first.message.attempts[0]).toMatchObject({ carrier: "a", route: "id" });
    const timedOut = settle(first.message, { now: T0 + 30_000, minRemainingMs: MIN_REMAINING_MS }).message;
    const second = plan(timedOut, T0 + 30_000, { a: {}, b: {} }) as ReadyAttempt;
    expect(second.message.attempts.map((a) => [a.carrier, a.route])).toEqual([
      ["a", "id"],
      ["b", "id"],
    ]);
  });

  it("caps a route's DLR timeout longer than the validity at the expiry", () => {
    const first = plan(otp(60), T0, { a: {} }, 3600) as ReadyAttempt;
    expect(first.timerAt).toBe(T0 + 60_000);
  });

  it("hands a message off to the instances holding a carrier only when no bind of it is up here", () => {
    const elsewhereOnly = plan(otp(300), T0, { a: { boundCount: 0, servedElsewhere: true } });
    expect(elsewhereOnly).toMatchObject({ kind: "decided", next: { kind: "wait" }, handOff: "a" });
    // Bound here but saturated (its queue would outlast the DLR timeout): it waits here. Handed to another holder,
    // saturated too, it would be handed back, and so on.
    const saturated = plan(otp(300), T0, {
      a: { boundCount: 1, servedElsewhere: true, estimatedWaitMs: () => 60_000 },
    });
    expect(saturated).toMatchObject({ kind: "decided", next: { kind: "wait" } });
    expect(saturated).not.toHaveProperty("handOff");
  });

  it("does not choose a carrier whose queue has no room for every part", () => {
    const twoParts = otp(300, 2);
    expect(plan(twoParts, T0, { a: { queued: 2, maxQueued: 3 }, b: { boundCount: 0 } })).toMatchObject({
      kind: "decided",
      next: { kind: "wait" },
    });
    expect(plan(twoParts, T0, { a: { queued: 1, maxQueued: 3 } })).toMatchObject({
      kind: "ready",
      carrier: "a",
    });
  });

  it("a part the pool refused for a full queue is not sent, and the carrier is not ruled out", () => {
    const ready = plan(otp(300), T0, { a: {} }) as ReadyAttempt;
    const refused = errorToSubmitResult(
      new OtpgwError(ErrorCodes.CARRIER_SATURATED, "carrier a has 3 submits waiting"),
    );
    expect(refused).toEqual({ status: "not_sent", reason: ErrorCodes.CARRIER_SATURATED });
    const settled = settle(applySubmitResult(ready.message, 1, 0, refused), {
      now: T0 + 10,
      minRemainingMs: MIN_REMAINING_MS,
    });
    expect(settled.message.attempts[0]!.outcome).toBe("not_sent");
    expect(exhaustedCarriers(settled.message)).toEqual([]);
  });

  it("tries again a carrier whose attempt was not sent when no untried carrier is available, not before", () => {
    let message = startAttempt(otp(300), "a", 1, T0, 30_000);
    message = applySubmitResult(message, 1, 0, { status: "not_sent", reason: "deadline_passed" });
    message = settle(message, { now: T0 + 1000, minRemainingMs: MIN_REMAINING_MS }).message;
    expect(plan(message, T0 + 1000, { a: {}, b: {} })).toMatchObject({ kind: "ready", carrier: "b" });
    // b is down and may stay down past the code's validity: a second chance for a beats none.
    const again = plan(message, T0 + 1000, { a: {}, b: { boundCount: 0 } });
    expect(again).toMatchObject({ kind: "ready", carrier: "a" });
    // Its explanation says so: the choice's own "tried: none" alone would hide that a was tried.
    expect((again as ReadyAttempt).explain).toMatch(/a second try \(tried before: a;/);
  });
});
