/**
 * The pumping guard (accounts.yaml `pumping_guard`): a range of numbers whose delivered OTPs are not used is blocked
 * for the account, on every instance, for a while. SMS pumping sends codes to numbers nobody reads them on — the
 * fraudster is paid per message delivered — so the mark of a pumped range is deliveries without conversions, where
 * the account's other numbers convert as usual (docs/http-api.md, "Anti-abuse limits").
 *
 * Each delivery of an account with a guard (SMS, or WhatsApp or voice after escalation) is remembered (by the instance that stored its final state: once
 * across instances) and judged `conversion_wait_seconds` later, when the people who were going to use the code
 * have: whether it converted is read from Redis (`isConverted`, the marks the conversion reports leave, whichever
 * instance took them). Judged deliveries are counted per range (the number without its last `range_digits`) and per
 * account, in a sliding window. A range with `min_deliveries` judged whose conversion share is at most
 * `max_conversion_ratio` × the account's own is blocked (`block`), and its count starts again. Pure apart from the
 * injected functions: the caller runs `judge` every second or so.
 */
import { DueQueues, type Due } from "./due-queues.js";

/** An account's guard, as accounts.yaml configures it. */
export interface PumpingGuardSpec {
  rangeDigits: number;
  minDeliveries: number;
  maxConversionRatio: number;
  conversionWaitSeconds: number;
  windowSeconds: number;
  blockSeconds: number;
}

/** An account's own share is no yardstick before it has this many judged deliveries in the window. */
export const ACCOUNT_BASELINE_DELIVERIES = 100;
/**
 * Deliveries waiting for their judgement, across accounts (~200 bytes each): beyond this the oldest are dropped
 * unjudged. 200,000 is the default wait's worth at ~1,600 deliveries a second.
 */
export const MAX_WAITING = 200_000;
/**
 * Ranges counted at once (~200 bytes each): beyond this the one counted least recently is forgotten — a quiet range,
 * never one being pumped (each judged delivery makes its range the most recent).
 */
export const MAX_RANGES = 100_000;
/** Ranges waiting for their account's yardstick, checked again at every pass: a handful in practice. */
const MAX_AWAITING_BASELINE = 1_000;
/** A conversion mark outlives its delivery's judgement by this much besides the lag (a judging pass, clock skew). */
export const MARK_MARGIN_MS = 60_000;
/** Judged per call of `judge` at most, so one call never holds the event loop long. */
export const JUDGE_BATCH = 5_000;

/** What a block is based on, for its log line and its reason. */
export interface PumpingEvidence {
  account: string;
  /** The E.164 prefix blocked, e.g. `+6281234567`. */
  range: string;
  delivered: number;
  converted: number;
  /** The account's conversion share over the same window (0–1). */
  accountShare: number;
  blockSeconds: number;
}

/** A delivery waiting for its judgement (due when its conversion wait is over). */
interface Waiting extends Due {
  id: string;
  account: string;
  range: string;
}

/** Counts in a sliding window: the previous fixed window's, weighted by how much of it still overlaps. */
class SlidingCount {
  private index = -1;
  private previous = [0, 0];
  private current = [0, 0];

  constructor(private readonly windowMs: number) {}

  add(now: number, converted: boolean): void {
    this.roll(now);
    this.current[0]!++;
    if (converted) this.current[1]!++;
  }

  /** [delivered, converted], estimated over the last window. */
  read(now: number): [number, number] {
    this.roll(now);
    const weight = 1 - (now % this.windowMs) / this.windowMs;
    return [this.current[0]! + this.previous[0]! * weight, this.current[1]! + this.previous[1]! * weight];
  }

  /** Nothing left in the window: the count can be forgotten. */
  empty(now: number): boolean {
    const [delivered] = this.read(now);
    return delivered === 0;
  }

  private roll(now: number): void {
    const index = Math.floor(now / this.windowMs);
    if (index === this.index) return;
    this.previous = index === this.index + 1 ? this.current : [0, 0];
    this.current = [0, 0];
    this.index = index;
  }
}

export interface PumpingGuardOptions {
  /** The account's guard now (accounts.yaml may be reloaded), or undefined when it has none. */
  spec: (account: string) => PumpingGuardSpec | undefined;
  /** Which of these messages had their code used (by id; in the same order). */
  isConverted: (ids: readonly string[]) => Promise<boolean[]>;
  /** Blocks the range for the account (every instance); its count has started again here. */
  block: (evidence: PumpingEvidence) => void;
  /** Whether the range is blocked already (an operator's block, or this guard's on another instance). */
  blocked: (account: string, range: string) => boolean;
  clock?: () => number;
  /** Default MAX_RANGES. */
  maxRanges?: number;
}

export class PumpingGuard {
  private readonly options: PumpingGuardOptions;
  private readonly clock: () => number;
  /**
   * Deliveries waiting, one queue per `conversion_wait_seconds` value (ms), each in due order. Accounts have
   * different waits (and a reload changes one): a single queue would let a delivery with an hour's wait hold back
   * every delivery behind it, judged only once their conversion marks had expired — as "code not used".
   */
  private readonly waiting = new DueQueues<Waiting>();
  /** Judged deliveries per `<account> <range>`, and per account. */
  private readonly ranges = new Map<string, SlidingCount>();
  private readonly accounts = new Map<string, SlidingCount>();
  /**
   * Ranges with `min_deliveries` judged whose account had no yardstick yet (too few judged deliveries, none
   * converted): checked again at each pass that judges something, since the account's figures move, not theirs.
   */
  private readonly awaitingBaseline = new Set<string>();
  private judging: Promise<void> | undefined;
  /** Deliveries dropped unjudged (more waiting than MAX_WAITING). */
  dropped = 0;

