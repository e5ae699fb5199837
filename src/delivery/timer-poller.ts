import type { CarrierPool } from "../south/carrier-pool.js";
import type { CreateWithdrawals } from "./create-withdrawals.js";
import type { HandOffs } from "./hand-offs.js";
import type { MessageStore } from "./message-store.js";
import type { OutboxHandOvers } from "./outbox-hand-overs.js";

/** Timers claimed per poll: bounds the burst after a restart with many messages in flight. */
const TIMER_BATCH = 500;
/**
 * The most a claim waits past a timer's due time for the clocks' errors (see claimMarginMs): an error this large
 * means Redis has not answered for a long while (drift piles up), when no claim can run anyway.
 */
const MAX_CLAIM_MARGIN_MS = 1_000;

/**
 * How long past its due time (on this instance's clock) a timer is claimed. Any instance claims any timer, written
 * by whichever instance started the attempt, each on its view of Redis's clock — off by up to its error (half a
 * quiet round trip, RedisClock). Claiming at once, an instance whose view runs ahead of the writer's could end an
 * attempt's DLR wait early by the two errors together and start the next attempt while the carrier's window is still
 * open (DESIGN promise 3). So a claim waits until the timer is due at the far edge of both: twice this instance's
 * error (the writer's is not known here; it is measured alike against the same Redis). A millisecond or two on a
 * LAN, nothing beside a DLR timeout of seconds and a poll of `timerPollMs`.
 */
export function claimMarginMs(errorMs: number): number {
  return Math.min(2 * Math.max(0, errorMs), MAX_CLAIM_MARGIN_MS);
}

export interface TimerPollerDeps {
  store: MessageStore;
  pools: ReadonlyMap<string, CarrierPool>;
  /** Messages handed over by other instances for carriers bound here; none without. */
  handOffs?: HandOffs;
  /** Creates to withdraw: drained before any timer is claimed. */
  withdrawals: CreateWithdrawals;
  /** Final states to the notifier: the outbox is swept after each claim. */
  handOvers: OutboxHandOvers;
  clock: () => number;
  /** How far `clock` may be from Redis's (RedisClock.errorMs): claims wait for it (claimMarginMs); 0 without. */
  clockErrorMs?: () => number;
  /** How often due timers are claimed. */
  pollMs: number;
  /** A claimed timer comes back after this long if its handling never finished. */
  leaseMs: number;
  /** Moves a claimed message on (without waiting). */
  process: (id: string) => void;
  /** A poll failed (Redis unreachable): logged throttled by the caller; the next poll tries again. */
  failed: (error: unknown, what: string) => void;
}

/**
 * Delivery's timer poll: at each turn claims the due timers (DLR deadlines, retries, recovery after a crash) and the
 * messages other instances handed over, moves them on, and sweeps the outbox. One poll at a time.
 */
export class TimerPoller {
  private readonly deps: TimerPollerDeps;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  constructor(deps: TimerPollerDeps) {
    this.deps = deps;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.deps.pollMs);
    this.timer.unref();
    void this.poll();
  }

  /** No poll starts after this (one under way finishes). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Claims due timers and processes those messages; also retries notifications left in the outbox. */
  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const { store, handOffs, pools, withdrawals, leaseMs } = this.deps;
      // Withdrawals first: a message to withdraw must not be claimed and attempted before it is withdrawn.
      await withdrawals.drain();
      if (withdrawals.size > 0) return;
      // Due timers and messages handed over by other instances (hand-offs.ts): asked in one turn, one Redis call.
      const now = this.deps.clock();
      const margin = claimMarginMs(this.deps.clockErrorMs?.() ?? 0);
      const [due, handedOff = []] = await Promise.all([
        // Due by `now - margin`; the lease still runs `leaseMs` from now.
        store.claimDue(now - margin, leaseMs + margin, TIMER_BATCH),
        handOffs?.claimForBound(pools, now, leaseMs, TIMER_BATCH),
      ]);
      for (const id of [...due, ...handedOff]) this.deps.process(id);
      await this.deps.handOvers.sweep();
    } catch (error) {
      this.deps.failed(error, "timer poll failed; retrying");
    } finally {
      this.polling = false;
    }
  }
}
