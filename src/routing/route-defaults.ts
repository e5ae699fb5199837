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

/** Live carrier health (routes.yaml `health:`), see docs/routing.md "Live health". */
export const healthDefaults = {
  /** On: routing follows the carriers' live figures; `enabled: false` keeps the configured weights alone. */
  enabled: true,
  /**
   * Ten minutes of attempts: enough for a few dozen on a quiet route, short enough that a carrier's bad quarter
   * of an hour fades within the next one.
   */
  windowSeconds: 600,
  /** Below twenty attempts a ratio is mostly chance (one failure moves it 5 points): the factor stays 1. */
  minSamples: 20,
  /**
   * A carrier keeps at least 5 % of the route's traffic (or its configured share, if smaller) however bad its
   * figures: enough attempts to notice its recovery within the window, few enough OTPs to spend on finding out.
   */
  floorPercent: 5,
  /**
   * The latency target, when a route sets none, is this fraction of its dlr_timeout: a carrier whose typical
   * receipt takes more than half the wait is close to timing out on many messages.
   */
  latencyTargetOfDlrTimeout: 0.5,
  /**
   * Most people type a code within a minute of its arrival: two minutes after a delivery, one whose code was not
   * used is counted as not converted.
   */
  conversionWaitSeconds: 120,
} as const;

export const healthLimits = {
  /** The window moves in tenths of itself; under ten seconds a tenth is too short to hold a receipt's wait. */
  windowSecondsMin: 10,
  /** A day: older figures describe another carrier. */
  windowSecondsMax: 86_400,
  /** More than this would never be reached within a window on most routes: a typo. */
  minSamplesMax: 100_000,
  /** A floor above half the traffic would overrule the weights themselves. */
  floorPercentMax: 50,
  /** An hour: no OTP lives longer than that, so a later conversion says nothing of the delivery. */
  conversionWaitSecondsMax: 3600,
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
