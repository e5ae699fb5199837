/**
 * SMPP time strings (§7.1.1) for validity_period: absolute `YYMMDDhhmmsstnnp` (p `+`/`-`: local time ahead of or
 * behind UTC by nn quarter hours) and relative `YYMMDDhhmmss000R`. Pure: the caller passes "now".
 */
import { ErrorCodes, SmppError } from "../../errors.js";
import { SmppStatus } from "../../smpp/command-status.js";

const SHAPE = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/;

function invalid(reason: string): SmppError {
  return new SmppError(ErrorCodes.SMPP_DECODE, SmppStatus.ESME_RINVEXPIRY, `validity_period ${reason}`);
}

/**
 * Seconds from `nowMs` until the validity ends, or undefined for an empty field (the default applies).
 * The result may be ≤ 0 for an absolute time already past: the caller refuses that.
 * @throws SmppError ESME_RINVEXPIRY when the string is not one of the two forms.
 */
export function validitySeconds(raw: string, nowMs: number): number | undefined {
  if (raw === "") return undefined;
  const m = SHAPE.exec(raw);
  if (!m) throw invalid("is neither YYMMDDhhmmsstnnp nor YYMMDDhhmmss000R");
  const [yy, mo, dd, hh, mi, ss, t, nn] = m.slice(1, 9).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const p = m[9];
  if (p === "R") {
    // Months and years have no fixed length; 30 and 365 days are what SMSCs commonly use.
    return (((yy * 365 + mo * 30 + dd) * 24 + hh) * 60 + mi) * 60 + ss;
  }
  // The month's own length (Date.UTC(y, m, 0) is the last day of month m): 31 February would roll into March.
  const monthDays = new Date(Date.UTC(2000 + yy, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || dd < 1 || dd > monthDays || hh > 23 || mi > 59 || ss > 59 || nn > 48) {
    throw invalid("has a field out of range");
  }
  const localAsUtc = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss, t * 100);
  const offsetMs = nn * 15 * 60_000 * (p === "+" ? 1 : -1);
  return Math.ceil((localAsUtc - offsetMs - nowMs) / 1000);
}
