import type { ChannelId } from "../escalation/channel-types.js";
import type { ProcessorDeps } from "./processor-types.js";

/** A carrier queue this full (of its limit) takes no new message: room is kept for reroutes and retries. */
const ADMISSION_QUEUE_SHARE = 0.8;

/**
 * Whether some carrier of the destination's route can take a message now: bound, its queue below 80 % of its
 * limit, and short enough to drain within the route's DLR timeout. A submit still queued at its attempt's DLR
 * deadline is never sent, so a queue longer than that only holds messages that would go out nowhere:
 * back-pressure instead. The route's own carriers — those the planner chooses from (a default route's, a shared
 * prefix's), not every carrier that lists the country. A carrier an operator drained takes no new work: a route
 * whose carriers are all drained refuses new messages as one whose carriers are all down does — unless the route
 * escalates to (or tries before SMS) a channel this process runs: WhatsApp and voice still carry the code while
 * every carrier is down or drained (not while one is merely full: that is back-pressure).
 */
export function canAccept(
  deps: Pick<ProcessorDeps, "planner" | "pools" | "escalation">,
  to: string,
  country: string,
): boolean {
  const route = deps.planner.plan(to, country);
  if (!route) return false;
  let full = false;
  for (const id of route.carriers) {
    const pool = deps.pools.get(id);
    if (!pool || deps.planner.drained(id)) continue;
    // Bound here: this instance's queue decides (back-pressure), also when other instances hold binds too.
    if (pool.boundCount > 0) {
      if (pool.queued < pool.maxQueued * ADMISSION_QUEUE_SHARE && pool.estimatedWaitMs() < route.dlrTimeoutMs)
        return true;
      full = true;
    } else if (pool.servedElsewhere) return true; // handed to an instance with a bind (its queue unseen here)
  }
  const escalation = deps.escalation;
  if (full || escalation === undefined) return false;
  const runs = (channel: ChannelId) => escalation.runs(channel);
  return route.escalation.some(runs) || route.beforeSms?.some(runs) === true;
}
