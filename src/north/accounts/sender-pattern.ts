/**
 * Sender id patterns of an account: an exact string, or a glob where `*` matches any run of characters
 * (`Acme*` allows `AcmeOTP` and `Acme`; `*` allows every sender). Matching is case-sensitive, as handsets
 * show the sender exactly as sent.
 */

/** True when `sender` matches one of `patterns`. */
export function senderAllowed(patterns: readonly string[], sender: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, sender));
}

/**
 * Wildcard matching without regular expressions: linear in practice and immune to patterns written to
 * backtrack catastrophically. The classic two-pointer algorithm: on a mismatch after a `*`, let the star
 * swallow one more character and retry.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === "*") {
      starAt = p++;
      resumeAt = v;
    } else if (starAt !== -1) {
      p = starAt + 1;
      v = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}
