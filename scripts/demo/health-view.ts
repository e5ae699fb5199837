/**
 * What routing learned while the demo ran: each carrier's live health factor per route (docs/routing.md, "Live
 * health"), read from the daemon's own metrics. The flaky carrier's factor below 1 is why it got a smaller share of
 * new OTPs than its weight says as the run went on.
 */
import { parsePromText } from "../../src/cli/prom-text.js";
import { renderTable } from "../lib/table.js";

/** The health section of the summary, or a line saying why it is missing. */
export async function healthView(metricsPort: number): Promise<string> {
  let text: string;
  try {
    text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  } catch (error) {
    return `Live carrier health: not read (${error instanceof Error ? error.message : String(error)})`;
  }
  const rows = parsePromText(text)
    .filter((sample) => sample.name === "otpgw_carrier_health_factor")
    .map((sample): [string, string, string] => [
      sample.labels.get("route") ?? "?",
      sample.labels.get("carrier") ?? "?",
      sample.value.toFixed(2),
    ]);
  if (rows.length === 0) return "Live carrier health: no readings (health is off on every route)";
  rows.sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
  return (
    "Live carrier health at the end (weight multiplier per route; 1 = no change, lower = fewer new OTPs)\n" +
    renderTable(["route", "carrier", "factor"], rows)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")
  );
}
