/**
 * Whether a number prefix written in routes.yaml or the networks file (`+620812`) keeps the national trunk prefix
 * (the `0` dialled before a national number at home). Destinations are normalised the way libphonenumber-js parses
 * them — `+6208123456789` becomes `+628123456789` — so such a prefix validates but matches nothing. Which digits are a
 * trunk prefix, and whether a country's numbers may still start with them (Italy's `+3906…`, Côte d'Ivoire's
 * `+22507…`, Russia's `+7800…` keep theirs), is the library's knowledge, not a table here: numbers starting with the
 * prefix are parsed, and the prefix is refused only when the parse rewrites them all.
 */
import { Metadata } from "libphonenumber-js/core";
import { parsePhoneNumberWithError } from "libphonenumber-js/max";
import type { CountryCode } from "libphonenumber-js/max";
import metadataJson from "libphonenumber-js/metadata.max";
import { describePrefix, e164MaxDigits } from "./numbering.js";

/**
 * Digits the prefix is completed with to make numbers of every length: a run starting at each digit (`0123…`,
 * `1234…`, …, `9012…`) and a repeated one, so that some form a valid number whatever digit the next range needs.
 */
const FILLERS: readonly string[] = [
  ..."0123456789"
    .split("")
    .map((d) => Array.from({ length: e164MaxDigits }, (_, i) => (Number(d) + i) % 10).join("")),
  "5".repeat(e164MaxDigits),
];

/** The trunk prefix (`nationalPrefix` in the metadata) of the country, or of the calling code's main country. */
function trunkPrefixOf(country: string | undefined, callingCode: string): string | undefined {
  const metadata = new Metadata(metadataJson);
  metadata.selectNumberingPlan(
    (country ?? metadataJson.country_calling_codes[callingCode]?.[0]) as CountryCode,
  );
  const plan = metadata.numberingPlan as unknown as { nationalPrefix(): string | undefined } | undefined;
  return plan?.nationalPrefix() || undefined;
}

/**
 * The prefix as it should be written when `prefix` (`+` and digits, starting with a calling code) carries the
 * national trunk prefix after its calling code (`+620812` → `+62812`); undefined when it does not, or when numbers
 * starting with it stay as they are (the country's numbers may start with those digits).
 */
export function withoutTrunkPrefix(prefix: string): string | undefined {
  const info = describePrefix(prefix);
  if (info === undefined) return undefined;
  const rest = prefix.slice(1 + info.callingCode.length);
  const trunk = trunkPrefixOf(info.country, info.callingCode);
  if (trunk === undefined || !rest.startsWith(trunk)) return undefined;
  const rewritten = `+${info.callingCode}${rest.slice(trunk.length)}`;
  let normalised = false;
  for (let length = prefix.length; length <= e164MaxDigits + 1; length++)
    for (const filler of FILLERS) {
      const candidate = prefix + filler.slice(0, length - prefix.length);
      let e164: string;
      try {
        const number = parsePhoneNumberWithError(candidate, { extract: false });
        if (!number.isValid()) continue;
        e164 = number.number;
      } catch {
        continue;
      }
      // A real number written this way stays as it is: the prefix can match.
      if (e164.startsWith(prefix)) return undefined;
      if (e164.startsWith(rewritten)) normalised = true;
    }
  return normalised ? rewritten : undefined;
}
