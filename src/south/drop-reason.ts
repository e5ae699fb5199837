import { PEER_UNBOUND } from "../smpp/session/smpp-session.js";
import { BIND_LOST, SUBMITS_UNANSWERED } from "./submit-answers.js";

/** A low-cardinality label for a drop reason (the full reason goes to the log). */
export function reasonLabel(reason: string): string {
  if (reason.startsWith("bind refused")) return "bind_refused";
  if (reason.startsWith("connect failed")) return "connect_failed";
  if (reason.includes("enquire_link")) return "keepalive";
  if (reason.startsWith("bind failed")) return "bind_failed";
  if (reason === PEER_UNBOUND) return "peer_unbind";
  if (reason === SUBMITS_UNANSWERED) return "response_timeouts";
  if (reason === BIND_LOST) return "bind_lost";
  return "dropped";
}
