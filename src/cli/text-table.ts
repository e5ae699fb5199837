/**
 * Renders rows as a plain-text table with aligned columns. A column of numbers is right-aligned, its header
 * too; "-" stands for a missing number (e.g. a percentile of nothing) and does not make a column textual.
 */
export function renderTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map(
    (_, i) =>
      rows.some((r) => typeof r[i] === "number") &&
      rows.every((r) => typeof r[i] === "number" || r[i] === "-"),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  return [line(headers), rule, ...cells.slice(1).map(line)].join("\n");
}
