/** The conversion section of the demo's summary as text: the table, then the line that makes the point. */
import { renderTable } from "../lib/table.js";
import type { ConversionFigures } from "./conversion-summary.js";
import type { ConversionPlan } from "./conversion-platform.js";
import { indent, wrap } from "./text-wrap.js";

function percent(share: number | undefined): string {
  return share === undefined ? "-" : `${(100 * share).toFixed(1)} %`;
}

/** Right-aligned in a column of percentages ("100.0 %" is the widest). */
function percentCell(share: number | undefined): string {
  return percent(share).padStart(7);
}

/** The line comparing the lying carrier with the others, in the run's own figures (it may not come out as planned). */
function pointLine(figures: ConversionFigures): string {
  const liar = figures.rows.find((r) => r.label === figures.lyingCarrier);
  const others = figures.others;
  if (!liar || liar.share === undefined || others.share === undefined)
    return `${figures.lyingCarrier}: too few deliveries this run to compare conversion shares`;
  const said = `${liar.label}: ${percent(liar.delivrdShare)} of its receipts said DELIVRD`;
  const against = `against ${percent(others.share)} on the other carriers (${others.converted} of ${others.delivered})`;
  if (liar.share >= others.share)
    return `${said}, and ${percent(liar.share)} of its deliveries were converted, ${against}: no lie showed this run`;
  return (
    `${said}, yet only ${percent(liar.share)} of the codes it delivered were used (${liar.converted} of ` +
    `${liar.delivered}), ${against}. Its receipts alone make it look healthy: only the conversions show that ` +
    "its DELIVRD lies."
  );
}

export function conversionSection(figures: ConversionFigures, plan: ConversionPlan): string {
  const heading = [
    "Conversions: the codes people used, as otpgw counts them",
    indent(
      wrap(
        `A person uses a delivered code with probability ${Math.round(100 * plan.useShare)} %; the demo's ` +
          `platform reports it ${plan.delayMs.min}-${plan.delayMs.max} ms after the final webhook. ` +
          `${plan.lyingCarrier}'s DELIVRD is false for ${Math.round(100 * plan.neverArrivedShare)} % of the ` +
          "messages it delivers: those codes never arrive, so they are never used. Nor are those of the pumping " +
          "attack's range walk: its numbers are the fraudster's.",
      ),
    ),
  ].join("\n");
  if (figures.metricsError !== undefined)
    return `${heading}\n  otpgw's conversion counters not read (${figures.metricsError})`;
  const rows = figures.rows.map((r) => [
    r.label,
    percentCell(r.delivrdShare),
    r.delivered,
    r.converted,
    percentCell(r.share),
  ]);
  const p = figures.platform;
  return [
    heading,
    indent(
      renderTable(["delivered by", "DELIVRD share", "delivered", "converted", "conversion share"], rows),
    ),
    "  delivered, converted: otpgw_conversions_expected_total and otpgw_conversions_total from otpgw's /metrics,",
    "  by the carrier or channel credited with the delivery. DELIVRD share: of the carrier's receipts (the attempts",
    "  in GET /v1/messages/:id), those that said DELIVRD.",
    indent(wrap(pointLine(figures))),
    indent(
      wrap(
        `Platform: ${p.delivered} delivered messages seen; ${p.pumped} to the pumping attack's numbers (never ` +
          `used), ${p.neverArrived} codes never arrived (false DELIVRD), ` +
          `${p.notUsed} not used, ${p.reported} reported used (${p.answered200} answered 200; ` +
          `${figures.convertedViews} messages show converted_at).`,
      ),
    ),
  ].join("\n");
}
