import { OtpgwError } from "../errors.js";
import { buildSubmits } from "../south/submit-builder.js";
import type { SubmitFields } from "../south/submit-types.js";
import type { ChannelId } from "../escalation/channel-types.js";
import { applySubmitResult, exhaustedCarriers, startAttempt, triedCarriers, type Next } from "./lifecycle.js";
import { channelCountryId } from "../ops/control-store.js";
import type { Update } from "./message-store.js";
import type { ProcessorDeps } from "./processor-types.js";
import { handsetKey } from "./submit-results.js";
import type { Message } from "./types.js";

/** An attempt ready to start: the document with it, what to commit with it, and the parts to submit. */
export interface ReadyAttempt {
  kind: "ready";
  message: Message;
  /** Its DLR deadline: when to look at the message again if no receipt came. */
  timerAt: number;
  /** No part is written at or after this: the DLR deadline, or earlier when the OTP would be too close to expiry. */
  notAfter: number;
  correlations: Update["correlations"];
  carrier: string;
  n: number;
  parts: SubmitFields[];
  explain: unknown;
}

/** What starting the next attempt comes to, decided in memory before anything is written. */
export type AttemptPlan =
  | ReadyAttempt
  /**
   * No carrier now: commit this instead (final when none is left, else wait and look again); `handOff`: a carrier
   * another instance holds a bind of, to hand the waiting message to.
   */
  | { kind: "decided"; message: Message; next: Exclude<Next, { kind: "attempt" }>; handOff?: string }
  /** The chosen carrier cannot carry the message (e.g. its sender rules): a failed attempt; settle again. */
  | { kind: "failed"; message: Message }
  /** SMS is spent: an attempt on another channel, to commit and then queue (see EscalationDeps). */
  | EscalationAttempt;

export interface EscalationAttempt {
  kind: "escalate";
  message: Message;
  timerAt: number;
  channel: ChannelId;
  n: number;
  /** Findable by channel and handset, as a one-part SMS attempt is: a status may overtake the provider's id. */
  correlations: NonNullable<Update["correlations"]>;
}

type PlannerDeps = Pick<ProcessorDeps, "planner" | "pools" | "carriers" | "rng" | "options" | "escalation">;

