/**
 * The Grafana dashboard for otpgw (docs/dashboards/otpgw-grafana.json), built from the panel descriptions in
 * dashboard-rows.ts so that each panel is a line there rather than fifty lines of JSON. `npm run dashboard` writes the
 * file; the test suite checks the file is what this builds, that every query parses as PromQL (promtool) and reads
 * metrics and labels otpgw exports.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rows, type PanelSpec } from "./dashboard-rows.js";

const datasource = { type: "prometheus", uid: "${datasource}" };

function thresholdSteps(spec: PanelSpec["thresholds"]): unknown[] {
  if (!spec) return [{ color: "green", value: null }];
  const [orange, red] = spec.steps;
  return spec.reverse
    ? [
        { color: "red", value: null },
        { color: "orange", value: red },
        { color: "green", value: orange },
      ]
    : [
        { color: "green", value: null },
        { color: "orange", value: orange },
        { color: "red", value: red },
      ];
}

function panelJson(spec: PanelSpec, id: number, x: number, y: number): Record<string, unknown> {
  const width = spec.width ?? 12;
  return {
    id,
    type: spec.kind,
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos: { h: spec.kind === "stat" ? 4 : 8, w: width, x, y },
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        thresholds: { mode: "absolute", steps: thresholdSteps(spec.thresholds) },
        ...(spec.kind === "timeseries" && {
          custom: {
            fillOpacity: spec.stacked ? 40 : 10,
            stacking: { mode: spec.stacked ? "normal" : "none" },
          },
        }),
      },
      overrides: [],
    },
    options:
      spec.kind === "stat"
        ? { reduceOptions: { calcs: ["lastNotNull"] }, colorMode: "background", graphMode: "area" }
        : {
            legend: { displayMode: "table", placement: "bottom", calcs: ["mean", "max"] },
            tooltip: { mode: "multi" },
          },
    targets: spec.queries.map((query, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource,
      expr: query.expr,
      legendFormat: query.legend,
    })),
  };
}

function variable(name: string, label: string, query: string): Record<string, unknown> {
  return {
    name,
    label,
    type: "query",
    datasource,
    query: { query, refId: name },
    definition: query,
    includeAll: true,
    multi: true,
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    refresh: 2,
    sort: 1,
  };
}

/** The dashboard as Grafana's JSON model (import it, pick the Prometheus data source). */
export function buildDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({
      id: id++,
      type: "row",
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of row.panels) {
      const json = panelJson(spec, id++, x, y);
      const { w, h } = json.gridPos as { w: number; h: number };
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
        (json.gridPos as { x: number; y: number }).x = 0;
        (json.gridPos as { x: number; y: number }).y = y;
      }
      panels.push(json);
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    title: "otpgw",
    uid: "otpgw-overview",
    description: "OTP delivery through otpgw: messages, carriers, submitters, Redis and the process.",
    tags: ["otpgw", "sms", "smpp"],
    timezone: "utc",
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [
        { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {} },
        variable("instance", "Instance", "label_values(otpgw_carrier_bind_up, instance)"),
        variable("carrier", "Carrier", "label_values(otpgw_carrier_bind_up, carrier)"),
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** Every PromQL query of the dashboard with its panel's title (for the tests). */
export function dashboardQueries(): { panel: string; expr: string }[] {
  return rows.flatMap((row) =>
    row.panels.flatMap((panel) => panel.queries.map((query) => ({ panel: panel.title, expr: query.expr }))),
  );
}

export const dashboardFile = fileURLToPath(
  new URL("../../docs/dashboards/otpgw-grafana.json", import.meta.url),
);

/** The file's text: the dashboard as indented JSON. */
export function dashboardText(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(dashboardFile, dashboardText());
  process.stdout.write(`wrote ${dashboardFile}\n`);
}
