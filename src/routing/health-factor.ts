/**
 * The health factor of a carrier on a route, from its figures over the window (docs/routing.md, "Live health"):
 *
 *   factor = delivered share × latency score × conversion score, at least MIN_HEALTH_FACTOR
 *   delivered share = delivered / (delivered + failed receipts + DLR timeouts + refused submits)
 *   latency score   = 1 when the median DLR latency is within the target, else target / median
 *   (both 1 below min_samples attempts; the conversion score, 1 unless judged, comes from carrier-health.ts)
 *
 * For example 47 attempts, 19 delivered with a median receipt at 9.2 s against a target of 7.5 s:
 * 19/47 = 0.40, 7.5/9.2 = 0.82, factor 0.33: the carrier's weight counts a third. Pure, and the texts are built with
 * integer arithmetic (no float formatting on the hot path).
 */
import type { WindowFigures } from "./health-window.js";
import type { HealthSettings } from "./route.js";

/**
 * The least factor: a carrier that delivers nothing keeps a weight above zero, so the odds stay defined; the floor
 * share (not this) is what keeps its traffic up while it is available.
 */
export const MIN_HEALTH_FACTOR = 0.01;

export function healthFactor(
  figures: WindowFigures,
  settings: Pick<HealthSettings, "minSamples" | "latencyTargetMs">,
  conversionScore = 1,
): number {
  if (figures.attempts < settings.minSamples || figures.attempts === 0)
    return Math.max(MIN_HEALTH_FACTOR, conversionScore);
  const delivered = figures.delivered / figures.attempts;
  // NaN (nothing delivered) is not above the target: the delivered share (0) already says it all.
  const latency = figures.p50Ms > settings.latencyTargetMs ? settings.latencyTargetMs / figures.p50Ms : 1;
  return Math.max(MIN_HEALTH_FACTOR, delivered * latency * conversionScore);
}

/** A factor below 1 with two decimals, never shown as 1 ("0.35", "0.01", "0.99"). */
export function formatFactor(factor: number): string {
  if (factor >= 1) return "1";
  const hundredths = Math.min(99, Math.max(1, Math.round(factor * 100)));
  return hundredths < 10 ? `0.0${hundredths}` : `0.${hundredths}`;
}

/** `41 % delivered, p50 DLR 9.2 s over 47 attempts` (no median when nothing was delivered). */
export function describeFigures(figures: WindowFigures): string {
  const percent = Math.round((figures.delivered * 100) / Math.max(1, figures.attempts));
  const over = ` over ${figures.attempts} attempts`;
  // No median: nothing delivered, or only by conversion reports (no receipt to time).
  if (figures.delivered === 0 || Number.isNaN(figures.p50Ms)) return `${percent} % delivered${over}`;
  return `${percent} % delivered, p50 DLR ${formatTenths(figures.p50Ms / 1000)} s${over}`;
}

/**
 * `41 % of 120 deliveries converted (best 80 %)`: the conversion figures behind a conversion score below 1 (see
 * carrier-health.ts).
 */
export function describeConversions(delivered: number, converted: number, bestShare: number): string {
  const percent = Math.round((converted * 100) / Math.max(1, delivered));
  return `${percent} % of ${delivered} deliveries converted (best ${Math.round(bestShare * 100)} %)`;
}

/** A non-negative number with at most one decimal ("9.2", "12", "0.3"). */
function formatTenths(value: number): string {
  const tenths = Math.round(value * 10);
  const whole = Math.floor(tenths / 10);
  const rest = tenths - whole * 10;
  return rest === 0 ? `${whole}` : `${whole}.${rest}`;
}

/** A non-negative number with at most two decimals ("27", "20.2", "61.75"): the health-adjusted weight total. */
export function formatHundredths(value: number): string {
  const hundredths = Math.round(value * 100);
  const whole = Math.floor(hundredths / 100);
  const rest = hundredths - whole * 100;
  if (rest === 0) return `${whole}`;
  if (rest % 10 === 0) return `${whole}.${rest / 10}`;
  return rest < 10 ? `${whole}.0${rest}` : `${whole}.${rest}`;
}