/** Chooses a carrier and encodes the message for it (no I/O). */
export function planAttempt(deps: PlannerDeps, message: Message, text: string, now: number): AttemptPlan {
  const { planner, pools, carriers } = deps;
  const route = planner.plan(message.to, message.country);
  // The attempt's DLR deadline, never past the OTP's expiry: a receipt after it could not make the code usable,
  // and the submitter hears "expired" when the code dies, not a DLR timeout later.
  const dlrTimeoutMs = Math.min(
    route?.dlrTimeoutMs ?? deps.options.defaultDlrTimeoutMs,
    Math.max(1, message.expiresAt - now),
  );
  const notAfter = Math.min(now + dlrTimeoutMs, message.expiresAt - deps.options.minRemainingMs);
  // A route whose people read WhatsApp before SMS: its channels first, each once, while no SMS was tried.
  const first =
    route?.beforeSms !== undefined
      ? channelFirst(deps, message, route.beforeSms, route.name, text, now)
      : undefined;
  if (first) return first;
  // A carrier whose queue has no room for every part, or would hold them past their not-after time, could not
  // send them: no choice now.
  const available = (carrierId: string): boolean => {
    const pool = pools.get(carrierId);
    return (
      pool !== undefined &&
      pool.boundCount > 0 &&
      pool.queued + message.parts <= pool.maxQueued &&
      now + pool.estimatedWaitMs() < notAfter
    );
  };
  // Carriers never tried first; then, when none of them is available, once more a carrier whose only attempt ended
  // with its outcome unknown (the process died around the submit: the SMS may never have left) or not sent. A
  // duplicate OTP beats none — and an untried carrier that is down may not come back while the code is valid.
  const triedBefore = triedCarriers(message);
  let tried = triedBefore;
  let choice = planner.choose(message.to, message.country, tried, available);
  if (!choice) {
    tried = exhaustedCarriers(message);
    choice = planner.choose(message.to, message.country, tried, available);
    // The choice's own "tried" lists only the carriers ruled out: say this is a second try, and after which.
    if (choice)
      choice = {
        carrier: choice.carrier,
        explain: `${choice.explain}; a second try (tried before: ${triedBefore.join(", ")}; an attempt not sent or of unknown outcome may be tried once more)`,
      };
  }
  if (!choice) {
    const escalation = route && escalate(deps, message, route, triedBefore, text, now);
    if (escalation) return escalation;
    const untried = (route?.carriers ?? []).filter((c) => !tried.includes(c));
    if (untried.length === 0) {
      // Channels escalated to are attempts too (their carrier is the channel's name): named apart.
      const channels = message.attempts.filter((a) => a.channel !== "sms").map((a) => a.channel);
      const carriersTried = tried.filter((c) => !(channels as string[]).includes(c));
      const reason = route
        ? `every carrier of route ${route.name} tried (${carriersTried.join(", ") || "none"})` +
          (channels.length > 0 ? `, then ${channels.join(" and ")}` : "")
        : "no route for the destination";
      return { kind: "decided", message, next: { kind: "final", state: "undeliverable", reason } };
    }
    // Carriers remain but none can take it now: look again soon, never past the point of no return.
    const retryAt = Math.min(
      now + deps.options.retryUnavailableMs,
      message.expiresAt - deps.options.minRemainingMs + 1,
    );
    // A carrier whose binds (bind-slot leases) are all with other instances: the message goes to one of them. Not
    // one bound here but saturated: the holders would hand it back and forth (it waits here instead).
    const elsewhere = planner.choose(message.to, message.country, tried, (id) => {
      const pool = pools.get(id);
      return pool !== undefined && pool.boundCount === 0 && pool.servedElsewhere;
    });
    const next = { kind: "wait", timerAt: Math.max(now + 1, retryAt) } as const;
    return { kind: "decided", message, next, ...(elsewhere && { handOff: elsewhere.carrier }) };
  }
  let built: ReturnType<typeof buildSubmits>;
  try {
    built = buildSubmits(carriers.get(choice.carrier)!, {
      source: message.from,
      destination: message.to,
      text,
      reference: Math.floor(deps.rng() * 256),
      // No validity_period here: the carrier pool writes it when the part goes out (its ticket's validUntil).
    });
  } catch (error) {
    const failed = applySubmitResult(
      startAttempt(message, choice.carrier, 1, now, 0, "sms", route?.name),
      message.attempts.length + 1,
      0,
      { status: "failed", error: error instanceof OtpgwError ? error.code : String(error) },
    );
    return { kind: "failed", message: failed };
  }
  const withAttempt = startAttempt(
    message,
    choice.carrier,
    built.parts.length,
    now,
    dlrTimeoutMs,
    "sms",
    route?.name,
  );
  const n = withAttempt.attempts.length;
  return {
    kind: "ready",
    message: withAttempt,
    timerAt: now + dlrTimeoutMs,
    notAfter,
    // A one-part attempt is also findable by carrier and handset: if the process dies between the carrier's
    // answer and recording its id, the receipt still finds its message (see receiptByHandset).
    correlations:
      built.parts.length === 1
        ? [
            {
              carrier: choice.carrier,
              carrierMessageId: handsetKey(message.to),
              target: { messageId: message.id, attempt: n, part: 0 },
            },
          ]
        : undefined,
    carrier: choice.carrier,
    n,
    parts: built.parts,
    explain: choice.explain,
  };
}

