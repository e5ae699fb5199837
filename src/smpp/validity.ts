/**
 * SMPP absolute time (§7.1.1) in UTC: `YYMMDDhhmmsst00+` (t tenths of a second, offset 00 quarter hours), as in
 * query_sm_resp's final_date. Written as a string, never handed to node-smpp as a Date (SMPP-NOTES B.14).
 */
export function absoluteTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    two(d.getUTCFullYear() % 100) +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes()) +
    two(d.getUTCSeconds()) +
    String(Math.floor(d.getUTCMilliseconds() / 100)) +
    "00+"
  );
}

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
