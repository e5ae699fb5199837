/**
 * One ported number as the `otpgw ported` commands take it: a destination otpgw accepts (parseDestination) and a
 * network of the networks file in the number's own country — a number keeps its country when it is ported, so an
 * entry naming a network elsewhere is a typo, and routing would ignore it (src/routing/networks.ts findNetwork).
 * Pure: checks and words, no I/O.
 */
import { ControlInputError } from "../../ops/carrier-controls.js";
import { MCCMNC_PATTERN, MCCMNC_SHAPE } from "../../routing/network-codes.js";
import type { Network, NetworkMatch, NetworkPlan } from "../../routing/networks.js";
import { e164MaxDigits, parseDestination } from "../../routing/numbering.js";

/** An entry the operator gave that cannot be stored: its reason, printed as one line. */
export class PortedEntryError extends Error {
  override readonly name = "PortedEntryError";
}

/** The input errors of the ported commands: each is one line on stderr and exit 1, nothing written. */
export const PORTED_REFUSALS = [PortedEntryError, ControlInputError];

/** A checked entry: the number in E.164 form, its country, and the network it is ported to. */
export interface PortedEntry {
  e164: string;
  country: string;
  network: Network;
}

/** The entry, or why it cannot be one (the reason names the number and the MCC/MNC as given). */
export function checkPortedEntry(
  plan: NetworkPlan,
  number: string,
  mccmnc: string,
): { ok: true; entry: PortedEntry } | { ok: false; reason: string } {
  const destination = parseDestination(number);
  if (!destination.ok)
    return { ok: false, reason: `"${number}" is not a number otpgw accepts: ${destination.reason}` };
  const found = networkOfFile(plan, mccmnc);
  if (!found.ok) return found;
  const problem = countryProblem(found.network, destination.e164, destination.country);
  if (problem !== undefined) return { ok: false, reason: problem };
  return {
    ok: true,
    entry: { e164: destination.e164, country: destination.country, network: found.network },
  };
}

/** checkPortedEntry, throwing. @throws PortedEntryError */
export function portedEntry(plan: NetworkPlan, number: string, mccmnc: string): PortedEntry {
  const checked = checkPortedEntry(plan, number, mccmnc);
  if (!checked.ok) throw new PortedEntryError(checked.reason);
  return checked.entry;
}

/** The network of the networks file with this MCC/MNC, or why there is none. */
export function networkOfFile(
  plan: NetworkPlan,
  mccmnc: string,
): { ok: true; network: Network } | { ok: false; reason: string } {
  if (!MCCMNC_PATTERN.test(mccmnc)) {
    const guess = /^\d{5,6}$/.test(mccmnc) ? plan.get(`${mccmnc.slice(0, 3)}-${mccmnc.slice(3)}`) : undefined;
    const hint = guess === undefined ? "" : ` (did you mean ${guess.mccmnc}, ${guess.name}?)`;
    return { ok: false, reason: `"${mccmnc}" is not an MCC/MNC: must be ${MCCMNC_SHAPE}${hint}` };
  }
  const network = plan.get(mccmnc);
  if (network === undefined)
    return { ok: false, reason: `network ${mccmnc} is not in the networks file (otpgw.yaml networks_file)` };
  return { ok: true, network };
}

/** Why a number of `country` cannot be ported to `network`, or undefined when it can. */
export function countryProblem(network: Network, e164: string, country: string): string | undefined {
  if (network.country === country) return undefined;
  return `network ${network.mccmnc} (${network.name}) is in ${network.country}, but ${e164} is a number of ${country}: a ported number keeps its country`;
}

/**
 * Why routing ignores a stored entry (its network is not in the networks file, or is in another country: the file
 * changed since the entry was written), or undefined when routing uses it — as findNetwork decides.
 */
export function ignoredEntryProblem(
  plan: NetworkPlan,
  mccmnc: string,
  e164: string,
  country: string,
): string | undefined {
  const network = plan.get(mccmnc);
  if (network === undefined) return `network ${mccmnc} is not in the networks file`;
  return countryProblem(network, e164, country);
}

/** `450-08 KT`, or `450-99 (not in the networks file)`: a network for people. */
export function networkLabel(plan: NetworkPlan, mccmnc: string): string {
  const network = plan.get(mccmnc);
  return network === undefined ? `${mccmnc} (not in the networks file)` : `${mccmnc} ${network.name}`;
}

/**
 * A number to remove: E.164 shape only (`+` and 1–15 digits; spaces and dashes dropped), not its validity — an entry
 * the numbering plan no longer accepts must still be removable. @throws PortedEntryError
 */
export function storedNumber(text: string): string {
  const compact = text.replace(/[\s-]/g, "");
  if (!new RegExp(`^\\+[1-9]\\d{0,${e164MaxDigits - 1}}$`).test(compact))
    throw new PortedEntryError(
      `"${text}" is not a number in E.164 form (+ and the digits, e.g. +821012345678)`,
    );
  return compact;
}

/** `by its number range: 510-10 Telkomsel`, or that its range is no network's. */
export function rangeWords(plan: NetworkPlan, e164: string): string {
  const network = plan.byRange(e164);
  return network === undefined
    ? "its number range is no network's in the networks file"
    : `by its number range: ${network.mccmnc} ${network.name}`;
}

/** `450-08 KT (its ported entry)`, `510-10 Telkomsel (its number range)`, or `unknown`: a destination's network. */
export function networkMatchWords(match: NetworkMatch | undefined): string {
  if (match === undefined) return "unknown";
  const how = match.source === "ported" ? "its ported entry" : "its number range";
  return `${match.network.mccmnc} ${match.network.name} (${how})`;
}
