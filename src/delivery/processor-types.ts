import type { CarrierConfig } from "../config/types.js";
import type { ChannelId } from "../escalation/channel-types.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { CarrierPool } from "../south/carrier-pool.js";
import type { AttemptWithdrawals } from "./attempt-withdrawals.js";
import type { HandOverItems, MessageStore } from "./message-store.js";
import type { RoutePlanner } from "./route-planner.js";
import type { Message } from "./types.js";

export interface ProcessorOptions {
  /** No attempt starts with less OTP validity left than this. */
  minRemainingMs: number;
  /** After a restart, how long a carrier must be bound before attempts started earlier may time out. */
  startupReceiptGraceMs: number;
  /** When every untried carrier is unavailable, look again after this long. */
  retryUnavailableMs: number;
  /** DLR timeout when the route gives none. */
  defaultDlrTimeoutMs: number;
}

/** What delivery works with: the store, routing, and the carriers' pools and configs. */
export interface DeliveryCollaborators {
  store: MessageStore;
  planner: RoutePlanner;
  pools: ReadonlyMap<string, CarrierPool>;
  /** The clock the pools stamp their times with (their `epochClock`, default monotonicEpochNow): delivery's differs. */
  poolClock?: () => number;
  carriers: ReadonlyMap<string, CarrierConfig>;
  logger: Logger;
  metrics?: Metrics;
  /** Whether an account reports conversions (its delivered messages count towards the conversion share). */
  reportsConversions?: (account: string) => boolean;
  /** Told of the deliveries of accounts that report conversions, and of their conversions (the pumping guard). */
  conversionListener?: ConversionListener;
  /** Attempts ended here with parts queued on other instances (several instances on one Redis); none alone. */
  attemptWithdrawals?: AttemptWithdrawals;
}

/**
 * Beside live health's conversion share: each delivered message of an account that reports conversions, whatever
 * the channel (once, by the instance that stored its final state), and each first conversion report of a message of
 * such an account (by the instance that took it).
 */
export interface ConversionListener {
  delivered(message: Message): void;
  converted(message: Message): void;
}

/** What delivery asks of escalation (src/escalation/): the channel after SMS, and sending through it. */
export interface EscalationDeps {
  /**
   * From when (ms since the epoch) a route whose untried carriers are all down — drained, or bound by no instance —
   * escalates at once: not in a process's first moments, before its binds came up.
   */
  readonly downCountsFrom: number;
  /** Whether this process can send through `channel` (otpgw.yaml configures it). */
  runs(channel: ChannelId): boolean;
  /**
   * The next of `channels` for `message`, whose SMS options are spent: undefined when each was tried, is not
   * configured, or the account's code pattern finds no code in `text` (nothing to send but the SMS).
   */
  nextChannel(
    message: Message,
    channels: readonly ChannelId[],
    text: string,
  ): { channel: ChannelId; timeoutMs: number } | undefined;
  /**
   * Queues the send of a committed escalation attempt. Never throws: a send that cannot be queued (Redis lost) is
   * logged, and queued again (`resume`) when the attempt's timer first looks at it.
   */
  send(messageId: string, attempt: number, channel: ChannelId): void;
  /**
   * `message`, not final, was just looked at by its timer (or recovery): if its open escalation attempt's send has no
   * answer yet while its deadline is ahead, queues the send again when its job was lost (never queued) or failed for
   * good — nothing when the job exists otherwise (a send started before is never sent again). Never throws.
   */
  resume(message: Message, now: number): void;
}

export interface ProcessorDeps extends DeliveryCollaborators {
  /** Absent: no escalation; a message whose carriers are spent is undeliverable. */
  escalation?: EscalationDeps;
  clock: () => number;
  /**
   * When this process started delivering, on `clock` (undefined: not yet); default when the processor was built. The
   * engine's start: the gateway builds delivery before its clock has met Redis's.
   */
  startedAt?: () => number | undefined;
  rng: () => number;
  options: ProcessorOptions;
  /**
   * The notification of a message about to become final, when the notifier can say now what to queue (SMPP
   * receipts): written in the same step as the final state, so the message never enters the outbox. Undefined:
   * the message goes to the outbox and `onFinal` hands it over.
   */
  prepareHandOver?: (message: Message) => PreparedHandOver | undefined;
  /**
   * Hands a message that waits for a carrier no bind of which is open here to the instances holding one (hand-offs.ts);
   * its timer stays the safety net.
   */
  handOff?: (carrier: string, id: string) => void;
  /** Called once a message reached its final state: in the outbox, or handed over already (`handedOver`). */
  onFinal: (message: Message, handedOver: boolean) => void;
}

/** A notification queued with the final state (see `prepareHandOver`). */
export interface PreparedHandOver extends HandOverItems {
  /** Called once the final state and the items are committed. */
  committed: () => void;
}

/** A hand-over with nothing to queue: the message is final and needs no notification (not even the outbox). */
export function nothingToNotify(committed: () => void = () => undefined): PreparedHandOver {
  return { list: "", items: [], ttlMs: 0, maxLength: 0, committed };
}
