/**
 * The escalation part of the demo's summary: per channel, the messages escalated to it and how those attempts
 * ended, which channel delivered each message, and the promises of docs/channels.md ("When a message escalates")
 * checked against what otpgw reports (GET /v1/messages/:id) and what the WhatsApp and voice simulators received:
 * never after the code has expired, each channel at most once per message, one attempt at a time, the code alone,
 * and one provider send per attempt. Pure: rendering is in escalation-render.ts.
 */
import type { AttemptView, MessageView } from "../../src/north/message-view.js";
import type { SentOtp } from "./load-sender.js";
import { percentiles, type Percentiles } from "./percentiles.js";

/** A send as a channel simulator received it (`to`: WhatsApp without "+", voice with it). */
export interface ChannelSend {
  to: string;
  code: string;
  /** otpgw's message id, when the provider's API carries it (voice). */
  reference?: string;
}

export interface ChannelSimRecord {
  /** Sends taken (credentials and body right), refused ones included. */
  sends: number;
  received: ChannelSend[];
  /** Status callbacks otpgw answered with a 2xx. */
  callbacksSent: number;
  callbacksFailed: number;
}

export interface EscalationInput {
  /** The channels in the order the routes list them. */
  channels: readonly string[];
  accepted: SentOtp[];
  views: Map<string, MessageView>;
  sims: Map<string, ChannelSimRecord>;
  /** `delivery.min_remaining_validity_seconds` of the daemon, in ms. */
  minRemainingMs: number;
  /** Whether a message's route lists the channels (the demo knows where it sent each OTP). */
  escalates: (sent: SentOtp) => boolean;
}

export interface ChannelFigures {
  channel: string;
  /** Messages with an attempt on the channel. */
  escalated: number;
  /** How those attempts ended, by outcome ("delivered", "failed", "rejected", "timeout", "not_sent", "open"). */
  outcomes: Record<string, number>;
  /** Attempts whose wait the OTP's expiry cut short (deadline = expires_at, before the channel's status timeout). */
  cutByExpiry: number;
  /** started_at → ended_at of the attempts that ended delivered. */
  deliveredInMs: Percentiles;
  sim: ChannelSimRecord;
}

export interface EscalationFigures {
  channels: ChannelFigures[];
  /** Delivered messages by the channel of the attempt that delivered them ("sms", "whatsapp", "voice"). */
  deliveredBy: Record<string, number>;
  /** Messages with at least one channel attempt. */
  escalatedMessages: number;
  /** "a → channel" with how the attempt before ended, and how many messages took that step. */
  steps: { from: string; to: string; why: string; count: number }[];
  /** Submit (created_at) → the first channel attempt's start. */
  firstChannelAfterMs: Percentiles;
  /** The least validity any channel attempt started with (expires_at − started_at), or undefined: none. */
  leastValidityLeftMs: number | undefined;
  /** Messages on escalating routes that expired with a channel never tried: too late to start it. */
  expiredWithChannelLeft: number;
  /** Messages on escalating routes that expired although every channel had been tried (and had ended). */
  expiredAfterEveryChannel: number;
  minRemainingMs: number;
  /** Broken promises, in words (message ids only: never a code or a number). */
  failures: string[];
}

function ms(iso: string | null): number | undefined {
  if (iso === null) return undefined;
  const value = Date.parse(iso);
  return Number.isNaN(value) ? undefined : value;
}

/** How an attempt ended, for the step tables: "receipt UNDELIV", "timeout", "rejected", … */
export function endedWhy(attempt: AttemptView): string {
  if (attempt.outcome !== "failed") return String(attempt.outcome);
  // A channel's failure status is recorded as a receipt stat too (docs/channels.md).
  return `${attempt.channel === "sms" ? "receipt" : "status"} ${attempt.receipt_stat ?? "failed"}`;
}

function isChannel(attempt: AttemptView): boolean {
  return attempt.channel !== "sms";
}

/** A failure line naming at most a few message ids. */
function failure(count: number, what: string, ids: string[]): string {
  const shown = ids.slice(0, 3).join(", ");
  return `${count} ${what} (${shown}${ids.length > 3 ? ", …" : ""})`;
}

