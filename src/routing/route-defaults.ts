/**
 * Defaults and limits of routes.yaml, in one place. docs/routing.md and the example routes.yaml repeat
 * these values: change them together.
 */

export const routeDefaults = {
  /**
   * Most receipts arrive within seconds; a carrier that has not answered in 30 s is likely to be late or
   * silent, and an OTP's user is waiting, so the next carrier gets the message.
   */
  dlrTimeoutSeconds: 30,
  /** Five minutes: the common lifetime of an OTP, when the submitter gives none. */
  validitySeconds: 300,
  /** One hour: longer-lived codes are not OTPs, and a carrier would keep retrying them all that time. */
  maxValiditySeconds: 3600,
  /** A carrier with no weight gets an equal share. */
  weight: 1,
} as const;

export const routeLimits = {
  /**
   * SMSCs commonly cap a message's validity at a few days; a week is far above any OTP, so a larger value is
   * a typo (say, minutes written as seconds).
   */
  validitySecondsMax: 604_800,
  /** A receipt later than a day is no use for an OTP; a larger value is a typo. */
  dlrTimeoutSecondsMax: 86_400,
  /** Weights are relative shares; a million to one is already beyond any meaningful split. */
  weightMax: 1_000_000,
  /**
   * Selection tracks a route's candidates in a 31-bit mask (no allocation per message); no destination has
   * anywhere near that many carriers.
   */
  carriersPerRouteMax: 31,
  /** Route names appear in explanations, logs and metric labels, like carrier ids. */
  namePattern: /^[a-z0-9][a-z0-9-]*$/,
  nameMaxLength: 63,
} as const;
