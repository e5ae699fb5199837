import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberWithError,
  type PhoneNumber,
} from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it } from "vitest";
import { fastE164, numberType } from "../../../src/routing/number-type.js";

/** A small deterministic generator (mulberry32): the same numbers on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parsed(text: string): PhoneNumber | undefined {
  try {
    return parsePhoneNumberWithError(text, { extract: false });
  } catch {
    return undefined;
  }
}

/** Numbers of every country: examples, examples with their tails changed, random digits, national-prefix starts. */
function numbersOfEveryCountry(seed: number): string[] {
  const next = random(seed);
  const digits = (count: number): string =>
    Array.from({ length: count }, () => Math.floor(next() * 10)).join("");
  const numbers: string[] = [];
  for (const country of getCountries()) {
    const code = getCountryCallingCode(country);
    const example = getExampleNumber(country, examples)?.nationalNumber ?? "";
    numbers.push(`+${code}${example}`, `+${code}0${example}`, `+${code}1${example}`);
    for (let i = 0; i < 40; i++) {
      const keep = Math.floor(next() * example.length);
      numbers.push(`+${code}${example.slice(0, keep)}${digits(Math.max(1, example.length - keep))}`);
      numbers.push(`+${code}${digits(4 + Math.floor(next() * 10))}`);
    }
  }
  return numbers;
}

describe("number type with compiled patterns", () => {
  it("says what libphonenumber-js's getType says, for numbers of every country", () => {
    const next = random(20261122);
    const digits = (count: number): string =>
      Array.from({ length: count }, () => Math.floor(next() * 10)).join("");
    const counts = new Map<string, number>();
    let compared = 0;
    for (const country of getCountries()) {
      const code = getCountryCallingCode(country);
      const example = getExampleNumber(country, examples)?.nationalNumber ?? "";
      const candidates = [example];
      for (let i = 0; i < 40; i++) {
        // The example with its tail changed (mostly valid mobiles), and random numbers (mostly other types or
        // invalid ones), of lengths around the country's.
        const keep = Math.floor(next() * example.length);
        candidates.push(example.slice(0, keep) + digits(Math.max(1, example.length - keep)));
        candidates.push(digits(4 + Math.floor(next() * 10)));
      }
      for (const national of candidates) {
        const number = parsed(`+${code}${national}`);
        if (!number?.country) continue;
        const expected = number.getType();
        expect(numberType(number.country, number.nationalNumber), `+${code}${national}`).toBe(expected);
        counts.set(expected ?? "invalid", (counts.get(expected ?? "invalid") ?? 0) + 1);
        compared++;
      }
    }
    // The comparison covered valid numbers of several types and invalid ones, not just one kind.
    expect(compared).toBeGreaterThan(15_000);
    for (const kind of ["MOBILE", "FIXED_LINE", "FIXED_LINE_OR_MOBILE", "invalid"]) {
      expect(counts.get(kind) ?? 0, kind).toBeGreaterThan(50);
    }
    const rarer = ["TOLL_FREE", "PREMIUM_RATE", "VOIP", "SHARED_COST", "UAN", "PERSONAL_NUMBER"];
    expect(rarer.reduce((sum, kind) => sum + (counts.get(kind) ?? 0), 0)).toBeGreaterThan(20);
  });

  it("splits a number as the library's parse does, or leaves it to the library", () => {
    let fast = 0;
    let valid = 0;
    for (const input of numbersOfEveryCountry(7)) {
      const parts = fastE164(input);
      const number = parsed(input);
      const type = number?.country ? number.getType() : undefined;
      if (type !== undefined) valid++;
      if (!parts) continue;
      fast++;
      // Whatever the fast path answers, the library answers the same: valid, same country, digits and type.
      expect({ ...parts, e164: input }, input).toEqual({
        country: number?.country,
        nationalNumber: number?.nationalNumber,
        type,
        e164: number?.number,
      });
    }
    // It answers for most valid numbers (not only for a few), and leaves the rest to the library.
    expect(valid).toBeGreaterThan(8_000);
    expect(fast).toBeGreaterThan(valid * 0.6);
    expect(fastE164("+6281234567890")).toMatchObject({ country: "ID", type: "MOBILE" });
    // A shared calling code, a national-prefix start and a non-geographic code go to the library.
    expect(fastE164("+14155550123")).toBeUndefined();
    expect(fastE164("+62081234567890")).toBeUndefined();
    expect(fastE164("+80012345678")).toBeUndefined();
  });
});