/** The promises of one message's attempts: never late, each channel once, one at a time. */
function attemptProblems(view: MessageView, minRemainingMs: number): string[] {
  const problems: string[] = [];
  const expiresAt = ms(view.expires_at) ?? Number.NaN;
  const seen = new Set<string>();
  view.attempts.forEach((attempt, i) => {
    const started = ms(attempt.started_at) ?? Number.NaN;
    if (isChannel(attempt)) {
      if (!(started <= expiresAt - minRemainingMs)) problems.push("late");
      if (seen.has(attempt.channel)) problems.push("twice");
      seen.add(attempt.channel);
    }
    const previous = view.attempts[i - 1];
    if (previous) {
      const ended = ms(previous.ended_at);
      if (ended === undefined || !(started >= ended)) problems.push("overlap");
    }
  });
  return problems;
}

/** Which channel delivered a delivered message: the attempt that ended delivered, or a late SMS receipt. */
function deliveringChannel(view: MessageView): string {
  const attempt = [...view.attempts].reverse().find((a) => a.outcome === "delivered");
  if (attempt) return attempt.channel;
  return view.attempts.some((a) => a.late_receipts.some((r) => r.stat === "DELIVRD"))
    ? "sms (late receipt)"
    : "unknown";
}

/**
 * Attempts of one message on one channel: `sent` ended after otpgw's send (delivered, failed, refused, timed
 * out); `open` never ended because the message ended first (a late SMS DELIVRD): its send may have been skipped.
 */
export interface AttemptCount {
  sent: number;
  open: number;
}

/** Each sim send checked against the message it belongs to: its code, and how many sends each attempt got. */
function sendProblems(
  channel: string,
  sim: ChannelSimRecord,
  sentById: Map<string, SentOtp>,
  attemptsById: Map<string, AttemptCount>,
): string[] {
  const failures: string[] = [];
  const digits = (to: string) => to.replace(/^\+/, "");
  // Sends per message: voice names the message; WhatsApp only the number (digits, no "+").
  const byNumber = new Map<string, SentOtp[]>();
  for (const sent of sentById.values()) {
    byNumber.set(digits(sent.otp.to), [...(byNumber.get(digits(sent.otp.to)) ?? []), sent]);
  }
  const sendsById = new Map<string, number>();
  const wrongCode: string[] = [];
  let unknown = 0;
  for (const send of sim.received) {
    const candidates =
      send.reference !== undefined
        ? [sentById.get(send.reference)].filter((s): s is SentOtp => s !== undefined)
        : (byNumber.get(digits(send.to)) ?? []);
    // The message this send is for: one that escalated to the channel, to this number.
    const sent = candidates.find((c) => attemptsById.has(c.id)) ?? candidates[0];
    if (!sent || digits(sent.otp.to) !== digits(send.to)) {
      unknown++;
      continue;
    }
    sendsById.set(sent.id, (sendsById.get(sent.id) ?? 0) + 1);
    // Only the code: exactly the digits of the text the demo submitted, not the text nor more of it.
    if (send.code !== sent.otp.code || !sent.otp.text.includes(send.code)) wrongCode.push(sent.id);
  }
  if (unknown > 0)
    failures.push(`${unknown} ${channel} sends to a number or message the demo never submitted`);
  if (wrongCode.length > 0)
    failures.push(failure(wrongCode.length, `${channel} sends with something else than the code`, wrongCode));
  const ids = new Set([...sendsById.keys(), ...attemptsById.keys()]);
  const fits = (sends: number, count: AttemptCount) =>
    sends >= count.sent && sends <= count.sent + count.open;
  const none = { sent: 0, open: 0 };
  const mismatched = [...ids].filter((id) => !fits(sendsById.get(id) ?? 0, attemptsById.get(id) ?? none));
  if (mismatched.length > 0)
    failures.push(
      failure(mismatched.length, `messages whose ${channel} sends differ from their attempts`, mismatched),
    );
  const total = [...attemptsById.values()].reduce(
    (a, b) => ({ sent: a.sent + b.sent, open: a.open + b.open }),
    none,
  );
  if (!fits(sim.sends, total)) {
    const open = total.open > 0 ? ` (+ up to ${total.open} for attempts the message outlived)` : "";
    failures.push(
      `${channel} simulator counted ${sim.sends} sends, otpgw reports ${total.sent} sent attempts${open}`,
    );
  }
  return failures;
}

