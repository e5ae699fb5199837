import type { Clock } from "../smpp/session/request-window.js";
import type { SmppSession } from "../smpp/session/smpp-session.js";

/**
 * Time an unbind may take at shutdown once the drain deadline has passed: a carrier answers unbind at once, and
 * one that answers nothing (its window full of unanswered submits) must not hold the shutdown for a response
 * timeout or more.
 */
export const UNBIND_GRACE_MS = 1000;

/** How often the drain looks at the window again. */
const POLL_MS = 10;

/**
 * Ends a bind's session at close: lets its window drain until `deadline()` (read again at each look: a later close may
 * bring it forward), unbinds (by the deadline, or within UNBIND_GRACE_MS after it) and destroys the session.
 * Never throws.
 */
export async function drainAndUnbind(
  session: SmppSession,
  deadline: () => number,
  clock: Clock,
): Promise<void> {
  const sleep = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, POLL_MS));
  while (session.outstanding > 0 && !session.closed && clock() < deadline()) await sleep();
  if (session.isBound) {
    const graceEnd = clock() + UNBIND_GRACE_MS;
    let answered = false;
    void session.unbind().finally(() => (answered = true));
    while (!answered && clock() < Math.max(deadline(), graceEnd)) await sleep();
  }
  session.destroy("closed by otpgw");
}
