/** Masking for values that may reach logs, metrics or CLI output: never a code or a message text in clear. */

/**
 * Hides at least half of a number, and at least four characters: `+6281234567890` → `+6281*******90`; a short
 * number keeps no tail (`+29051234` → `+290*****`), so that never fewer than 10,000 numbers match what is shown.
 */
export function maskMsisdn(msisdn: string): string {
  if (msisdn.length <= 6) return "*".repeat(msisdn.length);
  const masked = Math.max(4, Math.ceil(msisdn.length / 2));
  const tail = msisdn.length - masked >= 5 ? 2 : 0;
  const head = msisdn.length - masked - tail;
  return `${msisdn.slice(0, head)}${"*".repeat(masked)}${msisdn.slice(msisdn.length - tail)}`;
}

/** A message text is never shown: only its length, so operators can still reason about parts. */
export function maskText(text: string): string {
  return `[${text.length} chars]`;
}