export function summarizeEscalation(input: EscalationInput): EscalationFigures {
  const sentById = new Map(input.accepted.map((s) => [s.id, s]));
  const failures: string[] = [];
  const deliveredBy: Record<string, number> = {};
  const attemptsByChannel = new Map<string, { view: MessageView; attempt: AttemptView }[]>(
    input.channels.map((c) => [c, []]),
  );
  const problems = new Map<string, string[]>();
  const firstAfter: number[] = [];
  let escalatedMessages = 0;
  let leastValidityLeftMs: number | undefined;
  let expiredWithChannelLeft = 0;
  let expiredAfterEveryChannel = 0;
  const wrongRoute: string[] = [];
  const steps = new Map<string, { from: string; to: string; why: string; count: number }>();

  for (const sent of input.accepted) {
    const view = input.views.get(sent.id);
    if (!view) continue;
    if (view.state === "delivered") {
      const channel = deliveringChannel(view);
      deliveredBy[channel] = (deliveredBy[channel] ?? 0) + 1;
    }
    for (const problem of attemptProblems(view, input.minRemainingMs)) {
      problems.set(problem, [...(problems.get(problem) ?? []), view.id]);
    }
    const channelAttempts = view.attempts.filter(isChannel);
    if (input.escalates(sent)) {
      const tried = new Set<string>(channelAttempts.map((a) => a.channel));
      if (view.state === "expired") {
        if (input.channels.some((c) => !tried.has(c))) expiredWithChannelLeft++;
        else expiredAfterEveryChannel++;
      }
    } else if (channelAttempts.length > 0) {
      wrongRoute.push(view.id);
    }
    if (channelAttempts.length === 0) continue;
    escalatedMessages++;
    const created = ms(view.created_at);
    const expires = ms(view.expires_at);
    const firstStart = ms(channelAttempts[0]!.started_at);
    if (created !== undefined && firstStart !== undefined) firstAfter.push(firstStart - created);
    view.attempts.forEach((attempt, i) => {
      const before = view.attempts[i - 1];
      if (!isChannel(attempt) || !before) return;
      const why = endedWhy(before);
      const key = `${before.carrier}|${attempt.channel}|${why}`;
      const step = steps.get(key) ?? { from: before.carrier, to: attempt.channel, why, count: 0 };
      step.count++;
      steps.set(key, step);
    });
    for (const attempt of channelAttempts) {
      const list = attemptsByChannel.get(attempt.channel) ?? [];
      list.push({ view, attempt });
      attemptsByChannel.set(attempt.channel, list);
      const started = ms(attempt.started_at);
      if (expires !== undefined && started !== undefined) {
        leastValidityLeftMs = Math.min(leastValidityLeftMs ?? Number.POSITIVE_INFINITY, expires - started);
      }
    }
  }

  const seconds = (value: number) => `${value / 1000} s`;
  const problemText: Record<string, string> = {
    late: `messages with a channel attempt started after expires_at − ${seconds(input.minRemainingMs)}`,
    twice: "messages with a channel tried twice",
    overlap: "messages with an attempt started before the previous one ended",
  };
  for (const [problem, ids] of problems) failures.push(failure(ids.length, problemText[problem]!, ids));
  if (wrongRoute.length > 0)
    failures.push(failure(wrongRoute.length, "messages escalated on a route without escalation", wrongRoute));

  const channels = [...attemptsByChannel].map(([channel, list]): ChannelFigures => {
    const sim = input.sims.get(channel) ?? { sends: 0, received: [], callbacksSent: 0, callbacksFailed: 0 };
    const outcomes: Record<string, number> = {};
    const delivered: number[] = [];
    const sentAttempts = new Map<string, AttemptCount>();
    let cutByExpiry = 0;
    for (const { view, attempt } of list) {
      const outcome = attempt.outcome ?? "open";
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const started = ms(attempt.started_at);
      const ended = ms(attempt.ended_at);
      if (outcome === "delivered" && started !== undefined && ended !== undefined)
        delivered.push(ended - started);
      if (attempt.dlr_deadline === view.expires_at) cutByExpiry++;
      // An attempt otpgw did not send (too close to the expiry, no code) has no send at the provider.
      const count = sentAttempts.get(view.id) ?? { sent: 0, open: 0 };
      if (outcome === "open") count.open++;
      else if (outcome !== "not_sent") count.sent++;
      sentAttempts.set(view.id, count);
    }
    failures.push(...sendProblems(channel, sim, sentById, sentAttempts));
    return {
      channel,
      escalated: new Set(list.map((a) => a.view.id)).size,
      outcomes,
      cutByExpiry,
      deliveredInMs: percentiles(delivered),
      sim,
    };
  });

  return {
    channels,
    deliveredBy,
    escalatedMessages,
    steps: [...steps.values()].sort((a, b) => b.count - a.count),
    firstChannelAfterMs: percentiles(firstAfter),
    leastValidityLeftMs,
    expiredWithChannelLeft,
    expiredAfterEveryChannel,
    minRemainingMs: input.minRemainingMs,
    failures,
  };
}
