/**
 * A reproducible spread of destinations for the routing bench: E.164 mobile numbers of several countries, in
 * the shares an Indonesian-first OTP gateway might see, every one valid for the numbering plan (parseDestination)
 * so routing gets what it gets in production. Indonesian numbers cover the operator ranges routes.yaml names by
 * prefix and others that fall back to the country route.
 */
import { getExampleNumber, type CountryCode } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { parseDestination } from "../../src/routing/numbering.js";
import { seededRng } from "../sim/sampling.js";

export interface Destination {
  /** As a submitter writes it (E.164). */
  input: string;
  e164: string;
  country: string;
}

interface CountryShare {
  country: CountryCode;
  /** Share of the destinations, relative to the others. */
  share: number;
  /** Leading digits to draw numbers under ("+" included); default: the example mobile number's first two national digits. */
  stems?: string[];
}

/** Telkomsel, Indosat, then XL / Axis / Tri ranges (the last five take the country route in routes.yaml). */
const ID_STEMS = ["+62811", "+62812", "+62813", "+62821", "+62852"]
  .concat(["+62814", "+62815", "+62856", "+62857"])
  .concat(["+62817", "+62818", "+62819", "+62838", "+62895"]);

export const DESTINATION_MIX: readonly CountryShare[] = [
  { country: "ID", share: 50, stems: ID_STEMS },
  { country: "KR", share: 15, stems: ["+8210"] },
  ...(["US", "GB", "IN", "BR", "PH", "VN", "DE", "NG", "MY", "TH"] as const).map((country) => ({
    country,
    share: 3.5,
  })),
];

/** Drawing gives up on a country after this many tries per wanted number (some stems hold few valid numbers). */
const TRIES_PER_NUMBER = 50;

/** The example mobile number of `country` (libphonenumber's metadata), in E.164. */
export function exampleNumber(country: CountryCode): { e164: string; callingCode: string } {
  const example = getExampleNumber(country, examples);
  if (!example) throw new Error(`no example mobile number for ${country}`);
  return { e164: example.number, callingCode: example.countryCallingCode };
}

/**
 * `count` destinations (about; each country's share rounded) in a shuffled order, drawn with a seeded random
 * source: the same seed gives the same list.
 */
export function generateDestinations(count: number, seed = 1): Destination[] {
  const rng = seededRng(seed);
  const total = DESTINATION_MIX.reduce((sum, c) => sum + c.share, 0);
  const list: Destination[] = [];
  for (const entry of DESTINATION_MIX) {
    const example = exampleNumber(entry.country);
    const stems = entry.stems ?? [example.e164.slice(0, 1 + example.callingCode.length + 2)];
    const wanted = Math.max(1, Math.round((count * entry.share) / total));
    let made = 0;
    for (let tries = 0; made < wanted && tries < wanted * TRIES_PER_NUMBER; tries++) {
      const stem = stems[tries % stems.length]!;
      let input = stem;
      while (input.length < example.e164.length) input += String(Math.floor(rng() * 10));
      const parsed = parseDestination(input);
      if (!parsed.ok || parsed.country !== entry.country) continue;
      list.push({ input, e164: parsed.e164, country: parsed.country });
      made++;
    }
    if (made < wanted) throw new Error(`only ${made} of ${wanted} valid numbers drawn for ${entry.country}`);
  }
  // Fisher–Yates, so consecutive lookups do not walk the same branch of the trie.
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}
