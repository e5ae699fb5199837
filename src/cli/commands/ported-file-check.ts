/**
 * The lines of a ported-numbers file (`otpgw ported import`), checked one at a time as they are read, so a file of
 * millions of lines is never held whole: one `number,mcc-mnc` a line (`;` or a tab also separate; fields may be
 * quoted), blank lines and `#` comments ignored, and a header line (`msisdn,mccmnc`: its first field is not a
 * number) skipped when it comes first. Every line is checked (checkPortedEntry); the first problems are kept with
 * their line numbers, the others counted. A number given twice: the later line wins, and the repeats are counted.
 * Pure: the caller reads the file.
 */
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
  /** The valid entries by number, each line's network replacing an earlier line's. */
  readonly entries = new Map<string, Network>();
  /** The first MAX_LISTED_PROBLEMS invalid lines. */
  readonly problems: LineProblem[] = [];
  /** Every invalid line. */
  invalid = 0;
  /** Valid lines whose number an earlier valid line gave too. */
  repeated = 0;
  /** The header's line number, when the first line with content was one. */
  header: number | undefined;
  /** Lines read (all of them, blank and comments too). */
  lines = 0;
  #content = false;

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
    if (this.entries.has(e164)) this.repeated++;
    this.entries.set(e164, network);
  }

  /** Numbers per network (MCC/MNC), in MCC/MNC order. */
  countsByNetwork(): Array<{ network: Network; numbers: number }> {
    const counts = new Map<Network, number>();
    for (const network of this.entries.values()) counts.set(network, (counts.get(network) ?? 0) + 1);
    return [...counts]
      .map(([network, numbers]) => ({ network, numbers }))
      .sort((a, b) => a.network.mccmnc.localeCompare(b.network.mccmnc));
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
