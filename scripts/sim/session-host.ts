/**
 * What a session needs from the simulator that owns it: the live options and outage mode, the counters, and the
 * decisions that span sessions (credentials and bind limits, submits, receipt routing).
 */
import type { Logger } from "../../src/observability/logger.js";
import type { CounterBook } from "./counters.js";
import type { OutageMode, ResolvedSimulatorOptions } from "./options.js";
import type { ReceiptJob } from "./receipt-dispatcher.js";
import type { SimSession } from "./sim-session.js";

export interface SessionHost {
  /** Current options (they change with `setOptions`, so read them when needed rather than keep them). */
  readonly options: ResolvedSimulatorOptions;
  readonly outage: OutageMode;
  readonly counterBook: CounterBook;
  readonly logger: Logger;
  /** command_status for a bind: ESME_ROK, or why it is refused. */
  authorizeBind(systemId: string, password: string, interfaceVersion: number): number;
  onBound(session: SimSession): void;
  /** The session left the bound state (unbind or close). */
  onUnbound(session: SimSession): void;
  onClosed(session: SimSession): void;
  /** A submit_sm on a bound transmitter/transceiver, already counted as read. */
  handleSubmit(session: SimSession, frame: Buffer, sequence: number): void;
  /** The receipt was refused with a temporary error: send it again after the retry delay. */
  retryReceipt(job: ReceiptJob): void;
  /** The receipt's session closed before answering: send it on another bind. */
  requeueReceipt(job: ReceiptJob): void;
  /** A bind of this account has room for another receipt. */
  receiptSlotFreed(systemId: string): void;
}
