/**
 * The lines of a ported-numbers file (`otpgw ported import`), checked one at a time as they are read, so a file of
 * millions of lines is never held whole: one `number,mcc-mnc` a line (`;` or a tab also separate; fields may be
 * quoted), blank lines and `#` comments ignored, and a header line (`msisdn,mccmnc`: its first field is not a
 * number) skipped when it comes first. Every line is checked (checkPortedEntry); the first problems are kept with
 * their line numbers, the others counted. A number given twice: the later line wins, and the repeats are counted.
 * The valid entries are kept as two typed arrays in line order (the number's digits as float64 — E.164 has at most
 * 15 digits, exact below 2^53 — and its network's index): 10 bytes a line. With a Map of strings a million-line
 * import peaked at 434 MB and five million lines at 793 MB checking alone (docs/performance.md): a national file of
 * tens of millions would not have fit in Node's heap. Pure: the caller reads the file.
 */
import type { PortedPairs } from "../../ops/ported-store.js";
import type { Network, NetworkPlan } from "../../routing/networks.js";
import { checkPortedEntry } from "./ported-entry.js";

/** How many invalid lines are listed; the rest are counted ("and N more"). */
export const MAX_LISTED_PROBLEMS = 20;

/** An invalid line: its number (from 1) and why. */
export interface LineProblem {
  line: number;
  reason: string;
}

const SEPARATOR = /[,;\t]/;

export class PortedFileCheck {
  /** The first MAX_LISTED_PROBLEMS invalid lines. */
  readonly problems: LineProblem[] = [];
  /** Every invalid line. */
  invalid = 0;
  /** The header's line number, when the first line with content was one. */
  header: number | undefined;
  /** Lines read (all of them, blank and comments too). */
  lines = 0;
  #content = false;
  /** The valid lines' numbers (digits) and networks (index in #networks), in line order; #valid of them used. */
  #digits = new Float64Array(1024);
  #networkOf = new Uint16Array(1024);
  #valid = 0;
  readonly #networks: Network[] = [];
  readonly #networkIndex = new Map<Network, number>();
  /** The entries that count (a repeated number's last line only), once asked for. */
  #kept: { lines: Uint32Array; repeated: number } | undefined;

  constructor(private readonly plan: NetworkPlan) {}

  /** Checks the next line of the file (without its line ending). */
  add(text: string): void {
    this.lines++;
    // A byte order mark, as spreadsheets write it, is not part of the first field.
    const line = (this.lines === 1 ? text.replace(/^\uFEFF/, "") : text).trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(SEPARATOR).map(unquote);
    const first = !this.#content;
    this.#content = true;
    if (first && !/^\+?\d/.test(fields[0] ?? "")) {
      this.header = this.lines;
      return;
    }
    if (fields.length !== 2) {
      this.#problem(
        fields.length === 1
          ? `expected "number,mcc-mnc" (a comma, ";" or a tab between them): no separator found`
          : `expected "number,mcc-mnc": found ${fields.length} fields`,
      );
      return;
    }
    const checked = checkPortedEntry(this.plan, fields[0]!, fields[1]!);
    if (!checked.ok) {
      this.#problem(checked.reason);
      return;
    }
    const { e164, network } = checked.entry;
    let index = this.#networkIndex.get(network);
    if (index === undefined) {
      index = this.#networks.push(network) - 1;
      this.#networkIndex.set(network, index);
    }
    if (this.#valid === this.#digits.length) this.#grow();
    this.#digits[this.#valid] = Number(e164.slice(1));
    this.#networkOf[this.#valid] = index;
    this.#valid++;
    this.#kept = undefined;
  }

  /** How many numbers the file gives (each once). */
  get size(): number {
    return this.#settle().lines.length;
  }

  /** Valid lines whose number an earlier valid line gave too. */
  get repeated(): number {
    return this.#settle().repeated;
  }

  /** The numbers and their networks (MCC/MNC), each number once (its last line's), as the store writes them. */
  pairs(): PortedPairs {
    const { lines } = this.#settle();
    const digits = this.#digits;
    const networkOf = this.#networkOf;
    const networks = this.#networks;
    return {
      length: lines.length,
      slice: (start: number, end: number): Array<[string, string]> =>
        Array.from(lines.subarray(start, end), (line) => [
          `+${digits[line]!}`,
          networks[networkOf[line]!]!.mccmnc,
        ]),
    };
  }

  /** Numbers per network (MCC/MNC), in MCC/MNC order. */
  countsByNetwork(): Array<{ network: Network; numbers: number }> {
    const counts = new Array<number>(this.#networks.length).fill(0);
    for (const line of this.#settle().lines) counts[this.#networkOf[line]!]!++;
    return this.#networks
      .map((network, index) => ({ network, numbers: counts[index]! }))
      .filter(({ numbers }) => numbers > 0)
      .sort((a, b) => a.network.mccmnc.localeCompare(b.network.mccmnc));
  }

  #grow(): void {
    const digits = new Float64Array(this.#digits.length * 2);
    digits.set(this.#digits);
    this.#digits = digits;
    const networkOf = new Uint16Array(this.#networkOf.length * 2);
    networkOf.set(this.#networkOf);
    this.#networkOf = networkOf;
  }

  /**
   * The lines that count: all of them, unless a number repeats — then only its last line. Repeats are found by
   * sorting a copy of the digits natively (no Map of every number), then settled through a Map of the repeated ones.
   */
  #settle(): { lines: Uint32Array; repeated: number } {
    if (this.#kept) return this.#kept;
    const count = this.#valid;
    const sorted = this.#digits.slice(0, count).sort();
    const repeats = new Set<number>();
    let repeated = 0;
    for (let i = 1; i < count; i++) {
      if (sorted[i] === sorted[i - 1]) {
        repeats.add(sorted[i]!);
        repeated++;
      }
    }
    let lines: Uint32Array;
    if (repeated === 0) {
      lines = new Uint32Array(count);
      for (let i = 0; i < count; i++) lines[i] = i;
    } else {
      const last = new Map<number, number>();
      for (let i = 0; i < count; i++) if (repeats.has(this.#digits[i]!)) last.set(this.#digits[i]!, i);
      lines = new Uint32Array(count - repeated);
      let at = 0;
      for (let i = 0; i < count; i++) {
        const digits = this.#digits[i]!;
        if (!repeats.has(digits) || last.get(digits) === i) lines[at++] = i;
      }
    }
    this.#kept = { lines, repeated };
    return this.#kept;
  }

  #problem(reason: string): void {
    this.invalid++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push({ line: this.lines, reason });
  }
}

/** `file:line: reason` for each problem listed, then `and N more` when some were not. */
export function formatLineProblems(file: string, check: PortedFileCheck): string[] {
  const lines = check.problems.map((p) => `${file}:${p.line}: ${p.reason}`);
  const more = check.invalid - check.problems.length;
  if (more > 0) lines.push(`and ${more} more invalid line${more === 1 ? "" : "s"}`);
  return lines;
}

/** A field without its spaces and the double quotes a spreadsheet may put around it. */
function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1).trim()
    : trimmed;
}
