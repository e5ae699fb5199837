import type { Attempt } from "./types.js";

/** What the receipt's target says beyond its document (see handsetMatches). */
export interface HandsetMatchContext {
  /** An SMS part this process queued whose carrier has not answered it yet (QueuedParts.isOpen). */
  waitsHere: boolean;
  /**
   * A channel attempt's send started and was not answered "not taken" (channel-send-marks.ts); false or absent: it
   * never went out.
   */
  channelSendMade?: boolean | undefined;
}

/**
 * Whether a receipt found by the handset (or a channel status by voice's reference) rather than by its carrier
 * message id is part `part` of `attempt`'s. Never when that part's id is recorded as another. Otherwise:
 *
 * - SMS: when the carrier answered without an id, or the part's id was never recorded while no submit of it awaits
 *   its answer here (its sender died, its answer was lost, or another instance sent it and has not recorded the
 *   answer yet) — not a part never sent, nor one this process sent whose carrier has not answered: the lookup
 *   waited for the answers to every submit written before the receipt came, so that part went out after it.
 * - WhatsApp and voice: only a part whose send was made — its outcome unknown (no answer: it may have been taken),
 *   or its request on its way or sent and unanswered (a status may overtake the answer). Not a part still waiting
 *   for its send (a 429's Retry-After), nor one the provider refused or never took: the status is then another
 *   message's (WhatsApp's webhook carries every message of the business number, a voice provider may serve others).
 */
export function handsetMatches(
  attempt: Attempt,
  part: number,
  carrierMessageId: string,
  context: HandsetMatchContext,
): boolean {
  const recorded = attempt.carrierMessageIds[part];
  if (recorded === undefined) return false;
  if (recorded === carrierMessageId) return true;
  // null: never recorded; "": the carrier answered without an id (SMS only: a channel's acceptance has one).
  const status = attempt.partStatus[part];
  if (attempt.channel !== "sms") {
    return (
      recorded === null &&
      (status === "unknown" || (status === "pending" && context.channelSendMade === true))
    );
  }
  return (
    recorded === "" ||
    (recorded === null && (status === "unknown" || (status !== "not_sent" && !context.waitsHere)))
  );
}
