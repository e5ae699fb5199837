import type { SessionState } from "./session-options.js";

/** The bind an ESME asks for (SMPP 3.4 §4.1): both directions, submit only, or receive only. */
export type BindMode = "transceiver" | "transmitter" | "receiver";

const BOUND_STATE: Readonly<Record<BindMode, SessionState>> = {
  transceiver: "bound_trx",
  transmitter: "bound_tx",
  receiver: "bound_rx",
};

/** The session state of a bind of `mode` once accepted. */
export function boundState(mode: BindMode): SessionState {
  return BOUND_STATE[mode];
}

export function isBoundState(state: SessionState): boolean {
  return state === "bound_tx" || state === "bound_rx" || state === "bound_trx";
}

/**
 * Whether we may ask the peer `command` in `state`. Unbinding (ours or the peer's), nothing new is asked of a session
 * that is ending but the unbind itself; binds and enquire_link go in any other state (some peers ping before the bind
 * completes, SMPP-NOTES B.4); everything else only once bound.
 */
export function mayRequestIn(state: SessionState, command: string): boolean {
  if (state === "unbinding") return command === "unbind";
  if (command.startsWith("bind_") || command === "enquire_link" || command === "generic_nack") return true;
  return isBoundState(state);
}
