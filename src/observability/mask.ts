/** Masking for values that may reach logs, metrics or CLI output: never a code or a message text in clear. */

/** Keeps the country-ish prefix and the last two digits: `+6281234567890` → `+6281******90`. */
export function maskMsisdn(msisdn: string): string {
  if (msisdn.length <= 6) return "*".repeat(msisdn.length);
  const head = msisdn.slice(0, 5);
  const tail = msisdn.slice(-2);
  return `${head}${"*".repeat(msisdn.length - 7)}${tail}`;
}

/** A message text is never shown: only its length, so operators can still reason about parts. */
export function maskText(text: string): string {
  return `[${text.length} chars]`;
}
