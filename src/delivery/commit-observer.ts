/**
 * What a committed step of a message tells beyond the message itself: the attempts it ended go to routing's live
 * carrier health (and, with parts unanswered, to the other instances), and a final message to the delivery metrics. Called only once the store applied the step, so each
 * is told once, by the instance whose write recorded it, whatever the version conflicts and retries before it.
 */
import type { Metrics } from "../observability/metrics.js";
import { FinalMetrics } from "./final-metrics.js";
import { conversionCredit } from "./lifecycle.js";
import type { ConversionListener, DeliveryCollaborators } from "./processor-types.js";
import type { RoutePlanner } from "./route-planner.js";
import type { Message } from "./types.js";

export class CommitObserver {
  private readonly planner: RoutePlanner;
  private readonly metrics: Metrics | undefined;
  private readonly finalMetrics: FinalMetrics | undefined;
  private readonly reportsConversions: (account: string) => boolean;
  private readonly listener: ConversionListener | undefined;
  private readonly withdrawals: DeliveryCollaborators["attemptWithdrawals"];

  constructor(
    deps: Pick<
      DeliveryCollaborators,
      "planner" | "metrics" | "reportsConversions" | "conversionListener" | "attemptWithdrawals"
    >,
  ) {
    this.planner = deps.planner;
    this.metrics = deps.metrics;
    this.finalMetrics = deps.metrics ? new FinalMetrics(deps.metrics) : undefined;
    this.reportsConversions = deps.reportsConversions ?? (() => false);
    this.listener = deps.conversionListener;
    this.withdrawals = deps.attemptWithdrawals;
  }

  /** `after` has just replaced `before` in the store, not final. */
  stored(before: Message, after: Message): void {
    reportEndedAttempts(this.planner, before, after);
    this.withdrawals?.ended(before, after);
  }

  /** `done` has just replaced `before` in the store, in its final state, at `now`. */
  final(before: Message, done: Message, now: number): void {
    reportEndedAttempts(this.planner, before, done);
    this.withdrawals?.ended(before, done);
    this.metrics?.messagesFinal.inc({ state: done.state });
    this.finalMetrics?.observe(done, now);
    // The conversion share's denominator: a delivered message whose submitter will report whether the code was used.
    if (done.state === "delivered" && this.reportsConversions(done.account)) {
      const credited = conversionCredit(done);
      this.metrics?.conversionsExpected.inc({
        carrier: credited?.carrier ?? "none",
        channel: credited?.channel ?? "none",
      });
      if (credited?.channel === "sms") {
        this.planner.conversionObserved?.(
          done.to,
          done.country,
          credited.carrier,
          done.finalAt ?? now,
          false,
        );
      }
      // The pumping guard judges every delivery, whatever the channel: a pumped number uses no code it gets.
      this.listener?.delivered(done);
    }
  }
}

/**
 * Tells the planner of the attempts that ended between two versions of a message: those with an outcome in `after`
 * and none in `before`. Every end is seen: an attempt rerouted from ends in the step that starts the next one (or
 * waits for a carrier), a last one in the step that stores the final state.
 */
export function reportEndedAttempts(planner: RoutePlanner, before: Message, after: Message): void {
  if (planner.attemptEnded === undefined) return;
  const attempts = after.attempts;
  // One attempt at a time: they end in order, so the newly ended ones are the last with an outcome.
  for (let index = attempts.length - 1; index >= 0; index--) {
    const attempt = attempts[index]!;
    if (attempt.outcome === undefined) continue;
    if (before.attempts[index]?.outcome !== undefined) break;
    planner.attemptEnded(after.to, after.country, attempt);
  }
}
