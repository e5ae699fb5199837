/**
 * Finding the OTP code in a message's text: WhatsApp's authentication templates and a voice call carry the code
 * alone, never the SMS text (which may hold a brand, a warning, a link). Each account may set its own pattern
 * (accounts.yaml `otp_code_pattern`); the default takes the first run of 4 to 8 digits standing alone.
 */

/** The first run of 4–8 digits not part of a longer number ("Your code is 483920." → 483920). */
export const defaultOtpCodePattern = "(?<!\\d)\\d{4,8}(?!\\d)";

export const otpCodeLimits = {
  /** Longer patterns are surely a mistake, and a pattern runs on every escalated message. */
  patternMaxLength: 200,
  /** What a template parameter or a call may carry: authentication templates allow at most 15 characters. */
  codeMaxLength: 15,
} as const;

/** Why `source` cannot be an OTP code pattern, if it cannot (for accounts.yaml's validation). */
export function otpCodePatternProblem(source: string): string | undefined {
  if (source.length > otpCodeLimits.patternMaxLength)
    return `must be at most ${otpCodeLimits.patternMaxLength} characters`;
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, "u");
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
  if (pattern.test("")) return "matches an empty text: it would find a code in every message";
  return undefined;
}

const compiled = new Map<string, RegExp>();

/** An account's pattern (validated already), or the default, compiled once per distinct source. */
export function otpCodePattern(source: string | undefined): RegExp {
  const key = source ?? defaultOtpCodePattern;
  let pattern = compiled.get(key);
  if (pattern === undefined) {
    // Bounded by the sources ever configured: accounts.yaml's, across reloads.
    pattern = new RegExp(key, "u");
    compiled.set(key, pattern);
  }
  return pattern;
}

/**
 * The code in `text`: the pattern's first capture group if it has one and it matched, else the whole match;
 * undefined when nothing matches or the match is empty or longer than a template parameter allows.
 */
export function otpCodeIn(text: string, pattern: RegExp): string | undefined {
  const match = pattern.exec(text);
  if (match === null) return undefined;
  const code = (match.length > 1 ? match[1] : undefined) ?? match[0];
  const trimmed = code.trim();
  return trimmed === "" || trimmed.length > otpCodeLimits.codeMaxLength ? undefined : trimmed;
}