/**
 * An attempt on the route's next channel, when SMS is spent: every carrier of the route tried (whatever the
 * outcome: a second SMS try beats a channel only while that carrier is available now), or every untried one
 * down — drained, or bound by no instance — once the process has been up long enough for its binds to come up.
 * Its deadline is the channel's status timeout, never past the OTP's expiry.
 */
function escalate(
  deps: PlannerDeps,
  message: Message,
  route: NonNullable<ReturnType<PlannerDeps["planner"]["plan"]>>,
  triedBefore: readonly string[],
  text: string,
  now: number,
): EscalationAttempt | undefined {
  const { escalation, pools, planner } = deps;
  if (!escalation || route.escalation.length === 0) return undefined;
  const down = (id: string): boolean => {
    if (planner.drained(id)) return true;
    const pool = pools.get(id);
    return pool === undefined || (pool.boundCount === 0 && !pool.servedElsewhere);
  };
  const untried = route.carriers.filter((c) => !triedBefore.includes(c));
  if (untried.length > 0 && (now < escalation.downCountsFrom || !untried.every(down))) return undefined;
  if (now + deps.options.minRemainingMs > message.expiresAt) return undefined;
  const next = escalation.nextChannel(message, undrained(planner, route.escalation, message.country), text);
  return next && channelAttempt(message, next, now, route.name);
}

/**
 * An attempt on the next of the route's channels before SMS (routes.yaml `before_sms`), as long as no SMS attempt
 * was made (once SMS began, what comes before it is over) and time is left; a drained channel is skipped.
 */
function channelFirst(
  deps: PlannerDeps,
  message: Message,
  beforeSms: readonly ChannelId[],
  routeName: string,
  text: string,
  now: number,
): EscalationAttempt | undefined {
  const { escalation, planner } = deps;
  if (!escalation || message.attempts.some((a) => a.channel === "sms")) return undefined;
  if (now + deps.options.minRemainingMs > message.expiresAt) return undefined;
  const next = escalation.nextChannel(message, undrained(planner, beforeSms, message.country), text);
  return next && channelAttempt(message, next, now, routeName);
}

/**
 * `channels` without those an operator drained (an incident override: a WhatsApp outage, a data blackout), everywhere
 * or in `country` (`whatsapp@ID`); the list itself when none is.
 */
function undrained(
  planner: PlannerDeps["planner"],
  channels: readonly ChannelId[],
  country: string,
): readonly ChannelId[] {
  const drained = (c: ChannelId) => planner.drained(c) || planner.drained(channelCountryId(c, country));
  return channels.some(drained) ? channels.filter((c) => !drained(c)) : channels;
}

/**
 * When a channel attempt is first looked at again, before its deadline (if sooner): its send's job is queued after
 * the attempt is stored, and a job that was never queued (the add failed, the process died between the two, Redis's
 * answer to the store was lost) would leave the attempt idle until its deadline. Its send normally starts within
 * milliseconds; a lost one is queued again then (EscalationDeps.resume).
 */
export const channelSendCheckMs = 5_000;

/**
 * An attempt on `next.channel` for route `routeName`, its deadline the channel's status timeout but never past the
 * OTP's expiry; looked at again first after channelSendCheckMs.
 */
function channelAttempt(
  message: Message,
  next: { channel: ChannelId; timeoutMs: number },
  now: number,
  routeName: string,
): EscalationAttempt {
  const timeoutMs = Math.min(next.timeoutMs, Math.max(1, message.expiresAt - now));
  const withAttempt = startAttempt(message, next.channel, 1, now, timeoutMs, next.channel, routeName);
  const n = withAttempt.attempts.length;
  return {
    kind: "escalate",
    message: withAttempt,
    timerAt: now + Math.min(timeoutMs, channelSendCheckMs),
    channel: next.channel,
    n,
    correlations: [
      {
        carrier: next.channel,
        carrierMessageId: handsetKey(message.to),
        target: { messageId: message.id, attempt: n, part: 0 },
      },
    ],
  };
}
