/**
 * Ported numbers in memory: which mobile network (MCC/MNC) each number ported away from its range's network now
 * belongs to. Countries with number portability have millions of them, so they are held as two typed arrays —
 * the numbers' digits as float64 (E.164 has at most 15 digits: exact below 2^53), sorted, and beside each the
 * index of its network — 10 bytes a number (10 MB per million) instead of a Map's ~100, looked up by binary
 * search without allocating (~24 steps for 10 million). Built whole from the store (src/ops/ported-store.ts) and
 * replaced whole when it changes: a lookup never sees half of a change.
 */
import type { PortedLookup } from "./networks.js";

export class PortedIndex implements PortedLookup {
  static readonly EMPTY = new PortedIndex([], new Float64Array(0), new Uint16Array(0));

  private constructor(
    /** The networks the numbers belong to, by index (MCC/MNC as `510-10`). */
    private readonly networks: readonly string[],
    private readonly numbers: Float64Array,
    private readonly networkOfNumber: Uint16Array,
  ) {}

  /**
   * Builds the index from `[e164, mccmnc]` pairs (PortedIndexBuilder). A number given twice keeps one of its networks
   * (the store holds each number once).
   */
  static build(pairs: Iterable<readonly [string, string]>): { index: PortedIndex; skipped: number } {
    const builder = new PortedIndexBuilder();
    for (const [e164, mccmnc] of pairs) builder.add(e164, mccmnc);
    return builder.finish();
  }

  /** @internal PortedIndexBuilder's result. */
  static of(networks: readonly string[], numbers: Float64Array, networkOfNumber: Uint16Array): PortedIndex {
    return new PortedIndex(networks, numbers, networkOfNumber);
  }

  /** How many ported numbers the index holds. */
  get size(): number {
    return this.numbers.length;
  }

  /** The MCC/MNC `e164` was ported to, or undefined when it is not in the index. */
  networkOf(e164: string): string | undefined {
    if (this.numbers.length === 0) return undefined;
    const digits = digitsOf(e164);
    if (digits === undefined) return undefined;
    const at = search(this.numbers, digits);
    return at < 0 ? undefined : this.networks[this.networkOfNumber[at]!];
  }

  /** How many numbers each network holds (for `otpgw ported` and the log line of a reload). */
  countsByNetwork(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const id of this.networkOfNumber) {
      const mccmnc = this.networks[id]!;
      counts.set(mccmnc, (counts.get(mccmnc) ?? 0) + 1);
    }
    return counts;
  }
}

/**
 * Builds a PortedIndex a pair at a time (the store is read in chunks, so a million numbers are never held as strings
 * all at once): each network's numbers gathered as plain numbers, sorted natively as a Float64Array (no comparator:
 * ~0.15 s for a million), and the networks' sorted numbers merged. Pairs whose
 * number is not `+` and 1–15 digits are skipped and counted; at most 65,535 distinct networks.
 */
export class PortedIndexBuilder {
  private readonly networks: string[] = [];
  private readonly networkIds = new Map<string, number>();
  private readonly groups: number[][] = [];
  private skipped = 0;

  add(e164: string, mccmnc: string): void {
    const digits = digitsOf(e164);
    let id = this.networkIds.get(mccmnc);
    if (digits === undefined || (id === undefined && this.networks.length === 0xffff)) {
      this.skipped++;
      return;
    }
    if (id === undefined) {
      id = this.networks.length;
      this.networks.push(mccmnc);
      this.networkIds.set(mccmnc, id);
      this.groups.push([]);
    }
    this.groups[id]!.push(digits);
  }

  finish(): { index: PortedIndex; skipped: number } {
    // Each network's numbers sorted natively, then merged (a network count of tens: a scan of the heads is cheap).
    const sorted = this.groups.map((group) => Float64Array.from(group).sort());
    const heads = new Array<number>(sorted.length).fill(0);
    let total = 0;
    for (const group of sorted) total += group.length;
    const numbers = new Float64Array(total);
    const networkOfNumber = new Uint16Array(total);
    let size = 0;
    for (;;) {
      let best = -1;
      let bestValue = Infinity;
      for (let id = 0; id < sorted.length; id++) {
        const value = sorted[id]![heads[id]!];
        if (value !== undefined && value < bestValue) {
          best = id;
          bestValue = value;
        }
      }
      if (best < 0) break;
      heads[best]!++;
      // A number given twice (in one network or two) is kept once.
      if (size > 0 && numbers[size - 1] === bestValue) continue;
      numbers[size] = bestValue;
      networkOfNumber[size++] = best;
    }
    const index = PortedIndex.of(this.networks, numbers.slice(0, size), networkOfNumber.slice(0, size));
    return { index, skipped: this.skipped };
  }
}

/** The position of `value` in the sorted `numbers`, or -1. */
function search(numbers: Float64Array, value: number): number {
  let low = 0;
  let high = numbers.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = numbers[middle]!;
    if (at < value) low = middle + 1;
    else if (at > value) high = middle - 1;
    else return middle;
  }
  return -1;
}

/** The digits of `+` and 1–15 digits (the first not 0) as a number; undefined for anything else. */
function digitsOf(e164: string): number | undefined {
  const length = e164.length;
  // No country calling code starts with 0, and a leading 0 would make two numbers one.
  if (length < 2 || length > 16 || e164.charCodeAt(0) !== 0x2b || e164.charCodeAt(1) === 0x30)
    return undefined;
  let value = 0;
  for (let i = 1; i < length; i++) {
    const digit = e164.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/** The ported numbers as last read whole, with the changes logged since (null: no longer ported). */
export class PortedWithChanges implements PortedLookup {
  constructor(
    private readonly base: PortedIndex,
    private readonly changes: ReadonlyMap<string, string | null>,
  ) {}

  networkOf(e164: string): string | undefined {
    const changed = this.changes.get(e164);
    return changed === undefined ? this.base.networkOf(e164) : (changed ?? undefined);
  }
}
