/**
 * SMPP relative time (§7.1.1): `YYMMDDhhmmss000R`, here for a number of seconds from now. Used for
 * validity_period so a carrier never keeps trying after the OTP has expired.
 */
export function relativeValidity(seconds: number): string {
  let rest = Math.max(1, Math.floor(seconds));
  const s = rest % 60;
  rest = Math.floor(rest / 60);
  const m = rest % 60;
  rest = Math.floor(rest / 60);
  const h = rest % 24;
  const days = Math.floor(rest / 24);
  const dd = Math.min(days, 99);
  const two = (n: number) => String(n).padStart(2, "0");
  return `0000${two(dd)}${two(h)}${two(m)}${two(s)}000R`;
}