  constructor(options: PumpingGuardOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
  }

  /** A delivery of message `id` to `to` (E.164), counted once when its final state is stored. */
  delivered(id: string, account: string, to: string): void {
    const spec = this.options.spec(account);
    if (!spec || to.length <= spec.rangeDigits + 1) return;
    if (this.waiting.size >= MAX_WAITING && this.waiting.dropEarliest()) this.dropped++;
    const waitMs = spec.conversionWaitSeconds * 1000;
    this.waiting.add(waitMs, {
      id,
      account,
      range: to.slice(0, to.length - spec.rangeDigits),
      dueAt: this.clock() + waitMs,
    });
  }

  /**
   * How long a conversion mark must live so that the delivery it belongs to finds it when judged: the longest wait
   * a delivery may still be held for (any account's, as deliveries keep the wait they were recorded with), plus how
   * far judging runs behind now. Deliveries may be reported after their conversion, hence twice the wait.
   */
  markLifetimeMs(waitSeconds: number): number {
    const { longestMs, earliestDue } = this.waiting.longestWaitAndEarliest(waitSeconds * 1000);
    const lagMs = earliestDue === undefined ? 0 : Math.max(0, this.clock() - earliestDue);
    return longestMs * 2 + lagMs + MARK_MARGIN_MS;
  }

  /** Judges the deliveries whose wait is over (one pass at a time); resolves once they are counted. */
  judge(): Promise<void> {
    this.judging ??= this.judgeDue().finally(() => (this.judging = undefined));
    return this.judging;
  }

  private async judgeDue(): Promise<void> {
    const now = this.clock();
    // Every due entry, whichever queue holds it, the earliest first (a batch never starves one queue).
    const { entries: due, putBack } = this.waiting.takeDue(now, JUDGE_BATCH);
    if (due.length === 0) return;
    let converted: boolean[];
    try {
      converted = await this.options.isConverted(due.map((w) => w.id));
    } catch (error) {
      putBack(); // Redis unreachable: judged later, in the same order
      throw error;
    }
    this.waiting.prune();
    const touched = new Set<string>();
    due.forEach((w, i) => {
      const spec = this.options.spec(w.account);
      if (!spec) return;
      const windowMs = spec.windowSeconds * 1000;
      this.count(this.accounts, w.account, windowMs).add(now, converted[i] === true);
      const key = `${w.account} ${w.range}`;
      this.recentRange(key, windowMs).add(now, converted[i] === true);
      touched.add(key);
    });
    for (const key of this.awaitingBaseline) touched.add(key);
    for (const key of touched) this.check(key, now);
  }

  /** The range's count, made the most recent (Map order: least recent first), the least recent dropped if full. */
  private recentRange(key: string, windowMs: number): SlidingCount {
    let count = this.ranges.get(key);
    if (count) this.ranges.delete(key);
    else {
      count = new SlidingCount(windowMs);
      if (this.ranges.size >= (this.options.maxRanges ?? MAX_RANGES))
        this.ranges.delete(this.ranges.keys().next().value!);
    }
    this.ranges.set(key, count);
    return count;
  }

  private count(map: Map<string, SlidingCount>, key: string, windowMs: number): SlidingCount {
    let count = map.get(key);
    if (!count) map.set(key, (count = new SlidingCount(windowMs)));
    return count;
  }

  private check(key: string, now: number): void {
    const space = key.indexOf(" ");
    const account = key.slice(0, space);
    const range = key.slice(space + 1);
    const spec = this.options.spec(account);
    const rangeCount = this.ranges.get(key);
    const accountCount = this.accounts.get(account);
    this.awaitingBaseline.delete(key);
    if (!spec || !rangeCount || !accountCount) return;
    const [delivered, converted] = rangeCount.read(now);
    if (delivered < spec.minDeliveries) return;
    const [accountDelivered, accountConverted] = accountCount.read(now);
    // Without conversions elsewhere (an account that stopped reporting them) there is nothing to compare with yet.
    if (accountDelivered < ACCOUNT_BASELINE_DELIVERIES || accountConverted === 0) {
      if (this.awaitingBaseline.size < MAX_AWAITING_BASELINE) this.awaitingBaseline.add(key);
      return;
    }
    const accountShare = accountConverted / accountDelivered;
    if (converted / delivered > spec.maxConversionRatio * accountShare) return;
    this.ranges.delete(key);
    if (this.options.blocked(account, range)) return;
    this.options.block({
      account,
      range,
      delivered: Math.round(delivered),
      converted: Math.round(converted),
      accountShare,
      blockSeconds: spec.blockSeconds,
    });
  }

  /** Forgets the counts with nothing left in their window (call now and then: a minute is plenty). */
  prune(): void {
    const now = this.clock();
    for (const map of [this.ranges, this.accounts])
      for (const [key, count] of map) if (count.empty(now)) map.delete(key);
  }

  /** Deliveries waiting for their judgement, and ranges counted (for tests and the log). */
  get sizes(): { waiting: number; ranges: number } {
    return { waiting: this.waiting.size, ranges: this.ranges.size };
  }
}
