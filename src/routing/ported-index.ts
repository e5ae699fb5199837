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
   * Builds the index from `[e164, mccmnc]` pairs (the later of two pairs for one number wins). Pairs whose number
   * is not `+` and 1–15 digits are skipped and counted; at most 65,535 distinct networks.
   */
  static build(pairs: Iterable<readonly [string, string]>): { index: PortedIndex; skipped: number } {
    const networks: string[] = [];
    const networkIds = new Map<string, number>();
    const byNumber = new Map<number, number>();
    let skipped = 0;
    for (const [e164, mccmnc] of pairs) {
      const digits = digitsOf(e164);
      if (digits === undefined) {
        skipped++;
        continue;
      }
      let id = networkIds.get(mccmnc);
      if (id === undefined) {
        if (networks.length === 0xffff) {
          skipped++;
          continue;
        }
        id = networks.length;
        networks.push(mccmnc);
        networkIds.set(mccmnc, id);
      }
      byNumber.set(digits, id);
    }
    const numbers = Float64Array.from(byNumber.keys()).sort();
    const networkOfNumber = new Uint16Array(numbers.length);
    for (let i = 0; i < numbers.length; i++) networkOfNumber[i] = byNumber.get(numbers[i]!)!;
    return { index: new PortedIndex(networks, numbers, networkOfNumber), skipped };
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
    let low = 0;
    let high = this.numbers.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.numbers[middle]!;
      if (value < digits) low = middle + 1;
      else if (value > digits) high = middle - 1;
      else return this.networks[this.networkOfNumber[middle]!];
    }
    return undefined;
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
