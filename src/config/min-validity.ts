/**
 * The shortest validity (s) an OTP can be delivered in: no attempt starts within `min_remaining_validity_seconds` of
 * its expiry, so a shorter validity could only expire. Submits, accounts and routes are held to it.
 */
export function minValiditySeconds(delivery: { minRemainingValidityMs: number }): number {
  return Math.floor(delivery.minRemainingValidityMs / 1000) + 1;
}

/** The configuration problem of a validity below `minSeconds` (accounts.yaml, routes.yaml). */
export function shortValidityReason(minSeconds: number): string {
  return `must be at least ${minSeconds} (delivery.min_remaining_validity_seconds + 1): no attempt starts closer to an OTP's expiry, so a shorter validity could only expire`;
}
